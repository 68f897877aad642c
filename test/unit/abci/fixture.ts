/**
 * A real single-process chain for tests: LevelDB stores and the kvstore app on a temp home,
 * real Ed25519 keys signing real commits. `TestNode` can be closed and reopened on the same
 * home to simulate a restart after a crash.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KVStoreApp, type KVStoreOptions } from "../../../src/abci/examples/kvstore.js";
import { BlockExecutor, type BlockExecutorOptions } from "../../../src/abci/executor.js";
import { type HandshakeResult, handshake } from "../../../src/abci/handshake.js";
import type { Application } from "../../../src/abci/types.js";
import { toHex } from "../../../src/codec/bytes.js";
import { addressFromPublicKey } from "../../../src/crypto/address.js";
import { PrivateKey } from "../../../src/crypto/ed25519.js";
import { EventBus } from "../../../src/events/bus.js";
import type { GenesisDoc } from "../../../src/genesis/types.js";
import { silentLogger } from "../../../src/log.js";
import { StateStore } from "../../../src/state/state-store.js";
import { type ChainState, nextHeight } from "../../../src/state/types.js";
import { BlockStore } from "../../../src/store/block-store.js";
import { dataPaths } from "../../../src/store/paths.js";
import {
  type Block,
  BlockIdFlag,
  type Commit,
  type CommitSig,
  headerHash,
} from "../../../src/types/block.js";
import { DEFAULT_CONSENSUS_PARAMS } from "../../../src/types/params.js";
import type { ValidatorSet } from "../../../src/types/validator.js";
import { VoteType, voteSignBytes } from "../../../src/types/vote.js";

export const CHAIN_ID = "test-chain";
export const GENESIS_TIME = 1_700_000_000_000;

export function tempHome(): string {
  return mkdtempSync(join(tmpdir(), "dccn-chain-"));
}

export function removeHome(home: string): void {
  rmSync(home, { recursive: true, force: true });
}

export function makeKey(n: number): PrivateKey {
  return PrivateKey.fromSeed(new Uint8Array(32).fill(n));
}

export function makeGenesis(
  keys: readonly PrivateKey[],
  powers: readonly number[] = [],
  over: Partial<GenesisDoc> = {},
): GenesisDoc {
  return {
    genesisTimeMs: GENESIS_TIME,
    chainId: CHAIN_ID,
    initialHeight: 1,
    consensusParams: DEFAULT_CONSENSUS_PARAMS,
    validators: keys.map((k, i) => ({
      address: addressFromPublicKey(k.publicKey),
      pubKey: k.publicKey,
      power: powers[i] ?? 10,
      name: `v${i}`,
    })),
    appHash: new Uint8Array(0),
    appStateJson: JSON.stringify({ greeting: "hello" }),
    ...over,
  };
}

/** Signs a commit for `blockHash` by every key in `keys` that is in `valset` (others absent). */
export function signCommit(
  chainId: string,
  valset: ValidatorSet,
  keys: readonly PrivateKey[],
  height: number,
  blockHash: Uint8Array,
  opts: { round?: number; nil?: readonly number[]; absent?: readonly number[] } = {},
): Commit {
  const round = opts.round ?? 0;
  const byAddress = new Map(keys.map((k) => [toHex(addressFromPublicKey(k.publicKey)), k]));
  const signatures: CommitSig[] = valset.validators.map((v, i) => {
    const key = byAddress.get(toHex(v.address));
    if (key === undefined || opts.absent?.includes(i)) {
      return { flag: BlockIdFlag.Absent, validatorAddress: new Uint8Array(0), signature: new Uint8Array(0) };
    }
    const nil = opts.nil?.includes(i) ?? false;
    const signBytes = voteSignBytes(chainId, {
      type: VoteType.Precommit,
      height,
      round,
      blockHash: nil ? null : blockHash,
    });
    return {
      flag: nil ? BlockIdFlag.Nil : BlockIdFlag.Commit,
      validatorAddress: v.address,
      signature: key.sign(signBytes),
    };
  });
  return { height, round, blockHash, signatures };
}

export interface NodeParts {
  app: Application;
  kv: KVStoreApp;
  blockStore: BlockStore;
  stateStore: StateStore;
  executor: BlockExecutor;
  eventBus: EventBus;
}

/** A node's chain components on `home`; `wrap` lets a test interpose crash points. */
export class TestNode {
  state!: ChainState;
  handshakeResult!: HandshakeResult;

  private constructor(
    readonly home: string,
    readonly genesis: GenesisDoc,
    readonly keys: readonly PrivateKey[],
    readonly parts: NodeParts,
  ) {}

  static async open(
    home: string,
    genesis: GenesisDoc,
    keys: readonly PrivateKey[],
    opts: {
      kv?: KVStoreOptions;
      executor?: BlockExecutorOptions;
      wrapApp?: (app: Application) => Application;
      wrapStateStore?: (s: StateStore) => StateStore;
      skipHandshake?: boolean;
    } = {},
  ): Promise<TestNode> {
    const paths = dataPaths(home);
    const kv = await KVStoreApp.open(paths.application, opts.kv);
    const blockStore = await BlockStore.open(paths.blockStore);
    const rawStateStore = await StateStore.open(paths.stateStore);
    const app = opts.wrapApp ? opts.wrapApp(kv) : kv;
    const stateStore = opts.wrapStateStore ? opts.wrapStateStore(rawStateStore) : rawStateStore;
    const eventBus = new EventBus();
    const executor = new BlockExecutor(opts.executor ?? {}, {
      app,
      blockStore,
      stateStore,
      eventBus,
      logger: silentLogger,
    });
    const node = new TestNode(home, genesis, keys, { app, kv, blockStore, stateStore, executor, eventBus });
    if (!opts.skipHandshake) {
      try {
        node.handshakeResult = await handshake({
          app,
          blockStore,
          stateStore,
          executor,
          genesis,
          logger: silentLogger,
        });
      } catch (err) {
        await node.close();
        throw err;
      }
      node.state = node.handshakeResult.state;
    }
    return node;
  }

  /** The commit for the last block, as consensus would have gathered it. */
  async lastCommit(): Promise<Commit | null> {
    if (this.state.lastBlockHeight === 0) return null;
    return this.parts.blockStore.loadSeenCommit(this.state.lastBlockHeight);
  }

  /** Builds the next block (proposer: first validator), signs its commit by every key. */
  async makeBlock(
    txs: readonly string[],
    timeMs?: number,
  ): Promise<{ block: Block; hash: Uint8Array; commit: Commit }> {
    const height = nextHeight(this.state);
    const block = this.parts.executor.createProposalBlock(this.state, {
      height,
      txs: txs.map((t) => new TextEncoder().encode(t)),
      lastCommit: await this.lastCommit(),
      proposerAddress: this.state.validators.validators[0]!.address,
      timeMs: timeMs ?? GENESIS_TIME + height * 1000,
    });
    const hash = headerHash(block.header);
    const commit = signCommit(this.genesis.chainId, this.state.validators, this.keys, height, hash);
    return { block, hash, commit };
  }

  /** Decides, saves and applies the next block. */
  async commitBlock(txs: readonly string[]): Promise<Block> {
    const { block, hash, commit } = await this.makeBlock(txs);
    await this.parts.blockStore.saveBlock(block, commit);
    this.state = (await this.parts.executor.applyBlock(this.state, block, hash)).state;
    return block;
  }

  async close(): Promise<void> {
    await this.parts.kv.close();
    await this.parts.blockStore.close();
    await this.parts.stateStore.close();
  }
}

/** Delegates every call to `target`, except the overridden methods. */
export function override<T extends object>(target: T, methods: Partial<Record<keyof T, unknown>>): T {
  return new Proxy(target, {
    get(t, prop, _receiver) {
      if (Object.hasOwn(methods, prop)) return methods[prop as keyof T];
      const v = Reflect.get(t, prop, t);
      return typeof v === "function" ? v.bind(t) : v;
    },
  });
}

export class SimulatedCrash extends Error {
  constructor(where: string) {
    super(`simulated crash: ${where}`);
  }
}
