/**
 * A small real chain for RPC tests: Ed25519 validators, signed txs, blocks whose header hashes
 * are all computed, commits signed over real vote sign-bytes, in-memory block/state stores with
 * the store method names the node's stores use, a CheckTx app that verifies signatures, a
 * mempool, and the real EventBus.
 */
import type {
  AbciEvent,
  Application,
  CheckTxResult,
  ExecTxResult,
  InfoResponse,
  QueryRequest,
  QueryResponse,
} from "../../../src/abci/types.js";
import { concatBytes, toHex, utf8 } from "../../../src/codec/bytes.js";
import { addressFromPublicKey } from "../../../src/crypto/address.js";
import { PrivateKey, verifySignature } from "../../../src/crypto/ed25519.js";
import { sha256 } from "../../../src/crypto/hash.js";
import { merkleRoot } from "../../../src/crypto/merkle.js";
import { DccnError } from "../../../src/errors.js";
import { EventBus } from "../../../src/events/bus.js";
import type {
  RpcAbciResponses,
  RpcBlockMeta,
  RpcBlockStore,
  RpcEnv,
  RpcMempool,
  RpcStateStore,
} from "../../../src/rpc/env.js";
import {
  type Block,
  BlockIdFlag,
  type Commit,
  type CommitSig,
  commitHash,
  dataHash,
  encodeBlock,
  evidenceHash,
  type Header,
  headerHash,
} from "../../../src/types/block.js";
import {
  type ConsensusParams,
  consensusParamsHash,
  DEFAULT_CONSENSUS_PARAMS,
} from "../../../src/types/params.js";
import { decodeTx, signTx, txSignBytes } from "../../../src/types/tx.js";
import { ValidatorSet } from "../../../src/types/validator.js";
import { VoteType, voteSignBytes } from "../../../src/types/vote.js";

export const CHAIN_ID = "rpc-test-chain";
export const GENESIS_TIME_MS = Date.UTC(2026, 10, 24, 16, 33, 0, 0);

export const seed = (n: number): Uint8Array => new Uint8Array(32).fill(n);

export function makeTx(key: PrivateKey, nonce: number, memo = ""): Uint8Array {
  return signTx(key, {
    chainId: CHAIN_ID,
    nonce,
    gasLimit: 50_000,
    gasPrice: 1n,
    memo,
    msg: { typeUrl: "/dccn.bank.v1.MsgSend", value: utf8(`send-${nonce}`) },
  });
}

class MemoryBlockStore implements RpcBlockStore {
  readonly blocks = new Map<number, Block>();
  readonly metas = new Map<number, RpcBlockMeta>();
  readonly seen = new Map<number, Commit>();
  readonly byHash = new Map<string, number>();
  top = 0;
  bottom = 0;

  height(): number {
    return this.top;
  }
  base(): number {
    return this.bottom;
  }
  async loadBlock(h: number): Promise<Block | undefined> {
    return this.blocks.get(h);
  }
  async loadBlockByHash(hash: Uint8Array): Promise<Block | undefined> {
    const h = this.byHash.get(toHex(hash));
    return h === undefined ? undefined : this.blocks.get(h);
  }
  async loadBlockMeta(h: number): Promise<RpcBlockMeta | undefined> {
    return this.metas.get(h);
  }
  async loadCommit(h: number): Promise<Commit | undefined> {
    return this.blocks.get(h + 1)?.lastCommit ?? this.seen.get(h);
  }
  async loadSeenCommit(h: number): Promise<Commit | undefined> {
    return this.seen.get(h);
  }
}

class MemoryStateStore implements RpcStateStore {
  readonly validators = new Map<number, ValidatorSet>();
  readonly params = new Map<number, ConsensusParams>();
  readonly responses = new Map<number, RpcAbciResponses>();
  async loadValidators(h: number): Promise<ValidatorSet | undefined> {
    return this.validators.get(h);
  }
  async loadConsensusParams(h: number): Promise<ConsensusParams | undefined> {
    return this.params.get(h);
  }
  async loadAbciResponses(h: number): Promise<RpcAbciResponses | undefined> {
    return this.responses.get(h);
  }
}

/** CheckTx verifies the envelope and signature; Query answers `/echo` and `/missing`. */
export class TestApp implements Pick<Application, "info" | "query" | "checkTx"> {
  checkCalls = 0;
  constructor(private readonly chain: TestChain) {}

  async info(): Promise<InfoResponse> {
    return {
      data: "rpc-test-app",
      version: "1.2.3",
      appVersion: 1,
      lastBlockHeight: this.chain.height,
      lastBlockAppHash: this.chain.appHash,
    };
  }

  async checkTx(tx: Uint8Array): Promise<CheckTxResult> {
    this.checkCalls++;
    const fail = (code: number, log: string): CheckTxResult => ({
      code,
      codespace: "test",
      log,
      info: "",
      data: new Uint8Array(0),
      gasWanted: 0,
      gasUsed: 0,
      events: [],
    });
    let decoded: ReturnType<typeof decodeTx>;
    try {
      decoded = decodeTx(tx);
    } catch (err) {
      return fail(2, `tx parse error: ${(err as Error).message}`);
    }
    if (!verifySignature(decoded.raw.pubKey, txSignBytes(decoded.raw.body), decoded.raw.signature)) {
      return fail(4, "signature verification failed");
    }
    return {
      code: 0,
      codespace: "",
      log: "",
      info: "",
      data: utf8("ok"),
      gasWanted: decoded.body.gasLimit,
      gasUsed: 1000,
      events: [{ type: "check", attributes: [{ key: "sender", value: toHex(decoded.sender), index: true }] }],
      sender: decoded.sender,
      nonce: decoded.body.nonce,
    };
  }

  async query(req: QueryRequest): Promise<QueryResponse> {
    if (req.path === "/echo") {
      return {
        code: 0,
        log: "",
        info: "",
        index: 0,
        key: req.data,
        value: concatBytes(utf8("echo:"), req.data),
        proofOps: req.prove ? [{ type: "test:echo", key: req.data, data: utf8("proof") }] : null,
        height: req.height === 0 ? this.chain.height : req.height,
        codespace: "",
      };
    }
    return {
      code: 1,
      log: `unknown path ${req.path}`,
      info: "",
      index: 0,
      key: new Uint8Array(0),
      value: new Uint8Array(0),
      proofOps: null,
      height: this.chain.height,
      codespace: "test",
    };
  }
}

/** Admits txs through the app; `onAdmitted` lets a test commit them into a block. */
export class TestMempool implements RpcMempool {
  readonly pending: Uint8Array[] = [];
  private readonly seen = new Set<string>();
  onAdmitted: (tx: Uint8Array) => void = () => {};

  constructor(private readonly app: TestApp) {}

  async checkTx(tx: Uint8Array): Promise<CheckTxResult> {
    const id = toHex(sha256(tx));
    if (this.seen.has(id)) throw new DccnError("MEMPOOL_DUPLICATE", "tx already exists in cache");
    this.seen.add(id);
    const res = await this.app.checkTx(tx);
    if (res.code === 0) {
      this.pending.push(tx);
      this.onAdmitted(tx);
    }
    return res;
  }
  size(): number {
    return this.pending.length;
  }
  sizeBytes(): number {
    return this.pending.reduce((n, tx) => n + tx.length, 0);
  }
  unconfirmedTxs(limit: number): Uint8Array[] {
    return this.pending.slice(0, limit);
  }
  remove(txs: readonly Uint8Array[]): void {
    const ids = new Set(txs.map((t) => toHex(t)));
    for (let i = this.pending.length - 1; i >= 0; i--) {
      if (ids.has(toHex(this.pending[i]!))) this.pending.splice(i, 1);
    }
  }
}

export function txResultFor(tx: Uint8Array, index: number): ExecTxResult {
  const events: AbciEvent[] = [
    {
      type: "transfer",
      attributes: [
        { key: "index", value: String(index), index: true },
        { key: "memo", value: "", index: false },
      ],
    },
  ];
  return {
    code: index === 1 ? 7 : 0,
    codespace: index === 1 ? "bank" : "",
    log: index === 1 ? "insufficient funds" : "",
    info: "",
    data: index === 1 ? new Uint8Array(0) : sha256(tx).slice(0, 4),
    gasWanted: 50_000,
    gasUsed: 21_000 + index,
    events,
  };
}

export class TestChain {
  readonly keys = [1, 2, 3].map((n) => PrivateKey.fromSeed(seed(n)));
  readonly valset = new ValidatorSet(
    this.keys.map((k, i) => ({
      address: addressFromPublicKey(k.publicKey),
      pubKey: k.publicKey,
      votingPower: 10 + i,
    })),
  );
  readonly params: ConsensusParams = DEFAULT_CONSENSUS_PARAMS;
  readonly blockStore = new MemoryBlockStore();
  readonly stateStore = new MemoryStateStore();
  readonly eventBus = new EventBus();
  readonly app = new TestApp(this);
  readonly mempool = new TestMempool(this.app);
  /** App hash after each height (0 = genesis). */
  readonly appHashes = new Map<number, Uint8Array>([[0, sha256(utf8("genesis"))]]);
  catchingUp = false;
  /** The result of tx `index` of block `height` (tests override it for richer events). */
  resultFor: (tx: Uint8Array, index: number, height: number) => ExecTxResult = txResultFor;
  /** Extra EndBlock events of block `height`. */
  endEventsFor: (height: number) => AbciEvent[] = () => [];

  constructor() {
    this.stateStore.validators.set(1, this.valset);
    this.stateStore.params.set(1, this.params);
  }

  get height(): number {
    return this.blockStore.top;
  }
  get appHash(): Uint8Array {
    return this.appHashes.get(this.height)!;
  }

  /** Signs precommits for `blockHash`; validators listed in `absent` did not sign. */
  signCommit(height: number, blockHash: Uint8Array, absent: readonly number[] = []): Commit {
    const signatures: CommitSig[] = this.valset.validators.map((v, i) => {
      if (absent.includes(i)) {
        return {
          flag: BlockIdFlag.Absent,
          validatorAddress: new Uint8Array(0),
          signature: new Uint8Array(0),
        };
      }
      const key = this.keys.find((k) => toHex(addressFromPublicKey(k.publicKey)) === toHex(v.address))!;
      const signBytes = voteSignBytes(CHAIN_ID, { type: VoteType.Precommit, height, round: 0, blockHash });
      return { flag: BlockIdFlag.Commit, validatorAddress: v.address, signature: key.sign(signBytes) };
    });
    return { height, round: 0, blockHash, signatures };
  }

  /** Builds, "executes" and stores the next block, then publishes its events. */
  produceBlock(txs: readonly Uint8Array[], absent: readonly number[] = []): Block {
    const height = this.height + 1;
    const prev = this.blockStore.blocks.get(height - 1);
    const lastCommit = prev ? this.blockStore.seen.get(height - 1)! : null;
    const results = txs.map((tx, i) => this.resultFor(tx, i, height));
    const header: Header = {
      chainId: CHAIN_ID,
      height,
      timeMs: GENESIS_TIME_MS + height * 1000 + (height === 2 ? 120 : 0),
      lastBlockHash: prev ? headerHash(prev.header) : new Uint8Array(0),
      lastCommitHash: commitHash(lastCommit),
      dataHash: dataHash(txs),
      validatorsHash: this.valset.hash(),
      nextValidatorsHash: this.valset.hash(),
      consensusHash: consensusParamsHash(this.params),
      appHash: this.appHashes.get(height - 1)!,
      lastResultsHash: merkleRoot(results.map((r) => r.data)),
      evidenceHash: evidenceHash([]),
      proposerAddress: this.valset.validators[height % this.valset.size]!.address,
    };
    const block: Block = { header, txs: [...txs], evidence: [], lastCommit };
    const hash = headerHash(header);
    const bs = this.blockStore;
    bs.blocks.set(height, block);
    bs.metas.set(height, {
      blockHash: hash,
      blockSize: encodeBlock(block).length,
      header,
      numTxs: txs.length,
    });
    bs.seen.set(height, this.signCommit(height, hash, absent));
    bs.byHash.set(toHex(hash), height);
    bs.top = height;
    if (bs.bottom === 0) bs.bottom = height;
    const endBlock = {
      validatorUpdates: height === 2 ? [{ pubKey: this.keys[0]!.publicKey, power: 15 }] : [],
      events: [
        { type: "end", attributes: [{ key: "height", value: String(height), index: true }] },
        ...this.endEventsFor(height),
      ],
      ...(height === 2 ? { consensusParamUpdates: this.params } : {}),
    };
    const beginBlock = { events: [{ type: "begin", attributes: [] }] };
    this.stateStore.responses.set(height, { beginBlock, txResults: results, endBlock });
    this.stateStore.validators.set(height + 1, this.valset);
    this.stateStore.params.set(height + 1, this.params);
    this.appHashes.set(height, sha256(this.appHashes.get(height - 1)!, ...txs));
    this.mempool.remove(txs);
    this.eventBus.emit("NewBlock", {
      block,
      blockHash: hash,
      blockSize: bs.metas.get(height)!.blockSize,
      beginBlock,
      endBlock,
      txResults: results,
    });
    for (const [index, tx] of txs.entries()) {
      this.eventBus.emit("Tx", { height, index, tx, hash: sha256(tx), result: results[index]! });
    }
    return block;
  }

  genesisJson(): string {
    const v = this.valset.validators.map((val) => ({
      address: toHex(val.address).toUpperCase(),
      pub_key: { type: "tendermint/PubKeyEd25519", value: Buffer.from(val.pubKey).toString("base64") },
      power: String(val.votingPower),
      name: "",
    }));
    // A big integer in app_state must survive byte for byte.
    return `{"genesis_time":"2026-11-24T16:33:00Z","chain_id":"${CHAIN_ID}","initial_height":"1","consensus_params":{"block":{"max_bytes":"22020096","max_gas":"-1"},"evidence":{"max_age_num_blocks":"100000","max_age_duration":"172800000000000","max_bytes":"1048576"},"validator":{"pub_key_types":["ed25519"]},"version":{"app":"0"}},"validators":${JSON.stringify(v)},"app_hash":"","app_state":{"accounts":[{"address":"ankr1x","balance":123456789012345678901234567890}]}}\n`;
  }

  env(overrides: Partial<RpcEnv> = {}): RpcEnv {
    const key = this.keys[0]!;
    return {
      blockStore: this.blockStore,
      stateStore: this.stateStore,
      chainState: () => ({ lastBlockHeight: this.height, appHash: this.appHash }),
      nodeInfo: () => ({
        id: toHex(addressFromPublicKey(seed(9))),
        listenAddr: "/ip4/127.0.0.1/tcp/26656",
        network: CHAIN_ID,
        version: "0.1.0",
        moniker: "node-0",
        protocolVersion: { p2p: 8, block: 11, app: 1 },
      }),
      validatorKey: { address: addressFromPublicKey(key.publicKey), pubKey: key.publicKey },
      isCatchingUp: () => this.catchingUp,
      genesisJson: this.genesisJson(),
      mempool: this.mempool,
      app: this.app,
      eventBus: this.eventBus,
      ...overrides,
    };
  }
}
