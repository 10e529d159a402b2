// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {BN254} from "./libraries/BN254.sol";
import {CodeStore} from "./libraries/CodeStore.sol";
import {Merkle} from "./libraries/Merkle.sol";
import {OperatorSet, OperatorSetLib} from "./libraries/OperatorSetLib.sol";
import {ICrossChainRegistryTypes} from "./interfaces/IBaseCertificateVerifier.sol";
import {IBN254CertificateVerifier} from "./interfaces/IBN254CertificateVerifier.sol";

/// @title BN254CertificateVerifier
/// @notice EigenLayer's BN254 certificate verifier (hourglass-protocol.md §3.1-§3.3), same ABI and
///         semantics: operator tables per operator set and reference timestamp, pushed by one
///         table updater; certificates carry an aggregate signature, the signers' G2 key and
///         Merkle witnesses for the non-signers, whose infos are cached on first use.
/// @dev    Storage differs from EigenLayer's to cut the cost of a verification:
///         - a table (root, operator count, aggregate key, total weights) is one code-as-storage
///           blob (CodeStore), read with one EXTCODECOPY instead of 5+ cold SLOADs;
///         - latest timestamp, staleness and the latest table's blob share one slot per set, so
///           a certificate against the latest table costs one SLOAD before the blob;
///         - a cached non-signer key is compressed into one slot (X, the parity of Y and a
///           "cached" bit), its weights follow in one slot each. A cached non-signer whose
///           witness still carries a valid Merkle proof is taken from the witness (same info,
///           no square root, no weight reads); without a usable proof the cache is used, so
///           witnesses of cached operators may stay empty, as in EigenLayer;
///         - the "root disabled" flag (EigenLayer asks OperatorTableUpdater.isRootValidByTimestamp)
///           is kept next to the table pointer and set by the table updater through
///           setTableDisabled, so it costs no extra call.
contract BN254CertificateVerifier is IBN254CertificateVerifier {
    using OperatorSetLib for OperatorSet;

    /// @notice Salt of an operator-info leaf: leaf = keccak256(0x75 || abi.encode(BN254OperatorInfo)).
    uint8 public constant OPERATOR_INFO_LEAF_SALT = 0x75;
    /// @notice Salt of an operator-table leaf of OperatorTableUpdater's global tree.
    uint8 public constant OPERATOR_TABLE_LEAF_SALT = 0x8e;
    /// @notice keccak256("BN254Certificate(uint32 referenceTimestamp,bytes32 messageHash)").
    bytes32 public constant BN254_CERTIFICATE_TYPEHASH =
        0xd9f77a423768f4b0526fa60a7c732334516a93f1d228dce50ad804ea74ced36e;

    uint256 internal constant BPS_DENOMINATOR = 10_000;

    /// @dev bits of a cached-key slot: X in bits 0..253, parity of Y in bit 254, "cached" in bit 255.
    uint256 private constant CACHED_BIT = 1 << 255;
    uint256 private constant PARITY_BIT = 1 << 254;
    /// @dev a table slot: blob address (bits 0..159) | disabled (bit 160) | stake types (bits 168..175)
    uint256 private constant DISABLED_BIT = 1 << 160;

    /// @notice The only address allowed to push tables (our OperatorRegistry on the devnet).
    address public immutable operatorTableUpdater;

    /// @dev One slot per operator set: what every verification reads first.
    struct SetState {
        uint32 latestReferenceTimestamp;
        uint32 maxStalenessPeriod;
        address latestTable; // blob of the latest table
        bool latestDisabled;
        uint8 latestNumWeights;
    }

    /// @dev A table as verification uses it.
    struct Table {
        bytes32 root;
        uint256 numOperators;
        uint256 apkX;
        uint256 apkY;
        uint256[] totalWeights;
    }

    mapping(bytes32 operatorSetKey => SetState) internal _sets;
    mapping(bytes32 operatorSetKey => address) internal _owners;
    mapping(bytes32 operatorSetKey => mapping(uint32 referenceTimestamp => uint256)) internal _tables;
    mapping(bytes32 operatorSetKey => mapping(uint32 referenceTimestamp => mapping(uint256 index => uint256)))
        internal _cachedKeys;
    mapping(
        bytes32 operatorSetKey
            => mapping(uint32 referenceTimestamp => mapping(uint256 index => mapping(uint256 stakeType => uint256)))
    ) internal _cachedWeights;

    error TooManyStakeTypes();

    event TableDisabled(OperatorSet operatorSet, uint32 referenceTimestamp, bool disabled);

    modifier onlyTableUpdater() {
        if (msg.sender != operatorTableUpdater) revert OnlyTableUpdater();
        _;
    }

    constructor(address _operatorTableUpdater) {
        operatorTableUpdater = _operatorTableUpdater;
    }

    function version() external pure returns (string memory) {
        return "1.0.0";
    }

    // ------------------------------------------------------------------ table updates

    /// @inheritdoc IBN254CertificateVerifier
    function updateOperatorTable(
        OperatorSet calldata operatorSet,
        uint32 referenceTimestamp,
        BN254OperatorSetInfo calldata operatorSetInfo,
        ICrossChainRegistryTypes.OperatorSetConfig calldata operatorSetConfig
    ) external onlyTableUpdater {
        bytes32 key = operatorSet.key();
        uint32 oldStaleness = _sets[key].maxStalenessPeriod;
        if (referenceTimestamp <= _sets[key].latestReferenceTimestamp) revert TableUpdateStale();
        _storeTable(key, referenceTimestamp, operatorSetInfo, operatorSetConfig.maxStalenessPeriod);

        if (_owners[key] != operatorSetConfig.owner) {
            _owners[key] = operatorSetConfig.owner;
            emit OperatorSetOwnerUpdated(operatorSet, operatorSetConfig.owner);
        }
        if (oldStaleness != operatorSetConfig.maxStalenessPeriod) {
            emit MaxStalenessPeriodUpdated(operatorSet, operatorSetConfig.maxStalenessPeriod);
        }
        emit TableUpdated(operatorSet, referenceTimestamp, operatorSetInfo);
    }

    function _storeTable(bytes32 key, uint32 referenceTimestamp, BN254OperatorSetInfo calldata info, uint32 staleness)
        private
    {
        uint256 numWeights = info.totalWeights.length;
        if (numWeights > type(uint8).max) revert TooManyStakeTypes();
        address blob = CodeStore.store(
            abi.encodePacked(
                info.operatorInfoTreeRoot,
                info.numOperators,
                info.aggregatePubkey.X,
                info.aggregatePubkey.Y,
                info.totalWeights
            )
        );
        _tables[key][referenceTimestamp] = uint160(blob) | numWeights << 168;
        _sets[key] = SetState(referenceTimestamp, staleness, blob, false, uint8(numWeights));
    }

    /// @notice Disables (or re-enables) one table: certificates against it then revert RootDisabled.
    ///         Our counterpart of OperatorTableUpdater.disableRoot.
    function setTableDisabled(OperatorSet calldata operatorSet, uint32 referenceTimestamp, bool disabled)
        external
        onlyTableUpdater
    {
        bytes32 key = operatorSet.key();
        uint256 t = _tables[key][referenceTimestamp];
        if (t == 0) revert ReferenceTimestampDoesNotExist();
        _tables[key][referenceTimestamp] = disabled ? t | DISABLED_BIT : t & ~DISABLED_BIT;
        if (_sets[key].latestReferenceTimestamp == referenceTimestamp) _sets[key].latestDisabled = disabled;
        emit TableDisabled(operatorSet, referenceTimestamp, disabled);
    }

    // ------------------------------------------------------------------ verification

    /// @inheritdoc IBN254CertificateVerifier
    function verifyCertificate(OperatorSet calldata operatorSet, BN254Certificate calldata cert)
        external
        returns (uint256[] memory totalSignedStakeWeights)
    {
        (totalSignedStakeWeights,) = _verifyCertificate(operatorSet, cert);
    }

    /// @inheritdoc IBN254CertificateVerifier
    function verifyCertificateProportion(
        OperatorSet calldata operatorSet,
        BN254Certificate calldata cert,
        uint16[] calldata totalStakeProportionThresholds
    ) external returns (bool) {
        (uint256[] memory signed, uint256[] memory total) = _verifyCertificate(operatorSet, cert);
        if (signed.length != totalStakeProportionThresholds.length) revert ArrayLengthMismatch();
        for (uint256 i = 0; i < signed.length; i++) {
            // threshold rounds down, as EigenLayer's does
            if (signed[i] < total[i] * totalStakeProportionThresholds[i] / BPS_DENOMINATOR) return false;
        }
        return true;
    }

    /// @inheritdoc IBN254CertificateVerifier
    function verifyCertificateNominal(
        OperatorSet calldata operatorSet,
        BN254Certificate calldata cert,
        uint256[] calldata totalStakeNominalThresholds
    ) external returns (bool) {
        (uint256[] memory signed,) = _verifyCertificate(operatorSet, cert);
        if (signed.length != totalStakeNominalThresholds.length) revert ArrayLengthMismatch();
        for (uint256 i = 0; i < signed.length; i++) {
            if (signed[i] < totalStakeNominalThresholds[i]) return false;
        }
        return true;
    }

    /// @inheritdoc IBN254CertificateVerifier
    function trySignatureVerification(
        bytes32 msgHash,
        BN254.G1Point memory aggPubkey,
        BN254.G2Point memory apkG2,
        BN254.G1Point memory signature
    ) public view returns (bool pairingSuccessful, bool signatureValid) {
        return BN254.verifySignature(msgHash, signature, aggPubkey, apkG2);
    }

    /// @dev §3.2: staleness, table exists, table enabled; signed = total weights minus the
    ///      non-signers' (witnessed or cached); signer key = aggregate key minus the non-signers';
    ///      then the gamma pairing check on the certificate digest.
    function _verifyCertificate(OperatorSet calldata operatorSet, BN254Certificate calldata cert)
        internal
        returns (uint256[] memory signed, uint256[] memory total)
    {
        bytes32 key = OperatorSetLib.keyOf(operatorSet.avs, operatorSet.id);
        uint32 refTs = cert.referenceTimestamp;
        Table memory table = _loadTable(key, refTs, true);
        total = table.totalWeights;
        signed = new uint256[](total.length);
        for (uint256 j = 0; j < total.length; j++) {
            signed[j] = total[j];
        }

        BN254.G1Point memory signerApk =
            BN254.plus(BN254.G1Point(table.apkX, table.apkY), BN254.negate(_nonSigners(key, table, cert, signed)));
        (bool pairingSuccessful, bool signatureValid) = BN254.verifySignature(
            calculateCertificateDigest(refTs, cert.messageHash), cert.signature, signerApk, cert.apk
        );
        if (!(pairingSuccessful && signatureValid)) revert VerificationFailed();
    }

    /// @dev The sum of the non-signers' keys; subtracts their weights from `signed`.
    function _nonSigners(bytes32 key, Table memory table, BN254Certificate calldata cert, uint256[] memory signed)
        private
        returns (BN254.G1Point memory apk)
    {
        uint32 refTs = cert.referenceTimestamp;
        uint256 n = cert.nonSignerWitnesses.length;
        uint256 prev;
        for (uint256 i = 0; i < n; i++) {
            BN254OperatorInfoWitness calldata w = cert.nonSignerWitnesses[i];
            uint256 idx = w.operatorIndex;
            if (i > 0 && idx <= prev) revert NonSignerIndicesNotSorted();
            if (idx >= table.numOperators) revert InvalidOperatorIndex();
            prev = idx;
            apk = BN254.plus(apk, _nonSigner(key, refTs, table.root, w, signed));
        }
    }

    /// @dev One non-signer: returns its key and subtracts its weights from `signed`. Uncached: the
    ///      witness must carry a valid Merkle proof (else VerificationFailed / InvalidProofLength /
    ///      InvalidIndex, as EigenLayer) and the info is cached. Cached: a valid proof in the
    ///      witness still proves the same info (cheaper than the cache); otherwise the witness is
    ///      ignored and the cache is used.
    function _nonSigner(
        bytes32 key,
        uint32 refTs,
        bytes32 root,
        BN254OperatorInfoWitness calldata w,
        uint256[] memory signed
    ) private returns (BN254.G1Point memory pk) {
        uint256 idx = w.operatorIndex;
        uint256 cached = _cachedKeys[key][refTs][idx];
        BN254OperatorInfo calldata info = w.operatorInfo;
        if (cached != 0) {
            if (info.weights.length == signed.length && _provenByWitness(w, root)) {
                _subtract(signed, info.weights);
                return BN254.G1Point(info.pubkey.X, info.pubkey.Y);
            }
            _subtractCached(signed, _cachedWeights[key][refTs][idx]);
            return _decompress(cached);
        }

        if (!Merkle.verifyInclusionKeccak(w.operatorInfoProof, root, _leaf(info), idx)) revert VerificationFailed();
        // A cached info is read back with one weight per stake type of the table.
        if (info.weights.length != signed.length) revert ArrayLengthMismatch();
        _subtract(signed, info.weights);
        _cache(_cachedWeights[key][refTs][idx], info.weights);
        pk = BN254.G1Point(info.pubkey.X, info.pubkey.Y);
        // (0,0) is never cached, as in EigenLayer (its cache test is "pubkey != (0,0)"); a key
        // that is not on the curve is rejected by the ecAdd that follows, reverting this write.
        if (pk.X != 0 || pk.Y != 0) {
            _cachedKeys[key][refTs][idx] = CACHED_BIT | ((pk.Y & 1) << 254) | pk.X;
        }
    }

    /// @dev Whether the witness's proof is well-formed and proves its info (never reverts: a
    ///      cached operator's witness may be anything).
    function _provenByWitness(BN254OperatorInfoWitness calldata w, bytes32 root) private pure returns (bool) {
        bytes calldata proof = w.operatorInfoProof;
        uint256 depth = proof.length / 32;
        return proof.length != 0 && proof.length % 32 == 0 && uint256(w.operatorIndex) >> depth == 0
            && Merkle.processInclusionProofKeccak(proof, _leaf(w.operatorInfo), w.operatorIndex) == root;
    }

    function _subtractCached(uint256[] memory signed, mapping(uint256 => uint256) storage weights) private view {
        for (uint256 j = 0; j < signed.length; j++) {
            signed[j] -= weights[j];
        }
    }

    function _cache(mapping(uint256 => uint256) storage cache, uint256[] calldata weights) private {
        for (uint256 j = 0; j < weights.length; j++) {
            if (weights[j] != 0) cache[j] = weights[j];
        }
    }

    function _subtract(uint256[] memory signed, uint256[] calldata weights) private pure {
        for (uint256 j = 0; j < signed.length; j++) {
            signed[j] -= weights[j];
        }
    }

    /// @dev keccak256(0x75 || abi.encode(info)), encoded here from calldata: 0x20 | X | Y | 0x60 |
    ///      weights length | weights.
    function _leaf(BN254OperatorInfo calldata info) private pure returns (bytes32 h) {
        uint256[] calldata w = info.weights; // bounds-checked by the accessor
        assembly ("memory-safe") {
            let m := mload(0x40)
            mstore8(m, OPERATOR_INFO_LEAF_SALT)
            mstore(add(m, 0x01), 0x20)
            mstore(add(m, 0x21), calldataload(info))
            mstore(add(m, 0x41), calldataload(add(info, 0x20)))
            mstore(add(m, 0x61), 0x60)
            mstore(add(m, 0x81), w.length)
            calldatacopy(add(m, 0xa1), w.offset, mul(w.length, 0x20))
            h := keccak256(m, add(0xa1, mul(w.length, 0x20)))
        }
    }

    function _decompress(uint256 cached) private view returns (BN254.G1Point memory) {
        return BN254.fromX(cached & (PARITY_BIT - 1), (cached >> 254) & 1);
    }

    /// @dev Loads the table of (key, refTs); with `forVerification`, applies §3.2's checks in order:
    ///      CertificateStale, ReferenceTimestampDoesNotExist, RootDisabled.
    function _loadTable(bytes32 key, uint32 refTs, bool forVerification) internal view returns (Table memory t) {
        SetState memory s = _sets[key];
        if (forVerification && s.maxStalenessPeriod != 0 && block.timestamp > uint256(refTs) + s.maxStalenessPeriod) {
            revert CertificateStale();
        }
        // the latest table's reference is in the set's slot; older ones have their own
        uint256 ref = refTs == s.latestReferenceTimestamp && refTs != 0
            ? uint160(s.latestTable) | (s.latestDisabled ? DISABLED_BIT : 0) | uint256(s.latestNumWeights) << 168
            : _tables[key][refTs];
        address blob = address(uint160(ref));
        if (blob == address(0)) {
            if (forVerification) revert ReferenceTimestampDoesNotExist();
            return t;
        }
        if (forVerification && ref & DISABLED_BIT != 0) revert RootDisabled();
        uint256 numWeights = (ref >> 168) & 0xff;
        uint256[] memory weights = new uint256[](numWeights);
        assembly ("memory-safe") {
            // blob (after its STOP byte): root | numOperators | apk.X | apk.Y | weights...
            extcodecopy(blob, t, 0x01, 0x80)
            extcodecopy(blob, add(weights, 0x20), 0x81, mul(numWeights, 0x20))
        }
        t.totalWeights = weights;
    }

    // ------------------------------------------------------------------ views

    /// @inheritdoc IBN254CertificateVerifier
    function calculateCertificateDigest(uint32 referenceTimestamp, bytes32 messageHash) public pure returns (bytes32) {
        return keccak256(abi.encode(BN254_CERTIFICATE_TYPEHASH, referenceTimestamp, messageHash));
    }

    /// @inheritdoc IBN254CertificateVerifier
    function calculateOperatorInfoLeaf(BN254OperatorInfo memory operatorInfo) external pure returns (bytes32) {
        return keccak256(abi.encodePacked(OPERATOR_INFO_LEAF_SALT, abi.encode(operatorInfo)));
    }

    /// @inheritdoc IBN254CertificateVerifier
    function calculateOperatorTableLeaf(bytes calldata operatorTableBytes) external pure returns (bytes32) {
        return keccak256(abi.encodePacked(OPERATOR_TABLE_LEAF_SALT, operatorTableBytes));
    }

    /// @inheritdoc IBN254CertificateVerifier
    function getNonsignerOperatorInfo(OperatorSet memory operatorSet, uint32 referenceTimestamp, uint256 operatorIndex)
        external
        view
        returns (BN254OperatorInfo memory info)
    {
        bytes32 key = operatorSet.key();
        uint256 cached = _cachedKeys[key][referenceTimestamp][operatorIndex];
        if (cached == 0) return info;
        info.pubkey = _decompress(cached);
        uint256 n = _loadTable(key, referenceTimestamp, false).totalWeights.length;
        info.weights = new uint256[](n);
        for (uint256 j = 0; j < n; j++) {
            info.weights[j] = _cachedWeights[key][referenceTimestamp][operatorIndex][j];
        }
    }

    /// @inheritdoc IBN254CertificateVerifier
    function isNonsignerCached(OperatorSet memory operatorSet, uint32 referenceTimestamp, uint256 operatorIndex)
        external
        view
        returns (bool)
    {
        return _cachedKeys[operatorSet.key()][referenceTimestamp][operatorIndex] != 0;
    }

    /// @inheritdoc IBN254CertificateVerifier
    function getOperatorSetInfo(OperatorSet memory operatorSet, uint32 referenceTimestamp)
        public
        view
        returns (BN254OperatorSetInfo memory info)
    {
        Table memory t = _loadTable(operatorSet.key(), referenceTimestamp, false);
        info = BN254OperatorSetInfo(t.root, t.numOperators, BN254.G1Point(t.apkX, t.apkY), t.totalWeights);
    }

    /// @inheritdoc IBN254CertificateVerifier
    function getOperatorCount(OperatorSet memory operatorSet, uint32 referenceTimestamp)
        external
        view
        returns (uint256)
    {
        return getOperatorSetInfo(operatorSet, referenceTimestamp).numOperators;
    }

    /// @inheritdoc IBN254CertificateVerifier
    function getTotalStakeWeights(OperatorSet memory operatorSet, uint32 referenceTimestamp)
        external
        view
        returns (uint256[] memory)
    {
        return getOperatorSetInfo(operatorSet, referenceTimestamp).totalWeights;
    }

    /// @inheritdoc IBN254CertificateVerifier
    function isReferenceTimestampSet(OperatorSet memory operatorSet, uint32 referenceTimestamp)
        external
        view
        returns (bool)
    {
        return _tables[operatorSet.key()][referenceTimestamp] != 0;
    }

    /// @notice Whether setTableDisabled disabled this table.
    function isTableDisabled(OperatorSet memory operatorSet, uint32 referenceTimestamp) external view returns (bool) {
        return _tables[operatorSet.key()][referenceTimestamp] & DISABLED_BIT != 0;
    }

    function getOperatorSetOwner(OperatorSet memory operatorSet) external view returns (address) {
        return _owners[operatorSet.key()];
    }

    function maxOperatorTableStaleness(OperatorSet memory operatorSet) external view returns (uint32) {
        return _sets[operatorSet.key()].maxStalenessPeriod;
    }

    function latestReferenceTimestamp(OperatorSet memory operatorSet) external view returns (uint32) {
        return _sets[operatorSet.key()].latestReferenceTimestamp;
    }
}
