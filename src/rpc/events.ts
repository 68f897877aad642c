/**
 * The events the websocket publishes, as CometBFT v0.38's event bus does (types/events.go,
 * types/event_bus.go): from each committed block NewBlock, NewBlockHeader, NewBlockEvents and,
 * when the set changes, ValidatorSetUpdates; then one Tx per tx. Each has
 *  - `data`: `{type: "tendermint/event/<Name>", value}` in CometBFT's JSON (libs/json, which
 *    leaves out empty fields of ABCI results), rendered once however many subscribers get it;
 *  - `events`: the `type.key -> values` map queries match, with `tm.event` (and `tx.hash`,
 *    `tx.height` for txs) added.
 */
import type { AbciEvent, ExecTxResult } from "../abci/types.js";
import { toBase64 } from "../codec/bytes.js";
import { addressFromPublicKey } from "../crypto/address.js";
import type { NewBlockEvent, TxEvent } from "../events/bus.js";
import { eventMapOf } from "../indexer/matcher.js";
import {
  type HeaderVersion,
  hex,
  int64,
  renderBlock,
  renderBlockId,
  renderConsensusParamUpdates,
  renderHeader,
  renderValidator,
  renderValidatorUpdate,
} from "./format.js";
import { type JsonValue, stringifyJson } from "./json.js";

type JsonObject = { readonly [key: string]: JsonValue | undefined };

export interface PublishedEvent {
  /** NewBlock, NewBlockHeader, NewBlockEvents, ValidatorSetUpdates or Tx. */
  readonly name: string;
  readonly events: ReadonlyMap<string, readonly string[]>;
  /** `{"type":…,"value":…}` as JSON text (rendered on first use, then cached). */
  data(): string;
  /** The events map as JSON text. */
  eventsJson(): string;
}

const nonEmpty = <T>(items: readonly T[], render: (item: T) => JsonValue): JsonValue[] | undefined =>
  items.length === 0 ? undefined : items.map(render);

/** An ABCI event in libs/json form: empty members left out. */
export function renderEventCompact(e: AbciEvent): JsonObject {
  return {
    type: e.type === "" ? undefined : e.type,
    attributes: nonEmpty(e.attributes, (a) => ({
      key: a.key === "" ? undefined : a.key,
      value: a.value === "" ? undefined : a.value,
      index: a.index ? true : undefined,
    })),
  };
}

/** ExecTxResult in libs/json form (zero values left out, int64 as strings). */
export function renderTxResultCompact(r: ExecTxResult): JsonObject {
  return {
    code: r.code === 0 ? undefined : r.code,
    data: r.data.length === 0 ? undefined : toBase64(r.data),
    log: r.log === "" ? undefined : r.log,
    info: r.info === "" ? undefined : r.info,
    gas_wanted: r.gasWanted === 0 ? undefined : int64(r.gasWanted),
    gas_used: r.gasUsed === 0 ? undefined : int64(r.gasUsed),
    events: nonEmpty(r.events, renderEventCompact),
    codespace: r.codespace === "" ? undefined : r.codespace,
  };
}

function published(
  name: string,
  events: ReadonlyMap<string, readonly string[]>,
  value: () => JsonValue,
): PublishedEvent {
  let data: string | undefined;
  let eventsText: string | undefined;
  return {
    name,
    events,
    data: () => {
      data ??= stringifyJson({ type: `tendermint/event/${name}`, value: value() });
      return data;
    },
    eventsJson: () => {
      eventsText ??= JSON.stringify(Object.fromEntries(events));
      return eventsText;
    },
  };
}

/** The block-level events of one committed block, in CometBFT's publishing order. */
export function blockEvents(e: NewBlockEvent, version: HeaderVersion): PublishedEvent[] {
  const all = [...e.beginBlock.events, ...e.endBlock.events];
  const height = e.block.header.height;
  const out: PublishedEvent[] = [
    published("NewBlock", eventMapOf(all, { "tm.event": "NewBlock" }), () => ({
      block: renderBlock(e.block, version),
      block_id: renderBlockId(e.blockHash),
      result_finalize_block: {
        events: nonEmpty(all, renderEventCompact),
        tx_results: nonEmpty(e.txResults, renderTxResultCompact),
        validator_updates: nonEmpty(e.endBlock.validatorUpdates, renderValidatorUpdate),
        consensus_param_updates:
          e.endBlock.consensusParamUpdates === undefined
            ? undefined
            : renderConsensusParamUpdates(e.endBlock.consensusParamUpdates),
      },
    })),
    published("NewBlockHeader", new Map([["tm.event", ["NewBlockHeader"]]]), () => ({
      header: renderHeader(e.block.header, version),
    })),
    published("NewBlockEvents", eventMapOf(all, { "tm.event": "NewBlockEvents" }), () => ({
      height: int64(height),
      events: all.map(renderEventCompact),
      num_txs: int64(e.block.txs.length),
    })),
  ];
  if (e.endBlock.validatorUpdates.length > 0) {
    out.push(
      published("ValidatorSetUpdates", new Map([["tm.event", ["ValidatorSetUpdates"]]]), () => ({
        validator_updates: e.endBlock.validatorUpdates.map((u) =>
          renderValidator({
            address: addressFromPublicKey(u.pubKey),
            pubKey: u.pubKey,
            votingPower: u.power,
          }),
        ),
      })),
    );
  }
  return out;
}

/** The Tx event of one committed tx (EventDataTx wraps abci.TxResult). */
export function txEvent(e: TxEvent): PublishedEvent {
  const events = eventMapOf(e.result.events, {
    "tm.event": "Tx",
    "tx.hash": hex(e.hash),
    "tx.height": String(e.height),
  });
  return published("Tx", events, () => ({
    TxResult: {
      height: int64(e.height),
      index: e.index,
      tx: toBase64(e.tx),
      result: renderTxResultCompact(e.result),
    },
  }));
}
