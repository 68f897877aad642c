/**
 * ABCI events of the contracts module. Every attribute is indexed, so the tx indexer finds e.g.
 * `instantiate._contract_address='ankr1…'` or a contract's own `wasm-transfer.to='ankr1…'`.
 * Contract events become type `wasm-<type>` with `_contract_address` as their first attribute
 * (a contract cannot forge it: its own attributes follow).
 */
import type { AbciEvent } from "../../abci/types.js";
import { toHexUpper } from "../../codec/bytes.js";
import { toBech32 } from "../../crypto/address.js";
import type { ContractEvent } from "../../vm/host-env.js";

export const CONTRACT_ADDRESS_ATTR = "_contract_address";
export const CONTRACT_EVENT_PREFIX = "wasm-";

const attr = (key: string, value: string) => ({ key, value, index: true });

export function storeCodeEvent(codeHash: Uint8Array, creator: Uint8Array, size: number): AbciEvent {
  return {
    type: "store_code",
    attributes: [
      attr("code_hash", toHexUpper(codeHash)),
      attr("creator", toBech32(creator)),
      attr("size", String(size)),
    ],
  };
}

export function instantiateEvent(
  contract: Uint8Array,
  codeHash: Uint8Array,
  creator: Uint8Array,
  label: string,
): AbciEvent {
  return {
    type: "instantiate",
    attributes: [
      attr(CONTRACT_ADDRESS_ATTR, toBech32(contract)),
      attr("code_hash", toHexUpper(codeHash)),
      attr("creator", toBech32(creator)),
      attr("label", label),
    ],
  };
}

export function executeEvent(contract: Uint8Array, method: string): AbciEvent {
  return {
    type: "execute",
    attributes: [attr(CONTRACT_ADDRESS_ATTR, toBech32(contract)), attr("method", method)],
  };
}

export function contractEvents(events: readonly ContractEvent[]): AbciEvent[] {
  return events.map((e) => ({
    type: `${CONTRACT_EVENT_PREFIX}${e.type}`,
    attributes: [
      attr(CONTRACT_ADDRESS_ATTR, toBech32(e.contract)),
      ...e.attributes.map(([k, v]) => attr(k, v)),
    ],
  }));
}
