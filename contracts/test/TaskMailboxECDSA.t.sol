// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {Test} from "./utils/Test.sol";
import {TestHook, MockECDSAVerifier} from "./utils/Mocks.sol";
import {OperatorSet} from "../src/libraries/OperatorSetLib.sol";
import {TaskMailbox} from "../src/TaskMailbox.sol";
import {IAVSTaskHook} from "../src/interfaces/IAVSTaskHook.sol";
import {IKeyRegistrarTypes} from "../src/interfaces/IKeyRegistrar.sol";
import {IECDSACertificateVerifierTypes} from "../src/interfaces/IECDSACertificateVerifier.sol";
import {ITaskMailboxErrors} from "../src/interfaces/ITaskMailbox.sol";

/// @notice The ECDSA branch of submitResult (EigenLayer's _validateECDSACertificate and the
///         proportion call), against a stand-in verifier.
contract TaskMailboxECDSATest is Test, ITaskMailboxErrors, IECDSACertificateVerifierTypes {
    TaskMailbox mailbox;
    MockECDSAVerifier ecdsa;
    TestHook hook;
    OperatorSet opSet;
    bytes constant RESULT = "ok";

    function setUp() public {
        vm.warp(1_700_000_000);
        ecdsa = new MockECDSAVerifier();
        mailbox = new TaskMailbox(address(0), address(ecdsa), 1 days);
        mailbox.initialize(address(this), 0, address(this));
        hook = new TestHook();
        opSet = OperatorSet(address(hook), 7);
        ecdsa.set(address(this), 1_699_999_000, true);
        ExecutorOperatorSetTaskConfig memory c;
        c.taskHook = IAVSTaskHook(address(hook));
        c.taskSLA = 60;
        c.curveType = IKeyRegistrarTypes.CurveType.ECDSA;
        c.consensus = Consensus(ConsensusType.STAKE_PROPORTION_THRESHOLD, abi.encode(uint16(5000)));
        mailbox.setExecutorOperatorSetTaskConfig(opSet, c);
    }

    function _task() internal returns (bytes32 t) {
        t = mailbox.createTask(TaskParams(address(this), opSet, hex"01"));
        vm.warp(block.timestamp + 1);
    }

    function test_ecdsa_verifiedWhenThresholdMet() public {
        bytes32 t = _task();
        bytes32 mh = mailbox.getMessageHash(t, RESULT);
        mailbox.submitResult(t, abi.encode(ECDSACertificate(1_699_999_000, mh, hex"aa")), RESULT);
        assertEq(ecdsa.lastMessageHash(), mh, "verifier saw the certificate");
        assertEq(mailbox.getTaskResult(t), RESULT, "verified");
    }

    function test_ecdsa_rejections() public {
        bytes32 t = _task();
        bytes32 mh = mailbox.getMessageHash(t, RESULT);
        vm.expectRevert(InvalidReferenceTimestamp.selector);
        mailbox.submitResult(t, abi.encode(ECDSACertificate(1, mh, hex"aa")), RESULT);
        vm.expectRevert(InvalidMessageHash.selector);
        mailbox.submitResult(t, abi.encode(ECDSACertificate(1_699_999_000, keccak256(RESULT), hex"aa")), RESULT);
        vm.expectRevert(EmptyCertificateSignature.selector);
        mailbox.submitResult(t, abi.encode(ECDSACertificate(1_699_999_000, mh, "")), RESULT);
        ecdsa.set(address(this), 1_699_999_000, false);
        vm.expectRevert(ThresholdNotMet.selector);
        mailbox.submitResult(t, abi.encode(ECDSACertificate(1_699_999_000, mh, hex"aa")), RESULT);
    }
}
