// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {BlsFixture} from "./BlsFixture.sol";
import {Deployer} from "../../script/Deployer.sol";
import {BN254} from "../../src/libraries/BN254.sol";
import {OperatorSet} from "../../src/libraries/OperatorSetLib.sol";
import {BN254CertificateVerifier} from "../../src/BN254CertificateVerifier.sol";
import {TaskMailbox} from "../../src/TaskMailbox.sol";
import {FaaS} from "../../src/FaaS.sol";
import {OperatorRegistry} from "../../src/OperatorRegistry.sol";

/// @notice The whole system as the deploy step builds it: this test owns everything; the first
///         `n` vector operators register (from addresses OP_BASE + i) with real keys and proofs of
///         possession, get weights, and a table is published; the executor set is configured.
abstract contract SystemFixture is BlsFixture {
    uint96 constant SLA = 60;
    uint16 constant THRESHOLD_BPS = 6000;
    uint160 constant OP_BASE = 0x0900;
    address constant CALLER = address(0xCA11E5);

    Deployer.System sys;
    BN254CertificateVerifier verifier;
    TaskMailbox mailbox;
    FaaS faas;
    OperatorRegistry registry;
    uint32 refTs;
    uint256[] weights;

    function _setUpSystem(uint256[] memory ws) internal {
        _loadVectors();
        vm.warp(1_700_000_000);
        sys = Deployer.deploy(vm, address(this), address(this), 7 days, 0);
        (verifier, mailbox, faas, registry) = (sys.verifier, sys.mailbox, sys.faas, sys.registry);
        for (uint256 i = 0; i < ws.length; i++) {
            _registerOperator(i);
            registry.setWeight(_operator(i), uint96(ws[i]));
            weights.push(ws[i]);
        }
        vm.warp(block.timestamp + 1);
        refTs = registry.publishTable();
        Deployer.configureExecutorSet(sys, SLA, THRESHOLD_BPS);
        vm.warp(block.timestamp + 1);
    }

    function _operator(uint256 i) internal pure returns (address) {
        return address(OP_BASE + uint160(i));
    }

    function _socket(uint256 i) internal pure returns (string memory) {
        return string.concat("127.0.0.1:", vm.toString(9100 + i));
    }

    function _registerOperator(uint256 i) internal {
        (BN254.G1Point memory g1, BN254.G1Point memory pop) =
            Deployer.proofOfPossession(registry, _operator(i), sks[i], g2s[i]);
        vm.prank(_operator(i));
        registry.registerOperator(g1, g2s[i], pop, _socket(i));
    }

    function _opSet() internal view returns (OperatorSet memory) {
        return OperatorSet(address(faas), 0);
    }

    function _certBytes(bytes32 taskHash, bytes memory result, uint256 mask) internal view returns (bytes memory) {
        return abi.encode(_cert(refTs, mailbox.getMessageHash(taskHash, result), weights, mask));
    }
}
