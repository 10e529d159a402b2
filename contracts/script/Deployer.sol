// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {Vm} from "../test/utils/Vm.sol";
import {BN254} from "../src/libraries/BN254.sol";
import {OperatorSet} from "../src/libraries/OperatorSetLib.sol";
import {BN254CertificateVerifier} from "../src/BN254CertificateVerifier.sol";
import {TaskMailbox} from "../src/TaskMailbox.sol";
import {FaaS} from "../src/FaaS.sol";
import {OperatorRegistry} from "../src/OperatorRegistry.sol";
import {IAVSTaskHook} from "../src/interfaces/IAVSTaskHook.sol";
import {IERC20} from "../src/interfaces/IERC20.sol";
import {IKeyRegistrarTypes} from "../src/interfaces/IKeyRegistrar.sol";
import {ITaskMailboxTypes} from "../src/interfaces/ITaskMailbox.sol";

/// @title Deployer
/// @notice The deployment steps shared by script/Deploy.s.sol and the tests. Each runs with
///         msg.sender = the caller (the broadcasting EOA in a script, the test contract in tests).
library Deployer {
    struct System {
        BN254CertificateVerifier verifier;
        TaskMailbox mailbox;
        FaaS faas;
        OperatorRegistry registry;
    }

    /// @notice Deploys verifier, mailbox, FaaS and registry from `from` (who must be the account
    ///         doing the CREATEs). The verifier's table updater is the registry, deployed last, so
    ///         its address is predicted from `from`'s nonce. `owner` owns the mailbox, the registry
    ///         and (through the published tables) the operator set; it also collects fee splits.
    function deploy(Vm vm, address from, address owner, uint96 maxTaskSLA, uint32 operatorSetId)
        internal
        returns (System memory s)
    {
        address registryAt = vm.computeCreateAddress(from, vm.getNonce(from) + 3);
        s.verifier = new BN254CertificateVerifier(registryAt);
        s.mailbox = new TaskMailbox(address(s.verifier), address(0), maxTaskSLA);
        s.faas = new FaaS(s.mailbox, operatorSetId);
        s.registry = new OperatorRegistry(s.verifier, address(s.faas), operatorSetId, owner);
        require(address(s.registry) == registryAt, "Deployer: registry address prediction failed");
        s.mailbox.initialize(owner, 0, owner);
    }

    /// @notice The proof of possession of BN254 secret `sk` for `operator` (sk * H(digest)),
    ///         and its G1 key; the G2 key must come from elsewhere (no G2 precompile).
    function proofOfPossession(
        OperatorRegistry registry,
        address operator,
        uint256 sk,
        BN254.G2Point memory g2
    ) internal view returns (BN254.G1Point memory g1, BN254.G1Point memory pop) {
        g1 = BN254.scalarMul(BN254.G1Point(1, 2), sk);
        bytes32 digest = registry.registrationDigest(
            operator, registry.avs(), registry.operatorSetId(), registry.encodeBN254KeyData(g1, g2)
        );
        pop = BN254.scalarMul(BN254.hashToG1(digest), sk);
    }

    /// @notice The executor operator set's TaskMailbox config: BN254, the FaaS contract as hook,
    ///         no fee, stake-proportion threshold `thresholdBps`. Caller: the operator-set owner.
    function configureExecutorSet(System memory s, uint96 taskSLA, uint16 thresholdBps) internal {
        ITaskMailboxTypes.ExecutorOperatorSetTaskConfig memory c;
        c.taskHook = IAVSTaskHook(address(s.faas));
        c.taskSLA = taskSLA;
        c.feeToken = IERC20(address(0));
        c.curveType = IKeyRegistrarTypes.CurveType.BN254;
        c.consensus = ITaskMailboxTypes.Consensus(
            ITaskMailboxTypes.ConsensusType.STAKE_PROPORTION_THRESHOLD, abi.encode(thresholdBps)
        );
        s.mailbox.setExecutorOperatorSetTaskConfig(OperatorSet(address(s.faas), s.faas.executorOperatorSetId()), c);
    }
}
