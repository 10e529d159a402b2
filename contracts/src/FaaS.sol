// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {CodeStore} from "./libraries/CodeStore.sol";
import {OperatorSet} from "./libraries/OperatorSetLib.sol";
import {IAVSTaskHook} from "./interfaces/IAVSTaskHook.sol";
import {ITaskMailbox, ITaskMailboxTypes} from "./interfaces/ITaskMailbox.sol";

/// @title FaaS
/// @notice The function registry of the FaaS AVS and its task hook. A function is a gzipped tar
///         bundle whose id is keccak256 of its bytes. Calling a function creates a TaskMailbox task
///         for the executor operator set (avs = this contract).
///
///         Task payload (what executors decode): abi.encode(bytes32 functionId, bytes input).
///         Executors look the bundle up with getFunction(functionId): a remote bundle is fetched
///         from its url and must hash to functionId; an on-chain bundle is the `tarball` of the
///         FunctionRegistered log with topic1 = functionId in block `blockNumber`.
///
/// @dev    Where on-chain bundles live: in the FunctionRegistered event log. A log costs 8 gas
///         per byte and is served back by any full node (eth_getLogs); code-as-storage (a data
///         contract read back with EXTCODECOPY) costs 200 gas per byte plus 32,000 per contract
///         and caps a contract at 24,576 bytes (EIP-170); storage slots cost ~690 gas per byte.
///         No contract ever needs the bytes on-chain (tasks carry only the id, unlike the original
///         FaaS.sol that copied the tarball into every task), and the id = keccak256(tarball)
///         makes whatever a node serves self-verifying, so the log is the cheapest sound choice.
///         The contract keeps one slot per function: owner, block of the log, size. There is no
///         on-chain list of ids: it would cost another 27,000 gas per registration (a 22,100 slot
///         per id plus the length update), over the registerFunction budget; the list is the
///         FunctionRegistered and FunctionDeployed logs of this contract (eth_getLogs), and
///         getFunction gives the details of each.
contract FaaS is IAVSTaskHook {
    ITaskMailbox public immutable taskMailbox;
    uint32 public immutable executorOperatorSetId;

    /// @notice A registered function. size > 0: on-chain bundle of that many bytes, logged in
    ///         block blockNumber; size == 0: remote bundle at url.
    struct FunctionInfo {
        bytes32 id;
        address owner;
        uint64 blockNumber;
        uint32 size;
        string url;
    }

    struct FunctionRecord {
        address owner;
        uint64 blockNumber;
        uint32 size;
    }

    mapping(bytes32 functionId => FunctionRecord) internal _functions;
    /// @dev remote bundles: the URL, kept as code (CodeStore), half the cost of string storage
    mapping(bytes32 functionId => address) internal _urls;

    /// @notice A bundle stored on-chain: the tarball itself is this log's data.
    event FunctionRegistered(bytes32 indexed functionId, address indexed registrar, bytes tarball);
    /// @notice A remote bundle registered with its URL and claimed hash.
    event FunctionDeployed(bytes32 indexed functionId, address indexed registrar, string url);
    /// @notice taskId = the TaskMailbox task hash of this call.
    event FunctionCalled(bytes32 indexed functionId, bytes32 indexed taskId, address indexed caller);

    error FunctionNotFound(bytes32 functionId);
    error FunctionAlreadyRegistered(bytes32 functionId);
    error EmptyBundle();
    error EmptyUrl();
    error UrlTooLong();
    error InvalidTaskCreator();

    constructor(ITaskMailbox taskMailbox_, uint32 executorOperatorSetId_) {
        taskMailbox = taskMailbox_;
        executorOperatorSetId = executorOperatorSetId_;
    }

    /// @notice The AVS address of the executor operator set: this contract.
    function avs() external view returns (address) {
        return address(this);
    }

    // ------------------------------------------------------------------ registry

    /// @notice Stores a bundle on-chain (in this call's FunctionRegistered log).
    /// @return functionId keccak256(tarball)
    function registerFunction(bytes calldata tarball) external returns (bytes32 functionId) {
        if (tarball.length == 0) revert EmptyBundle();
        functionId = keccak256(tarball);
        _add(functionId, uint32(tarball.length));
        emit FunctionRegistered(functionId, msg.sender, tarball);
    }

    /// @notice Registers a bundle served at `url`; its id is `codeHash`, which must be
    ///         keccak256 of the bundle's bytes (operators check it before running it).
    function deployFunction(string calldata url, bytes32 codeHash) external returns (bytes32 functionId) {
        if (bytes(url).length == 0) revert EmptyUrl();
        if (bytes(url).length > CodeStore.MAX_CHUNK) revert UrlTooLong();
        functionId = codeHash;
        _add(functionId, 0);
        _urls[functionId] = CodeStore.store(bytes(url));
        emit FunctionDeployed(functionId, msg.sender, url);
    }

    function _add(bytes32 functionId, uint32 size) private {
        if (_functions[functionId].blockNumber != 0) revert FunctionAlreadyRegistered(functionId);
        _functions[functionId] = FunctionRecord(msg.sender, uint64(block.number), size);
    }

    /// @notice Calls a function: creates a task with payload abi.encode(functionId, input); the
    ///         caller is the task's refund collector. Reverts FunctionNotFound for an unknown id.
    /// @return taskId the task hash (also in FunctionCalled and TaskCreated)
    function callFunction(bytes32 functionId, bytes calldata input) external returns (bytes32 taskId) {
        if (_functions[functionId].blockNumber == 0) revert FunctionNotFound(functionId);
        taskId = taskMailbox.createTask(
            ITaskMailboxTypes.TaskParams(
                msg.sender, OperatorSet(address(this), executorOperatorSetId), abi.encode(functionId, input)
            )
        );
        emit FunctionCalled(functionId, taskId, msg.sender);
    }

    // ------------------------------------------------------------------ views

    function functionExists(bytes32 functionId) external view returns (bool) {
        return _functions[functionId].blockNumber != 0;
    }

    /// @notice Reverts FunctionNotFound for an unknown id.
    function getFunction(bytes32 functionId) public view returns (FunctionInfo memory) {
        FunctionRecord memory r = _functions[functionId];
        if (r.blockNumber == 0) revert FunctionNotFound(functionId);
        string memory url = r.size == 0 ? string(CodeStore.load(_urls[functionId])) : "";
        return FunctionInfo(functionId, r.owner, r.blockNumber, r.size, url);
    }

    // ------------------------------------------------------------------ IAVSTaskHook

    /// @notice Only this contract creates tasks for its operator set (through callFunction).
    function validatePreTaskCreation(address caller, ITaskMailboxTypes.TaskParams calldata) external view {
        if (caller != address(this)) revert InvalidTaskCreator();
    }

    function handlePostTaskCreation(bytes32) external {}

    function validatePreTaskResultSubmission(address, bytes32, bytes calldata, bytes calldata) external view {}

    function handlePostTaskResultSubmission(address, bytes32) external {}

    /// @notice Calls are free: no fee token is configured for the set.
    function calculateTaskFee(ITaskMailboxTypes.TaskParams calldata) external pure returns (uint96) {
        return 0;
    }
}
