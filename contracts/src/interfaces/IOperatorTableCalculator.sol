// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {BN254} from "../libraries/BN254.sol";

/// @notice Operator-table types of EigenLayer's IOperatorTableCalculator (hourglass-protocol.md §3.1).
interface IOperatorTableCalculatorTypes {
    /// @notice One operator of a table: its aggregate-able G1 key and its weight per stake type.
    struct BN254OperatorInfo {
        BN254.G1Point pubkey;
        uint256[] weights;
    }

    /// @notice What the verifier stores per operator set and reference timestamp.
    /// operatorInfoTreeRoot: Merkle root over keccak256(0x75 || abi.encode(BN254OperatorInfo)) leaves.
    struct BN254OperatorSetInfo {
        bytes32 operatorInfoTreeRoot;
        uint256 numOperators;
        BN254.G1Point aggregatePubkey;
        uint256[] totalWeights;
    }
}
