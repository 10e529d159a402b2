// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

/// @notice The ERC-20 calls the TaskMailbox makes for fees.
interface IERC20 {
    function transfer(address to, uint256 amount) external returns (bool);
    function transferFrom(address from, address to, uint256 amount) external returns (bool);
    function balanceOf(address account) external view returns (uint256);
    function approve(address spender, uint256 amount) external returns (bool);
}
