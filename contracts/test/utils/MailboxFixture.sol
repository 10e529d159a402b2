// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {BlsFixture} from "./BlsFixture.sol";
import {TestHook} from "./Mocks.sol";
import {OperatorSet} from "../../src/libraries/OperatorSetLib.sol";
import {BN254CertificateVerifier} from "../../src/BN254CertificateVerifier.sol";
import {TaskMailbox} from "../../src/TaskMailbox.sol";
import {ICrossChainRegistryTypes} from "../../src/interfaces/IBaseCertificateVerifier.sol";
import {IAVSTaskHook} from "../../src/interfaces/IAVSTaskHook.sol";
import {IERC20} from "../../src/interfaces/IERC20.sol";
import {IKeyRegistrarTypes} from "../../src/interfaces/IKeyRegistrar.sol";
import {ITaskMailboxTypes, ITaskMailboxErrors, ITaskMailboxEvents} from "../../src/interfaces/ITaskMailbox.sol";

/// @notice A verifier (this test is its table updater), a mailbox, and one executor operator set
///         of three vector operators (weights 100/200/300) with a 60% stake threshold, SLA 60 s.
abstract contract MailboxFixture is BlsFixture, ITaskMailboxErrors, ITaskMailboxEvents {
    BN254CertificateVerifier verifier;
    TaskMailbox mailbox;
    TestHook hook;
    OperatorSet opSet;
    uint32 refTs;
    uint256[] weights;

    uint96 constant SLA = 60;
    uint16 constant THRESHOLD_BPS = 6000;
    uint32 constant T0 = 1_700_000_000;
    address constant SPLIT_COLLECTOR = address(0xC011EC7);
    address constant USER = address(0x05E6);

    function _setUpMailbox() internal {
        _loadVectors();
        vm.warp(T0);
        verifier = new BN254CertificateVerifier(address(this));
        mailbox = new TaskMailbox(address(verifier), address(0), 7 days);
        mailbox.initialize(address(this), 0, SPLIT_COLLECTOR);
        hook = new TestHook();
        opSet = OperatorSet(address(hook), 0);
        weights.push(100);
        weights.push(200);
        weights.push(300);
        _publish(T0, 0);
        mailbox.setExecutorOperatorSetTaskConfig(opSet, _config(IERC20(address(0)), address(0), THRESHOLD_BPS));
        vm.warp(T0 + 100);
    }

    function _publish(uint32 ts, uint32 maxStale) internal {
        verifier.updateOperatorTable(
            opSet, ts, _table(weights), ICrossChainRegistryTypes.OperatorSetConfig(address(this), maxStale)
        );
        refTs = ts;
    }

    function _config(IERC20 feeToken, address feeCollector, uint16 bps)
        internal
        view
        returns (ExecutorOperatorSetTaskConfig memory c)
    {
        c.taskHook = IAVSTaskHook(address(hook));
        c.taskSLA = SLA;
        c.feeToken = feeToken;
        c.curveType = IKeyRegistrarTypes.CurveType.BN254;
        c.feeCollector = feeCollector;
        c.consensus = Consensus(ConsensusType.STAKE_PROPORTION_THRESHOLD, abi.encode(bps));
    }

    function _params(bytes memory payload) internal view returns (TaskParams memory) {
        return TaskParams(USER, opSet, payload);
    }

    function _create(bytes memory payload) internal returns (bytes32) {
        return mailbox.createTask(_params(payload));
    }

    /// @dev executorCert bytes for `result` on `taskHash`, signed by the operators in `mask`.
    function _certBytes(bytes32 taskHash, bytes memory result, uint256 mask) internal view returns (bytes memory) {
        return abi.encode(_cert(refTs, mailbox.getMessageHash(taskHash, result), weights, mask));
    }
}
