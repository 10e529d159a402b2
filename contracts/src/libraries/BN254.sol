// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

/// @title BN254
/// @notice alt_bn128 arithmetic through the EVM precompiles (EIP-196 ecAdd 0x06 / ecMul 0x07,
///         EIP-197 pairing 0x08, EIP-198 modexp 0x05), EigenLayer's try-and-increment hashToG1
///         and its gamma-combined BLS signature check (hourglass-protocol.md §3.3, §3.4).
/// @dev    G2 coordinates are in EIP-197 order: X = [c1 (imaginary), c0 (real)], same for Y.
library BN254 {
    struct G1Point {
        uint256 X;
        uint256 Y;
    }

    struct G2Point {
        uint256[2] X;
        uint256[2] Y;
    }

    /// @dev Base field modulus p.
    uint256 internal constant FP_MODULUS = 0x30644e72e131a029b85045b68181585d97816a916871ca8d3c208c16d87cfd47;
    /// @dev Group order r.
    uint256 internal constant FR_MODULUS = 0x30644e72e131a029b85045b68181585d2833e84879b9709143e1f593f0000001;
    /// @dev (p + 1) / 4: p = 3 mod 4, so beta^((p+1)/4) is a square root of beta when one exists.
    uint256 internal constant SQRT_EXPONENT = 0xc19139cb84c680a6e14116da060561765e05aa45a1c72a34f082305b61f3f52;

    /// @dev -G2 (the negated generator of G2), as in BN254.sol (§3.3).
    uint256 internal constant NEG_G2_X1 = 11559732032986387107991004021392285783925812861821192530917403151452391805634;
    uint256 internal constant NEG_G2_X0 = 10857046999023057135944570762232829481370756359578518086990519993285655852781;
    uint256 internal constant NEG_G2_Y1 = 17805874995975841540914202342111839520379459829704422454583296818431106115052;
    uint256 internal constant NEG_G2_Y0 = 13392588948715843804641432497768002650278120570034223513918757245338268106653;

    /// @dev Gas handed to the pairing precompile (EigenLayer's PAIRING_EQUALITY_CHECK_GAS).
    uint256 internal constant PAIRING_EQUALITY_CHECK_GAS = 400_000;

    error ECAddFailed();
    error ECMulFailed();
    error ExpModFailed();

    /// @notice a + b on G1; (0,0) is the point at infinity. Reverts ECAddFailed when a point is not on the curve.
    function plus(G1Point memory a, G1Point memory b) internal view returns (G1Point memory r) {
        bool ok;
        assembly ("memory-safe") {
            let m := mload(0x40)
            mstore(m, mload(a))
            mstore(add(m, 0x20), mload(add(a, 0x20)))
            mstore(add(m, 0x40), mload(b))
            mstore(add(m, 0x60), mload(add(b, 0x20)))
            ok := staticcall(gas(), 0x06, m, 0x80, r, 0x40)
        }
        if (!ok) revert ECAddFailed();
    }

    /// @notice s * p on G1. Reverts ECMulFailed when p is not on the curve.
    function scalarMul(G1Point memory p, uint256 s) internal view returns (G1Point memory r) {
        bool ok;
        assembly ("memory-safe") {
            let m := mload(0x40)
            mstore(m, mload(p))
            mstore(add(m, 0x20), mload(add(p, 0x20)))
            mstore(add(m, 0x40), s)
            ok := staticcall(gas(), 0x07, m, 0x60, r, 0x40)
        }
        if (!ok) revert ECMulFailed();
    }

    /// @notice -p; the point at infinity (0,0) stays (0,0).
    function negate(G1Point memory p) internal pure returns (G1Point memory) {
        if (p.X == 0 && p.Y == 0) return G1Point(0, 0);
        return G1Point(p.X, FP_MODULUS - (p.Y % FP_MODULUS));
    }

    /// @notice base^e mod FP_MODULUS through the modexp precompile.
    function expModP(uint256 base, uint256 e) internal view returns (uint256 r) {
        bool ok;
        assembly ("memory-safe") {
            let m := mload(0x40)
            mstore(m, 0x20)
            mstore(add(m, 0x20), 0x20)
            mstore(add(m, 0x40), 0x20)
            mstore(add(m, 0x60), base)
            mstore(add(m, 0x80), e)
            mstore(add(m, 0xa0), FP_MODULUS)
            ok := staticcall(gas(), 0x05, m, 0xc0, m, 0x20)
            r := mload(m)
        }
        if (!ok) revert ExpModFailed();
    }

    /// @notice x^3 + 3 mod p, the right-hand side of the curve equation y^2 = x^3 + 3.
    function curveRhs(uint256 x) internal pure returns (uint256) {
        return addmod(mulmod(mulmod(x, x, FP_MODULUS), x, FP_MODULUS), 3, FP_MODULUS);
    }

    /// @notice EigenLayer's hashToG1 (BN254.sol, try-and-increment, §3.4): x = h mod p, then
    ///         x, x+1, ... until x^3+3 is a square; y is the raw (p+1)/4 power, not normalised.
    function hashToG1(bytes32 h) internal view returns (G1Point memory p) {
        uint256 x = uint256(h) % FP_MODULUS;
        while (true) {
            uint256 beta = curveRhs(x);
            uint256 y = expModP(beta, SQRT_EXPONENT);
            if (mulmod(y, y, FP_MODULUS) == beta) {
                p = G1Point(x, y);
                break;
            }
            x = addmod(x, 1, FP_MODULUS);
        }
    }

    /// @notice The curve point with this x whose y has the given parity (point decompression).
    /// @dev    Callers only pass x values taken from curve points, so the square root exists.
    function fromX(uint256 x, uint256 yParity) internal view returns (G1Point memory) {
        uint256 y = expModP(curveRhs(x), SQRT_EXPONENT);
        if (y & 1 != yParity) y = FP_MODULUS - y;
        return G1Point(x, y);
    }

    /// @notice BLS check of `sig` on `msgHash` for the key pair (apkG1, apkG2), EigenLayer's
    ///         BN254SignatureVerifier.verifySignature with the gas-limited pairing (§3.3):
    ///         gamma = keccak(msgHash, apkG1, apkG2, sig) mod r, then
    ///         e(sig + gamma*apkG1, -G2) * e(H(msgHash) + gamma*G1, apkG2) == 1.
    ///         gamma binds apkG1 and apkG2 to one secret key, so one pairing check proves both the
    ///         signature and that the G1 and G2 keys match.
    /// @return pairingSuccessful the precompile accepted the input (points on curve / in subgroup)
    /// @return signatureValid    the pairing product is one
    function verifySignature(bytes32 msgHash, G1Point memory sig, G1Point memory apkG1, G2Point memory apkG2)
        internal
        view
        returns (bool pairingSuccessful, bool signatureValid)
    {
        uint256 gamma = uint256(
            keccak256(
                abi.encodePacked(
                    msgHash, apkG1.X, apkG1.Y, apkG2.X[0], apkG2.X[1], apkG2.Y[0], apkG2.Y[1], sig.X, sig.Y
                )
            )
        ) % FR_MODULUS;
        G1Point memory lhs = plus(sig, scalarMul(apkG1, gamma));
        G1Point memory rhs = plus(hashToG1(msgHash), scalarMul(G1Point(1, 2), gamma));
        uint256[12] memory input = [
            lhs.X, lhs.Y, NEG_G2_X1, NEG_G2_X0, NEG_G2_Y1, NEG_G2_Y0,
            rhs.X, rhs.Y, apkG2.X[0], apkG2.X[1], apkG2.Y[0], apkG2.Y[1]
        ];
        assembly ("memory-safe") {
            let out := mload(0x40)
            mstore(out, 0)
            pairingSuccessful := staticcall(PAIRING_EQUALITY_CHECK_GAS, 0x08, input, 0x180, out, 0x20)
            signatureValid := iszero(iszero(mload(out)))
        }
    }
}
