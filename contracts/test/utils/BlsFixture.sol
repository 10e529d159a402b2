// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {Test} from "./Test.sol";
import {BN254} from "../../src/libraries/BN254.sol";
import {Merkle} from "../../src/libraries/Merkle.sol";
import {MerkleProofs} from "./MerkleProofs.sol";
import {IBN254CertificateVerifierTypes} from "../../src/interfaces/IBN254CertificateVerifier.sol";

/// @notice Test operators with real BN254 keys. Secret keys and G2 public keys come from
///         test/vectors/bn254.json (made by scripts/bn254-vectors.mjs with noble-curves: G2 scalar
///         multiplication has no precompile); G1 keys and signatures are computed here with the
///         ecMul precompile, and the vector tests check both against noble's.
abstract contract BlsFixture is Test, IBN254CertificateVerifierTypes {
    uint256 internal constant NUM_VECTOR_OPERATORS = 4;

    string internal vectors;
    uint256[] internal sks;
    BN254.G2Point[] internal g2s;
    /// @dev subsetApk[mask] = G2 sum of the keys of the operators whose bit is set in mask
    BN254.G2Point[] internal subsetApk;

    function _loadVectors() internal {
        vectors = vm.readFile("test/vectors/bn254.json");
        for (uint256 i = 0; i < NUM_VECTOR_OPERATORS; i++) {
            string memory op = string.concat(".operators[", vm.toString(i), "]");
            sks.push(vm.parseJsonUint(vectors, string.concat(op, ".sk")));
            g2s.push(_g2(vm.parseJsonUintArray(vectors, string.concat(op, ".g2"))));
        }
        for (uint256 m = 0; m < 1 << NUM_VECTOR_OPERATORS; m++) {
            subsetApk.push(
                _g2(vm.parseJsonUintArray(vectors, string.concat(".subsetApkG2[", vm.toString(m), "]")))
            );
        }
    }

    function _g2(uint256[] memory w) internal pure returns (BN254.G2Point memory p) {
        p.X = [w[0], w[1]];
        p.Y = [w[2], w[3]];
    }

    function _g1(uint256 sk) internal view returns (BN254.G1Point memory) {
        return BN254.scalarMul(BN254.G1Point(1, 2), sk);
    }

    /// @dev Aggregate signature of the operators in `mask` on `digest`: sum of sk_i * H(digest).
    function _sign(uint256 mask, bytes32 digest) internal view returns (BN254.G1Point memory sig) {
        BN254.G1Point memory h = BN254.hashToG1(digest);
        for (uint256 i = 0; i < sks.length; i++) {
            if (mask & (1 << i) != 0) sig = BN254.plus(sig, BN254.scalarMul(h, sks[i]));
        }
    }

    function _weights1(uint256 w) internal pure returns (uint256[] memory a) {
        a = new uint256[](1);
        a[0] = w;
    }

    function _info(uint256 i, uint256 weight) internal view returns (BN254OperatorInfo memory) {
        return BN254OperatorInfo(_g1(sks[i]), _weights1(weight));
    }

    function _leaf(BN254OperatorInfo memory info) internal pure returns (bytes32) {
        return keccak256(abi.encodePacked(uint8(0x75), abi.encode(info)));
    }

    function _leaves(uint256[] memory weights) internal view returns (bytes32[] memory leaves) {
        leaves = new bytes32[](weights.length);
        for (uint256 i = 0; i < weights.length; i++) {
            leaves[i] = _leaf(_info(i, weights[i]));
        }
    }

    /// @dev The table of the first weights.length vector operators, one stake type.
    function _table(uint256[] memory weights) internal view returns (BN254OperatorSetInfo memory t) {
        uint256 total;
        BN254.G1Point memory apk;
        for (uint256 i = 0; i < weights.length; i++) {
            apk = BN254.plus(apk, _g1(sks[i]));
            total += weights[i];
        }
        t = BN254OperatorSetInfo(Merkle.merkleizeKeccak(_leaves(weights)), weights.length, apk, _weights1(total));
    }

    /// @dev A certificate over (refTs, messageHash) signed by the operators in `signerMask` among the
    ///      first weights.length ones; every other operator becomes a witnessed non-signer.
    function _cert(uint32 refTs, bytes32 messageHash, uint256[] memory weights, uint256 signerMask)
        internal
        view
        returns (BN254Certificate memory c)
    {
        uint256 n = weights.length;
        bytes32 digest = keccak256(
            abi.encode(keccak256("BN254Certificate(uint32 referenceTimestamp,bytes32 messageHash)"), refTs, messageHash)
        );
        c.referenceTimestamp = refTs;
        c.messageHash = messageHash;
        c.signature = _sign(signerMask, digest);
        c.apk = subsetApk[signerMask];
        uint256 nonSigners;
        for (uint256 i = 0; i < n; i++) {
            if (signerMask & (1 << i) == 0) nonSigners++;
        }
        c.nonSignerWitnesses = new BN254OperatorInfoWitness[](nonSigners);
        bytes32[] memory leaves = _leaves(weights);
        uint256 k;
        for (uint256 i = 0; i < n; i++) {
            if (signerMask & (1 << i) != 0) continue;
            c.nonSignerWitnesses[k++] =
                BN254OperatorInfoWitness(uint32(i), MerkleProofs.getProofKeccak(leaves, i), _info(i, weights[i]));
        }
    }
}
