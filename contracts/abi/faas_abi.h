/* faas_abi.h - the contracts' events as the C side reads them: TaskMailbox
 * (hourglass-protocol.md §2.3, contracts/src/interfaces/ITaskMailbox.sol) and
 * FaaS (contracts/src/FaaS.sol). Declarations with names and `indexed`, as
 * eth_abi_decode_log takes them; eth_abi_event_topic gives their topic.
 * One copy for the executor, the aggregator, the CLI and the tests, checked
 * against the compiled contracts' ABI by contracts_abi_header. */
#ifndef FAAS_ABI_H
#define FAAS_ABI_H

#define FAAS_ABI_TASK_CREATED                                                                                   \
    "TaskCreated(address indexed creator, bytes32 indexed taskHash, address indexed avs, uint32 executorOperatorSetId," \
    " uint32 operatorTableReferenceTimestamp, address refundCollector, uint96 avsFee, uint256 taskDeadline, bytes payload)"

#define FAAS_ABI_TASK_VERIFIED                                                                  \
    "TaskVerified(address indexed aggregator, bytes32 indexed taskHash, address indexed avs," \
    " uint32 executorOperatorSetId, bytes executorCert, bytes result)"

#define FAAS_ABI_FUNCTION_CALLED \
    "FunctionCalled(bytes32 indexed functionId, bytes32 indexed taskId, address indexed caller)"

#endif
