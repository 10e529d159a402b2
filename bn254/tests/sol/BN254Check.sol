// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

/// @notice EigenLayer's on-chain BN254 checks, restated from their specification
/// (eigenlayer-middleware BN254.sol hashToG1; eigenlayer-contracts
/// BN254SignatureVerifier.verifySignature with BN254.safePairing), plus the FaaS
/// registry's proof-of-possession digest (bn254.h). evm_check.mjs runs it on anvil
/// against libbn254, so that a signature made off-chain provably verifies on-chain.
contract BN254Check {
    uint256 internal constant P = 0x30644e72e131a029b85045b68181585d97816a916871ca8d3c208c16d87cfd47;
    uint256 internal constant R = 0x30644e72e131a029b85045b68181585d2833e84879b9709143e1f593f0000001;
    /// (p + 1) / 4: beta^((p+1)/4) is a square root of beta when one exists (p = 3 mod 4).
    uint256 internal constant SQRT_EXP = 0xc19139cb84c680a6e14116da060561765e05aa45a1c72a34f082305b61f3f52;
    /// -G2 in EVM order (x imaginary, x real, y imaginary, y real).
    uint256 internal constant NG2_X1 = 11559732032986387107991004021392285783925812861821192530917403151452391805634;
    uint256 internal constant NG2_X0 = 10857046999023057135944570762232829481370756359578518086990519993285655852781;
    uint256 internal constant NG2_Y1 = 17805874995975841540914202342111839520379459829704422454583296818431106115052;
    uint256 internal constant NG2_Y0 = 13392588948715843804641432497768002650278120570034223513918757245338268106653;

    function modexp(uint256 b, uint256 e) internal view returns (uint256) {
        (bool ok, bytes memory out) = address(5).staticcall(abi.encode(uint256(32), uint256(32), uint256(32), b, e, P));
        require(ok, "modexp");
        return abi.decode(out, (uint256));
    }

    /// Try-and-increment: x = digest mod p; until x^3 + 3 has the root y = beta^((p+1)/4).
    function hashToG1(bytes32 digest) public view returns (uint256 x, uint256 y) {
        x = uint256(digest) % P;
        while (true) {
            uint256 beta = addmod(mulmod(mulmod(x, x, P), x, P), 3, P);
            y = modexp(beta, SQRT_EXP);
            if (mulmod(y, y, P) == beta) return (x, y);
            x = addmod(x, 1, P);
        }
    }

    function ecAdd(uint256[2] memory a, uint256[2] memory b) internal view returns (uint256[2] memory) {
        (bool ok, bytes memory out) = address(6).staticcall(abi.encode(a[0], a[1], b[0], b[1]));
        require(ok, "ecAdd");
        return abi.decode(out, (uint256[2]));
    }

    function ecMul(uint256[2] memory a, uint256 k) internal view returns (uint256[2] memory) {
        (bool ok, bytes memory out) = address(7).staticcall(abi.encode(a[0], a[1], k));
        require(ok, "ecMul");
        return abi.decode(out, (uint256[2]));
    }

    /// gamma = keccak256(digest, apk1, apk2, sig) mod r; then
    /// e(sig + gamma apk1, -G2) e(hashToG1(digest) + gamma G1, apk2) == 1 through 0x08.
    function verifySignature(bytes32 digest, uint256[2] calldata apk1, uint256[4] calldata apk2, uint256[2] calldata sig)
        public
        view
        returns (bool pairingSuccessful, bool signatureIsValid)
    {
        uint256 gamma = uint256(
            keccak256(abi.encodePacked(digest, apk1[0], apk1[1], apk2[0], apk2[1], apk2[2], apk2[3], sig[0], sig[1]))
        ) % R;
        uint256[12] memory input;
        uint256[2] memory l = ecAdd([sig[0], sig[1]], ecMul([apk1[0], apk1[1]], gamma));
        (input[0], input[1]) = (l[0], l[1]);
        (input[2], input[3], input[4], input[5]) = (NG2_X1, NG2_X0, NG2_Y1, NG2_Y0);
        (uint256 hx, uint256 hy) = hashToG1(digest);
        l = ecAdd([hx, hy], ecMul([uint256(1), uint256(2)], gamma));
        (input[6], input[7]) = (l[0], l[1]);
        (input[8], input[9], input[10], input[11]) = (apk2[0], apk2[1], apk2[2], apk2[3]);
        bytes memory out;
        (pairingSuccessful, out) = address(8).staticcall{gas: 400000}(abi.encode(input));
        signatureIsValid = pairingSuccessful && out.length == 32 && abi.decode(out, (uint256)) == 1;
    }

    /// The proof-of-possession message of bn254_bls_pop_digest: EIP-712 over
    /// BN254KeyRegistration with this contract as the registry (as OperatorRegistry).
    function popDigest(address operator, address avs, uint32 operatorSetId, uint256[2] calldata g1, uint256[4] calldata g2)
        public
        view
        returns (bytes32)
    {
        bytes32 domain = keccak256(
            abi.encode(
                keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"),
                keccak256("FaaSOperatorRegistry"),
                keccak256("1"),
                block.chainid,
                address(this)
            )
        );
        bytes memory keyData = abi.encode(g1[0], g1[1], g2[0], g2[1], g2[2], g2[3]);
        bytes32 structHash = keccak256(
            abi.encode(
                keccak256("BN254KeyRegistration(address operator,address avs,uint32 operatorSetId,bytes keyData)"),
                operator,
                avs,
                operatorSetId,
                keccak256(keyData)
            )
        );
        return keccak256(abi.encodePacked(hex"1901", domain, structHash));
    }
}
