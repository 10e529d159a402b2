// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

/// @notice IKeyRegistrarTypes.CurveType of EigenLayer: which signature scheme an operator set uses.
interface IKeyRegistrarTypes {
    enum CurveType {
        NONE,
        ECDSA,
        BN254
    }
}
