// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {Vm} from "../test/utils/Vm.sol";
import {Deployer} from "./Deployer.sol";
import {BN254} from "../src/libraries/BN254.sol";

/// @title Deploy
/// @notice The devnet deploy step, run by scripts/deploy.mjs (which documents the inputs and
///         writes the final addresses file):
///           forge script script/Deploy.s.sol:Deploy --rpc-url URL --broadcast --slow
///         Environment:
///           DEPLOYER_KEY     private key that deploys and owns everything
///           OPERATORS_FILE   JSON from scripts/bn254-tool.mjs keys (inside ./deployments)
///           THRESHOLD_BPS    stake-proportion threshold of the executor set (bps)
///           TASK_SLA         task SLA in seconds
///           MAX_STALENESS    table staleness period in seconds (0 = never stale)
///           OPERATOR_SET_ID  executor operator set id (0)
///           MAX_TASK_SLA     TaskMailbox MAX_TASK_SLA (604800)
///           ADDRESSES_FILE   where to write the addresses (inside ./deployments)
///         Steps: deploy verifier, mailbox, FaaS and registry; fund each operator that has less
///         than 1 ETH; each operator registers its BN254 keys with a proof of possession computed
///         here from its secret (sk * hashToG1(EIP-712 digest)); the deployer sets the weights,
///         publishes the table and configures the executor set in the mailbox.
contract Deploy {
    Vm internal constant vm = Vm(address(uint160(uint256(keccak256("hevm cheat code")))));

    struct Operator {
        address addr;
        uint256 ecdsaKey;
        uint256 blsKey;
        BN254.G2Point g2;
        string socket;
        uint96 weight;
    }

    function run() external {
        uint256 deployerKey = vm.envUint("DEPLOYER_KEY");
        address deployer = vm.addr(deployerKey);
        Operator[] memory ops = _readOperators(vm.readFile(vm.envString("OPERATORS_FILE")));
        uint16 thresholdBps = uint16(vm.envUint("THRESHOLD_BPS"));
        uint96 taskSLA = uint96(vm.envUint("TASK_SLA"));
        uint32 maxStaleness = uint32(vm.envOr("MAX_STALENESS", uint256(0)));
        uint32 setId = uint32(vm.envOr("OPERATOR_SET_ID", uint256(0)));
        uint96 maxTaskSLA = uint96(vm.envOr("MAX_TASK_SLA", uint256(7 days)));
        require(thresholdBps <= 10_000, "THRESHOLD_BPS must be <= 10000");
        require(taskSLA > 0 && taskSLA <= maxTaskSLA, "TASK_SLA must be in 1..MAX_TASK_SLA");

        vm.startBroadcast(deployerKey);
        Deployer.System memory s = Deployer.deploy(vm, deployer, deployer, maxTaskSLA, setId);
        if (maxStaleness != 0) s.registry.setOperatorSetConfig(deployer, maxStaleness);
        for (uint256 i = 0; i < ops.length; i++) {
            if (ops[i].addr.balance < 1 ether) payable(ops[i].addr).transfer(1 ether);
        }
        vm.stopBroadcast();

        for (uint256 i = 0; i < ops.length; i++) {
            (BN254.G1Point memory g1, BN254.G1Point memory pop) =
                Deployer.proofOfPossession(s.registry, ops[i].addr, ops[i].blsKey, ops[i].g2);
            vm.startBroadcast(ops[i].ecdsaKey);
            s.registry.registerOperator(g1, ops[i].g2, pop, ops[i].socket);
            vm.stopBroadcast();
        }

        vm.startBroadcast(deployerKey);
        for (uint256 i = 0; i < ops.length; i++) {
            s.registry.setWeight(ops[i].addr, ops[i].weight);
        }
        s.registry.publishTable();
        Deployer.configureExecutorSet(s, taskSLA, thresholdBps);
        vm.stopBroadcast();

        vm.writeFile(vm.envString("ADDRESSES_FILE"), _json(s, deployer, setId, taskSLA, thresholdBps, maxStaleness));
    }

    function _readOperators(string memory json) internal view returns (Operator[] memory ops) {
        uint256 n;
        while (vm.keyExistsJson(json, string.concat(".operators[", vm.toString(n), "]"))) n++;
        require(n > 0, "OPERATORS_FILE has no operators");
        ops = new Operator[](n);
        for (uint256 i = 0; i < n; i++) {
            string memory p = string.concat(".operators[", vm.toString(i), "]");
            Operator memory o = ops[i];
            o.ecdsaKey = vm.parseJsonUint(json, string.concat(p, ".ecdsaPrivateKey"));
            o.addr = vm.addr(o.ecdsaKey);
            o.blsKey = vm.parseJsonUint(json, string.concat(p, ".bn254PrivateKey"));
            uint256[] memory g2 = vm.parseJsonUintArray(json, string.concat(p, ".g2"));
            require(g2.length == 4, "g2 must be [X.c1, X.c0, Y.c1, Y.c0]");
            o.g2 = BN254.G2Point([g2[0], g2[1]], [g2[2], g2[3]]);
            o.socket = vm.parseJsonString(json, string.concat(p, ".socket"));
            o.weight = uint96(vm.parseJsonUint(json, string.concat(p, ".weight")));
        }
    }

    function _json(
        Deployer.System memory s,
        address deployer,
        uint32 setId,
        uint96 taskSLA,
        uint16 thresholdBps,
        uint32 maxStaleness
    ) internal pure returns (string memory) {
        return string.concat(
            "{\"deployer\":\"", vm.toString(deployer),
            "\",\"taskMailbox\":\"", vm.toString(address(s.mailbox)),
            "\",\"bn254CertificateVerifier\":\"", vm.toString(address(s.verifier)),
            "\",\"operatorRegistry\":\"", vm.toString(address(s.registry)),
            "\",\"faas\":\"", vm.toString(address(s.faas)),
            "\",\"avs\":\"", vm.toString(address(s.faas)),
            string.concat(
                "\",\"executorOperatorSetId\":", vm.toString(uint256(setId)),
                ",\"taskSLA\":", vm.toString(uint256(taskSLA)),
                ",\"thresholdBps\":", vm.toString(uint256(thresholdBps)),
                ",\"maxStalenessPeriod\":", vm.toString(uint256(maxStaleness)), "}"
            )
        );
    }
}
