// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {SystemFixture} from "./utils/SystemFixture.sol";
import {Deployer} from "../script/Deployer.sol";
import {BN254} from "../src/libraries/BN254.sol";
import {OperatorRegistry} from "../src/OperatorRegistry.sol";
import {IBaseCertificateVerifierErrors} from "../src/interfaces/IBaseCertificateVerifier.sol";

contract OperatorRegistryTest is SystemFixture {
    event OperatorRegistered(address indexed operator, BN254.G1Point pubkeyG1, BN254.G2Point pubkeyG2, string socket);
    event OperatorDeregistered(address indexed operator);
    event OperatorSocketUpdated(address indexed operator, string socket);
    event OperatorWeightSet(address indexed operator, uint256 weight);
    event TablePublished(
        uint32 indexed referenceTimestamp, bytes32 operatorInfoTreeRoot, address[] operators, uint256[] weights
    );
    event AggregatorSet(address indexed previousAggregator, address indexed newAggregator);

    function setUp() public {
        uint256[] memory ws = new uint256[](2);
        (ws[0], ws[1]) = (100, 200);
        _setUpSystem(ws); // operators 0 and 1 registered, weighted, published
    }

    function _pop(uint256 i, address as_) internal view returns (BN254.G1Point memory g1, BN254.G1Point memory pop) {
        return Deployer.proofOfPossession(registry, as_, sks[i], g2s[i]);
    }

    /// @notice The EIP-712 digest and the proof of possession, computed by an independent
    ///         implementation (noble, through ffi), match and are accepted.
    function test_proofOfPossession_matchesNoble() public {
        string[] memory cmd = new string[](9);
        (cmd[0], cmd[1], cmd[2]) = ("node", "scripts/bn254-tool.mjs", "pop");
        cmd[3] = vm.toString(block.chainid);
        cmd[4] = vm.toString(address(registry));
        cmd[5] = vm.toString(_operator(2));
        cmd[6] = vm.toString(address(faas));
        cmd[7] = "0";
        cmd[8] = vm.toString(bytes32(sks[2]));
        (bytes32 digest, uint256[2] memory g1, uint256[4] memory g2, uint256[2] memory pop) =
            abi.decode(vm.ffi(cmd), (bytes32, uint256[2], uint256[4], uint256[2]));
        BN254.G2Point memory key2 = BN254.G2Point([g2[0], g2[1]], [g2[2], g2[3]]);
        bytes32 ours = registry.registrationDigest(
            _operator(2), address(faas), 0, registry.encodeBN254KeyData(BN254.G1Point(g1[0], g1[1]), key2)
        );
        assertEq(ours, digest, "EIP-712 digest");
        (BN254.G1Point memory myG1, BN254.G1Point memory myPop) = _pop(2, _operator(2));
        assertEq(myPop.X, pop[0], "pop X");
        assertEq(myPop.Y, pop[1], "pop Y");
        assertEq(myG1.X, g1[0], "g1");
        vm.prank(_operator(2));
        vm.expectEmit(true, false, false, true, address(registry));
        emit OperatorRegistered(_operator(2), BN254.G1Point(g1[0], g1[1]), key2, "node-2:9090");
        registry.registerOperator(BN254.G1Point(g1[0], g1[1]), key2, BN254.G1Point(pop[0], pop[1]), "node-2:9090");
        assertTrue(registry.getOperator(_operator(2)).registered, "registered");
    }

    function test_revert_invalidProofOfPossession() public {
        (BN254.G1Point memory g1, BN254.G1Point memory pop) = _pop(2, _operator(3)); // signed for another address
        vm.prank(_operator(2));
        vm.expectRevert(OperatorRegistry.InvalidProofOfPossession.selector);
        registry.registerOperator(g1, g2s[2], pop, "s");
        // G2 key of another secret: the gamma check binds G1 and G2
        (g1, pop) = _pop(2, _operator(2));
        vm.prank(_operator(2));
        vm.expectRevert(OperatorRegistry.InvalidProofOfPossession.selector);
        registry.registerOperator(g1, g2s[3], pop, "s");
        // a valid signature of someone else's key (rogue key): the G1 key is not the signer's
        (, BN254.G1Point memory otherPop) = _pop(3, _operator(2));
        vm.prank(_operator(2));
        vm.expectRevert(OperatorRegistry.InvalidProofOfPossession.selector);
        registry.registerOperator(g1, g2s[2], otherPop, "s");
    }

    function test_revert_registrationRules() public {
        (BN254.G1Point memory g1, BN254.G1Point memory pop) = _pop(0, _operator(0));
        vm.prank(_operator(0));
        vm.expectRevert(OperatorRegistry.AlreadyRegistered.selector);
        registry.registerOperator(g1, g2s[0], pop, "s");
        // operator 0's key for another address
        (g1, pop) = _pop(0, _operator(5));
        vm.prank(_operator(5));
        vm.expectRevert(OperatorRegistry.KeyAlreadyRegistered.selector);
        registry.registerOperator(g1, g2s[0], pop, "s");
        (g1, pop) = _pop(2, _operator(2));
        vm.prank(_operator(2));
        vm.expectRevert(OperatorRegistry.InvalidSocket.selector);
        registry.registerOperator(g1, g2s[2], pop, "");
        vm.prank(_operator(2));
        vm.expectRevert(OperatorRegistry.InvalidKey.selector);
        registry.registerOperator(BN254.G1Point(0, 0), g2s[2], pop, "s");
        // keys stay with the address: re-registering needs the same key
        vm.prank(_operator(0));
        registry.deregisterOperator();
        (g1, pop) = _pop(3, _operator(0));
        vm.prank(_operator(0));
        vm.expectRevert(OperatorRegistry.KeyMismatch.selector);
        registry.registerOperator(g1, g2s[3], pop, "s");
        _registerOperator(0);
        assertTrue(registry.getOperator(_operator(0)).registered, "back");
    }

    function test_ownerOnly() public {
        vm.startPrank(address(0xBAD));
        vm.expectRevert(OperatorRegistry.OnlyOwner.selector);
        registry.setWeight(_operator(0), 1);
        vm.expectRevert(OperatorRegistry.OnlyOwner.selector);
        registry.publishTable();
        vm.expectRevert(OperatorRegistry.OnlyOwner.selector);
        registry.ejectOperator(_operator(0));
        vm.expectRevert(OperatorRegistry.OnlyOwner.selector);
        registry.setOperatorSetConfig(address(1), 0);
        vm.stopPrank();
        vm.expectRevert(OperatorRegistry.UnknownOperator.selector);
        registry.setWeight(address(0x1234), 1);
    }

    function test_setAggregator() public {
        assertEq(registry.aggregator(), address(0), "unset at first");
        vm.expectEmit(true, true, false, false, address(registry));
        emit AggregatorSet(address(0), address(0xA66));
        registry.setAggregator(address(0xA66));
        assertEq(registry.aggregator(), address(0xA66), "set");
        vm.expectEmit(true, true, false, false, address(registry));
        emit AggregatorSet(address(0xA66), address(0xB77));
        registry.setAggregator(address(0xB77));
        assertEq(registry.aggregator(), address(0xB77), "rotated");
        vm.expectRevert(OperatorRegistry.InvalidAddressZero.selector);
        registry.setAggregator(address(0));
        vm.prank(address(0xBAD));
        vm.expectRevert(OperatorRegistry.OnlyOwner.selector);
        registry.setAggregator(address(0xBAD));
        assertEq(registry.aggregator(), address(0xB77), "unchanged by refused calls");
    }

    function test_publish_tableMatchesVerifierAndCertificates() public {
        _registerOperator(2);
        vm.expectEmit(true, false, false, true, address(registry));
        emit OperatorWeightSet(_operator(2), 300);
        registry.setWeight(_operator(2), 300);
        vm.prank(_operator(1));
        vm.expectEmit(true, false, false, true, address(registry));
        emit OperatorSocketUpdated(_operator(1), "10.0.0.2:9090");
        registry.updateSocket("10.0.0.2:9090");

        uint256[] memory w = new uint256[](3);
        (w[0], w[1], w[2]) = (100, 200, 300);
        address[] memory ops = new address[](3);
        (ops[0], ops[1], ops[2]) = (_operator(0), _operator(1), _operator(2));
        BN254OperatorSetInfo memory expected = _table(w);
        vm.warp(block.timestamp + 1);
        vm.expectEmit(true, false, false, true, address(registry));
        emit TablePublished(uint32(block.timestamp), expected.operatorInfoTreeRoot, ops, w);
        uint32 ts = registry.publishTable();
        assertEq(ts, block.timestamp, "refTs = block time");
        assertEq(verifier.latestReferenceTimestamp(_opSet()), ts, "pushed");
        BN254OperatorSetInfo memory got = verifier.getOperatorSetInfo(_opSet(), ts);
        assertEq(got.operatorInfoTreeRoot, expected.operatorInfoTreeRoot, "root");
        assertEq(got.numOperators, 3, "n");
        assertEq(got.aggregatePubkey.X, expected.aggregatePubkey.X, "apk");
        assertEq(got.totalWeights[0], 600, "total");
        assertEq(verifier.getOperatorSetOwner(_opSet()), address(this), "set owner");

        OperatorRegistry.TableOperator[] memory t = registry.getTable(ts);
        assertEq(t.length, 3, "table");
        assertEq(t[1].operator, _operator(1), "order");
        assertEq(t[1].weight, 200, "weight");
        assertEq(t[1].socket, "10.0.0.2:9090", "socket");
        assertEq(t[2].pubkeyG2.X[0], g2s[2].X[0], "g2");
        assertEq(registry.getTable(refTs).length, 2, "older table kept");
        assertEq(registry.getReferenceTimestamps().length, 2, "timestamps");

        // a certificate built from the published table verifies
        refTs = ts;
        weights.push(300);
        assertEq(verifier.verifyCertificate(_opSet(), _cert(ts, keccak256("m"), weights, 0x3))[0], 300, "signed");
    }

    function test_publish_excludesDeregisteredAndZeroWeight() public {
        _registerOperator(2); // weight 0: left out
        registry.ejectOperator(_operator(0));
        vm.warp(block.timestamp + 1);
        uint32 ts = registry.publishTable();
        OperatorRegistry.TableOperator[] memory t = registry.getTable(ts);
        assertEq(t.length, 1, "only operator 1");
        assertEq(t[0].operator, _operator(1), "operator 1");
        vm.expectRevert(OperatorRegistry.TableTooRecent.selector);
        registry.publishTable();
        vm.prank(_operator(1));
        registry.deregisterOperator();
        vm.warp(block.timestamp + 1);
        vm.expectRevert(OperatorRegistry.EmptyTable.selector);
        registry.publishTable();
    }

    function test_disableTableAndStaleness() public {
        registry.setTableDisabled(refTs, true);
        assertTrue(verifier.isTableDisabled(_opSet(), refTs), "disabled");
        BN254Certificate memory c = _cert(refTs, keccak256("m"), weights, 0x3);
        vm.expectRevert(IBaseCertificateVerifierErrors.RootDisabled.selector);
        verifier.verifyCertificate(_opSet(), c);
        registry.setTableDisabled(refTs, false);
        registry.setOperatorSetConfig(address(this), 3600);
        vm.warp(block.timestamp + 1);
        uint32 ts = registry.publishTable();
        assertEq(verifier.maxOperatorTableStaleness(_opSet()), 3600, "staleness");
        assertEq(ts, verifier.latestReferenceTimestamp(_opSet()), "latest");
    }
}
