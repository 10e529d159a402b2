// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {OperatorSet} from "../libraries/OperatorSetLib.sol";

/// @notice ICrossChainRegistry's OperatorSetConfig: who owns the set (may configure the mailbox for
///         it) and how long a table stays usable (0 = forever).
interface ICrossChainRegistryTypes {
    struct OperatorSetConfig {
        address owner;
        uint32 maxStalenessPeriod;
    }
}

/// @notice Errors shared by EigenLayer's certificate verifiers (hourglass-protocol.md §3.2).
interface IBaseCertificateVerifierErrors {
    error OnlyTableUpdater();
    error TableUpdateStale();
    error ArrayLengthMismatch();
    error CertificateStale();
    error ReferenceTimestampDoesNotExist();
    error VerificationFailed();
    error RootDisabled();
}

interface IBaseCertificateVerifierEvents {
    event MaxStalenessPeriodUpdated(OperatorSet operatorSet, uint32 maxStalenessPeriod);
    event OperatorSetOwnerUpdated(OperatorSet operatorSet, address owner);
}

/// @notice The part of a certificate verifier the TaskMailbox relies on.
interface IBaseCertificateVerifier is IBaseCertificateVerifierErrors, IBaseCertificateVerifierEvents {
    function getOperatorSetOwner(OperatorSet memory operatorSet) external view returns (address);
    function maxOperatorTableStaleness(OperatorSet memory operatorSet) external view returns (uint32);
    function latestReferenceTimestamp(OperatorSet memory operatorSet) external view returns (uint32);
}
