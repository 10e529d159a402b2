// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {BN254} from "./libraries/BN254.sol";
import {Merkle} from "./libraries/Merkle.sol";
import {OperatorSet} from "./libraries/OperatorSetLib.sol";
import {BN254CertificateVerifier} from "./BN254CertificateVerifier.sol";
import {ICrossChainRegistryTypes} from "./interfaces/IBaseCertificateVerifier.sol";
import {IOperatorTableCalculatorTypes} from "./interfaces/IOperatorTableCalculator.sol";

/// @title OperatorRegistry
/// @notice Operator registry and table updater for one operator set of a network we run
///         ourselves (the devnet): operators register a BN254 key pair (G1 + G2) with a proof of
///         possession and a socket, the owner sets their weights, and publishing a table pushes
///         it into the BN254CertificateVerifier under a new reference timestamp. It plays the
///         parts EigenLayer splits over KeyRegistrar, the table calculator and
///         OperatorTableUpdater (hourglass-protocol.md §3.7, §3.8).
/// @dev    Proof of possession, as EigenLayer's KeyRegistrar (§3.8): keyData =
///         abi.encode(g1.X, g1.Y, g2.X[0], g2.X[1], g2.Y[0], g2.Y[1]); the EIP-712 digest of
///         BN254KeyRegistration(operator, avs, operatorSetId, keccak256(keyData)) under the domain
///         ("FaaSOperatorRegistry", "1", chainid, this); PoP = sk * hashToG1(digest), checked with
///         the certificate verifier's gamma pairing check, which also proves G1 and G2 share sk.
///
///         A table lists, in registration order, every registered operator with a non-zero
///         weight; operatorIndex in certificates is the position in that list. Leaves are
///         keccak256(0x75 || abi.encode(BN254OperatorInfo{g1, [weight]})), the root is
///         Merkle.merkleizeKeccak of them: exactly what the verifier checks witnesses against.
///         A key, once registered by an address, stays that address's key (re-registering after
///         a deregistration needs the same key), so published tables never change meaning.
contract OperatorRegistry is IOperatorTableCalculatorTypes {
    bytes32 public constant BN254_KEY_REGISTRATION_TYPEHASH =
        keccak256("BN254KeyRegistration(address operator,address avs,uint32 operatorSetId,bytes keyData)");
    bytes32 internal constant DOMAIN_TYPEHASH =
        keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)");
    uint256 public constant MAX_SOCKET_LENGTH = 256;

    BN254CertificateVerifier public immutable verifier;
    address public immutable avs;
    uint32 public immutable operatorSetId;

    struct Operator {
        BN254.G1Point pubkeyG1;
        BN254.G2Point pubkeyG2;
        string socket;
        uint96 weight;
        bool registered;
    }

    /// @notice One operator of a published table, with what an aggregator needs to reach it
    ///         (socket: the current one) and to build certificates (keys, weight at publication).
    struct TableOperator {
        address operator;
        BN254.G1Point pubkeyG1;
        BN254.G2Point pubkeyG2;
        uint256 weight;
        string socket;
    }

    struct TableEntry {
        address operator;
        uint96 weight;
    }

    address public owner;
    /// @notice OperatorSetConfig sent with each table: who may configure the TaskMailbox for the
    ///         set, and after how long a table goes stale (0 = never).
    address public operatorSetOwner;
    uint32 public maxStalenessPeriod;
    uint32 public latestReferenceTimestamp;

    address[] internal _everRegistered;
    mapping(address => Operator) internal _operators;
    mapping(bytes32 g1Hash => address) public keyOwner;
    mapping(uint32 referenceTimestamp => TableEntry[]) internal _tables;
    uint32[] internal _referenceTimestamps;
    /// @notice The operator set's aggregator: executors run only the task requests it signs
    ///         (the off-chain protocol, executor/executor.h). Set by the owner; 0 until then.
    address public aggregator;

    event OwnershipTransferred(address indexed previousOwner, address indexed newOwner);
    event OperatorRegistered(address indexed operator, BN254.G1Point pubkeyG1, BN254.G2Point pubkeyG2, string socket);
    event OperatorDeregistered(address indexed operator);
    event OperatorSocketUpdated(address indexed operator, string socket);
    event OperatorWeightSet(address indexed operator, uint256 weight);
    event OperatorSetConfigSet(address operatorSetOwner, uint32 maxStalenessPeriod);
    event AggregatorSet(address indexed previousAggregator, address indexed newAggregator);
    event TablePublished(
        uint32 indexed referenceTimestamp, bytes32 operatorInfoTreeRoot, address[] operators, uint256[] weights
    );

    error OnlyOwner();
    error InvalidAddressZero();
    error AlreadyRegistered();
    error NotRegistered();
    error UnknownOperator();
    error InvalidKey();
    error KeyAlreadyRegistered();
    error KeyMismatch();
    error InvalidProofOfPossession();
    error InvalidSocket();
    error EmptyTable();
    error TableTooRecent();

    modifier onlyOwner() {
        if (msg.sender != owner) revert OnlyOwner();
        _;
    }

    /// @param verifier_  the BN254CertificateVerifier whose table updater this contract is
    /// @param avs_       the operator set's AVS (the FaaS contract)
    /// @param operatorSetId_ the operator set's id within the AVS
    /// @param owner_     sets weights, publishes tables; also the operator set's first owner
    constructor(BN254CertificateVerifier verifier_, address avs_, uint32 operatorSetId_, address owner_) {
        if (owner_ == address(0)) revert InvalidAddressZero();
        verifier = verifier_;
        avs = avs_;
        operatorSetId = operatorSetId_;
        owner = owner_;
        operatorSetOwner = owner_;
        emit OwnershipTransferred(address(0), owner_);
    }

    // ------------------------------------------------------------------ operators

    /// @notice Registers msg.sender as an operator with its BN254 keys and the socket (host:port or
    ///         URL) where its node listens. Its weight is 0 until the owner sets one.
    function registerOperator(
        BN254.G1Point calldata pubkeyG1,
        BN254.G2Point calldata pubkeyG2,
        BN254.G1Point calldata proofOfPossession,
        string calldata socket
    ) external {
        Operator storage op = _operators[msg.sender];
        if (op.registered) revert AlreadyRegistered();
        _checkSocket(socket);
        bool known = op.pubkeyG1.X != 0 || op.pubkeyG1.Y != 0;
        if (known) {
            if (keccak256(abi.encode(op.pubkeyG1, op.pubkeyG2)) != keccak256(abi.encode(pubkeyG1, pubkeyG2))) {
                revert KeyMismatch();
            }
        } else {
            if (pubkeyG1.X == 0 && pubkeyG1.Y == 0) revert InvalidKey();
            bytes32 g1Hash = keccak256(abi.encode(pubkeyG1));
            if (keyOwner[g1Hash] != address(0)) revert KeyAlreadyRegistered();
            _checkProofOfPossession(pubkeyG1, pubkeyG2, proofOfPossession);
            keyOwner[g1Hash] = msg.sender;
            op.pubkeyG1 = pubkeyG1;
            op.pubkeyG2 = pubkeyG2;
            _everRegistered.push(msg.sender);
        }
        op.socket = socket;
        op.registered = true;
        emit OperatorRegistered(msg.sender, pubkeyG1, pubkeyG2, socket);
    }

    /// @notice Leaves the operator set (from the next published table on).
    function deregisterOperator() external {
        _deregister(msg.sender);
    }

    /// @notice The owner removes an operator (from the next published table on).
    function ejectOperator(address operator) external onlyOwner {
        _deregister(operator);
    }

    function updateSocket(string calldata socket) external {
        Operator storage op = _operators[msg.sender];
        if (!op.registered) revert NotRegistered();
        _checkSocket(socket);
        op.socket = socket;
        emit OperatorSocketUpdated(msg.sender, socket);
    }

    /// @notice Sets an operator's stake weight (one stake type), used from the next published table.
    function setWeight(address operator, uint96 weight) external onlyOwner {
        Operator storage op = _operators[operator];
        if (op.pubkeyG1.X == 0 && op.pubkeyG1.Y == 0) revert UnknownOperator();
        op.weight = weight;
        emit OperatorWeightSet(operator, weight);
    }

    function _deregister(address operator) private {
        Operator storage op = _operators[operator];
        if (!op.registered) revert NotRegistered();
        op.registered = false;
        emit OperatorDeregistered(operator);
    }

    function _checkSocket(string calldata socket) private pure {
        if (bytes(socket).length == 0 || bytes(socket).length > MAX_SOCKET_LENGTH) revert InvalidSocket();
    }

    function _checkProofOfPossession(
        BN254.G1Point calldata g1,
        BN254.G2Point calldata g2,
        BN254.G1Point calldata pop
    ) private view {
        bytes32 digest = registrationDigest(msg.sender, avs, operatorSetId, encodeBN254KeyData(g1, g2));
        (bool ok, bool valid) = BN254.verifySignature(digest, pop, g1, g2);
        if (!(ok && valid)) revert InvalidProofOfPossession();
    }

    // ------------------------------------------------------------------ tables

    /// @notice Publishes the current operators and weights as the operator set's table, with
    ///         reference timestamp = this block's timestamp (at most one table per second).
    function publishTable() external onlyOwner returns (uint32 referenceTimestamp) {
        // forge-lint: disable-next-line(unsafe-typecast)
        referenceTimestamp = uint32(block.timestamp);
        if (referenceTimestamp <= latestReferenceTimestamp) revert TableTooRecent();

        TableEntry[] storage entries = _tables[referenceTimestamp];
        uint256 n = _everRegistered.length;
        for (uint256 i = 0; i < n; i++) {
            address a = _everRegistered[i];
            Operator storage op = _operators[a];
            if (op.registered && op.weight != 0) entries.push(TableEntry(a, op.weight));
        }
        n = entries.length;
        if (n == 0) revert EmptyTable();

        bytes32[] memory leaves = new bytes32[](n);
        address[] memory ops = new address[](n);
        uint256[] memory ws = new uint256[](n);
        BN254.G1Point memory apk;
        uint256 total;
        for (uint256 i = 0; i < n; i++) {
            TableEntry memory e = entries[i];
            BN254.G1Point memory pk = _operators[e.operator].pubkeyG1;
            leaves[i] = operatorInfoLeaf(pk, e.weight);
            apk = BN254.plus(apk, pk);
            total += e.weight;
            (ops[i], ws[i]) = (e.operator, e.weight);
        }
        uint256[] memory totals = new uint256[](1);
        totals[0] = total;
        bytes32 root = Merkle.merkleizeKeccak(leaves);

        latestReferenceTimestamp = referenceTimestamp;
        _referenceTimestamps.push(referenceTimestamp);
        verifier.updateOperatorTable(
            OperatorSet(avs, operatorSetId),
            referenceTimestamp,
            BN254OperatorSetInfo(root, n, apk, totals),
            ICrossChainRegistryTypes.OperatorSetConfig(operatorSetOwner, maxStalenessPeriod)
        );
        emit TablePublished(referenceTimestamp, root, ops, ws);
    }

    /// @notice Sets the OperatorSetConfig sent with the next published table.
    function setOperatorSetConfig(address operatorSetOwner_, uint32 maxStalenessPeriod_) external onlyOwner {
        if (operatorSetOwner_ == address(0)) revert InvalidAddressZero();
        operatorSetOwner = operatorSetOwner_;
        maxStalenessPeriod = maxStalenessPeriod_;
        emit OperatorSetConfigSet(operatorSetOwner_, maxStalenessPeriod_);
    }

    /// @notice Names the aggregator whose signed task requests executors accept.
    function setAggregator(address aggregator_) external onlyOwner {
        if (aggregator_ == address(0)) revert InvalidAddressZero();
        emit AggregatorSet(aggregator, aggregator_);
        aggregator = aggregator_;
    }

    /// @notice Disables (or re-enables) a published table in the verifier (RootDisabled).
    function setTableDisabled(uint32 referenceTimestamp, bool disabled) external onlyOwner {
        verifier.setTableDisabled(OperatorSet(avs, operatorSetId), referenceTimestamp, disabled);
    }

    function transferOwnership(address newOwner) external onlyOwner {
        if (newOwner == address(0)) revert InvalidAddressZero();
        emit OwnershipTransferred(owner, newOwner);
        owner = newOwner;
    }

    // ------------------------------------------------------------------ views

    /// @notice keyData of a BN254 key pair, as EigenLayer's KeyRegistrar.encodeBN254KeyData.
    function encodeBN254KeyData(BN254.G1Point memory g1, BN254.G2Point memory g2) public pure returns (bytes memory) {
        return abi.encode(g1.X, g1.Y, g2.X[0], g2.X[1], g2.Y[0], g2.Y[1]);
    }

    function domainSeparator() public view returns (bytes32) {
        return keccak256(
            abi.encode(
                DOMAIN_TYPEHASH, keccak256("FaaSOperatorRegistry"), keccak256("1"), block.chainid, address(this)
            )
        );
    }

    /// @notice The digest an operator signs (sk * hashToG1(digest)) as proof of possession.
    function registrationDigest(address operator, address avs_, uint32 operatorSetId_, bytes memory keyData)
        public
        view
        returns (bytes32)
    {
        bytes32 structHash =
            keccak256(abi.encode(BN254_KEY_REGISTRATION_TYPEHASH, operator, avs_, operatorSetId_, keccak256(keyData)));
        return keccak256(abi.encodePacked(hex"1901", domainSeparator(), structHash));
    }

    /// @notice keccak256(0x75 || abi.encode(BN254OperatorInfo{pubkey, [weight]})).
    function operatorInfoLeaf(BN254.G1Point memory pubkey, uint256 weight) public pure returns (bytes32) {
        uint256[] memory w = new uint256[](1);
        w[0] = weight;
        return keccak256(abi.encodePacked(uint8(0x75), abi.encode(BN254OperatorInfo(pubkey, w))));
    }

    function getOperator(address operator) external view returns (Operator memory) {
        return _operators[operator];
    }

    /// @notice Every address that ever registered keys, in registration order.
    function getOperators() external view returns (address[] memory) {
        return _everRegistered;
    }

    /// @notice The operators of a published table in table order (index = operatorIndex), with
    ///         keys, weight at publication and current socket. Empty for an unknown timestamp.
    function getTable(uint32 referenceTimestamp) external view returns (TableOperator[] memory ops) {
        TableEntry[] storage entries = _tables[referenceTimestamp];
        ops = new TableOperator[](entries.length);
        for (uint256 i = 0; i < ops.length; i++) {
            Operator storage op = _operators[entries[i].operator];
            ops[i] = TableOperator(entries[i].operator, op.pubkeyG1, op.pubkeyG2, entries[i].weight, op.socket);
        }
    }

    /// @notice Every reference timestamp this registry published, oldest first.
    function getReferenceTimestamps() external view returns (uint32[] memory) {
        return _referenceTimestamps;
    }
}
