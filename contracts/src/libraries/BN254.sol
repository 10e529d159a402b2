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
        uint256 y;
        bool ok = true;
        assembly ("memory-safe") {
            let m := mload(0x40)
            mstore(m, 0x20)
            mstore(add(m, 0x20), 0x20)
            mstore(add(m, 0x40), 0x20)
            mstore(add(m, 0x80), SQRT_EXPONENT)
            mstore(add(m, 0xa0), FP_MODULUS)
            for {} 1 {} {
                let beta := addmod(mulmod(mulmod(x, x, FP_MODULUS), x, FP_MODULUS), 3, FP_MODULUS)
                mstore(add(m, 0x60), beta)
                ok := and(ok, staticcall(gas(), 0x05, m, 0xc0, 0x00, 0x20))
                y := mload(0x00)
                if or(iszero(ok), eq(mulmod(y, y, FP_MODULUS), beta)) { break }
                x := addmod(x, 1, FP_MODULUS)
            }
        }
        if (!ok) revert ExpModFailed();
        p = G1Point(x, y);
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
    ///         signature and that the G1 and G2 keys match. Reverts ECMulFailed / ECAddFailed when
    ///         a G1 point is not on the curve (as EigenLayer's BN254.scalar_mul / plus do).
    /// @return pairingSuccessful the pairing precompile accepted the input (G2 point valid)
    /// @return signatureValid    the pairing product is one
    function verifySignature(bytes32 msgHash, G1Point memory sig, G1Point memory apkG1, G2Point memory apkG2)
        internal
        view
        returns (bool pairingSuccessful, bool signatureValid)
    {
        G1Point memory h = hashToG1(msgHash);
        bool mulOk;
        bool addOk;
        // One scratch area past the free-memory pointer, never allocated: 12 words.
        assembly ("memory-safe") {
            let m := mload(0x40)
            let qx := mload(apkG2)
            let qy := mload(add(apkG2, 0x20))
            mstore(m, msgHash)
            mstore(add(m, 0x20), mload(apkG1))
            mstore(add(m, 0x40), mload(add(apkG1, 0x20)))
            mstore(add(m, 0x60), mload(qx))
            mstore(add(m, 0x80), mload(add(qx, 0x20)))
            mstore(add(m, 0xa0), mload(qy))
            mstore(add(m, 0xc0), mload(add(qy, 0x20)))
            mstore(add(m, 0xe0), mload(sig))
            mstore(add(m, 0x100), mload(add(sig, 0x20)))
            let gamma := mod(keccak256(m, 0x120), FR_MODULUS)
            // lhs = gamma * apkG1 + sig, at m
            mstore(m, mload(apkG1))
            mstore(add(m, 0x20), mload(add(apkG1, 0x20)))
            mstore(add(m, 0x40), gamma)
            mulOk := staticcall(gas(), 0x07, m, 0x60, m, 0x40)
            mstore(add(m, 0x40), mload(sig))
            mstore(add(m, 0x60), mload(add(sig, 0x20)))
            addOk := staticcall(gas(), 0x06, m, 0x80, m, 0x40)
            // rhs = gamma * G1 + H, at m + 0xc0
            mstore(add(m, 0xc0), 1)
            mstore(add(m, 0xe0), 2)
            mstore(add(m, 0x100), gamma)
            mulOk := and(mulOk, staticcall(gas(), 0x07, add(m, 0xc0), 0x60, add(m, 0xc0), 0x40))
            mstore(add(m, 0x100), mload(h))
            mstore(add(m, 0x120), mload(add(h, 0x20)))
            addOk := and(addOk, staticcall(gas(), 0x06, add(m, 0xc0), 0x80, add(m, 0xc0), 0x40))
            // pairing input: lhs, -G2, rhs, apkG2
            mstore(add(m, 0x40), NEG_G2_X1)
            mstore(add(m, 0x60), NEG_G2_X0)
            mstore(add(m, 0x80), NEG_G2_Y1)
            mstore(add(m, 0xa0), NEG_G2_Y0)
            mstore(add(m, 0x100), mload(qx))
            mstore(add(m, 0x120), mload(add(qx, 0x20)))
            mstore(add(m, 0x140), mload(qy))
            mstore(add(m, 0x160), mload(add(qy, 0x20)))
            mstore(0x00, 0)
            if and(mulOk, addOk) {
                pairingSuccessful := staticcall(PAIRING_EQUALITY_CHECK_GAS, 0x08, m, 0x180, 0x00, 0x20)
                signatureValid := iszero(iszero(mload(0x00)))
            }
        }
        if (!mulOk) revert ECMulFailed();
        if (!addOk) revert ECAddFailed();
    }
}
