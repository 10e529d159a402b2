// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {IAVSTaskHook} from "../../src/interfaces/IAVSTaskHook.sol";
import {ITaskMailbox, ITaskMailboxTypes} from "../../src/interfaces/ITaskMailbox.sol";
import {IERC20} from "../../src/interfaces/IERC20.sol";
import {OperatorSet} from "../../src/libraries/OperatorSetLib.sol";
import {IECDSACertificateVerifierTypes} from "../../src/interfaces/IECDSACertificateVerifier.sol";

/// @notice A plain ERC-20 for fee tests.
contract TestToken is IERC20 {
    mapping(address => uint256) public balanceOf;
    mapping(address => mapping(address => uint256)) public allowance;

    function mint(address to, uint256 amount) external {
        balanceOf[to] += amount;
    }

    function transfer(address to, uint256 amount) external returns (bool) {
        balanceOf[msg.sender] -= amount;
        balanceOf[to] += amount;
        return true;
    }

    function transferFrom(address from, address to, uint256 amount) external returns (bool) {
        allowance[from][msg.sender] -= amount;
        balanceOf[from] -= amount;
        balanceOf[to] += amount;
        return true;
    }

    function approve(address spender, uint256 amount) external returns (bool) {
        allowance[msg.sender][spender] = amount;
        return true;
    }
}

/// @notice A task hook whose answers the tests set, and which counts the calls it gets.
contract TestHook is IAVSTaskHook {
    error InvalidTaskCreator();

    uint96 public fee;
    address public onlyCreator;
    bool public reenterOnCreate;
    uint256 public postCreateCalls;
    uint256 public postSubmitCalls;
    bytes32 public lastTaskHash;

    function setFee(uint96 f) external {
        fee = f;
    }

    function setOnlyCreator(address c) external {
        onlyCreator = c;
    }

    function setReenterOnCreate(bool r) external {
        reenterOnCreate = r;
    }

    function validatePreTaskCreation(address caller, ITaskMailboxTypes.TaskParams memory) external view {
        if (onlyCreator != address(0) && caller != onlyCreator) revert InvalidTaskCreator();
    }

    function handlePostTaskCreation(bytes32 taskHash) external {
        postCreateCalls++;
        lastTaskHash = taskHash;
        if (reenterOnCreate) {
            ITaskMailbox(msg.sender).createTask(
                ITaskMailboxTypes.TaskParams(address(this), OperatorSet(address(this), 0), hex"01")
            );
        }
    }

    function validatePreTaskResultSubmission(address, bytes32, bytes memory, bytes memory) external view {}

    function handlePostTaskResultSubmission(address, bytes32) external {
        postSubmitCalls++;
    }

    function calculateTaskFee(ITaskMailboxTypes.TaskParams memory) external view returns (uint96) {
        return fee;
    }
}

/// @notice An ECDSA certificate verifier stand-in: owner, table timestamp and the threshold
///         answer are set by the test; it records the certificate it was asked about.
contract MockECDSAVerifier is IECDSACertificateVerifierTypes {
    address public owner;
    uint32 public refTs;
    bool public answer = true;
    bytes32 public lastMessageHash;

    function set(address owner_, uint32 refTs_, bool answer_) external {
        (owner, refTs, answer) = (owner_, refTs_, answer_);
    }

    function getOperatorSetOwner(OperatorSet memory) external view returns (address) {
        return owner;
    }

    function latestReferenceTimestamp(OperatorSet memory) external view returns (uint32) {
        return refTs;
    }

    function maxOperatorTableStaleness(OperatorSet memory) external pure returns (uint32) {
        return 0;
    }

    function verifyCertificate(OperatorSet calldata, ECDSACertificate calldata cert)
        external
        returns (uint256[] memory, address[] memory)
    {
        lastMessageHash = cert.messageHash;
        require(answer, "bad signature");
        return (new uint256[](1), new address[](0));
    }

    function verifyCertificateProportion(OperatorSet calldata, ECDSACertificate calldata cert, uint16[] calldata)
        external
        returns (bool, address[] memory)
    {
        lastMessageHash = cert.messageHash;
        return (answer, new address[](0));
    }
}
