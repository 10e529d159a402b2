// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {MailboxFixture} from "./utils/MailboxFixture.sol";
import {TestHook, TestToken} from "./utils/Mocks.sol";
import {Vm} from "./utils/Vm.sol";
import {OperatorSet, OperatorSetLib} from "../src/libraries/OperatorSetLib.sol";
import {BN254} from "../src/libraries/BN254.sol";
import {CodeStore} from "../src/libraries/CodeStore.sol";
import {TaskMailbox} from "../src/TaskMailbox.sol";
import {ITaskMailbox} from "../src/interfaces/ITaskMailbox.sol";
import {IERC20} from "../src/interfaces/IERC20.sol";
import {IKeyRegistrarTypes} from "../src/interfaces/IKeyRegistrar.sol";
import {IBaseCertificateVerifierErrors} from "../src/interfaces/IBaseCertificateVerifier.sol";

contract TaskMailboxTest is MailboxFixture {
    bytes constant PAYLOAD = hex"c0ffee";
    bytes constant RESULT = bytes('{"payload":"hi","error":null}');

    function setUp() public {
        _setUpMailbox();
    }

    // ---------------------------------------------------------------- reference vectors

    function test_selectors_and_topics() public pure {
        // hourglass-protocol.md §2.9 and §2.3 (computed there independently)
        assertEq(uint256(uint32(ITaskMailbox.createTask.selector)), 0x1fb66f5d, "createTask");
        assertEq(uint256(uint32(ITaskMailbox.submitResult.selector)), 0xa5fabc81, "submitResult");
        assertEq(uint256(uint32(ITaskMailbox.getMessageHash.selector)), 0x37eaa104, "getMessageHash");
        assertEq(uint256(uint32(ITaskMailbox.getTaskInfo.selector)), 0x4ad52e02, "getTaskInfo");
        assertEq(uint256(uint32(ITaskMailbox.getTaskStatus.selector)), 0x2bf6cc79, "getTaskStatus");
        assertEq(uint256(uint32(ITaskMailbox.getTaskResult.selector)), 0x62fee037, "getTaskResult");
        assertEq(uint256(uint32(ITaskMailbox.refundFee.selector)), 0xb8694166, "refundFee");
        assertEq(TaskCreated.selector, 0x33add0b01e02278be5459fbfa3274aee699ec47f4ee7236b59e7a2c8b5000c26, "TaskCreated");
        assertEq(TaskVerified.selector, 0x659f23b2e7edf490e5fd6561c5148691ed0375ed7ddd3ab1bcfcfdbec4f209a9, "TaskVerified");
    }

    function test_messageHash_vector() public view {
        // §3.5: taskHash = 0x11..11, result = {"payload":"hi","error":null}
        bytes32 taskHash = 0x1111111111111111111111111111111111111111111111111111111111111111;
        assertEq(
            mailbox.getMessageHash(taskHash, RESULT),
            0x7bcc9c7c53fea0c99330b5101d7bc1cc4fbb8e78f01857ced5e81533f2db935c,
            "messageHash"
        );
    }

    function test_taskHash_preimageLayout() public {
        bytes memory payload = hex"0102030405";
        bytes32 taskHash = _create(payload);
        // §2.5: count | mailbox | chainid | 0x80 | refundCollector | avs | id | 0x80 | len | payload padded
        bytes memory preimage = abi.encodePacked(
            uint256(0), uint256(uint160(address(mailbox))), block.chainid, uint256(0x80),
            uint256(uint160(USER)), uint256(uint160(address(hook))), uint256(0), uint256(0x80), uint256(5),
            bytes32(payload)
        );
        assertEq(taskHash, keccak256(preimage), "taskHash");
        // the count advances: the same params give another hash
        assertTrue(_create(payload) != taskHash, "count advances");
    }

    // ---------------------------------------------------------------- happy path

    function test_createAndSubmit_emitsExactEvents() public {
        vm.recordLogs();
        bytes32 taskHash = _create(PAYLOAD);
        Vm.Log[] memory logs = vm.getRecordedLogs();
        assertEq(logs.length, 1, "one log");
        assertEq(logs[0].topics[0], TaskCreated.selector, "topic0");
        assertEq(logs[0].topics[1], bytes32(uint256(uint160(address(this)))), "creator");
        assertEq(logs[0].topics[2], taskHash, "taskHash");
        assertEq(logs[0].topics[3], bytes32(uint256(uint160(address(hook)))), "avs");
        (uint32 setId, uint32 ts, address refund, uint96 fee, uint256 deadline, bytes memory payload) =
            abi.decode(logs[0].data, (uint32, uint32, address, uint96, uint256, bytes));
        assertEq(setId, 0, "set id");
        assertEq(ts, refTs, "refTs");
        assertEq(refund, USER, "refund collector");
        assertEq(fee, 0, "fee");
        assertEq(deadline, block.timestamp + SLA, "deadline");
        assertEq(payload, PAYLOAD, "payload");
        assertEq(uint256(mailbox.getTaskStatus(taskHash)), uint256(TaskStatus.CREATED), "created");

        vm.warp(block.timestamp + 1);
        bytes memory cert = _certBytes(taskHash, RESULT, 5); // operator 1 (200) does not sign: 400/600
        address aggregator = address(0xA66);
        vm.prank(aggregator);
        vm.recordLogs();
        mailbox.submitResult(taskHash, cert, RESULT);
        logs = vm.getRecordedLogs();
        assertEq(logs.length, 1, "one log");
        assertEq(logs[0].topics[0], TaskVerified.selector, "topic0");
        assertEq(logs[0].topics[1], bytes32(uint256(uint160(aggregator))), "aggregator");
        assertEq(logs[0].topics[2], taskHash, "taskHash");
        assertEq(logs[0].topics[3], bytes32(uint256(uint160(address(hook)))), "avs");
        (uint32 id2, bytes memory certOut, bytes memory resultOut) = abi.decode(logs[0].data, (uint32, bytes, bytes));
        assertEq(id2, 0, "set id");
        assertEq(certOut, cert, "cert");
        assertEq(resultOut, RESULT, "result");

        assertEq(uint256(mailbox.getTaskStatus(taskHash)), uint256(TaskStatus.VERIFIED), "verified");
        assertEq(mailbox.getTaskResult(taskHash), RESULT, "getTaskResult");
        assertEq(hook.postSubmitCalls(), 1, "post hook");
        assertEq(address(mailbox.getTaskResultAddress(taskHash)).code, abi.encodePacked(hex"00", RESULT), "code");
    }

    function test_getTaskInfo() public {
        bytes32 taskHash = _create(PAYLOAD);
        uint256 created = block.timestamp;
        vm.warp(created + 5);
        mailbox.submitResult(taskHash, _certBytes(taskHash, RESULT, 7), RESULT);
        Task memory t = mailbox.getTaskInfo(taskHash);
        assertEq(t.creator, address(this), "creator");
        assertEq(t.creationTime, created, "creationTime");
        assertEq(t.avs, address(hook), "avs");
        assertEq(t.refundCollector, USER, "refundCollector");
        assertEq(uint256(t.status), uint256(TaskStatus.VERIFIED), "status");
        assertEq(t.operatorTableReferenceTimestamp, refTs, "refTs");
        assertEq(address(t.executorOperatorSetTaskConfig.taskHook), address(hook), "hook");
        assertEq(t.executorOperatorSetTaskConfig.taskSLA, SLA, "sla");
        assertEq(uint256(t.executorOperatorSetTaskConfig.curveType), 2, "curve");
        assertEq(t.executorOperatorSetTaskConfig.consensus.value, abi.encode(THRESHOLD_BPS), "consensus");
        assertEq(t.result, RESULT, "result");
        assertEq(t.payload.length, 0, "payload is not stored");
        assertEq(t.executorCert.length, 0, "cert is not stored");
        // unknown task: all zero
        Task memory none = mailbox.getTaskInfo(keccak256("nope"));
        assertEq(none.creator, address(0), "none");
        assertEq(uint256(mailbox.getTaskStatus(keccak256("nope"))), uint256(TaskStatus.NONE), "NONE");
    }

    function test_configSnapshot_survivesConfigChange() public {
        bytes32 taskHash = _create(PAYLOAD);
        // a stricter threshold later does not apply to the existing task
        mailbox.setExecutorOperatorSetTaskConfig(opSet, _config(IERC20(address(0)), address(0), 10_000));
        bytes32 later = _create(PAYLOAD);
        vm.warp(block.timestamp + 1);
        mailbox.submitResult(taskHash, _certBytes(taskHash, RESULT, 5), RESULT);
        bytes memory cert = _certBytes(later, RESULT, 5);
        vm.expectRevert(ThresholdNotMet.selector);
        mailbox.submitResult(later, cert, RESULT);
        assertEq(mailbox.getTaskInfo(later).executorOperatorSetTaskConfig.consensus.value, abi.encode(10_000), "new");
        assertEq(mailbox.getTaskInfo(taskHash).executorOperatorSetTaskConfig.consensus.value, abi.encode(6000), "old");
    }

    function test_consensusNone_verifiesSignatureOnly() public {
        ExecutorOperatorSetTaskConfig memory c = _config(IERC20(address(0)), address(0), 0);
        c.consensus = Consensus(ConsensusType.NONE, "");
        mailbox.setExecutorOperatorSetTaskConfig(opSet, c);
        bytes32 taskHash = _create(PAYLOAD);
        vm.warp(block.timestamp + 1);
        mailbox.submitResult(taskHash, _certBytes(taskHash, RESULT, 1), RESULT); // 100 of 600
        assertEq(mailbox.getTaskResult(taskHash), RESULT, "verified");
    }

    function test_largeResult_spansSeveralCodeChunks() public {
        bytes memory big = new bytes(2 * CodeStore.MAX_CHUNK + 1000);
        for (uint256 i = 0; i < big.length; i += 97) big[i] = bytes1(uint8(i));
        bytes32 taskHash = _create(PAYLOAD);
        vm.warp(block.timestamp + 1);
        mailbox.submitResult(taskHash, _certBytes(taskHash, big, 7), big);
        assertEq(mailbox.getTaskResult(taskHash), big, "3 chunks");
        // exact multiple of a chunk, and empty
        bytes memory exact = new bytes(CodeStore.MAX_CHUNK);
        exact[CodeStore.MAX_CHUNK - 1] = 0x7f;
        taskHash = _create(PAYLOAD);
        vm.warp(block.timestamp + 1);
        mailbox.submitResult(taskHash, _certBytes(taskHash, exact, 7), exact);
        assertEq(mailbox.getTaskResult(taskHash), exact, "1 full chunk");
        taskHash = _create(PAYLOAD);
        vm.warp(block.timestamp + 1);
        mailbox.submitResult(taskHash, _certBytes(taskHash, "", 7), "");
        assertEq(mailbox.getTaskResult(taskHash), "", "empty");
        assertEq(uint256(mailbox.getTaskStatus(taskHash)), uint256(TaskStatus.VERIFIED), "empty verified");
    }

    function test_codeStore_constants() public pure {
        assertEq(bytes32(CodeStore.PENDING_SLOT), keccak256("faas.CodeStore.pending"), "pending slot");
        assertEq(uint256(uint32(CodeStore.PENDING_SELECTOR)), uint256(uint32(TaskMailbox.codeStorePending.selector)), "callback");
        bytes memory stub = CodeStore.STUB;
        bytes4 inStub;
        assembly {
            inStub := mload(add(stub, 0x21)) // after the PUSH4 opcode byte
        }
        assertEq(uint256(uint32(inStub)), uint256(uint32(CodeStore.PENDING_SELECTOR)), "stub calls codeStorePending()");
        assertEq(CodeStore.STUB_HASH, keccak256(stub), "stub hash");
    }

    // ---------------------------------------------------------------- submitResult rejections

    function test_revert_wrongMessageHash() public {
        bytes32 taskHash = _create(PAYLOAD);
        vm.warp(block.timestamp + 1);
        bytes memory cert = abi.encode(_cert(refTs, keccak256(RESULT), weights, 7)); // pre-PR#1629 hash
        vm.expectRevert(InvalidMessageHash.selector);
        mailbox.submitResult(taskHash, cert, RESULT);
    }

    function test_revert_resultChangedAfterSigning() public {
        bytes32 taskHash = _create(PAYLOAD);
        vm.warp(block.timestamp + 1);
        bytes memory forged = bytes('{"payload":"HI","error":null}');
        bytes memory cert = _certBytes(taskHash, RESULT, 7);
        vm.expectRevert(InvalidMessageHash.selector);
        mailbox.submitResult(taskHash, cert, forged);
        // and with the messageHash patched to the forged result, the signature no longer holds
        BN254Certificate memory c = _cert(refTs, mailbox.getMessageHash(taskHash, RESULT), weights, 7);
        c.messageHash = mailbox.getMessageHash(taskHash, forged);
        vm.expectRevert(IBaseCertificateVerifierErrors.VerificationFailed.selector);
        mailbox.submitResult(taskHash, abi.encode(c), forged);
    }

    function test_revert_certificateReplayedOnAnotherTask() public {
        bytes32 a = _create(PAYLOAD);
        bytes32 b = _create(PAYLOAD);
        vm.warp(block.timestamp + 1);
        bytes memory certA = _certBytes(a, RESULT, 7);
        vm.expectRevert(InvalidMessageHash.selector);
        mailbox.submitResult(b, certA, RESULT);
        BN254Certificate memory c = _cert(refTs, mailbox.getMessageHash(a, RESULT), weights, 7);
        c.messageHash = mailbox.getMessageHash(b, RESULT);
        vm.expectRevert(IBaseCertificateVerifierErrors.VerificationFailed.selector);
        mailbox.submitResult(b, abi.encode(c), RESULT);
        mailbox.submitResult(a, certA, RESULT); // still fine where it belongs
    }

    function test_revert_wrongReferenceTimestamp() public {
        bytes32 taskHash = _create(PAYLOAD);
        vm.warp(block.timestamp + 1);
        // a newer table exists, but the task is bound to the one current at creation
        _publish(uint32(block.timestamp), 0);
        bytes memory cert = _certBytes(taskHash, RESULT, 7); // uses the new refTs
        vm.expectRevert(InvalidReferenceTimestamp.selector);
        mailbox.submitResult(taskHash, cert, RESULT);
    }

    function test_revert_staleTable() public {
        _publish(uint32(block.timestamp), 100); // tables now go stale 100 s after their timestamp
        vm.warp(block.timestamp + 41); // now + SLA (60) = refTs + 101 > refTs + 100
        vm.expectRevert(CertificateStale.selector);
        _create(PAYLOAD);
        vm.warp(block.timestamp - 1); // now + SLA = refTs + 100: the table outlives the task
        _create(PAYLOAD);
    }

    function test_revert_staleTableAtVerifier() public {
        bytes32 taskHash = _create(PAYLOAD); // bound to the table at refTs, staleness 0 (never)
        bytes memory cert = _certBytes(taskHash, RESULT, 7);
        uint32 taskRefTs = refTs;
        vm.warp(block.timestamp + 20);
        _publish(uint32(block.timestamp), 10); // the set's staleness becomes 10 s, for old tables too
        vm.warp(block.timestamp + 1); // task not expired, but its table is 121 s old
        vm.expectRevert(CertificateStale.selector);
        mailbox.submitResult(taskHash, cert, RESULT);
        assertEq(mailbox.getTaskInfo(taskHash).operatorTableReferenceTimestamp, taskRefTs, "task table");
    }

    function test_revert_thresholdNotMet() public {
        bytes32 taskHash = _create(PAYLOAD);
        vm.warp(block.timestamp + 1);
        bytes memory cert = _certBytes(taskHash, RESULT, 3); // 300 of 600 < 60%
        vm.expectRevert(ThresholdNotMet.selector);
        mailbox.submitResult(taskHash, cert, RESULT);
    }

    function test_revert_doubleSubmit() public {
        bytes32 taskHash = _create(PAYLOAD);
        vm.warp(block.timestamp + 1);
        bytes memory cert = _certBytes(taskHash, RESULT, 7);
        mailbox.submitResult(taskHash, cert, RESULT);
        vm.expectRevert(abi.encodeWithSelector(InvalidTaskStatus.selector, TaskStatus.CREATED, TaskStatus.VERIFIED));
        mailbox.submitResult(taskHash, cert, RESULT);
    }

    function test_revert_submitInCreationBlock() public {
        bytes32 taskHash = _create(PAYLOAD);
        bytes memory cert = _certBytes(taskHash, RESULT, 7);
        vm.expectRevert(TimestampAtCreation.selector);
        mailbox.submitResult(taskHash, cert, RESULT);
    }

    function test_revert_expiredTask() public {
        bytes32 taskHash = _create(PAYLOAD);
        bytes32 other = _create(PAYLOAD);
        bytes memory cert = _certBytes(taskHash, RESULT, 7);
        vm.warp(block.timestamp + SLA); // exactly at the deadline: still accepted
        mailbox.submitResult(other, _certBytes(other, RESULT, 7), RESULT);
        vm.warp(block.timestamp + 1);
        assertEq(uint256(mailbox.getTaskStatus(taskHash)), uint256(TaskStatus.EXPIRED), "expired");
        vm.expectRevert(abi.encodeWithSelector(InvalidTaskStatus.selector, TaskStatus.CREATED, TaskStatus.EXPIRED));
        mailbox.submitResult(taskHash, cert, RESULT);
    }

    function test_revert_unknownTask() public {
        vm.expectRevert(abi.encodeWithSelector(InvalidTaskStatus.selector, TaskStatus.CREATED, TaskStatus.NONE));
        mailbox.submitResult(keccak256("nope"), "", RESULT);
        vm.expectRevert(abi.encodeWithSelector(InvalidTaskStatus.selector, TaskStatus.VERIFIED, TaskStatus.NONE));
        mailbox.getTaskResult(keccak256("nope"));
    }

    function test_revert_emptySignatureAndMalformedCert() public {
        bytes32 taskHash = _create(PAYLOAD);
        vm.warp(block.timestamp + 1);
        BN254Certificate memory c = _cert(refTs, mailbox.getMessageHash(taskHash, RESULT), weights, 7);
        c.signature = BN254.G1Point(0, 0);
        vm.expectRevert(EmptyCertificateSignature.selector);
        mailbox.submitResult(taskHash, abi.encode(c), RESULT);
        vm.expectRevert(TaskMailbox.MalformedCertificate.selector);
        mailbox.submitResult(taskHash, hex"00", RESULT);
        vm.expectRevert(TaskMailbox.MalformedCertificate.selector);
        mailbox.submitResult(taskHash, abi.encode(uint256(1 << 40)), RESULT);
        // a certificate truncated inside its witnesses: the verifier's decoder rejects it
        bytes memory full = _certBytes(taskHash, RESULT, 5);
        bytes memory cut = new bytes(full.length - 64);
        for (uint256 i = 0; i < cut.length; i++) cut[i] = full[i];
        vm.expectRevert();
        mailbox.submitResult(taskHash, cut, RESULT);
        mailbox.submitResult(taskHash, full, RESULT);
    }

    // ---------------------------------------------------------------- createTask rejections

    function test_revert_createTask() public {
        vm.expectRevert(PayloadIsEmpty.selector);
        _create("");
        TaskParams memory p = _params(PAYLOAD);
        p.executorOperatorSet.id = 1;
        vm.expectRevert(ExecutorOperatorSetNotRegistered.selector);
        mailbox.createTask(p);
        mailbox.registerExecutorOperatorSet(opSet, false);
        vm.expectRevert(ExecutorOperatorSetNotRegistered.selector);
        _create(PAYLOAD);
        mailbox.registerExecutorOperatorSet(opSet, true);
        _create(PAYLOAD);
        // the hook decides who may create tasks
        hook.setOnlyCreator(address(0xFAA5));
        vm.expectRevert(TestHook.InvalidTaskCreator.selector);
        _create(PAYLOAD);
    }

    function test_revert_reentrancy() public {
        hook.setReenterOnCreate(true);
        vm.expectRevert(TaskMailbox.ReentrantCall.selector);
        _create(PAYLOAD);
    }

    // ---------------------------------------------------------------- configuration

    function test_config_validation() public {
        ExecutorOperatorSetTaskConfig memory c = _config(IERC20(address(0)), address(0), 6000);
        c.taskSLA = 0;
        vm.expectRevert(ExecutorOperatorSetTaskConfigNotSet.selector);
        mailbox.setExecutorOperatorSetTaskConfig(opSet, c);
        c = _config(IERC20(address(0)), address(0), 6000);
        c.taskSLA = 7 days + 1;
        vm.expectRevert(TaskSLAExceedsMaximum.selector);
        mailbox.setExecutorOperatorSetTaskConfig(opSet, c);
        c = _config(IERC20(address(0)), address(0), 10_001);
        vm.expectRevert(InvalidConsensusValue.selector);
        mailbox.setExecutorOperatorSetTaskConfig(opSet, c);
        c = _config(IERC20(address(0)), address(0), 6000);
        c.consensus = Consensus(ConsensusType.NONE, hex"01");
        vm.expectRevert(InvalidConsensusValue.selector);
        mailbox.setExecutorOperatorSetTaskConfig(opSet, c);
        c = _config(IERC20(address(0)), address(0), 6000);
        c.curveType = IKeyRegistrarTypes.CurveType.ECDSA; // no ECDSA verifier deployed
        vm.expectRevert(InvalidCurveType.selector);
        mailbox.setExecutorOperatorSetTaskConfig(opSet, c);
        c = _config(IERC20(address(0)), address(0), 6000);
        vm.prank(address(0xBAD));
        vm.expectRevert(InvalidOperatorSetOwner.selector);
        mailbox.setExecutorOperatorSetTaskConfig(opSet, c);
        vm.prank(address(0xBAD));
        vm.expectRevert(InvalidOperatorSetOwner.selector);
        mailbox.registerExecutorOperatorSet(opSet, false);
        vm.expectRevert(ExecutorOperatorSetTaskConfigNotSet.selector);
        mailbox.registerExecutorOperatorSet(OperatorSet(address(hook), 9), true);
        assertTrue(mailbox.isExecutorOperatorSetRegistered(OperatorSetLib.key(opSet)), "registered");
        ExecutorOperatorSetTaskConfig memory got = mailbox.getExecutorOperatorSetTaskConfig(opSet);
        assertEq(got.consensus.value, abi.encode(uint16(6000)), "stored consensus");
    }

    function test_ownerAndFeeSplitSetters() public {
        vm.expectRevert(TaskMailbox.AlreadyInitialized.selector);
        mailbox.initialize(address(this), 0, SPLIT_COLLECTOR);
        vm.expectRevert(InvalidFeeSplit.selector);
        mailbox.setFeeSplit(10_001);
        vm.expectRevert(InvalidAddressZero.selector);
        mailbox.setFeeSplitCollector(address(0));
        vm.prank(address(0xBAD));
        vm.expectRevert(TaskMailbox.OnlyOwner.selector);
        mailbox.setFeeSplit(1);
        mailbox.setFeeSplit(1234);
        assertEq(mailbox.feeSplit(), 1234, "feeSplit");
        assertEq(mailbox.feeSplitCollector(), SPLIT_COLLECTOR, "collector");
        assertEq(mailbox.MAX_TASK_SLA(), 7 days, "max sla");
        assertEq(mailbox.BN254_CERTIFICATE_VERIFIER(), address(verifier), "bn254");
    }

    // ---------------------------------------------------------------- fees and refunds

    function _withFees(uint96 fee, uint16 split) internal returns (TestToken token, address collector) {
        token = new TestToken();
        collector = address(0xFEE);
        mailbox.setExecutorOperatorSetTaskConfig(opSet, _config(IERC20(address(token)), collector, THRESHOLD_BPS));
        mailbox.setFeeSplit(split);
        hook.setFee(fee);
        token.mint(address(this), 10_000);
        token.approve(address(mailbox), type(uint256).max);
    }

    function test_fees_splitOnVerification() public {
        (TestToken token, address collector) = _withFees(1000, 2500);
        bytes32 taskHash = _create(PAYLOAD);
        assertEq(token.balanceOf(address(mailbox)), 1000, "escrowed");
        assertEq(mailbox.getTaskInfo(taskHash).avsFee, 1000, "avsFee");
        assertEq(mailbox.getTaskInfo(taskHash).feeSplit, 2500, "feeSplit snapshot");
        vm.warp(block.timestamp + 1);
        mailbox.submitResult(taskHash, _certBytes(taskHash, RESULT, 7), RESULT);
        assertEq(token.balanceOf(SPLIT_COLLECTOR), 250, "split");
        assertEq(token.balanceOf(collector), 750, "avs share");
        assertEq(token.balanceOf(address(mailbox)), 0, "nothing left");
    }

    function test_fees_refundOnce_onlyByCollector_onlyWhenExpired() public {
        (TestToken token,) = _withFees(1000, 0);
        bytes32 taskHash = _create(PAYLOAD);
        vm.prank(USER);
        vm.expectRevert(abi.encodeWithSelector(InvalidTaskStatus.selector, TaskStatus.EXPIRED, TaskStatus.CREATED));
        mailbox.refundFee(taskHash);
        vm.warp(block.timestamp + SLA + 1);
        vm.expectRevert(OnlyRefundCollector.selector);
        mailbox.refundFee(taskHash); // a stranger
        vm.prank(USER);
        vm.expectEmit(true, true, false, true, address(mailbox));
        emit FeeRefunded(USER, taskHash, 1000);
        mailbox.refundFee(taskHash);
        assertEq(token.balanceOf(USER), 1000, "refunded");
        assertTrue(mailbox.getTaskInfo(taskHash).isFeeRefunded, "flag");
        assertEq(uint256(mailbox.getTaskStatus(taskHash)), uint256(TaskStatus.EXPIRED), "still expired");
        vm.prank(USER);
        vm.expectRevert(FeeAlreadyRefunded.selector);
        mailbox.refundFee(taskHash);
    }

    function test_fees_receiversMustExist() public {
        TestToken token = new TestToken();
        mailbox.setExecutorOperatorSetTaskConfig(opSet, _config(IERC20(address(token)), address(0), THRESHOLD_BPS));
        hook.setFee(1);
        vm.expectRevert(InvalidFeeReceiver.selector);
        _create(PAYLOAD);
    }

    function test_refund_withoutFee() public {
        bytes32 taskHash = _create(PAYLOAD);
        vm.warp(block.timestamp + SLA + 1);
        vm.prank(USER);
        mailbox.refundFee(taskHash);
        vm.prank(USER);
        vm.expectRevert(FeeAlreadyRefunded.selector);
        mailbox.refundFee(taskHash);
    }
}
