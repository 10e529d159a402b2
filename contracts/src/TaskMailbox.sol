// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {CodeStore} from "./libraries/CodeStore.sol";
import {OperatorSet, OperatorSetLib} from "./libraries/OperatorSetLib.sol";
import {IAVSTaskHook} from "./interfaces/IAVSTaskHook.sol";
import {IBaseCertificateVerifier} from "./interfaces/IBaseCertificateVerifier.sol";
import {IBN254CertificateVerifier, IBN254CertificateVerifierTypes} from "./interfaces/IBN254CertificateVerifier.sol";
import {IECDSACertificateVerifier, IECDSACertificateVerifierTypes} from "./interfaces/IECDSACertificateVerifier.sol";
import {IERC20} from "./interfaces/IERC20.sol";
import {IKeyRegistrarTypes} from "./interfaces/IKeyRegistrar.sol";
import {ITaskMailbox} from "./interfaces/ITaskMailbox.sol";

/// @title TaskMailbox
/// @notice EigenLayer's Hourglass TaskMailbox, current ABI (hourglass-protocol.md §2): every
///         function, event and error keeps its signature and meaning, and taskHash, messageHash
///         and the certificate checks are bit-exact, so tools written for EigenLayer work on it.
/// @dev    What is stored differs, to make a task cheap:
///         - A task is ONE storage slot: refund collector, creation time, reference timestamp, a
///           24-bit snapshot id and a state byte. Creator, operator set, fee split and the task
///           config are shared by all tasks with the same (creator, set, config version, fee
///           split) through that snapshot; avsFee gets its own slot only when non-zero.
///         - Configs are versioned and never overwritten, so a task's snapshot stays exact.
///         - The result of a verified task is kept as contract code at an address derived from
///           the task hash (CodeStore.storeAt): ~200 gas/byte instead of ~690 in slots, and no
///           pointer to store. getTaskResult and getTaskInfo().result read it back.
///         - The payload and the executor certificate are NOT stored: getTaskInfo returns them
///           empty. Both are in the TaskCreated / TaskVerified events (topic2 = taskHash).
///         - The BN254 certificate is forwarded to the verifier as the raw ABI tuple it came in,
///           without a decode/re-encode round trip (the verifier decodes it from calldata).
contract TaskMailbox is ITaskMailbox {
    using OperatorSetLib for OperatorSet;

    uint16 internal constant ONE_HUNDRED_IN_BIPS = 10_000;

    /// @dev state byte of a task
    uint8 private constant STATE_CREATED = 1;
    uint8 private constant STATE_VERIFIED = 2;
    uint8 private constant STATUS_MASK = 3;
    uint8 private constant FLAG_REFUNDED = 4;
    uint8 private constant FLAG_AVS_FEE = 8;

    /// @dev transient slot of the reentrancy lock: keccak256("faas.TaskMailbox.lock")
    uint256 private constant LOCK_SLOT = 0x052484955878c463b3c2b3fbc2f2eb6f1bc5debffc652287c5308e72b5845769;

    address public immutable BN254_CERTIFICATE_VERIFIER;
    address public immutable ECDSA_CERTIFICATE_VERIFIER;
    uint96 public immutable MAX_TASK_SLA;
    address private immutable _deployer;

    /// @dev one slot: read and written by every createTask
    struct Global {
        uint64 taskCount;
        uint16 feeSplit;
        address feeSplitCollector;
    }

    /// @dev live registration of an executor operator set
    struct SetRecord {
        bool registered;
        uint32 configVersion; // 0 = no config yet
    }

    /// @dev one config version, packed
    struct StoredConfig {
        address taskHook;
        uint96 taskSLA;
        address feeToken;
        IKeyRegistrarTypes.CurveType curveType;
        ConsensusType consensusType;
        uint16 thresholdBps;
        address feeCollector;
        bytes taskMetadata;
    }

    /// @dev A task's snapshot as the code uses it (loaded by _snapshot).
    struct Snapshot {
        address avs;
        uint32 executorOperatorSetId;
        uint96 taskSLA;
        IKeyRegistrarTypes.CurveType curveType;
        ConsensusType consensusType;
        uint16 thresholdBps;
        bool hasFeeToken;
        address taskHook;
    }

    /// @dev What createTask and submitResult need of a snapshot, in ONE slot; the hook is the AVS
    ///      itself (as for FaaS) or else kept in _snapshotHook.
    struct StoredSnapshot {
        address avs;
        uint32 executorOperatorSetId;
        uint32 taskSLA;
        uint8 flags; // SNAP_* bits
        uint16 thresholdBps;
    }

    /// @dev the rest of a snapshot, read only by views and fee payments
    struct SnapshotMeta {
        address creator;
        uint32 configVersion;
        uint16 feeSplit;
    }

    uint8 private constant SNAP_CURVE_MASK = 3; // IKeyRegistrarTypes.CurveType
    uint8 private constant SNAP_THRESHOLD = 4; // ConsensusType.STAKE_PROPORTION_THRESHOLD
    uint8 private constant SNAP_FEE_TOKEN = 8;
    uint8 private constant SNAP_HOOK_IS_AVS = 16;

    /// @dev one slot per task
    struct TaskRecord {
        address refundCollector;
        uint32 creationTime;
        uint32 referenceTimestamp;
        uint24 snapshotId;
        uint8 state;
    }

    address public owner;
    Global internal _global;
    uint24 internal _snapshotCount;
    bool internal _initialized;
    mapping(bytes32 operatorSetKey => SetRecord) internal _sets;
    mapping(bytes32 operatorSetKey => mapping(uint32 version => StoredConfig)) internal _configs;
    mapping(uint256 snapshotId => StoredSnapshot) internal _snapshots;
    mapping(uint256 snapshotId => SnapshotMeta) internal _snapshotMeta;
    mapping(uint256 snapshotId => address) internal _snapshotHook;
    /// @dev keccak256(creator, operatorSetKey) => snapshot id | configVersion << 24 | feeSplit << 56
    mapping(bytes32 => uint256) internal _currentSnapshot;
    mapping(bytes32 taskHash => TaskRecord) internal _tasks;
    mapping(bytes32 taskHash => uint96) internal _avsFees;

    event OwnershipTransferred(address indexed previousOwner, address indexed newOwner);

    error OnlyOwner();
    error AlreadyInitialized();
    error ReentrantCall();
    error MalformedCertificate();
    error TooManySnapshots();
    error FeeTransferFailed();
    error InvalidMaxTaskSLA();

    modifier onlyOwner() {
        if (msg.sender != owner) revert OnlyOwner();
        _;
    }

    modifier nonReentrant() {
        bool locked;
        assembly {
            locked := tload(LOCK_SLOT)
        }
        if (locked) revert ReentrantCall();
        assembly {
            tstore(LOCK_SLOT, 1)
        }
        _;
        assembly {
            tstore(LOCK_SLOT, 0)
        }
    }

    /// @param bn254CertificateVerifier  verifier for CurveType.BN254 sets
    /// @param ecdsaCertificateVerifier  verifier for CurveType.ECDSA sets (0: ECDSA unsupported)
    /// @param maxTaskSLA                upper bound of any set's taskSLA (EigenLayer: 7 days)
    /// @dev maxTaskSLA must fit 32 bits (136 years): snapshots keep the SLA in 32 bits.
    constructor(address bn254CertificateVerifier, address ecdsaCertificateVerifier, uint96 maxTaskSLA) {
        if (maxTaskSLA > type(uint32).max) revert InvalidMaxTaskSLA();
        BN254_CERTIFICATE_VERIFIER = bn254CertificateVerifier;
        ECDSA_CERTIFICATE_VERIFIER = ecdsaCertificateVerifier;
        MAX_TASK_SLA = maxTaskSLA;
        _deployer = msg.sender;
    }

    /// @inheritdoc ITaskMailbox
    /// @dev Once, by the deployer (no proxy here, so nobody else may front-run it).
    function initialize(address _owner, uint16 _feeSplit, address _feeSplitCollector) external {
        if (_initialized || msg.sender != _deployer) revert AlreadyInitialized();
        _initialized = true;
        _transferOwnership(_owner);
        _setFeeSplit(_feeSplit);
        _setFeeSplitCollector(_feeSplitCollector);
    }

    function transferOwnership(address newOwner) external onlyOwner {
        _transferOwnership(newOwner);
    }

    // ------------------------------------------------------------------ operator sets

    /// @inheritdoc ITaskMailbox
    function setExecutorOperatorSetTaskConfig(
        OperatorSet memory operatorSet,
        ExecutorOperatorSetTaskConfig memory config
    ) external {
        if (
            config.curveType == IKeyRegistrarTypes.CurveType.NONE || address(config.taskHook) == address(0)
                || config.taskSLA == 0
        ) revert ExecutorOperatorSetTaskConfigNotSet();
        if (config.taskSLA > MAX_TASK_SLA) revert TaskSLAExceedsMaximum();
        uint16 bps = _validateConsensus(config.consensus);
        _validateOperatorSetOwner(operatorSet, config.curveType);

        bytes32 key = operatorSet.key();
        SetRecord memory set = _sets[key];
        uint32 version = set.configVersion + 1;
        _configs[key][version] = StoredConfig({
            taskHook: address(config.taskHook),
            taskSLA: config.taskSLA,
            feeToken: address(config.feeToken),
            curveType: config.curveType,
            consensusType: config.consensus.consensusType,
            thresholdBps: bps,
            feeCollector: config.feeCollector,
            taskMetadata: config.taskMetadata
        });
        _sets[key] = SetRecord(set.registered, version);
        emit ExecutorOperatorSetTaskConfigSet(msg.sender, operatorSet.avs, operatorSet.id, config);
        if (!set.registered) _registerExecutorOperatorSet(operatorSet, key, true);
    }

    /// @inheritdoc ITaskMailbox
    function registerExecutorOperatorSet(OperatorSet memory operatorSet, bool isRegistered) external {
        bytes32 key = operatorSet.key();
        uint32 version = _sets[key].configVersion;
        if (version == 0) revert ExecutorOperatorSetTaskConfigNotSet();
        _validateOperatorSetOwner(operatorSet, _configs[key][version].curveType);
        _registerExecutorOperatorSet(operatorSet, key, isRegistered);
    }

    function _registerExecutorOperatorSet(OperatorSet memory operatorSet, bytes32 key, bool isRegistered) private {
        _sets[key].registered = isRegistered;
        emit ExecutorOperatorSetRegistered(msg.sender, operatorSet.avs, operatorSet.id, isRegistered);
    }

    // ------------------------------------------------------------------ tasks

    /// @inheritdoc ITaskMailbox
    /// @dev §2.5, in order: payload, registration, table staleness, hook validation and fee,
    ///      taskHash = keccak256(abi.encode(count, this, chainid, taskParams)), store, fee, hook.
    function createTask(TaskParams calldata taskParams) external nonReentrant returns (bytes32 taskHash) {
        if (taskParams.payload.length == 0) revert PayloadIsEmpty();
        OperatorSet calldata opSet = taskParams.executorOperatorSet;
        bytes32 key = OperatorSetLib.keyOf(opSet.avs, opSet.id);
        SetRecord memory set = _sets[key];
        if (!set.registered) revert ExecutorOperatorSetNotRegistered();
        Global memory g = _global;
        uint24 snapId = _snapshotFor(msg.sender, key, set.configVersion, g.feeSplit, opSet);
        Snapshot memory snap = _snapshot(snapId);
        uint32 refTs = _checkTableFreshness(snap, opSet);

        IAVSTaskHook hook = IAVSTaskHook(snap.taskHook);
        hook.validatePreTaskCreation(msg.sender, taskParams);
        uint96 avsFee = hook.calculateTaskFee(taskParams);

        taskHash = keccak256(abi.encode(uint256(g.taskCount), address(this), block.chainid, taskParams));
        _global.taskCount = g.taskCount + 1;

        uint8 state = STATE_CREATED;
        if (avsFee != 0) {
            state |= FLAG_AVS_FEE;
            _avsFees[taskHash] = avsFee;
        }
        _tasks[taskHash] = TaskRecord(taskParams.refundCollector, _now32(), refTs, snapId, state);
        if (snap.hasFeeToken && avsFee != 0) {
            _collectFee(_configs[key][set.configVersion], taskParams.refundCollector, avsFee);
        }

        hook.handlePostTaskCreation(taskHash);
        _emitTaskCreated(taskHash, taskParams, refTs, avsFee, snap.taskSLA);
    }

    function _emitTaskCreated(
        bytes32 taskHash,
        TaskParams calldata taskParams,
        uint32 refTs,
        uint96 avsFee,
        uint96 taskSLA
    ) private {
        emit TaskCreated(
            msg.sender,
            taskHash,
            taskParams.executorOperatorSet.avs,
            taskParams.executorOperatorSet.id,
            refTs,
            taskParams.refundCollector,
            avsFee,
            block.timestamp + taskSLA,
            taskParams.payload
        );
    }

    /// @dev §2.5 step 2: the set's latest table must outlive the task: maxStale == 0 or
    ///      now + taskSLA <= refTs + maxStale. Returns the table's reference timestamp.
    function _checkTableFreshness(Snapshot memory snap, OperatorSet calldata opSet) private view returns (uint32 refTs) {
        IBaseCertificateVerifier verifier = IBaseCertificateVerifier(_certificateVerifier(snap.curveType));
        refTs = verifier.latestReferenceTimestamp(opSet);
        uint256 maxStale = verifier.maxOperatorTableStaleness(opSet);
        if (maxStale != 0 && block.timestamp + snap.taskSLA > uint256(refTs) + maxStale) revert CertificateStale();
    }

    /// @dev §2.5 step 6: both receivers must exist, then the creator pays the mailbox.
    function _collectFee(StoredConfig storage cfg, address refundCollector, uint96 avsFee) private {
        if (cfg.feeCollector == address(0) || refundCollector == address(0)) revert InvalidFeeReceiver();
        _safeTransferFrom(cfg.feeToken, msg.sender, avsFee);
    }

    /// @inheritdoc ITaskMailbox
    /// @dev §2.7: CREATED and not expired, not in the creation block, hook check, certificate
    ///      bound to messageHash = keccak256(abi.encode(taskHash, result)) and to the task's
    ///      reference timestamp, threshold per the snapshot's consensus; then VERIFIED, fees, hook.
    function submitResult(bytes32 taskHash, bytes calldata executorCert, bytes calldata result)
        external
        nonReentrant
    {
        TaskRecord memory t = _tasks[taskHash];
        Snapshot memory snap = _snapshot(t.snapshotId);
        TaskStatus status = _status(t, snap.taskSLA);
        if (status != TaskStatus.CREATED) revert InvalidTaskStatus(TaskStatus.CREATED, status);
        if (block.timestamp <= t.creationTime) revert TimestampAtCreation();

        IAVSTaskHook(snap.taskHook).validatePreTaskResultSubmission(msg.sender, taskHash, executorCert, result);

        _verifyExecutorCertificate(snap, t.referenceTimestamp, getMessageHash(taskHash, result), executorCert);

        _tasks[taskHash].state = (t.state & ~STATUS_MASK) | STATE_VERIFIED;
        CodeStore.storeAt(taskHash, result);

        if (snap.hasFeeToken && t.state & FLAG_AVS_FEE != 0) _payFee(taskHash, snap);

        IAVSTaskHook(snap.taskHook).handlePostTaskResultSubmission(msg.sender, taskHash);
        emit TaskVerified(msg.sender, taskHash, snap.avs, snap.executorOperatorSetId, executorCert, result);
    }

    /// @inheritdoc ITaskMailbox
    function refundFee(bytes32 taskHash) external nonReentrant {
        TaskRecord memory t = _tasks[taskHash];
        if (t.refundCollector != msg.sender) revert OnlyRefundCollector();
        if (t.state & FLAG_REFUNDED != 0) revert FeeAlreadyRefunded();
        Snapshot memory snap = _snapshot(t.snapshotId);
        TaskStatus status = _status(t, snap.taskSLA);
        if (status != TaskStatus.EXPIRED) revert InvalidTaskStatus(TaskStatus.EXPIRED, status);

        _tasks[taskHash].state = t.state | FLAG_REFUNDED;
        uint96 avsFee = t.state & FLAG_AVS_FEE != 0 ? _avsFees[taskHash] : 0;
        if (snap.hasFeeToken && avsFee != 0) {
            _safeTransfer(_configs[_snapKey(snap)][_snapshotMeta[t.snapshotId].configVersion].feeToken, msg.sender, avsFee);
        }
        emit FeeRefunded(msg.sender, taskHash, avsFee);
    }

    // ------------------------------------------------------------------ fee split

    /// @inheritdoc ITaskMailbox
    function setFeeSplit(uint16 _feeSplit) external onlyOwner {
        _setFeeSplit(_feeSplit);
    }

    /// @inheritdoc ITaskMailbox
    function setFeeSplitCollector(address _feeSplitCollector) external onlyOwner {
        _setFeeSplitCollector(_feeSplitCollector);
    }

    function _setFeeSplit(uint16 _feeSplit) private {
        if (_feeSplit > ONE_HUNDRED_IN_BIPS) revert InvalidFeeSplit();
        _global.feeSplit = _feeSplit;
        emit FeeSplitSet(_feeSplit);
    }

    function _setFeeSplitCollector(address _feeSplitCollector) private {
        if (_feeSplitCollector == address(0)) revert InvalidAddressZero();
        _global.feeSplitCollector = _feeSplitCollector;
        emit FeeSplitCollectorSet(_feeSplitCollector);
    }

    function _transferOwnership(address newOwner) private {
        if (newOwner == address(0)) revert InvalidAddressZero();
        emit OwnershipTransferred(owner, newOwner);
        owner = newOwner;
    }

    // ------------------------------------------------------------------ internals

    /// @dev The snapshot of (creator, set, current config version, current fee split), created the
    ///      first time that combination creates a task.
    function _snapshotFor(
        address creator,
        bytes32 key,
        uint32 version,
        uint16 feeSplit_,
        OperatorSet calldata opSet
    ) private returns (uint24 id) {
        bytes32 ck = keccak256(abi.encode(creator, key));
        uint256 cur = _currentSnapshot[ck];
        if (cur != 0 && uint32(cur >> 24) == version && uint16(cur >> 56) == feeSplit_) return uint24(cur);

        if (_snapshotCount == type(uint24).max) revert TooManySnapshots();
        id = ++_snapshotCount;
        StoredConfig storage cfg = _configs[key][version];
        address hook = cfg.taskHook;
        uint8 flags = uint8(cfg.curveType);
        if (cfg.consensusType == ConsensusType.STAKE_PROPORTION_THRESHOLD) flags |= SNAP_THRESHOLD;
        if (cfg.feeToken != address(0)) flags |= SNAP_FEE_TOKEN;
        if (hook == opSet.avs) flags |= SNAP_HOOK_IS_AVS;
        else _snapshotHook[id] = hook;
        // forge-lint: disable-next-line(unsafe-typecast)
        _snapshots[id] = StoredSnapshot(opSet.avs, opSet.id, uint32(cfg.taskSLA), flags, cfg.thresholdBps);
        _snapshotMeta[id] = SnapshotMeta(creator, version, feeSplit_);
        _currentSnapshot[ck] = uint256(id) | uint256(version) << 24 | uint256(feeSplit_) << 56;
    }

    function _snapshot(uint256 id) private view returns (Snapshot memory snap) {
        StoredSnapshot memory s = _snapshots[id];
        snap.avs = s.avs;
        snap.executorOperatorSetId = s.executorOperatorSetId;
        snap.taskSLA = s.taskSLA;
        snap.curveType = IKeyRegistrarTypes.CurveType(s.flags & SNAP_CURVE_MASK);
        snap.consensusType = s.flags & SNAP_THRESHOLD != 0 ? ConsensusType.STAKE_PROPORTION_THRESHOLD : ConsensusType.NONE;
        snap.thresholdBps = s.thresholdBps;
        snap.hasFeeToken = s.flags & SNAP_FEE_TOKEN != 0;
        snap.taskHook = s.flags & SNAP_HOOK_IS_AVS != 0 ? s.avs : _snapshotHook[id];
    }

    function _snapKey(Snapshot memory snap) private pure returns (bytes32) {
        return OperatorSetLib.keyOf(snap.avs, snap.executorOperatorSetId);
    }

    /// @dev §2.6: EXPIRED is never stored; a CREATED task past creationTime + taskSLA reads EXPIRED.
    function _status(TaskRecord memory t, uint96 taskSLA) private view returns (TaskStatus) {
        uint8 s = t.state & STATUS_MASK;
        if (s == STATE_CREATED && block.timestamp > uint256(t.creationTime) + taskSLA) return TaskStatus.EXPIRED;
        return TaskStatus(s);
    }

    function _now32() private view returns (uint32) {
        // forge-lint: disable-next-line(unsafe-typecast)
        return uint32(block.timestamp); // valid until 2106
    }

    function _certificateVerifier(IKeyRegistrarTypes.CurveType curveType) private view returns (address v) {
        if (curveType == IKeyRegistrarTypes.CurveType.BN254) v = BN254_CERTIFICATE_VERIFIER;
        else if (curveType == IKeyRegistrarTypes.CurveType.ECDSA) v = ECDSA_CERTIFICATE_VERIFIER;
        if (v == address(0)) revert InvalidCurveType();
    }

    function _validateOperatorSetOwner(OperatorSet memory operatorSet, IKeyRegistrarTypes.CurveType curveType)
        private
        view
    {
        address verifier = _certificateVerifier(curveType);
        if (IBaseCertificateVerifier(verifier).getOperatorSetOwner(operatorSet) != msg.sender) {
            revert InvalidOperatorSetOwner();
        }
    }

    /// @dev NONE: empty value; STAKE_PROPORTION_THRESHOLD: abi.encode(uint16 bps), bps <= 10000.
    function _validateConsensus(Consensus memory consensus) private pure returns (uint16 bps) {
        if (consensus.consensusType == ConsensusType.NONE) {
            if (consensus.value.length != 0) revert InvalidConsensusValue();
        } else if (consensus.consensusType == ConsensusType.STAKE_PROPORTION_THRESHOLD) {
            if (consensus.value.length != 32) revert InvalidConsensusValue();
            uint256 v = abi.decode(consensus.value, (uint256));
            if (v > ONE_HUNDRED_IN_BIPS) revert InvalidConsensusValue();
            bps = uint16(v);
        } else {
            revert InvalidConsensusType();
        }
    }

    function _verifyExecutorCertificate(
        Snapshot memory snap,
        uint32 refTs,
        bytes32 messageHash,
        bytes calldata executorCert
    ) private {
        if (snap.curveType == IKeyRegistrarTypes.CurveType.BN254) {
            _verifyBN254(snap, refTs, messageHash, executorCert);
        } else {
            _verifyECDSA(snap, refTs, messageHash, executorCert);
        }
    }

    /// @dev executorCert = abi.encode(BN254Certificate): an offset word, then the tuple, whose
    ///      head is refTs | messageHash | sig.X | sig.Y | apk (4 words) | witnesses offset. The
    ///      checks of EigenLayer's _validateBN254Certificate are made on that head; the tuple is
    ///      then spliced unchanged into the verifier call (its inner offsets are tuple-relative),
    ///      and the verifier decodes and bounds-checks the rest.
    function _verifyBN254(Snapshot memory snap, uint32 refTs, bytes32 messageHash, bytes calldata cert) private {
        bytes calldata tuple = _bn254CertTuple(cert, refTs, messageHash);
        bool threshold = snap.consensusType != ConsensusType.NONE;
        bytes4 selector = threshold
            ? IBN254CertificateVerifier.verifyCertificateProportion.selector
            : IBN254CertificateVerifier.verifyCertificate.selector;
        address verifier = BN254_CERTIFICATE_VERIFIER;
        address avs = snap.avs;
        uint256 setId = snap.executorOperatorSetId;
        uint256 bps = snap.thresholdBps;
        bool met;
        assembly ("memory-safe") {
            // verifyCertificate(opSet, cert) or verifyCertificateProportion(opSet, cert, [bps]):
            // selector | avs | id | cert offset | [thresholds offset] | cert tuple | [1 | bps]
            let m := mload(0x40)
            mstore(m, selector)
            mstore(add(m, 0x04), avs)
            mstore(add(m, 0x24), setId)
            let p := add(m, 0x64)
            switch threshold
            case 0 { mstore(add(m, 0x44), 0x60) }
            default {
                mstore(add(m, 0x44), 0x80)
                mstore(p, add(0x80, tuple.length))
                p := add(p, 0x20)
            }
            calldatacopy(p, tuple.offset, tuple.length)
            p := add(p, tuple.length)
            if threshold {
                mstore(p, 1)
                mstore(add(p, 0x20), bps)
                p := add(p, 0x40)
            }
            if iszero(call(gas(), verifier, 0, m, sub(p, m), 0x00, 0x20)) {
                returndatacopy(m, 0, returndatasize())
                revert(m, returndatasize())
            }
            // an answer of the expected shape: a bool, or an ABI-encoded array (offset + length)
            if lt(returndatasize(), add(0x20, mul(iszero(threshold), 0x20))) { revert(0, 0) }
            met := mload(0x00)
        }
        if (threshold && !met) revert ThresholdNotMet();
    }

    /// @dev The certificate tuple inside abi.encode(BN254Certificate), after EigenLayer's checks:
    ///      InvalidReferenceTimestamp, InvalidMessageHash, EmptyCertificateSignature.
    function _bn254CertTuple(bytes calldata cert, uint32 refTs, bytes32 messageHash)
        private
        pure
        returns (bytes calldata tuple)
    {
        if (cert.length < 32) revert MalformedCertificate();
        uint256 off;
        assembly {
            off := calldataload(cert.offset)
        }
        if (off > cert.length || cert.length - off < 9 * 32) revert MalformedCertificate();
        uint256 certRefTs;
        bytes32 certMessageHash;
        uint256 sigX;
        uint256 sigY;
        assembly {
            tuple.offset := add(cert.offset, off)
            tuple.length := sub(cert.length, off)
            certRefTs := calldataload(tuple.offset)
            certMessageHash := calldataload(add(tuple.offset, 0x20))
            sigX := calldataload(add(tuple.offset, 0x40))
            sigY := calldataload(add(tuple.offset, 0x60))
        }
        if (certRefTs > type(uint32).max) revert MalformedCertificate();
        if (certRefTs != refTs) revert InvalidReferenceTimestamp();
        if (certMessageHash != messageHash) revert InvalidMessageHash();
        if (sigX == 0 || sigY == 0) revert EmptyCertificateSignature();
    }

    function _verifyECDSA(Snapshot memory snap, uint32 refTs, bytes32 messageHash, bytes calldata cert) private {
        IECDSACertificateVerifierTypes.ECDSACertificate memory c =
            abi.decode(cert, (IECDSACertificateVerifierTypes.ECDSACertificate));
        if (c.referenceTimestamp != refTs) revert InvalidReferenceTimestamp();
        if (c.messageHash != messageHash) revert InvalidMessageHash();
        if (c.sig.length == 0) revert EmptyCertificateSignature();
        IECDSACertificateVerifier v = IECDSACertificateVerifier(ECDSA_CERTIFICATE_VERIFIER);
        OperatorSet memory opSet = OperatorSet(snap.avs, snap.executorOperatorSetId);
        if (snap.consensusType == ConsensusType.NONE) {
            v.verifyCertificate(opSet, c);
        } else {
            uint16[] memory thresholds = new uint16[](1);
            thresholds[0] = snap.thresholdBps;
            (bool met,) = v.verifyCertificateProportion(opSet, c, thresholds);
            if (!met) revert ThresholdNotMet();
        }
    }

    /// @dev avsFee * feeSplit / 10000 to the fee-split collector, the rest to the set's collector.
    function _payFee(bytes32 taskHash, Snapshot memory snap) private {
        uint96 avsFee = _avsFees[taskHash];
        StoredConfig storage cfg = _configs[_snapKey(snap)][_snapshotMeta[_tasks[taskHash].snapshotId].configVersion];
        address token = cfg.feeToken;
        uint256 split = uint256(avsFee) * _snapshotMeta[_tasks[taskHash].snapshotId].feeSplit / ONE_HUNDRED_IN_BIPS;
        if (split != 0) _safeTransfer(token, _global.feeSplitCollector, split);
        if (avsFee - split != 0) _safeTransfer(token, cfg.feeCollector, avsFee - split);
    }

    function _safeTransfer(address token, address to, uint256 amount) private {
        _callToken(token, abi.encodeCall(IERC20.transfer, (to, amount)));
    }

    function _safeTransferFrom(address token, address from, uint256 amount) private {
        _callToken(token, abi.encodeCall(IERC20.transferFrom, (from, address(this), amount)));
    }

    /// @dev SafeERC20 semantics: the call succeeds and returns nothing or true, on a contract.
    function _callToken(address token, bytes memory data) private {
        (bool ok, bytes memory ret) = token.call(data);
        if (!ok || (ret.length == 0 ? token.code.length == 0 : !abi.decode(ret, (bool)))) revert FeeTransferFailed();
    }

    // ------------------------------------------------------------------ views

    /// @notice CodeStore callback: the runtime code of the result contract being created.
    function codeStorePending() external view {
        CodeStore.returnPending();
    }

    /// @inheritdoc ITaskMailbox
    function isExecutorOperatorSetRegistered(bytes32 operatorSetKey) external view returns (bool) {
        return _sets[operatorSetKey].registered;
    }

    /// @inheritdoc ITaskMailbox
    function getExecutorOperatorSetTaskConfig(OperatorSet memory operatorSet)
        external
        view
        returns (ExecutorOperatorSetTaskConfig memory)
    {
        bytes32 key = operatorSet.key();
        return _configAt(key, _sets[key].configVersion);
    }

    function _configAt(bytes32 key, uint32 version) private view returns (ExecutorOperatorSetTaskConfig memory c) {
        if (version == 0) return c;
        StoredConfig storage s = _configs[key][version];
        c.taskHook = IAVSTaskHook(s.taskHook);
        c.taskSLA = s.taskSLA;
        c.feeToken = IERC20(s.feeToken);
        c.curveType = s.curveType;
        c.feeCollector = s.feeCollector;
        c.consensus.consensusType = s.consensusType;
        if (s.consensusType == ConsensusType.STAKE_PROPORTION_THRESHOLD) c.consensus.value = abi.encode(s.thresholdBps);
        c.taskMetadata = s.taskMetadata;
    }

    /// @inheritdoc ITaskMailbox
    /// @dev payload and executorCert are not stored (see the contract notes): they come back empty.
    function getTaskInfo(bytes32 taskHash) external view returns (Task memory task) {
        TaskRecord memory t = _tasks[taskHash];
        if (t.snapshotId == 0) return task;
        Snapshot memory snap = _snapshot(t.snapshotId);
        SnapshotMeta memory meta = _snapshotMeta[t.snapshotId];
        task.creator = meta.creator;
        task.creationTime = t.creationTime;
        task.avs = snap.avs;
        task.avsFee = t.state & FLAG_AVS_FEE != 0 ? _avsFees[taskHash] : 0;
        task.refundCollector = t.refundCollector;
        task.executorOperatorSetId = snap.executorOperatorSetId;
        task.feeSplit = meta.feeSplit;
        task.status = _status(t, snap.taskSLA);
        task.isFeeRefunded = t.state & FLAG_REFUNDED != 0;
        task.operatorTableReferenceTimestamp = t.referenceTimestamp;
        task.executorOperatorSetTaskConfig = _configAt(_snapKey(snap), meta.configVersion);
        if (task.status == TaskStatus.VERIFIED) (, task.result) = CodeStore.loadAt(address(this), taskHash);
    }

    /// @inheritdoc ITaskMailbox
    function getTaskStatus(bytes32 taskHash) external view returns (TaskStatus) {
        TaskRecord memory t = _tasks[taskHash];
        return _status(t, _snapshots[t.snapshotId].taskSLA);
    }

    /// @inheritdoc ITaskMailbox
    function getTaskResult(bytes32 taskHash) external view returns (bytes memory result) {
        TaskRecord memory t = _tasks[taskHash];
        TaskStatus status = _status(t, _snapshots[t.snapshotId].taskSLA);
        if (status != TaskStatus.VERIFIED) revert InvalidTaskStatus(TaskStatus.VERIFIED, status);
        (, result) = CodeStore.loadAt(address(this), taskHash);
    }

    /// @notice Where the result of a verified task lives (the first chunk), for off-chain readers:
    ///         create2(this, salt = taskHash, keccak256(CodeStore stub)); its code is 0x00 || result.
    function getTaskResultAddress(bytes32 taskHash) external view returns (address) {
        return CodeStore.chunkAddress(address(this), taskHash, 0);
    }

    /// @inheritdoc ITaskMailbox
    function getBN254CertificateBytes(IBN254CertificateVerifierTypes.BN254Certificate memory cert)
        external
        pure
        returns (bytes memory)
    {
        return abi.encode(cert);
    }

    /// @inheritdoc ITaskMailbox
    function getECDSACertificateBytes(IECDSACertificateVerifierTypes.ECDSACertificate memory cert)
        external
        pure
        returns (bytes memory)
    {
        return abi.encode(cert);
    }

    /// @inheritdoc ITaskMailbox
    function getMessageHash(bytes32 taskHash, bytes memory result) public pure returns (bytes32) {
        return keccak256(abi.encode(taskHash, result));
    }

    /// @inheritdoc ITaskMailbox
    function feeSplit() external view returns (uint16) {
        return _global.feeSplit;
    }

    /// @inheritdoc ITaskMailbox
    function feeSplitCollector() external view returns (address) {
        return _global.feeSplitCollector;
    }
}
