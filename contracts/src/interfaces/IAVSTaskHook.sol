// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {ITaskMailboxTypes} from "./ITaskMailbox.sol";

/// @notice EigenLayer's IAVSTaskHook (hourglass-protocol.md §2.8): the AVS's say in each task's life.
interface IAVSTaskHook {
    /// @notice Reverts to refuse a task (e.g. a creator the AVS does not accept).
    function validatePreTaskCreation(address caller, ITaskMailboxTypes.TaskParams memory taskParams) external view;

    function handlePostTaskCreation(bytes32 taskHash) external;

    function validatePreTaskResultSubmission(
        address caller,
        bytes32 taskHash,
        bytes memory cert,
        bytes memory result
    ) external view;

    function handlePostTaskResultSubmission(address caller, bytes32 taskHash) external;

    /// @notice The fee (in the set's fee token) the creator pays for this task.
    function calculateTaskFee(ITaskMailboxTypes.TaskParams memory taskParams) external view returns (uint96);
}
