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
///         - owner, staleness and latest timestamp share one slot per operator set;
///         - a cached non-signer key is compressed into one slot (X, the parity of Y and a
///           "cached" bit), its weights follow in one slot each;
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
    /// @dev bit of a table slot (above the 160-bit blob address): the table is disabled.
    uint256 private constant DISABLED_BIT = 1 << 160;

    /// @notice The only address allowed to push tables (our OperatorRegistry on the devnet).
    address public immutable operatorTableUpdater;

    struct SetState {
        uint32 latestReferenceTimestamp;
        uint32 maxStalenessPeriod;
        address owner;
    }

    /// @dev A table loaded from its blob.
    struct Table {
        bytes32 root;
        uint256 numOperators;
        BN254.G1Point aggregatePubkey;
        uint256[] totalWeights;
    }

    mapping(bytes32 operatorSetKey => SetState) internal _sets;
    /// @dev blob address | DISABLED_BIT; zero when no table exists for that timestamp
    mapping(bytes32 operatorSetKey => mapping(uint32 referenceTimestamp => uint256)) internal _tables;
    mapping(bytes32 operatorSetKey => mapping(uint32 referenceTimestamp => mapping(uint256 index => uint256)))
        internal _cachedKeys;
    mapping(
        bytes32 operatorSetKey
            => mapping(uint32 referenceTimestamp => mapping(uint256 index => mapping(uint256 stakeType => uint256)))
    ) internal _cachedWeights;

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
        SetState memory s = _sets[key];
        if (referenceTimestamp <= s.latestReferenceTimestamp) revert TableUpdateStale();

        _tables[key][referenceTimestamp] = uint160(
            CodeStore.store(
                abi.encodePacked(
                    operatorSetInfo.operatorInfoTreeRoot,
                    operatorSetInfo.numOperators,
                    operatorSetInfo.aggregatePubkey.X,
                    operatorSetInfo.aggregatePubkey.Y,
                    operatorSetInfo.totalWeights
                )
            )
        );
        _sets[key] = SetState(referenceTimestamp, operatorSetConfig.maxStalenessPeriod, operatorSetConfig.owner);

        if (s.owner != operatorSetConfig.owner) emit OperatorSetOwnerUpdated(operatorSet, operatorSetConfig.owner);
        if (s.maxStalenessPeriod != operatorSetConfig.maxStalenessPeriod) {
            emit MaxStalenessPeriodUpdated(operatorSet, operatorSetConfig.maxStalenessPeriod);
        }
        emit TableUpdated(operatorSet, referenceTimestamp, operatorSetInfo);
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
        bytes32 key = operatorSet.key();
        uint32 refTs = cert.referenceTimestamp;
        Table memory table = _loadTable(key, refTs, true);
        total = table.totalWeights;
        signed = new uint256[](total.length);
        for (uint256 j = 0; j < total.length; j++) {
            signed[j] = total[j];
        }

        BN254.G1Point memory nonSignerApk = BN254.G1Point(0, 0);
        uint256 n = cert.nonSignerWitnesses.length;
        for (uint256 i = 0; i < n; i++) {
            BN254OperatorInfoWitness calldata w = cert.nonSignerWitnesses[i];
            uint32 idx = w.operatorIndex;
            if (i > 0 && idx <= cert.nonSignerWitnesses[i - 1].operatorIndex) revert NonSignerIndicesNotSorted();
            if (idx >= table.numOperators) revert InvalidOperatorIndex();
            nonSignerApk = _subtractNonSigner(key, refTs, table.root, w, nonSignerApk, signed);
        }

        BN254.G1Point memory signerApk = BN254.plus(table.aggregatePubkey, BN254.negate(nonSignerApk));
        (bool pairingSuccessful, bool signatureValid) = BN254.verifySignature(
            calculateCertificateDigest(refTs, cert.messageHash), cert.signature, signerApk, cert.apk
        );
        if (!(pairingSuccessful && signatureValid)) revert VerificationFailed();
    }

    /// @dev Adds one non-signer's key to `apk` and subtracts its weights from `signed`. Its info
    ///      comes from the cache, or from the witness after the Merkle check, and is then cached.
    function _subtractNonSigner(
        bytes32 key,
        uint32 refTs,
        bytes32 root,
        BN254OperatorInfoWitness calldata w,
        BN254.G1Point memory apk,
        uint256[] memory signed
    ) private returns (BN254.G1Point memory) {
        uint256 idx = w.operatorIndex;
        uint256 cached = _cachedKeys[key][refTs][idx];
        if (cached != 0) {
            for (uint256 j = 0; j < signed.length; j++) {
                signed[j] -= _cachedWeights[key][refTs][idx][j];
            }
            return BN254.plus(apk, _decompress(cached));
        }

        BN254OperatorInfo calldata info = w.operatorInfo;
        if (!Merkle.verifyInclusionKeccak(w.operatorInfoProof, root, _leaf(info), idx)) revert VerificationFailed();
        // A cached info is read back with one weight per stake type of the table.
        if (info.weights.length != signed.length) revert ArrayLengthMismatch();
        BN254.G1Point memory pk = BN254.G1Point(info.pubkey.X, info.pubkey.Y);
        apk = BN254.plus(apk, pk); // also rejects a key that is not on the curve
        for (uint256 j = 0; j < signed.length; j++) {
            uint256 wt = info.weights[j];
            signed[j] -= wt;
            if (wt != 0) _cachedWeights[key][refTs][idx][j] = wt;
        }
        // (0,0) is never cached, as in EigenLayer (its cache test is "pubkey != (0,0)").
        if (pk.X != 0 || pk.Y != 0) {
            _cachedKeys[key][refTs][idx] = CACHED_BIT | ((pk.Y & 1) << 254) | pk.X;
        }
        return apk;
    }

    function _leaf(BN254OperatorInfo calldata info) private pure returns (bytes32) {
        return keccak256(abi.encodePacked(OPERATOR_INFO_LEAF_SALT, abi.encode(info)));
    }

    function _decompress(uint256 cached) private view returns (BN254.G1Point memory) {
        return BN254.fromX(cached & (PARITY_BIT - 1), (cached >> 254) & 1);
    }

    /// @dev Loads the table of (key, refTs); with `forVerification`, applies §3.2's checks in order:
    ///      CertificateStale, ReferenceTimestampDoesNotExist, RootDisabled.
    function _loadTable(bytes32 key, uint32 refTs, bool forVerification) internal view returns (Table memory t) {
        if (forVerification) {
            uint256 maxStale = _sets[key].maxStalenessPeriod;
            if (maxStale != 0 && block.timestamp > uint256(refTs) + maxStale) revert CertificateStale();
        }
        uint256 slot = _tables[key][refTs];
        if (slot == 0) {
            if (forVerification) revert ReferenceTimestampDoesNotExist();
            return t;
        }
        if (forVerification && slot & DISABLED_BIT != 0) revert RootDisabled();
        address ptr = address(uint160(slot));
        uint256 numWeights = (ptr.code.length - 1 - 128) / 32;
        uint256[] memory weights = new uint256[](numWeights);
        BN254.G1Point memory apk = t.aggregatePubkey;
        assembly ("memory-safe") {
            // blob (after the STOP byte): root | numOperators | apk.X | apk.Y | weights...
            extcodecopy(ptr, t, 0x01, 0x40)
            extcodecopy(ptr, apk, 0x41, 0x40)
            extcodecopy(ptr, add(weights, 0x20), 0x81, mul(numWeights, 0x20))
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
        info = BN254OperatorSetInfo(t.root, t.numOperators, t.aggregatePubkey, t.totalWeights);
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
        return _sets[operatorSet.key()].owner;
    }

    function maxOperatorTableStaleness(OperatorSet memory operatorSet) external view returns (uint32) {
        return _sets[operatorSet.key()].maxStalenessPeriod;
    }

    function latestReferenceTimestamp(OperatorSet memory operatorSet) external view returns (uint32) {
        return _sets[operatorSet.key()].latestReferenceTimestamp;
    }
}
