// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

/// @notice An operator set: the AVS it belongs to and its id within that AVS (EigenLayer's OperatorSet).
struct OperatorSet {
    address avs;
    uint32 id;
}

/// @title OperatorSetLib
/// @notice The 32-byte key EigenLayer contracts index operator sets by:
///         bytes32(abi.encodePacked(avs, uint96(id))) (hourglass-protocol.md §2.1).
library OperatorSetLib {
    function key(OperatorSet memory operatorSet) internal pure returns (bytes32) {
        return bytes32(abi.encodePacked(operatorSet.avs, uint96(operatorSet.id)));
    }

    function keyOf(address avs, uint32 id) internal pure returns (bytes32) {
        return bytes32(abi.encodePacked(avs, uint96(id)));
    }
}
