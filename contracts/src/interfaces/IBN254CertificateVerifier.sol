// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {BN254} from "../libraries/BN254.sol";
import {OperatorSet} from "../libraries/OperatorSetLib.sol";
import {IBaseCertificateVerifier, ICrossChainRegistryTypes} from "./IBaseCertificateVerifier.sol";
import {IOperatorTableCalculatorTypes} from "./IOperatorTableCalculator.sol";

/// @notice Certificate types of EigenLayer's IBN254CertificateVerifier (hourglass-protocol.md §3.1).
interface IBN254CertificateVerifierTypes is IOperatorTableCalculatorTypes {
    /// @notice A non-signer: its index in the table, its info, and the Merkle path of that info
    ///         (the path may be empty once the info is cached).
    struct BN254OperatorInfoWitness {
        uint32 operatorIndex;
        bytes operatorInfoProof;
        BN254OperatorInfo operatorInfo;
    }

    /// @notice An aggregate BLS signature over
    ///         keccak256(abi.encode(BN254_CERTIFICATE_TYPEHASH, referenceTimestamp, messageHash)).
    ///         apk is the G2 sum of the signers' keys; nonSignerWitnesses are strictly increasing
    ///         by operatorIndex. executorCert bytes in the TaskMailbox = abi.encode(BN254Certificate).
    struct BN254Certificate {
        uint32 referenceTimestamp;
        bytes32 messageHash;
        BN254.G1Point signature;
        BN254.G2Point apk;
        BN254OperatorInfoWitness[] nonSignerWitnesses;
    }
}

interface IBN254CertificateVerifierErrors {
    error InvalidOperatorIndex();
    error NonSignerIndicesNotSorted();
}

interface IBN254CertificateVerifierEvents is IOperatorTableCalculatorTypes {
    event TableUpdated(OperatorSet operatorSet, uint32 referenceTimestamp, BN254OperatorSetInfo operatorSetInfo);
}

/// @notice EigenLayer's IBN254CertificateVerifier (current ABI).
interface IBN254CertificateVerifier is
    IBaseCertificateVerifier,
    IBN254CertificateVerifierTypes,
    IBN254CertificateVerifierErrors,
    IBN254CertificateVerifierEvents
{
    function updateOperatorTable(
        OperatorSet calldata operatorSet,
        uint32 referenceTimestamp,
        BN254OperatorSetInfo calldata operatorSetInfo,
        ICrossChainRegistryTypes.OperatorSetConfig calldata operatorSetConfig
    ) external;

    function verifyCertificate(OperatorSet calldata operatorSet, BN254Certificate calldata cert)
        external
        returns (uint256[] memory totalSignedStakeWeights);

    function verifyCertificateProportion(
        OperatorSet calldata operatorSet,
        BN254Certificate calldata cert,
        uint16[] calldata totalStakeProportionThresholds
    ) external returns (bool);

    function verifyCertificateNominal(
        OperatorSet calldata operatorSet,
        BN254Certificate calldata cert,
        uint256[] calldata totalStakeNominalThresholds
    ) external returns (bool);

    function trySignatureVerification(
        bytes32 msgHash,
        BN254.G1Point memory aggPubkey,
        BN254.G2Point memory apkG2,
        BN254.G1Point memory signature
    ) external view returns (bool pairingSuccessful, bool signatureValid);

    function getNonsignerOperatorInfo(OperatorSet memory operatorSet, uint32 referenceTimestamp, uint256 operatorIndex)
        external
        view
        returns (BN254OperatorInfo memory);

    function isNonsignerCached(OperatorSet memory operatorSet, uint32 referenceTimestamp, uint256 operatorIndex)
        external
        view
        returns (bool);

    function getOperatorSetInfo(OperatorSet memory operatorSet, uint32 referenceTimestamp)
        external
        view
        returns (BN254OperatorSetInfo memory);

    function getOperatorCount(OperatorSet memory operatorSet, uint32 referenceTimestamp)
        external
        view
        returns (uint256);

    function getTotalStakeWeights(OperatorSet memory operatorSet, uint32 referenceTimestamp)
        external
        view
        returns (uint256[] memory);

    function isReferenceTimestampSet(OperatorSet memory operatorSet, uint32 referenceTimestamp)
        external
        view
        returns (bool);

    function calculateCertificateDigest(uint32 referenceTimestamp, bytes32 messageHash)
        external
        pure
        returns (bytes32);

    function calculateOperatorInfoLeaf(BN254OperatorInfo memory operatorInfo) external pure returns (bytes32);

    function calculateOperatorTableLeaf(bytes calldata operatorTableBytes) external pure returns (bytes32);

    function operatorTableUpdater() external view returns (address);
}
