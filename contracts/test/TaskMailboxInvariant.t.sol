// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {Test} from "./utils/Test.sol";
import {MailboxFixture} from "./utils/MailboxFixture.sol";
import {TestHook} from "./utils/Mocks.sol";
import {TaskMailbox} from "../src/TaskMailbox.sol";

/// @notice Drives a mailbox with random creates, clock moves and (valid, replayed or
///         under-signed) result submissions, counting every submission that succeeds.
contract MailboxHandler is MailboxFixture {
    bytes32[] public tasks;
    mapping(bytes32 => uint256) public successes;
    uint256 public totalSuccesses;

    constructor() {
        _setUpMailbox();
    }

    function getMailbox() external view returns (TaskMailbox) {
        return mailbox;
    }

    function getHook() external view returns (TestHook) {
        return hook;
    }

    function taskCount() external view returns (uint256) {
        return tasks.length;
    }

    function create(uint8 payloadByte) external {
        tasks.push(_create(abi.encodePacked(payloadByte, "payload")));
    }

    function wait(uint8 seconds_) external {
        vm.warp(block.timestamp + seconds_ % 45);
    }

    /// @dev mask: any subset of the three operators (some meet the 60% threshold, some do not);
    ///      result: one of two results, so a task may see competing certificates.
    function submit(uint256 taskSeed, uint8 mask, bool otherResult) external {
        if (tasks.length == 0) return;
        bytes32 taskHash = tasks[taskSeed % tasks.length];
        bytes memory result = otherResult ? bytes("B") : bytes("A");
        bytes memory cert = _certBytes(taskHash, result, mask % 8);
        try mailbox.submitResult(taskHash, cert, result) {
            successes[taskHash]++;
            totalSuccesses++;
        } catch {}
    }
}

contract TaskMailboxInvariantTest is Test {
    MailboxHandler handler;

    function setUp() public {
        handler = new MailboxHandler();
    }

    /// @dev forge fuzzes only these contracts' functions.
    function targetContracts() public view returns (address[] memory t) {
        t = new address[](1);
        t[0] = address(handler);
    }

    /// @notice A task is verified at most once, and exactly the tasks with a successful
    ///         submission read VERIFIED, with the hook told once per verification.
    function invariant_taskVerifiedAtMostOnce() public view {
        uint256 n = handler.taskCount();
        for (uint256 i = 0; i < n; i++) {
            bytes32 t = handler.tasks(i);
            uint256 s = handler.successes(t);
            assertLe(s, 1, "verified more than once");
            bool verified = uint256(handler.getMailbox().getTaskStatus(t)) == 2;
            assertTrue(verified == (s == 1), "status matches submissions");
        }
        assertEq(handler.getHook().postSubmitCalls(), handler.totalSuccesses(), "post-submit hook calls");
    }
}
