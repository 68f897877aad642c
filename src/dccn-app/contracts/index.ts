/** The contracts module of the DCCN app: its public surface (module, msg codecs, records, keys). */
export { CONTRACT_ADDRESS_ATTR, CONTRACT_EVENT_PREFIX } from "./events.js";
export { type ContractsOptions, DEFAULT_QUERY_GAS_LIMIT } from "./keeper.js";
export {
  CODE_HASH_SIZE,
  codeInfoKey,
  codeKey,
  contractAddress,
  contractKey,
  storageKey,
} from "./keys.js";
export {
  CONTRACTS_MODULE_NAME,
  contractsModule,
  EXECUTE_GAS,
  INSTANTIATE_GAS,
  STORE_CODE_GAS,
} from "./module.js";
export {
  decodeMsgExecuteContract,
  decodeMsgInstantiateContract,
  decodeMsgStoreCode,
  encodeMsgExecuteContract,
  encodeMsgInstantiateContract,
  encodeMsgStoreCode,
  MAX_LABEL_LENGTH,
  MSG_EXECUTE_CONTRACT_TYPE_URL,
  MSG_INSTANTIATE_CONTRACT_TYPE_URL,
  MSG_STORE_CODE_TYPE_URL,
  type MsgExecuteContract,
  type MsgInstantiateContract,
  type MsgStoreCode,
  msgExecuteContractAny,
  msgInstantiateContractAny,
  msgStoreCodeAny,
} from "./msgs.js";
export {
  type CodeInfo,
  type CodeInfoJson,
  type ContractInfo,
  type ContractInfoJson,
  decodeCodeInfo,
  decodeContractInfo,
} from "./records.js";
