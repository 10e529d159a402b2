// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

/// @notice Builds Merkle proofs the way the off-chain aggregator does (sibling path of a leaf in
///         the zero-padded positional keccak tree of src/libraries/Merkle.sol); test-only.
library MerkleProofs {
    function getProofKeccak(bytes32[] memory leaves, uint256 index) internal pure returns (bytes memory proof) {
        uint256 n = leaves.length;
        uint256 width = 1;
        while (width < n) width <<= 1;
        require(index < width, "MerkleProofs: index");
        bytes32[] memory level = new bytes32[](width);
        for (uint256 i = 0; i < n; i++) level[i] = leaves[i];
        while (width > 1) {
            proof = abi.encodePacked(proof, level[index ^ 1]);
            index >>= 1;
            width >>= 1;
            for (uint256 i = 0; i < width; i++) {
                level[i] = keccak256(abi.encodePacked(level[2 * i], level[2 * i + 1]));
            }
        }
    }
}
