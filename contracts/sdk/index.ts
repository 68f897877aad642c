// dccn contract SDK for AssemblyScript. See contracts/README.md.
export { ADDRESS_BYTES, Address } from "./address";
export { bytesEqual, concat, fromUtf8, toHex, utf8 } from "./bytes";
export { CallResult, callContract, tryCallContract } from "./call";
export {
  attachedAmount,
  balanceOf,
  blockHeight,
  blockTime,
  caller,
  chainId,
  gasLeft,
  gasPrice,
  origin,
  selfAddress,
  transfer,
  tryTransfer,
} from "./context";
export { ed25519Verify, sha256 } from "./crypto";
export { Event } from "./events";
export {
  args,
  fail,
  inputBytes,
  inputString,
  log,
  require,
  returnBytes,
  returnJson,
  returnString,
} from "./io";
export { JsonObject, JsonWriter, jsonArray, jsonString } from "./json";
export {
  PersistentMap,
  PersistentValue,
  StorageEntry,
  storageDelete,
  storageHas,
  storageNext,
  storageRead,
  storageWrite,
} from "./storage";
export { U128 } from "./u128";
