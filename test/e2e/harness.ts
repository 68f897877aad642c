/**
 * End-to-end harness: real `dccn` processes (the compiled CLI in dist/) on temp homes, talking
 * over loopback. `npm test` compiles before running vitest, so dist/ is current.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { createWriteStream, existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { verifyCommit } from "../../src/abci/commit-verify.js";
import { fromBase64, fromHex, toHexUpper } from "../../src/codec/bytes.js";
import { parseAddress } from "../../src/crypto/address.js";
import { type AccountQueryResponseLike, verifyAccountProof } from "../../src/dccn-app/client.js";
import {
  type BlockIdFlag,
  type Commit,
  commitHash,
  dataHash,
  type Header,
  headerHash,
} from "../../src/types/block.js";
import { txHash } from "../../src/types/tx.js";
import { ValidatorSet } from "../../src/types/validator.js";

export const CLI = resolve(import.meta.dirname, "../../dist/src/cli/main.js");

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `dccn-${prefix}-`));
}

/** Ports the OS says are free right now (bound to port 0, then released). */
export async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise<import("node:net").Server>((res, rej) => {
          const s = createServer();
          s.once("error", rej);
          s.listen(0, "127.0.0.1", () => res(s));
        }),
    ),
  );
  const ports = servers.map((s) => (s.address() as import("node:net").AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export function runCli(args: string[], env: Record<string, string> = {}): CliResult {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    encoding: "utf8",
    env: { ...process.env, ...env },
    timeout: 60_000,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

export function runCliJson<T>(args: string[]): T {
  const r = runCli([...args, "--output", "json"]);
  if (r.code !== 0) throw new Error(`dccn ${args.join(" ")} failed (${r.code}): ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

/** Rewrites `key = value` lines of a TOML section (simple, for test homes only). */
export function patchToml(path: string, section: string, values: Record<string, string | number | boolean>) {
  const lines = readFileSync(path, "utf8").split("\n");
  let current = "";
  const out = lines.map((line) => {
    const sec = /^\s*\[([^\]]+)\]\s*$/.exec(line);
    if (sec) current = sec[1]!;
    const kv = /^\s*([A-Za-z0-9_]+)\s*=/.exec(line);
    if (kv && current === section && kv[1]! in values) {
      const v = values[kv[1]!]!;
      return `${kv[1]} = ${typeof v === "string" ? JSON.stringify(v) : String(v)}`;
    }
    return line;
  });
  writeFileSync(path, out.join("\n"));
}

export class NodeProcess {
  private child: ChildProcess | undefined;
  private exited: Promise<number | null> = Promise.resolve(null);
  readonly logPath: string;

  constructor(
    readonly home: string,
    readonly rpcPort: number,
    private readonly extraArgs: string[] = [],
  ) {
    this.logPath = join(home, "node.log");
  }

  get rpcUrl(): string {
    return `http://127.0.0.1:${this.rpcPort}`;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Starts the node and resolves once its RPC answers `health`. */
  async start(env: Record<string, string> = {}): Promise<void> {
    const log = createWriteStream(this.logPath, { flags: "a" });
    const child = spawn(process.execPath, [CLI, "start", "--home", this.home, ...this.extraArgs], {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, DCCN_LOG_LEVEL: "info", ...env },
    });
    this.child = child;
    child.stdout?.pipe(log, { end: false });
    child.stderr?.pipe(log, { end: false });
    this.exited = new Promise((res) => child.once("exit", (code) => res(code)));
    // The node logs a line once the RPC server listens; await it (or the process dying).
    await new Promise<void>((res, rej) => {
      let buf = "";
      const onData = (d: Buffer) => {
        buf += d.toString();
        if (buf.includes("rpc server listening")) {
          child.stderr?.off("data", onData);
          res();
        }
        if (buf.length > 1_000_000) buf = buf.slice(-10_000);
      };
      child.stderr?.on("data", onData);
      child.once("exit", (code) =>
        rej(new Error(`node exited with ${code} before RPC was up; log: ${this.tailLog()}`)),
      );
    });
  }

  tailLog(lines = 40): string {
    if (!existsSync(this.logPath)) return "";
    return readFileSync(this.logPath, "utf8").split("\n").slice(-lines).join("\n");
  }

  /** SIGTERM (clean) or SIGKILL (crash); resolves when the process is gone. */
  async stop(signal: NodeJS.Signals = "SIGTERM"): Promise<number | null> {
    if (!this.child || this.child.exitCode !== null || this.child.signalCode !== null) return this.exited;
    this.child.kill(signal);
    return this.exited;
  }
}

export async function rpc<T = unknown>(
  url: string,
  method: string,
  params: Record<string, unknown> = {},
): Promise<T> {
  const post = () =>
    fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
    });
  // A synchronous CLI run (runCli) blocks this event loop; a kept-alive socket the server closed
  // meanwhile fails on reuse. One retry on a fresh connection is then the right answer.
  const res = await post().catch(() => post());
  const body = (await res.json()) as { result?: T; error?: { code: number; message: string; data?: string } };
  if (body.error) throw new Error(`${method}: ${body.error.message} ${body.error.data ?? ""}`);
  return body.result as T;
}

/** Polls `fn` until it returns a value other than undefined, or throws after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  fn: () => Promise<T | undefined>,
  timeoutMs = 30_000,
  intervalMs = 50,
): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  let lastErr: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (err) {
      lastErr = err;
    }
    if (performance.now() > deadline) {
      throw new Error(`timed out waiting for ${what}${lastErr ? `: ${String(lastErr)}` : ""}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** Resolves with the node's latest height once it is at least `height`. */
export async function waitForHeight(url: string, height: number, timeoutMs = 60_000): Promise<number> {
  return waitFor(
    `height ${height} at ${url}`,
    async () => {
      const st = await rpc<{ sync_info: { latest_block_height: string } }>(url, "status");
      const h = Number(st.sync_info.latest_block_height);
      return h >= height ? h : undefined;
    },
    timeoutMs,
  );
}

/** Consensus timeouts for test chains: blocks every ~`commitMs`, rounds that time out quickly. */
export const FAST_CONSENSUS = {
  timeout_propose_ms: 1000,
  timeout_propose_delta_ms: 200,
  timeout_prevote_ms: 200,
  timeout_prevote_delta_ms: 100,
  timeout_precommit_ms: 200,
  timeout_precommit_delta_ms: 100,
  timeout_commit_ms: 150,
} as const;

export interface TestHomeOptions {
  readonly chainId: string;
  readonly moniker?: string;
  /** Extra genesis accounts (`ankr1…`, base units), added before the first start. */
  readonly accounts?: readonly { readonly address: string; readonly balance: bigint }[];
  /** config.toml overrides per section, on top of free ports and FAST_CONSENSUS. */
  readonly config?: Readonly<Record<string, Record<string, string | number | boolean>>>;
}

export interface TestHome {
  readonly home: string;
  readonly rpcPort: number;
  readonly p2pPort: number;
  /** The funded `validator` key of the home's test keyring. */
  readonly validatorKey: { readonly name: string; readonly address: string };
}

/** `dccn init` on a fresh temp dir, on free ports with fast consensus, plus extra genesis accounts. */
export async function initTestHome(prefix: string, opts: TestHomeOptions): Promise<TestHome> {
  const home = tempDir(prefix);
  const init = runCliJson<{ key: { name: string; address: string } }>([
    "init",
    "--home",
    home,
    "--chain-id",
    opts.chainId,
    "--moniker",
    opts.moniker ?? prefix,
  ]);
  const [rpcPort, p2pPort] = (await freePorts(2)) as [number, number];
  const configFile = join(home, "config", "config.toml");
  patchToml(configFile, "rpc", { laddr: `tcp://127.0.0.1:${rpcPort}` });
  patchToml(configFile, "p2p", { laddr: `/ip4/127.0.0.1/tcp/${p2pPort}` });
  patchToml(configFile, "consensus", FAST_CONSENSUS);
  for (const [section, values] of Object.entries(opts.config ?? {})) patchToml(configFile, section, values);
  if (opts.accounts !== undefined && opts.accounts.length > 0) {
    const genesisFile = join(home, "config", "genesis.json");
    const genesis = JSON.parse(readFileSync(genesisFile, "utf8")) as {
      app_state: { accounts?: { address: string; balance: string }[] };
    };
    genesis.app_state.accounts = [
      ...(genesis.app_state.accounts ?? []),
      ...opts.accounts.map((a) => ({ address: a.address, balance: a.balance.toString() })),
    ];
    writeFileSync(genesisFile, JSON.stringify(genesis, null, 2));
  }
  return { home, rpcPort, p2pPort, validatorKey: init.key };
}

/**
 * Balance and nonce of `address` through `abci_query /account/…` (zero for an unseen account),
 * at `height` (default: the latest).
 */
export async function queryAccount(
  url: string,
  address: string,
  height?: number,
): Promise<{ balance: bigint; nonce: number }> {
  const r = await rpc<{ response: { code: number; log: string; value: string | null } }>(url, "abci_query", {
    path: `/account/${address}`,
    ...(height === undefined ? {} : { height: String(height) }),
  });
  if (r.response.code !== 0) throw new Error(`account query for ${address} failed: ${r.response.log}`);
  if (r.response.value === null || r.response.value === "") return { balance: 0n, nonce: 0 };
  const doc = JSON.parse(Buffer.from(r.response.value, "base64").toString("utf8")) as {
    balance: string;
    nonce: number | string;
  };
  return { balance: BigInt(doc.balance), nonce: Number(doc.nonce) };
}

/**
 * Fees the staking module has paid out of the fee collector in blocks 1..`toHeight` (the `fees`
 * of each `block_rewards` event): with the collector's balance at `toHeight` they must add up to
 * every fee charged in those blocks.
 */
export async function feesPaidOut(url: string, toHeight: number): Promise<bigint> {
  let total = 0n;
  for (let height = 1; height <= toHeight; height++) {
    const r = await rpc<{
      finalize_block_events: { type: string; attributes: { key: string; value: string }[] }[] | null;
    }>(url, "block_results", { height: String(height) });
    for (const e of r.finalize_block_events ?? []) {
      if (e.type !== "block_rewards") continue;
      total += BigInt(e.attributes.find((a) => a.key === "fees")?.value ?? "0");
    }
  }
  return total;
}

interface RpcBlockJson {
  readonly block_id: { readonly hash: string };
  readonly block: {
    readonly header: Record<string, string> & {
      readonly last_block_id: { readonly hash: string };
    };
    readonly data: { readonly txs: readonly string[] | null };
    readonly last_commit: {
      readonly height: string;
      readonly round: number;
      readonly block_id: { readonly hash: string };
      readonly signatures: readonly {
        readonly block_id_flag: number;
        readonly validator_address: string;
        readonly signature: string | null;
      }[];
    };
  };
}

/** One checked block: its hash, its txs' hashes in order, and the app hash after executing it. */
export interface CheckedBlock {
  readonly height: number;
  readonly hash: string;
  readonly txHashes: readonly string[];
  /** base64 → upper hex of `block_results.app_hash`. */
  readonly appHashAfter: string;
  readonly headerAppHash: string;
  /**
   * State after this block of each account in `proveAccounts` (bech32 → balance, nonce),
   * verified by its SMT proof against the next header's app hash; absent for the last block.
   */
  readonly accounts?: ReadonlyMap<string, { readonly balance: bigint; readonly nonce: number }>;
}

export interface ChainCheck {
  readonly blocks: readonly CheckedBlock[];
  /** Every broken link found; empty when the chain is sound. */
  readonly problems: readonly string[];
}

function headerFromJson(h: RpcBlockJson["block"]["header"]): Header {
  const hex = (v: string | undefined) => fromHex(v ?? "");
  return {
    chainId: h.chain_id ?? "",
    height: Number(h.height),
    timeMs: Date.parse(h.time ?? ""),
    lastBlockHash: hex(h.last_block_id.hash),
    lastCommitHash: hex(h.last_commit_hash),
    dataHash: hex(h.data_hash),
    validatorsHash: hex(h.validators_hash),
    nextValidatorsHash: hex(h.next_validators_hash),
    consensusHash: hex(h.consensus_hash),
    appHash: hex(h.app_hash),
    lastResultsHash: hex(h.last_results_hash),
    evidenceHash: hex(h.evidence_hash),
    proposerAddress: hex(h.proposer_address),
  };
}

function commitFromJson(c: RpcBlockJson["block"]["last_commit"]): Commit {
  return {
    height: Number(c.height),
    round: c.round,
    blockHash: fromHex(c.block_id.hash),
    signatures: c.signatures.map((s) => ({
      flag: s.block_id_flag as BlockIdFlag,
      validatorAddress: fromHex(s.validator_address),
      signature: s.signature === null ? new Uint8Array(0) : fromBase64(s.signature),
    })),
  };
}

export interface ChainCheckOptions {
  /** Accounts queried with `prove=true` after every block but the last, proofs checked. */
  readonly proveAccounts?: readonly string[];
}

/**
 * Fetches blocks 1..`toHeight` and checks every link a client relies on: the block id is the
 * hash of the header as served, last_block_id and last_commit point at the previous block, the
 * last commit verifies against the previous height's validator set and hashes to
 * last_commit_hash, data_hash is the Merkle root of the txs, validators_hash matches
 * `validators`, each header's app_hash is the app hash `block_results` reports after the
 * previous height and — for `proveAccounts` — the root the app's state proofs at that height
 * verify against.
 */

export async function checkChain(
  url: string,
  toHeight: number,
  opts: ChainCheckOptions = {},
): Promise<ChainCheck> {
  const problems: string[] = [];
  const blocks: CheckedBlock[] = [];
  const sets = new Map<number, ValidatorSet>();
  const validatorsAt = async (height: number): Promise<ValidatorSet> => {
    const cached = sets.get(height);
    if (cached) return cached;
    const r = await rpc<{
      validators: { pub_key: { value: string }; voting_power: string; address: string }[];
    }>(url, "validators", { height: String(height), per_page: "100" });
    const set = new ValidatorSet(
      r.validators.map((v) => ({
        address: fromHex(v.address),
        pubKey: fromBase64(v.pub_key.value),
        votingPower: Number(v.voting_power),
      })),
    );
    sets.set(height, set);
    return set;
  };
  let prev: { hash: string; appHashAfter: string } | undefined;
  let chainId: string | undefined;
  for (let height = 1; height <= toHeight; height++) {
    const b = await rpc<RpcBlockJson>(url, "block", { height: String(height) });
    const results = await rpc<{ app_hash: string }>(url, "block_results", { height: String(height) });
    const at = `block ${height}`;
    const header = headerFromJson(b.block.header);
    const hash = toHexUpper(headerHash(header));
    if (hash !== b.block_id.hash)
      problems.push(`${at}: block_id ${b.block_id.hash} is not its header's hash ${hash}`);
    if (header.height !== height) problems.push(`${at}: header says height ${header.height}`);
    chainId ??= header.chainId;
    if (header.chainId !== chainId) problems.push(`${at}: chain id ${header.chainId}, expected ${chainId}`);
    const txs = (b.block.data.txs ?? []).map(fromBase64);
    if (toHexUpper(dataHash(txs)) !== toHexUpper(header.dataHash)) problems.push(`${at}: data_hash mismatch`);
    const set = await validatorsAt(height);
    if (toHexUpper(set.hash()) !== toHexUpper(header.validatorsHash))
      problems.push(`${at}: validators_hash does not match the validators at this height`);
    const lastCommit = commitFromJson(b.block.last_commit);
    if (prev === undefined) {
      if (b.block.header.last_block_id.hash !== "")
        problems.push(`${at}: the first block has a last_block_id`);
      if (lastCommit.signatures.length !== 0) problems.push(`${at}: the first block has a last commit`);
      if (toHexUpper(header.lastCommitHash) !== toHexUpper(commitHash(null)))
        problems.push(`${at}: last_commit_hash of the first block is not the empty root`);
    } else {
      if (b.block.header.last_block_id.hash !== prev.hash)
        problems.push(
          `${at}: last_block_id ${b.block.header.last_block_id.hash} ≠ hash of ${height - 1} ${prev.hash}`,
        );
      if (toHexUpper(header.lastCommitHash) !== toHexUpper(commitHash(lastCommit)))
        problems.push(`${at}: last_commit_hash does not match last_commit`);
      try {
        verifyCommit(chainId, await validatorsAt(height - 1), height - 1, fromHex(prev.hash), lastCommit);
      } catch (err) {
        problems.push(`${at}: last_commit does not verify: ${String(err)}`);
      }
      if (toHexUpper(header.appHash) !== prev.appHashAfter)
        problems.push(
          `${at}: app_hash ${toHexUpper(header.appHash)} ≠ app hash after ${height - 1} ${prev.appHashAfter}`,
        );
    }
    // The app's own state at height-1, proven against this header's app hash: the header
    // carries the root of what the app committed, not only what block_results echoes.
    const before = blocks[height - 2];
    if (before !== undefined && opts.proveAccounts !== undefined) {
      const accounts = new Map<string, { balance: bigint; nonce: number }>();
      for (const address of opts.proveAccounts) {
        const q = await rpc<{ response: AccountQueryResponseLike & { code: number; log: string } }>(
          url,
          "abci_query",
          { path: `/account/${address}`, height: String(height - 1), prove: true },
        );
        try {
          if (q.response.code !== 0) throw new Error(q.response.log);
          const a = verifyAccountProof(header.appHash, parseAddress(address), q.response);
          accounts.set(address, { balance: a.balance, nonce: a.nonce });
        } catch (err) {
          problems.push(
            `${at}: account ${address} at ${height - 1} does not prove against app_hash: ${String(err)}`,
          );
        }
      }
      blocks[height - 2] = { ...before, accounts };
    }
    const appHashAfter = toHexUpper(fromBase64(results.app_hash));
    blocks.push({
      height,
      hash,
      txHashes: txs.map((t) => toHexUpper(txHash(t))),
      appHashAfter,
      headerAppHash: toHexUpper(header.appHash),
    });
    prev = { hash, appHashAfter };
  }
  return { blocks, problems };
}

/** A committed transfer as the ledger check needs it. */
export interface LedgerTransfer {
  readonly from: string;
  readonly to: string;
  readonly amount: bigint;
  readonly fee: bigint;
}

/**
 * Replays `transfers` block by block from the genesis balances and compares the running result
 * with the proven account states of `chain` (see `checkChain`'s `proveAccounts`): every balance
 * and nonce after every block. Returns the problems found and the balances after the last block.
 */
export function checkLedger(
  chain: ChainCheck,
  genesis: ReadonlyMap<string, bigint>,
  transfers: ReadonlyMap<string, LedgerTransfer>,
): { problems: string[]; balances: Map<string, bigint>; nonces: Map<string, number> } {
  const problems: string[] = [];
  const balances = new Map(genesis);
  const nonces = new Map<string, number>();
  for (const b of chain.blocks) {
    for (const hash of b.txHashes) {
      const t = transfers.get(hash);
      if (t === undefined) {
        problems.push(`block ${b.height}: unknown tx ${hash}`);
        continue;
      }
      balances.set(t.from, (balances.get(t.from) ?? 0n) - t.amount - t.fee);
      balances.set(t.to, (balances.get(t.to) ?? 0n) + t.amount);
      nonces.set(t.from, (nonces.get(t.from) ?? 0) + 1);
    }
    for (const [address, got] of b.accounts ?? []) {
      const balance = balances.get(address) ?? 0n;
      const nonce = nonces.get(address) ?? 0;
      if (got.balance !== balance || got.nonce !== nonce) {
        problems.push(
          `after block ${b.height}: ${address} has ${got.balance} (nonce ${got.nonce}), expected ${balance} (nonce ${nonce})`,
        );
      }
    }
  }
  return { problems, balances, nonces };
}
