/**
 * The state store (`<home>/data/state.db`): the latest ChainState, the validator set and the
 * consensus params of every height (for RPC and for verifying old commits), and each block's
 * ABCI responses (for RPC `block_results` and for crash recovery).
 *
 * Tables (one-byte prefix, heights as 8-byte big-endian):
 *   0x03 height   -> AbciResponses
 *   0x04 height   -> ValidatorsInfo       (full set where it changed, else a pointer)
 *   0x05 height   -> ConsensusParamsInfo  (likewise)
 *   0xff "state"  -> ChainState
 *
 * The ABCI responses hold nearly all the bytes and sort first: a file LevelDB flushes then
 * spans from its lowest height's responses to the small tables, and compactions leave older
 * responses alone. Before (state at 0x00, validators 0x01, params 0x02) every file spanned all
 * stored responses, which were rewritten again and again; those tables are moved on open.
 */
import { utf8 } from "../codec/bytes.js";
import { type BatchOp, Database, type KV } from "../store/db.js";
import { heightKey, tableKey } from "../store/keys.js";
import { moveTable } from "../store/tables.js";
import type { ConsensusParams } from "../types/params.js";
import type { ValidatorSet } from "../types/validator.js";
import { type AbciResponses, decodeAbciResponses, encodeAbciResponses } from "./abci-responses.js";
import {
  type ChangeRecord,
  decodeChainState,
  decodeConsensusParamsInfo,
  decodeValidatorsInfo,
  encodeChainState,
  encodeConsensusParamsInfo,
  encodeValidatorsInfo,
} from "./codec.js";
import { StateError } from "./errors.js";
import { type ChainState, nextHeight } from "./types.js";

const T_RESPONSES = 0x03;
const T_VALIDATORS = 0x04;
const T_PARAMS = 0x05;
const T_STATE = 0xff;
/** Older layout: [from, to] table moves done on open. */
const LEGACY_MOVES: readonly (readonly [number, number])[] = [
  [0x00, T_STATE],
  [0x01, T_VALIDATORS],
  [0x02, T_PARAMS],
];
const STATE_KEY = tableKey(T_STATE, utf8("state"));

function changeRecord<T>(height: number, lastHeightChanged: number, value: T): ChangeRecord<T> {
  // Stored in full where it changed; a pointer elsewhere (and defensively if the pointer is bogus).
  const changed = Math.min(lastHeightChanged, height);
  return { lastHeightChanged: changed, value: changed === height ? value : null };
}

export class StateStore {
  private constructor(
    private readonly db: KV,
    private readonly owned: Database | undefined,
  ) {}

  /** Opens (or creates) the state database at `path` and owns it. Writes are fsynced. */
  static async open(path: string): Promise<StateStore> {
    const db = await Database.open(path, { sync: true });
    try {
      await upgradeLayout(db);
    } catch (err) {
      await db.close().catch(() => {});
      throw err;
    }
    return new StateStore(db, db);
  }

  /** A state store over a KV the caller owns (and closes). */
  static async fromKV(db: KV): Promise<StateStore> {
    await upgradeLayout(db);
    return new StateStore(db, undefined);
  }

  /** The latest saved state, or null on a fresh node. */
  async load(): Promise<ChainState | null> {
    const bytes = await this.db.get(STATE_KEY);
    return bytes === undefined ? null : decodeChainState(bytes);
  }

  /**
   * Saves `state` together with the validator sets of the next two heights and the consensus
   * params of the next height, in one atomic batch.
   */
  async save(state: ChainState): Promise<void> {
    const n = nextHeight(state);
    const ops: BatchOp[] = [{ type: "put", key: STATE_KEY, value: encodeChainState(state) }];
    if (state.lastBlockHeight === 0) {
      // Genesis: nobody saved the set of the initial height as a "next" set before.
      ops.push({
        type: "put",
        key: heightKey(T_VALIDATORS, n),
        value: encodeValidatorsInfo(changeRecord(n, state.lastHeightValidatorsChanged, state.validators)),
      });
    }
    ops.push({
      type: "put",
      key: heightKey(T_VALIDATORS, n + 1),
      value: encodeValidatorsInfo(
        changeRecord(n + 1, state.lastHeightValidatorsChanged, state.nextValidators),
      ),
    });
    ops.push({
      type: "put",
      key: heightKey(T_PARAMS, n),
      value: encodeConsensusParamsInfo(
        changeRecord(n, state.lastHeightConsensusParamsChanged, state.consensusParams),
      ),
    });
    await this.db.batch(ops);
  }

  /** The validator set that signs `height`, or null when this store has no record of it. */
  async loadValidators(height: number): Promise<ValidatorSet | null> {
    return this.loadChange(T_VALIDATORS, height, "validators", decodeValidatorsInfo);
  }

  /** The consensus params in force at `height`, or null when unknown. */
  async loadConsensusParams(height: number): Promise<ConsensusParams | null> {
    return this.loadChange(T_PARAMS, height, "consensus params", decodeConsensusParamsInfo);
  }

  private async loadChange<T>(
    table: number,
    height: number,
    what: string,
    decode: (b: Uint8Array) => ChangeRecord<T>,
  ): Promise<T | null> {
    if (!Number.isSafeInteger(height) || height < 1) return null;
    const bytes = await this.db.get(heightKey(table, height));
    if (bytes === undefined) return null;
    const rec = decode(bytes);
    if (rec.value !== null) return rec.value;
    const target = await this.db.get(heightKey(table, rec.lastHeightChanged));
    const full = target === undefined ? null : decode(target).value;
    if (full === null) {
      throw new StateError(
        "STATE_MISSING_RECORD",
        `state store is missing the ${what} of height ${rec.lastHeightChanged} (needed for height ${height})`,
        { height, lastHeightChanged: rec.lastHeightChanged },
      );
    }
    return full;
  }

  /**
   * Saves a block's ABCI responses (before the app commits the block). Returns the encoded
   * bytes, which the executor hands on with the NewBlock event (do not mutate them).
   */
  async saveAbciResponses(height: number, responses: AbciResponses): Promise<Uint8Array> {
    const bytes = encodeAbciResponses(responses);
    await this.db.put(heightKey(T_RESPONSES, height), bytes);
    return bytes;
  }

  async loadAbciResponses(height: number): Promise<AbciResponses | null> {
    if (!Number.isSafeInteger(height) || height < 1) return null;
    const bytes = await this.db.get(heightKey(T_RESPONSES, height));
    return bytes === undefined ? null : decodeAbciResponses(bytes);
  }

  /** Closes the database if this store opened it. */
  async close(): Promise<void> {
    await this.owned?.close();
  }
}

/** Moves the tables of an older layout (see the top of this file) to where they live now. */
async function upgradeLayout(db: KV): Promise<void> {
  for (const [from, to] of LEGACY_MOVES) await moveTable(db, from, to);
}
