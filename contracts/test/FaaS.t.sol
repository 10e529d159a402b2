// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {SystemFixture} from "./utils/SystemFixture.sol";
import {Vm} from "./utils/Vm.sol";
import {FaaS} from "../src/FaaS.sol";
import {OperatorSet} from "../src/libraries/OperatorSetLib.sol";
import {ITaskMailboxTypes, ITaskMailboxEvents} from "../src/interfaces/ITaskMailbox.sol";

contract FaaSTest is SystemFixture, ITaskMailboxEvents {
    event FunctionRegistered(bytes32 indexed functionId, address indexed registrar, bytes tarball);
    event FunctionDeployed(bytes32 indexed functionId, address indexed registrar, string url);
    event FunctionCalled(bytes32 indexed functionId, bytes32 indexed taskId, address indexed caller);

    bytes constant INPUT = bytes('{"name":"Alice"}');
    bytes constant RESULT = bytes('{"payload":{"greeting":"Hello, Alice!"},"error":null}');

    function setUp() public {
        uint256[] memory ws = new uint256[](3);
        (ws[0], ws[1], ws[2]) = (100, 200, 300);
        _setUpSystem(ws);
    }

    function _tarball(uint256 n, uint256 seed) internal pure returns (bytes memory t) {
        t = new bytes(n);
        for (uint256 i = 0; i < n; i += 32) {
            bytes32 w = keccak256(abi.encode(seed, i));
            for (uint256 j = 0; j < 32 && i + j < n; j++) t[i + j] = w[j];
        }
    }

    /// @notice The whole path: register a bundle, call it, three real BN254 keys sign the result
    ///         (one stays out), the certificate is accepted and TaskVerified carries the result.
    function test_endToEnd_registerCallSubmit() public {
        bytes memory tarball = _tarball(324, 1);
        vm.prank(CALLER);
        vm.expectEmit(true, true, false, true, address(faas));
        emit FunctionRegistered(keccak256(tarball), CALLER, tarball);
        bytes32 id = faas.registerFunction(tarball);
        assertEq(id, keccak256(tarball), "id = keccak256(tarball)");

        vm.recordLogs();
        vm.prank(CALLER);
        bytes32 taskId = faas.callFunction(id, INPUT);
        Vm.Log[] memory logs = vm.getRecordedLogs();
        assertEq(logs.length, 2, "TaskCreated + FunctionCalled");
        assertEq(logs[0].topics[0], TaskCreated.selector, "TaskCreated");
        assertEq(logs[0].topics[1], bytes32(uint256(uint160(address(faas)))), "creator = FaaS");
        assertEq(logs[0].topics[2], taskId, "task id");
        (,, address refund,,, bytes memory payload) =
            abi.decode(logs[0].data, (uint32, uint32, address, uint96, uint256, bytes));
        assertEq(refund, CALLER, "caller is refund collector");
        (bytes32 pid, bytes memory pinput) = abi.decode(payload, (bytes32, bytes));
        assertEq(pid, id, "payload function id");
        assertEq(pinput, INPUT, "payload input");
        assertEq(payload.length, 32 * 3 + 32, "payload = id + input only, no tarball");
        assertEq(logs[1].topics[0], FunctionCalled.selector, "FunctionCalled");
        assertEq(logs[1].topics[1], id, "function id");
        assertEq(logs[1].topics[2], taskId, "task id");
        assertEq(logs[1].topics[3], bytes32(uint256(uint160(CALLER))), "caller");

        vm.warp(block.timestamp + 2);
        bytes memory cert = _certBytes(taskId, RESULT, 0x5); // operator 1 does not sign
        vm.expectEmit(true, true, true, true, address(mailbox));
        emit TaskVerified(address(this), taskId, address(faas), 0, cert, RESULT);
        mailbox.submitResult(taskId, cert, RESULT);
        assertEq(mailbox.getTaskResult(taskId), RESULT, "result");
    }

    function test_deployFunction_remoteBundle() public {
        bytes32 codeHash = keccak256("bundle bytes served elsewhere");
        string memory url = "http://127.0.0.1:4568/fns/0xabc.tar.gz";
        vm.prank(CALLER);
        vm.expectEmit(true, true, false, true, address(faas));
        emit FunctionDeployed(codeHash, CALLER, url);
        assertEq(faas.deployFunction(url, codeHash), codeHash, "id = codeHash");
        FaaS.FunctionInfo memory f = faas.getFunction(codeHash);
        assertEq(f.url, url, "url");
        assertEq(f.size, 0, "remote");
        assertEq(f.owner, CALLER, "owner");
        vm.prank(CALLER);
        bytes32 taskId = faas.callFunction(codeHash, "");
        assertEq(uint256(mailbox.getTaskStatus(taskId)), uint256(ITaskMailboxTypes.TaskStatus.CREATED), "task");
    }

    function test_getFunction() public {
        bytes memory a = _tarball(100, 1);
        bytes memory b = _tarball(4096, 2);
        bytes32 ia = faas.registerFunction(a);
        vm.roll(block.number + 5);
        bytes32 ib = faas.registerFunction(b);
        FaaS.FunctionInfo memory f = faas.getFunction(ib);
        assertEq(f.id, ib, "id");
        assertEq(f.size, 4096, "size");
        assertEq(f.blockNumber, block.number, "block of the log");
        assertEq(f.owner, address(this), "owner");
        assertEq(bytes(f.url).length, 0, "no url");
        assertEq(faas.getFunction(ia).blockNumber, block.number - 5, "first");
        assertTrue(faas.functionExists(ia), "exists");
        assertFalse(faas.functionExists(keccak256("x")), "not exists");
    }

    function test_revert_unknownFunction() public {
        bytes32 id = keccak256("never registered");
        vm.expectRevert(abi.encodeWithSelector(FaaS.FunctionNotFound.selector, id));
        faas.callFunction(id, INPUT);
        vm.expectRevert(abi.encodeWithSelector(FaaS.FunctionNotFound.selector, id));
        faas.getFunction(id);
    }

    function test_revert_createTaskByAnyoneButFaaS() public {
        ITaskMailboxTypes.TaskParams memory p =
            ITaskMailboxTypes.TaskParams(CALLER, OperatorSet(address(faas), 0), abi.encode(bytes32(0), INPUT));
        vm.prank(CALLER);
        vm.expectRevert(FaaS.InvalidTaskCreator.selector);
        mailbox.createTask(p);
    }

    function test_revert_registerRules() public {
        bytes memory t = _tarball(50, 3);
        bytes32 id = faas.registerFunction(t);
        vm.expectRevert(abi.encodeWithSelector(FaaS.FunctionAlreadyRegistered.selector, id));
        faas.registerFunction(t);
        vm.expectRevert(abi.encodeWithSelector(FaaS.FunctionAlreadyRegistered.selector, id));
        faas.deployFunction("https://x.invalid/t.tar.gz", id);
        vm.expectRevert(FaaS.EmptyBundle.selector);
        faas.registerFunction("");
        vm.expectRevert(FaaS.EmptyUrl.selector);
        faas.deployFunction("", keccak256("y"));
    }

    function test_hookViews() public view {
        assertEq(faas.avs(), address(faas), "avs");
        assertEq(address(faas.taskMailbox()), address(mailbox), "mailbox");
        ITaskMailboxTypes.TaskParams memory p;
        assertEq(faas.calculateTaskFee(p), 0, "free");
    }
}
