// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {OperatorSet} from "../libraries/OperatorSetLib.sol";
import {IBaseCertificateVerifier} from "./IBaseCertificateVerifier.sol";

interface IECDSACertificateVerifierTypes {
    /// @notice sig = concatenated 65-byte r|s|v signatures, signers sorted by address.
    struct ECDSACertificate {
        uint32 referenceTimestamp;
        bytes32 messageHash;
        bytes sig;
    }
}

/// @notice The calls the TaskMailbox makes on EigenLayer's ECDSA certificate verifier (§3.6).
interface IECDSACertificateVerifier is IBaseCertificateVerifier, IECDSACertificateVerifierTypes {
    function verifyCertificate(OperatorSet calldata operatorSet, ECDSACertificate calldata cert)
        external
        returns (uint256[] memory signedStakes, address[] memory signers);

    function verifyCertificateProportion(
        OperatorSet calldata operatorSet,
        ECDSACertificate calldata cert,
        uint16[] calldata totalStakeProportionThresholds
    ) external returns (bool, address[] memory signers);
}
