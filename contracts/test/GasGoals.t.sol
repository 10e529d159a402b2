// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {SystemFixture} from "./utils/SystemFixture.sol";

/// @dev Transient storage survives between calls of one transaction only: with --isolate each
///      call of a test is its own transaction, so a flag set by one call is gone in the next.
contract IsolationProbe {
    function set() external {
        assembly {
            tstore(0, 1)
        }
    }

    function get() external view returns (bool v) {
        assembly {
            v := tload(0)
        }
    }
}

/// @notice Transaction gas of the calls the issue sets goals for, on the deployed system
///         (3 operators, weights 100/200/300, 60% threshold). Run ONLY as
///             forge test --isolate --match-contract GasGoals
///         (ctest contracts_gas_goals): with --isolate every call is its own transaction, so
///         the figures include the 21,000 base and the calldata cost, like an anvil receipt's
///         gasUsed (the deploy test cross-checks a few against real anvil receipts). Each figure
///         goes to snapshots/gas.json (committed); ctest runs with FORGE_SNAPSHOT_CHECK=true, so a
///         change must be re-recorded on purpose:
///             cd contracts && forge test --isolate --match-contract GasGoals
///         and the goals below are asserted.
///         Scenarios are measured in steady state: setUp has already made one call of each
///         kind, so one-time costs (first task of a creator, first result of a table) are out.
contract GasGoalsTest is SystemFixture {
    uint256 constant GOAL_REGISTER_324 = 80_000;
    uint256 constant GOAL_CALL = 120_000;
    uint256 constant GOAL_SUBMIT = 260_000;
    /// @dev The goal for submitResult with one non-signer is 260,000 and is NOT met: we reach
    ///      ~270,300 in steady state (the non-signer's info from the verifier's cache). Of that,
    ///      ~133,600 are precompiles (pairing 113,000, two ecMul, hash-to-curve modexps), ~55,000
    ///      keep the result readable on-chain (getTaskResult: a 101-byte contract), ~31,000 are the
    ///      transaction's base and calldata and ~10,000 the TaskVerified log. This ceiling only
    ///      guards against regressions; the all-signers case is held to the goal.
    uint256 constant CEILING_SUBMIT_1_NON_SIGNER = 272_000;

    bytes32 fnId;
    bytes result100;
    IsolationProbe probe;

    function setUp() public {
        probe = new IsolationProbe();
        uint256[] memory ws = new uint256[](3);
        (ws[0], ws[1], ws[2]) = (100, 200, 300);
        _setUpSystem(ws);
        fnId = faas.registerFunction(_bytes(324, 0));
        result100 = _bytes(100, 7);
        // warm-up: the FaaS creator's config snapshot, the task counter
        vm.prank(CALLER);
        faas.callFunction(fnId, "warm-up");
    }

    function _bytes(uint256 n, uint256 seed) internal pure returns (bytes memory t) {
        t = new bytes(n);
        for (uint256 i = 0; i < n; i += 32) {
            bytes32 w = keccak256(abi.encode(seed, i));
            for (uint256 j = 0; j < 32 && i + j < n; j++) t[i + j] = w[j];
        }
    }

    /// @dev Records the last call's gas; refuses to when not run with --isolate, where the figure
    ///      would lack the intrinsic cost (and the goals would pass for the wrong reason).
    function _record(string memory name) internal returns (uint256 gasUsed) {
        gasUsed = vm.snapshotGasLastCall("gas", name);
        probe.set();
        if (probe.get()) fail("GasGoals must run with forge test --isolate");
    }

    function _task() internal returns (bytes32 taskId) {
        vm.prank(CALLER);
        taskId = faas.callFunction(fnId, "fifteen bytes!!");
        vm.warp(block.timestamp + 1);
    }

    function test_gas_registerFunction_324B() public {
        bytes memory t = _bytes(324, 1);
        faas.registerFunction(t);
        assertLe(_record("registerFunction_324B"), GOAL_REGISTER_324, "registerFunction(324 B) goal");
    }

    function test_gas_registerFunction_4KiB() public {
        bytes memory t = _bytes(4096, 2);
        faas.registerFunction(t);
        _record("registerFunction_4KiB");
    }

    function test_gas_deployFunction() public {
        bytes32 h = keccak256("remote bundle");
        string memory url =
            "http://127.0.0.1:4568/faas-bundles/0x9b1e2fa7c4d8e3b6a5f0c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d0e1f2.tar.gz";
        faas.deployFunction(url, h);
        _record("deployFunction");
    }

    function test_gas_callFunction_15B() public {
        bytes memory input = "fifteen bytes!!";
        assertEq(input.length, 15, "input length");
        vm.prank(CALLER);
        faas.callFunction(fnId, input);
        assertLe(_record("callFunction_15B"), GOAL_CALL, "callFunction goal");
    }

    function test_gas_submitResult_3of3_100B() public {
        bytes32 taskId = _task();
        bytes memory cert = _certBytes(taskId, result100, 0x7);
        mailbox.submitResult(taskId, cert, result100);
        assertLe(_record("submitResult_3of3_100B"), GOAL_SUBMIT, "submitResult (all sign) goal");
        assertEq(mailbox.getTaskResult(taskId), result100, "verified");
    }

    /// @notice First certificate naming operator 1 as non-signer at this table: its info is
    ///         Merkle-checked and written to the verifier's cache (two new slots).
    function test_gas_submitResult_2of3_100B_firstNonSignerUse() public {
        bytes32 taskId = _task();
        bytes memory cert = _certBytes(taskId, result100, 0x5);
        mailbox.submitResult(taskId, cert, result100);
        _record("submitResult_2of3_100B_firstNonSignerUse");
        assertTrue(verifier.isNonsignerCached(_opSet(), refTs, 1), "cached");
    }

    /// @notice Steady state with an absent operator: its info comes from the verifier's cache.
    function test_gas_submitResult_2of3_100B() public {
        bytes32 warm = _task();
        mailbox.submitResult(warm, _certBytes(warm, result100, 0x5), result100);
        bytes32 taskId = _task();
        bytes memory cert = _certBytes(taskId, result100, 0x5);
        mailbox.submitResult(taskId, cert, result100);
        assertLe(_record("submitResult_2of3_100B"), CEILING_SUBMIT_1_NON_SIGNER, "submitResult (1 non-signer) ceiling");
    }
}
