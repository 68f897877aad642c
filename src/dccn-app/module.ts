/**
 * The extension point of the DCCN app. Each feature (bank; later staking & election,
 * marketplace, contracts) is a `Module`: msg handlers by type URL, its slice of genesis, block
 * hooks and query routes. The app core owns everything cross-cutting — tx decoding, signatures,
 * nonces, gas and fees, state layering and commit — so a module only states what its msgs do.
 *
 * Rules for module code (consensus depends on them): deterministic — no clocks, randomness,
 * floats or unordered iteration; money as bigint; reject bad input by throwing `AppError`
 * before writing, or rely on the app to drop the msg layer's writes when a msg fails.
 */
import type {
  AbciEvent,
  BeginBlockRequest,
  EndBlockRequest,
  GenesisValidator,
  ValidatorUpdate,
} from "../abci/types.js";
import type { GasMeter } from "./gas.js";
import type { AppParams } from "./params.js";
import type { KvReader, KvStore } from "./state/kv.js";

/** What every hook sees of the chain. */
export interface ChainContext {
  readonly chainId: string;
  readonly params: AppParams;
}

export interface BlockContext extends ChainContext {
  /** The block working set. */
  readonly store: KvStore;
  readonly height: number;
  readonly timeMs: number;
  /** Events the hook emits (appended to the BeginBlock/EndBlock response). */
  readonly events: AbciEvent[];
}

export interface MsgContext extends BlockContext {
  /** The signer of the tx (20-byte address). */
  readonly sender: Uint8Array;
  /** The tx's nonce (the sender's account nonce before this tx). */
  readonly nonce: number;
  /** The tx's gas price, base units per gas. */
  readonly gasPrice: bigint;
  readonly gas: GasMeter;
}

export interface GenesisContext extends ChainContext {
  readonly store: KvStore;
  readonly initialHeight: number;
  readonly genesisTimeMs: number;
  /** The genesis validator set InitChain received (it stays in force: the app returns none). */
  readonly validators: readonly GenesisValidator[];
}

export interface MsgHandler<M> {
  readonly typeUrl: string;
  /** Gas charged for running the msg, unless the chain's params override it per type URL. */
  readonly defaultGas: number;
  /** Strict decode and stateless validation; throws AppError (TX_DECODE, INVALID_*). */
  decode(value: Uint8Array): M;
  /** What the sender must hold on top of the maximum fee for CheckTx to admit the tx. */
  spend(msg: M): bigint;
  /**
   * Executes the msg against `ctx.store`; throws AppError to fail it (its writes are dropped).
   * Bytes it returns become the result's `data` (e.g. a contract call's return value).
   */
  // biome-ignore lint/suspicious/noConfusingVoidType: most handlers return nothing (void).
  deliver(ctx: MsgContext, msg: M): void | Uint8Array | Promise<void | Uint8Array>;
}

/** A handler whose msg type has been erased, for registries. */
export type AnyMsgHandler = MsgHandler<unknown>;

/** Erases a handler's msg type (the registry routes by type URL, so types always match). */
export const msgHandler = <M>(h: MsgHandler<M>): AnyMsgHandler => h as unknown as AnyMsgHandler;

export interface QueryContext extends ChainContext {
  /** State at the queried height. */
  readonly store: KvReader;
  readonly height: number;
}

export interface QueryResult {
  /** The response's `key` (usually the state key read). */
  readonly key: Uint8Array;
  readonly value: Uint8Array;
  /** The state key whose value is proven when the query asks `prove=true` (default `key`). */
  readonly proveKey?: Uint8Array;
}

export interface QueryRoute {
  /** An exact path ("/app/params"), or a prefix ending in "/" ("/account/"). */
  readonly path: string;
  /** `rest` is the part of the path after a prefix route ("" for exact routes). */
  handle(ctx: QueryContext, data: Uint8Array, rest: string): QueryResult | Promise<QueryResult>;
}

export interface EndBlockResult {
  readonly validatorUpdates?: readonly ValidatorUpdate[];
}

export interface Module {
  readonly name: string;
  readonly msgs?: readonly AnyMsgHandler[];
  /** Top-level `app_state` keys this module reads in `initGenesis`. */
  readonly genesisKeys?: readonly string[];
  /** Writes the module's genesis state; `appState` holds only this module's keys. */
  initGenesis?(ctx: GenesisContext, appState: Readonly<Record<string, unknown>>): void | Promise<void>;
  beginBlock?(ctx: BlockContext, req: BeginBlockRequest): void | Promise<void>;
  endBlock?(
    ctx: BlockContext,
    req: EndBlockRequest,
  ): EndBlockResult | undefined | Promise<EndBlockResult | undefined>;
  readonly queries?: readonly QueryRoute[];
}
