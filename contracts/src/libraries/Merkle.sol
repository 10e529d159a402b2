// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

/// @title Merkle
/// @notice EigenLayer's positional keccak Merkle tree (Merkle.sol, hourglass-protocol.md §3.2):
///         leaves padded with bytes32(0) to the next power of two, node = keccak(left || right),
///         proof = concatenated 32-byte siblings from the leaf upwards.
library Merkle {
    error InvalidProofLength();
    error InvalidIndex();
    error EmptyRoot();
    error NoLeaves();

    /// @notice True when `leaf` sits at `index` of the tree with `root`. Reverts EmptyRoot for a zero
    ///         root (a zero root must never validate anything).
    function verifyInclusionKeccak(bytes calldata proof, bytes32 root, bytes32 leaf, uint256 index)
        internal
        pure
        returns (bool)
    {
        if (root == bytes32(0)) revert EmptyRoot();
        return processInclusionProofKeccak(proof, leaf, index) == root;
    }

    /// @notice The root rebuilt from `leaf` at `index` and its sibling path. An empty proof gives the
    ///         leaf itself (a one-leaf tree). Reverts InvalidProofLength unless the proof is whole
    ///         32-byte words and InvalidIndex when the index has bits above the proof's depth.
    function processInclusionProofKeccak(bytes calldata proof, bytes32 leaf, uint256 index)
        internal
        pure
        returns (bytes32 h)
    {
        h = leaf;
        if (proof.length == 0) return h;
        if (proof.length % 32 != 0) revert InvalidProofLength();
        assembly ("memory-safe") {
            let end := add(proof.offset, proof.length)
            for { let p := proof.offset } lt(p, end) { p := add(p, 0x20) } {
                // even index: we are the left child; odd: the right one
                let odd := and(index, 1)
                mstore(mul(odd, 0x20), h)
                mstore(mul(iszero(odd), 0x20), calldataload(p))
                h := keccak256(0x00, 0x40)
                index := shr(1, index)
            }
        }
        if (index != 0) revert InvalidIndex();
    }

    /// @notice Root of the tree over `leaves` (padded with zero leaves to a power of two).
    ///         Overwrites `leaves`. A single leaf is its own root.
    function merkleizeKeccak(bytes32[] memory leaves) internal pure returns (bytes32) {
        uint256 n = leaves.length;
        if (n == 0) revert NoLeaves();
        uint256 width = 1;
        while (width < n) width <<= 1;
        // Level by level in place; positions >= n are the zero padding.
        while (width > 1) {
            width >>= 1;
            for (uint256 i = 0; i < width; i++) {
                bytes32 l = 2 * i < n ? leaves[2 * i] : bytes32(0);
                bytes32 r = 2 * i + 1 < n ? leaves[2 * i + 1] : bytes32(0);
                leaves[i] = keccak256(abi.encodePacked(l, r));
            }
            n = width;
        }
        return leaves[0];
    }
}
