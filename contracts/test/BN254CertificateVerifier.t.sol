// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {BlsFixture} from "./utils/BlsFixture.sol";
import {BN254} from "../src/libraries/BN254.sol";
import {Merkle} from "../src/libraries/Merkle.sol";
import {MerkleProofs} from "./utils/MerkleProofs.sol";
import {OperatorSet} from "../src/libraries/OperatorSetLib.sol";
import {BN254CertificateVerifier} from "../src/BN254CertificateVerifier.sol";
import {ICrossChainRegistryTypes, IBaseCertificateVerifierErrors} from "../src/interfaces/IBaseCertificateVerifier.sol";
import {
    IBN254CertificateVerifierErrors, IBN254CertificateVerifierEvents
} from "../src/interfaces/IBN254CertificateVerifier.sol";

/// @dev Exposes the library internals to the vector tests.
contract BN254Harness {
    function hashToG1(bytes32 h) external view returns (BN254.G1Point memory) {
        return BN254.hashToG1(h);
    }

    function processProof(bytes calldata proof, bytes32 leaf, uint256 index) external pure returns (bytes32) {
        return Merkle.processInclusionProofKeccak(proof, leaf, index);
    }

    function verifyProof(bytes calldata proof, bytes32 root, bytes32 leaf, uint256 index) external pure returns (bool) {
        return Merkle.verifyInclusionKeccak(proof, root, leaf, index);
    }
}

contract BN254CertificateVerifierTest is
    BlsFixture,
    IBaseCertificateVerifierErrors,
    IBN254CertificateVerifierErrors,
    IBN254CertificateVerifierEvents
{
    BN254CertificateVerifier verifier;
    BN254Harness harness;
    OperatorSet opSet = OperatorSet(address(0xA115), 0);
    uint32 constant T0 = 1_700_000_000;
    bytes32 constant MSG = keccak256("a result");

    function setUp() public {
        _loadVectors();
        verifier = new BN254CertificateVerifier(address(this));
        harness = new BN254Harness();
        vm.warp(T0 + 10);
    }

    function _w(uint256 a, uint256 b, uint256 c) internal pure returns (uint256[] memory w) {
        w = new uint256[](3);
        (w[0], w[1], w[2]) = (a, b, c);
    }

    function _push(uint32 refTs, uint256[] memory weights, uint32 maxStale) internal {
        verifier.updateOperatorTable(
            opSet, refTs, _table(weights), ICrossChainRegistryTypes.OperatorSetConfig(address(this), maxStale)
        );
    }

    function _bps(uint16 b) internal pure returns (uint16[] memory a) {
        a = new uint16[](1);
        a[0] = b;
    }

    // ---------------------------------------------------------------- vectors (reference + noble)

    function test_hashToG1_vectors() public view {
        // hourglass-protocol.md §3.5: hashToG1(0) = (1, 2) after one increment
        BN254.G1Point memory p = harness.hashToG1(bytes32(0));
        assertEq(p.X, 1, "hashToG1(0).X");
        assertEq(p.Y, 2, "hashToG1(0).Y");
        // §3.5: the digest example, 0 increments
        p = harness.hashToG1(0x41bd9105ae76954ac27bec5b22f7df58be4efb5e887afdd7a5f4082c6bf77d26);
        assertEq(p.X, 0x11594292cd44f5210a2ba6a4a17686fb26cd90cd2009334a69d37c15937a7fdf, "digest X");
        assertEq(p.Y, 0x00e9377ad510c07106a6c00f50f6117186a05ae714990e29338a7fef159991b1, "digest Y");
        // every vector of the noble-based generator
        for (uint256 i = 0; i < 6; i++) {
            string memory v = string.concat(".hashToG1[", vm.toString(i), "]");
            p = harness.hashToG1(vm.parseJsonBytes32(vectors, string.concat(v, ".msg")));
            assertEq(p.X, vm.parseJsonUint(vectors, string.concat(v, ".x")), "vector x");
            assertEq(p.Y, vm.parseJsonUint(vectors, string.concat(v, ".y")), "vector y");
        }
    }

    function test_certificateDigest_vector() public view {
        assertEq(
            verifier.BN254_CERTIFICATE_TYPEHASH(),
            keccak256("BN254Certificate(uint32 referenceTimestamp,bytes32 messageHash)"),
            "typehash"
        );
        // §3.5: calculateCertificateDigest(1700000000, getMessageHash(0x11..11, result))
        assertEq(
            verifier.calculateCertificateDigest(
                1_700_000_000, 0x7bcc9c7c53fea0c99330b5101d7bc1cc4fbb8e78f01857ced5e81533f2db935c
            ),
            0x41bd9105ae76954ac27bec5b22f7df58be4efb5e887afdd7a5f4082c6bf77d26,
            "digest"
        );
    }

    function test_keys_signatures_leaves_root_match_noble() public view {
        bytes32 digest = vm.parseJsonBytes32(vectors, ".digest");
        uint256[] memory weights = new uint256[](4);
        for (uint256 i = 0; i < 4; i++) {
            weights[i] = vm.parseJsonUint(vectors, string.concat(".operators[", vm.toString(i), "].weight"));
        }
        for (uint256 i = 0; i < 4; i++) {
            string memory op = string.concat(".operators[", vm.toString(i), "]");
            uint256[] memory g1 = vm.parseJsonUintArray(vectors, string.concat(op, ".g1"));
            BN254.G1Point memory pk = _g1(sks[i]);
            assertEq(pk.X, g1[0], "g1.X");
            assertEq(pk.Y, g1[1], "g1.Y");
            uint256[] memory sig = vm.parseJsonUintArray(vectors, string.concat(op, ".sig"));
            BN254.G1Point memory s = _sign(1 << i, digest);
            assertEq(s.X, sig[0], "sig.X");
            assertEq(s.Y, sig[1], "sig.Y");
            bytes32 leaf = verifier.calculateOperatorInfoLeaf(_info(i, weights[i]));
            assertEq(leaf, vm.parseJsonBytes32(vectors, string.concat(op, ".leaf")), "leaf");
            assertEq(
                MerkleProofs.getProofKeccak(_leaves(weights), i),
                vm.parseJsonBytes(vectors, string.concat(op, ".proof")),
                "proof"
            );
        }
        assertEq(Merkle.merkleizeKeccak(_leaves(weights)), vm.parseJsonBytes32(vectors, ".root"), "root");
        // each single key verifies on the noble digest, and the G1/G2 keys match
        for (uint256 i = 0; i < 4; i++) {
            (bool ok, bool valid) = verifier.trySignatureVerification(digest, _g1(sks[i]), g2s[i], _sign(1 << i, digest));
            assertTrue(ok && valid, "single signature");
        }
    }

    // ---------------------------------------------------------------- happy paths

    function test_allSign_returnsTotalWeights() public {
        uint256[] memory w = _w(100, 200, 300);
        _push(T0, w, 0);
        uint256[] memory signed = verifier.verifyCertificate(opSet, _cert(T0, MSG, w, 7));
        assertEq(signed.length, 1, "stake types");
        assertEq(signed[0], 600, "signed");
    }

    function test_oneNonSigner_subtractsAndCaches() public {
        uint256[] memory w = _w(100, 200, 300);
        _push(T0, w, 0);
        assertFalse(verifier.isNonsignerCached(opSet, T0, 1), "not cached before");
        uint256[] memory signed = verifier.verifyCertificate(opSet, _cert(T0, MSG, w, 5)); // op 1 does not sign
        assertEq(signed[0], 400, "signed");
        assertTrue(verifier.isNonsignerCached(opSet, T0, 1), "cached after");
        BN254OperatorInfo memory info = verifier.getNonsignerOperatorInfo(opSet, T0, 1);
        BN254.G1Point memory pk = _g1(sks[1]);
        assertEq(info.pubkey.X, pk.X, "cached X");
        assertEq(info.pubkey.Y, pk.Y, "cached Y (decompressed)");
        assertEq(info.weights.length, 1, "cached weights");
        assertEq(info.weights[0], 200, "cached weight");

        // Cached: the witness needs no proof, and its info is ignored.
        BN254Certificate memory c = _cert(T0, keccak256("other"), w, 5);
        c.nonSignerWitnesses[0].operatorInfoProof = "";
        c.nonSignerWitnesses[0].operatorInfo.weights[0] = 0;
        c.nonSignerWitnesses[0].operatorInfo.pubkey = BN254.G1Point(1, 2);
        signed = verifier.verifyCertificate(opSet, c);
        assertEq(signed[0], 400, "signed from cache");
        // a broken or ragged proof of a cached operator is ignored too
        c = _cert(T0, keccak256("third"), w, 5);
        c.nonSignerWitnesses[0].operatorInfoProof[3] ^= 0x80;
        c.nonSignerWitnesses[0].operatorInfo.weights[0] = 1;
        assertEq(verifier.verifyCertificate(opSet, c)[0], 400, "tampered witness, cached info");
        c = _cert(T0, keccak256("fourth"), w, 5);
        c.nonSignerWitnesses[0].operatorInfoProof = hex"0102";
        assertEq(verifier.verifyCertificate(opSet, c)[0], 400, "ragged proof, cached info");
        // and a valid full witness gives the same answer
        assertEq(verifier.verifyCertificate(opSet, _cert(T0, keccak256("fifth"), w, 5))[0], 400, "valid witness");
    }

    function test_cachedKeys_decompressBothParities() public {
        // Every operator as a non-signer once: the four keys cover odd and even Y.
        uint256[] memory w = new uint256[](4);
        (w[0], w[1], w[2], w[3]) = (1, 2, 3, 4);
        _push(T0, w, 0);
        verifier.verifyCertificate(opSet, _cert(T0, MSG, w, 0x3)); // 2, 3 absent
        verifier.verifyCertificate(opSet, _cert(T0, MSG, w, 0xc)); // 0, 1 absent
        uint256 parities;
        for (uint256 i = 0; i < 4; i++) {
            BN254.G1Point memory pk = _g1(sks[i]);
            BN254OperatorInfo memory info = verifier.getNonsignerOperatorInfo(opSet, T0, i);
            assertEq(info.pubkey.Y, pk.Y, "decompressed Y");
            parities |= 1 << (pk.Y & 1);
        }
        assertEq(parities, 3, "both parities covered");
        // cached infos reproduce the same signed stake
        assertEq(verifier.verifyCertificate(opSet, _cert(T0, MSG, w, 0x5))[0], 4, "from cache");
    }

    function test_views_and_events() public {
        uint256[] memory w = _w(100, 200, 300);
        BN254OperatorSetInfo memory t = _table(w);
        vm.expectEmit(false, false, false, true, address(verifier));
        emit TableUpdated(opSet, T0, t);
        _push(T0, w, 3600);
        assertEq(verifier.latestReferenceTimestamp(opSet), T0, "latest");
        assertEq(verifier.maxOperatorTableStaleness(opSet), 3600, "staleness");
        assertEq(verifier.getOperatorSetOwner(opSet), address(this), "owner");
        assertTrue(verifier.isReferenceTimestampSet(opSet, T0), "set");
        assertFalse(verifier.isReferenceTimestampSet(opSet, T0 + 1), "not set");
        assertEq(verifier.getOperatorCount(opSet, T0), 3, "count");
        assertEq(verifier.getTotalStakeWeights(opSet, T0)[0], 600, "total");
        BN254OperatorSetInfo memory got = verifier.getOperatorSetInfo(opSet, T0);
        assertEq(got.operatorInfoTreeRoot, t.operatorInfoTreeRoot, "root");
        assertEq(got.aggregatePubkey.X, t.aggregatePubkey.X, "apk.X");
        assertEq(got.aggregatePubkey.Y, t.aggregatePubkey.Y, "apk.Y");
        assertEq(verifier.operatorTableUpdater(), address(this), "updater");
    }

    // ---------------------------------------------------------------- rejections

    function test_revert_onlyTableUpdater() public {
        uint256[] memory w = _w(1, 1, 1);
        BN254OperatorSetInfo memory t = _table(w);
        vm.prank(address(0xBAD));
        vm.expectRevert(OnlyTableUpdater.selector);
        verifier.updateOperatorTable(opSet, T0, t, ICrossChainRegistryTypes.OperatorSetConfig(address(this), 0));
    }

    function test_revert_tableUpdateStale() public {
        uint256[] memory w = _w(1, 1, 1);
        _push(T0, w, 0);
        BN254OperatorSetInfo memory t = _table(w);
        vm.expectRevert(TableUpdateStale.selector);
        verifier.updateOperatorTable(opSet, T0, t, ICrossChainRegistryTypes.OperatorSetConfig(address(this), 0));
    }

    function test_revert_wrongReferenceTimestamp() public {
        uint256[] memory w = _w(100, 200, 300);
        _push(T0, w, 0);
        BN254Certificate memory c = _cert(T0 + 1, MSG, w, 7);
        vm.expectRevert(ReferenceTimestampDoesNotExist.selector);
        verifier.verifyCertificate(opSet, c);
    }

    function test_revert_staleTable() public {
        uint256[] memory w = _w(100, 200, 300);
        _push(T0, w, 100);
        BN254Certificate memory c = _cert(T0, MSG, w, 7);
        vm.warp(T0 + 100);
        verifier.verifyCertificate(opSet, c); // exactly at the limit: still fine
        vm.warp(T0 + 101);
        vm.expectRevert(CertificateStale.selector);
        verifier.verifyCertificate(opSet, c);
    }

    function test_revert_disabledTable() public {
        uint256[] memory w = _w(100, 200, 300);
        _push(T0, w, 0);
        verifier.setTableDisabled(opSet, T0, true);
        BN254Certificate memory c = _cert(T0, MSG, w, 7);
        vm.expectRevert(RootDisabled.selector);
        verifier.verifyCertificate(opSet, c);
        verifier.setTableDisabled(opSet, T0, false);
        verifier.verifyCertificate(opSet, c);
    }

    function test_revert_unsortedNonSigners() public {
        uint256[] memory w = new uint256[](4);
        (w[0], w[1], w[2], w[3]) = (1, 2, 3, 4);
        _push(T0, w, 0);
        BN254Certificate memory c = _cert(T0, MSG, w, 0x9); // 1 and 2 absent
        (c.nonSignerWitnesses[0], c.nonSignerWitnesses[1]) = (c.nonSignerWitnesses[1], c.nonSignerWitnesses[0]);
        vm.expectRevert(NonSignerIndicesNotSorted.selector);
        verifier.verifyCertificate(opSet, c);
        // a repeated index is not strictly increasing either
        c = _cert(T0, MSG, w, 0x9);
        c.nonSignerWitnesses[1] = c.nonSignerWitnesses[0];
        vm.expectRevert(NonSignerIndicesNotSorted.selector);
        verifier.verifyCertificate(opSet, c);
    }

    function test_revert_outOfRangeNonSigner() public {
        uint256[] memory w = _w(100, 200, 300);
        _push(T0, w, 0);
        BN254Certificate memory c = _cert(T0, MSG, w, 5);
        c.nonSignerWitnesses[0].operatorIndex = 3; // == numOperators
        vm.expectRevert(InvalidOperatorIndex.selector);
        verifier.verifyCertificate(opSet, c);
    }

    function test_revert_badMerkleProof() public {
        uint256[] memory w = _w(100, 200, 300);
        _push(T0, w, 0);
        BN254Certificate memory c = _cert(T0, MSG, w, 5);
        c.nonSignerWitnesses[0].operatorInfoProof[5] ^= 0x01;
        vm.expectRevert(VerificationFailed.selector);
        verifier.verifyCertificate(opSet, c);
        // a lighter weight than the table's is caught by the proof too
        c = _cert(T0, MSG, w, 5);
        c.nonSignerWitnesses[0].operatorInfo.weights[0] = 1;
        vm.expectRevert(VerificationFailed.selector);
        verifier.verifyCertificate(opSet, c);
        // ragged proof
        c = _cert(T0, MSG, w, 5);
        c.nonSignerWitnesses[0].operatorInfoProof = hex"00";
        vm.expectRevert(Merkle.InvalidProofLength.selector);
        verifier.verifyCertificate(opSet, c);
    }

    function test_revert_signatureByNonMember() public {
        uint256[] memory w = _w(100, 200, 300);
        _push(T0, w, 0);
        // operator 3 is not in the 3-operator table: its signature replaces operator 2's
        BN254Certificate memory c = _cert(T0, MSG, w, 7);
        bytes32 digest = verifier.calculateCertificateDigest(T0, MSG);
        c.signature = _sign(0xb, digest); // 0, 1, 3
        c.apk = subsetApk[0xb];
        vm.expectRevert(VerificationFailed.selector);
        verifier.verifyCertificate(opSet, c);
    }

    function test_revert_wrongMessage() public {
        uint256[] memory w = _w(100, 200, 300);
        _push(T0, w, 0);
        BN254Certificate memory c = _cert(T0, MSG, w, 7);
        c.messageHash = keccak256("another result");
        vm.expectRevert(VerificationFailed.selector);
        verifier.verifyCertificate(opSet, c);
    }

    function test_revert_apkOfOtherSigners() public {
        uint256[] memory w = _w(100, 200, 300);
        _push(T0, w, 0);
        // claims all signed (no witnesses) but only 0 and 2 did
        BN254Certificate memory c = _cert(T0, MSG, w, 7);
        c.signature = _sign(5, verifier.calculateCertificateDigest(T0, MSG));
        c.apk = subsetApk[5];
        vm.expectRevert(VerificationFailed.selector);
        verifier.verifyCertificate(opSet, c);
    }

    // ---------------------------------------------------------------- thresholds

    function test_thresholds_boundary() public {
        uint256[] memory w = _w(100, 200, 300);
        _push(T0, w, 0);
        BN254Certificate memory c = _cert(T0, MSG, w, 5); // 400 of 600
        assertTrue(verifier.verifyCertificateProportion(opSet, c, _bps(6666)), "400 >= floor(600*6666/1e4)=399");
        assertTrue(verifier.verifyCertificateProportion(opSet, c, _bps(6667)), "400 >= 400");
        assertFalse(verifier.verifyCertificateProportion(opSet, c, _bps(6684)), "400 < 401");
        uint256[] memory nominal = new uint256[](1);
        nominal[0] = 400;
        assertTrue(verifier.verifyCertificateNominal(opSet, c, nominal), "nominal 400");
        nominal[0] = 401;
        assertFalse(verifier.verifyCertificateNominal(opSet, c, nominal), "nominal 401");
        vm.expectRevert(ArrayLengthMismatch.selector);
        verifier.verifyCertificateProportion(opSet, c, new uint16[](2));
        vm.expectRevert(ArrayLengthMismatch.selector);
        verifier.verifyCertificateNominal(opSet, c, new uint256[](0));
    }

    /// @dev Random weights, signer subsets and thresholds: the verifier's answer must be
    ///      signed >= floor(total * bps / 10000) with signed computed here.
    function testFuzz_proportionThreshold(uint64[4] memory ws, uint8 mask, uint16 bps) public {
        uint256[] memory w = new uint256[](4);
        uint256 total;
        uint256 signed;
        uint256 signers = uint256(mask) & 0xf;
        for (uint256 i = 0; i < 4; i++) {
            w[i] = ws[i];
            total += ws[i];
            if (signers & (1 << i) != 0) signed += ws[i];
        }
        bps = uint16(bound(bps, 0, 10_000));
        _push(T0, w, 0);
        bool expected = signed >= total * bps / 10_000;
        assertTrue(
            verifier.verifyCertificateProportion(opSet, _cert(T0, MSG, w, signers), _bps(bps)) == expected,
            "threshold decision"
        );
    }

    // ---------------------------------------------------------------- Merkle fuzzing

    function _randomLeaves(uint256 seed, uint256 n) internal pure returns (bytes32[] memory leaves) {
        leaves = new bytes32[](n);
        for (uint256 i = 0; i < n; i++) {
            leaves[i] = keccak256(abi.encode(seed, i));
        }
    }

    function testFuzz_merkleProofs(uint256 seed, uint256 n, uint256 index) public view {
        n = bound(n, 1, 70);
        index = bound(index, 0, n - 1);
        bytes32[] memory leaves = _randomLeaves(seed, n);
        bytes32 root = Merkle.merkleizeKeccak(_randomLeaves(seed, n));
        bytes memory proof = MerkleProofs.getProofKeccak(leaves, index);
        assertTrue(harness.verifyProof(proof, root, leaves[index], index), "valid proof");
        if (n > 1) {
            // the same proof does not place the leaf elsewhere
            uint256 other = (index + 1) % n;
            assertFalse(harness.verifyProof(proof, root, leaves[index], other), "wrong index");
            assertFalse(harness.verifyProof(proof, root, leaves[other], index), "wrong leaf");
        }
    }

    function testFuzz_merkleTamperedProof(uint256 seed, uint256 n, uint256 index, uint256 bit) public view {
        n = bound(n, 2, 70);
        index = bound(index, 0, n - 1);
        bytes32[] memory leaves = _randomLeaves(seed, n);
        bytes32 root = Merkle.merkleizeKeccak(_randomLeaves(seed, n));
        bytes memory proof = MerkleProofs.getProofKeccak(leaves, index);
        bit = bound(bit, 0, proof.length * 8 - 1);
        proof[bit / 8] ^= bytes1(uint8(1 << (bit % 8)));
        assertFalse(harness.verifyProof(proof, root, leaves[index], index), "tampered proof");
    }

    function test_merkle_edgeCases() public {
        bytes32 leaf = keccak256("only");
        bytes32[] memory one = new bytes32[](1);
        one[0] = leaf;
        assertEq(Merkle.merkleizeKeccak(one), leaf, "one-leaf root");
        assertTrue(harness.verifyProof("", leaf, leaf, 0), "empty proof");
        vm.expectRevert(Merkle.EmptyRoot.selector);
        harness.verifyProof("", bytes32(0), leaf, 0);
        // an index beyond the proof's depth is rejected, not wrapped around
        bytes32[] memory two = _randomLeaves(1, 2);
        bytes memory proof = MerkleProofs.getProofKeccak(two, 0);
        vm.expectRevert(Merkle.InvalidIndex.selector);
        harness.processProof(proof, two[0], 2);
    }
}
