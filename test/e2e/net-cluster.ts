/**
 * A multi-node network for the net-* end-to-end tests: `dccn testnet` homes in a temp dir on a
 * free port range (so tests run beside each other and beside a localnet on the fixed ports),
 * fast consensus timeouts, and one `dccn start` child process per node.
 */
import { randomBytes } from "node:crypto";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { join } from "node:path";
import { onTestFailed } from "vitest";
import { nodePorts } from "../../src/cli/commands/testnet.js";
import { parseConfigToml, serializeConfig } from "../../src/config/config.js";
import { addressFromPublicKey, toBech32 } from "../../src/crypto/address.js";
import { PrivateKey } from "../../src/crypto/ed25519.js";
import {
  FAST_CONSENSUS,
  NodeProcess,
  patchToml,
  rpc,
  runCliJson,
  tempDir,
  waitFor,
  waitForHeight,
} from "./harness.js";

/**
 * Fast rounds, but a commit pause long enough for every validator's precommit to reach the next
 * proposer on two busy cores (a shorter one leaves the slowest validator out of every commit).
 */
export const NET_CONSENSUS = { ...FAST_CONSENSUS, timeout_commit_ms: 500 } as const;

export interface NetNode {
  readonly name: string;
  readonly role: "validator" | "full";
  readonly home: string;
  readonly rpcUrl: string;
  readonly p2pAddr: string;
  readonly peerId: string;
  /** Upper-case hex; null for a full node. */
  readonly validatorAddress: string | null;
  /** The node's funded key in its test keyring. */
  readonly key: { readonly name: string; readonly address: string };
  readonly process: NodeProcess;
}

interface SummaryJson {
  nodes: {
    name: string;
    role: "validator" | "full";
    home: string;
    peer_id: string;
    rpc_url: string;
    p2p_addr: string;
    validator_address: string | null;
    key: { name: string; address: string };
  }[];
}

function listen(port: number): Promise<Server | undefined> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once("error", () => resolve(undefined));
    s.listen(port, "127.0.0.1", () => resolve(s));
  });
}

/** A base port whose whole testnet layout (p2p, RPC, metrics of `nodes` nodes) is free right now. */
export async function freeBasePort(nodes: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    // Random, so parallel test files rarely probe the same range.
    const base = 20_000 + 10 * Math.floor(Math.random() * 3500);
    const ports = Array.from({ length: nodes }, (_, i) => nodePorts(i, base)).flatMap((p) => [
      p.p2p,
      p.rpc,
      p.metrics,
    ]);
    const servers = await Promise.all(ports.map(listen));
    await Promise.all(servers.map((s) => (s ? new Promise((r) => s.close(r)) : undefined)));
    if (servers.every((s) => s !== undefined)) return base;
  }
  throw new Error("no free port range for a test network");
}

/** A fresh account address with no balance. */
export function freshAddress(): string {
  return toBech32(addressFromPublicKey(PrivateKey.fromSeed(randomBytes(32)).publicKey));
}

export class TestNet {
  private constructor(
    readonly dir: string,
    readonly nodes: readonly NetNode[],
  ) {}

  /** Generates the homes (nothing runs yet). */
  static async create(opts: { validators: number; fullNodes?: number; chainId?: string }): Promise<TestNet> {
    const total = opts.validators + (opts.fullNodes ?? 0);
    const dir = tempDir("net");
    const basePort = await freeBasePort(total);
    const summary = runCliJson<SummaryJson>([
      "testnet",
      "--validators",
      String(opts.validators),
      "--full-nodes",
      String(opts.fullNodes ?? 0),
      "--chain-id",
      opts.chainId ?? "dccn-net-e2e",
      "--base-port",
      String(basePort),
      "--output-dir",
      dir,
    ]);
    const nodes = summary.nodes.map((n): NetNode => {
      patchToml(join(n.home, "config", "config.toml"), "consensus", NET_CONSENSUS);
      return {
        name: n.name,
        role: n.role,
        home: n.home,
        rpcUrl: n.rpc_url,
        p2pAddr: n.p2p_addr,
        peerId: n.peer_id,
        validatorAddress: n.validator_address,
        key: n.key,
        process: new NodeProcess(n.home, Number(new URL(n.rpc_url).port), ["--role", n.role]),
      };
    });
    return new TestNet(dir, nodes);
  }

  node(i: number): NetNode {
    const n = this.nodes[i];
    if (n === undefined) throw new Error(`no node ${i}`);
    return n;
  }

  get validators(): NetNode[] {
    return this.nodes.filter((n) => n.role === "validator");
  }

  /** Replaces a node's peer lists (before it starts). */
  setPeers(i: number, peers: { persistent: readonly string[]; bootstrap: readonly string[] }): void {
    const file = join(this.node(i).home, "config", "config.toml");
    const cfg = parseConfigToml(readFileSync(file, "utf8"), this.node(i).home);
    writeFileSync(
      file,
      serializeConfig({
        ...cfg,
        p2p: { ...cfg.p2p, persistentPeers: [...peers.persistent], bootstrapPeers: [...peers.bootstrap] },
      }),
    );
  }

  async start(indexes: readonly number[] = this.nodes.map((_, i) => i)): Promise<void> {
    await Promise.all(indexes.map((i) => this.node(i).process.start()));
  }

  /** Stops every node (SIGKILL: the tests are done with them) and deletes the homes (kept with DCCN_E2E_KEEP=1). */
  async destroy(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.process.stop("SIGKILL")));
    if (process.env.DCCN_E2E_KEEP === "1") console.error(`kept test network in ${this.dir}`);
    else rmSync(this.dir, { recursive: true, force: true });
  }

  /** Each node's last warnings and errors, then its log tail: printed when a test fails. */
  logs(lines = 15): string {
    return this.nodes
      .map((n) => {
        const all = n.process.tailLog(100_000).split("\n");
        const warnings = all.filter((l) => / (WARN|ERROR) /.test(l)).slice(-lines);
        return [
          `--- ${n.name}: ${warnings.length} recent warnings/errors`,
          ...warnings,
          "--- tail",
          ...all.slice(-lines),
        ].join("\n");
      })
      .join("\n");
  }

  /** Prints every node's log summary if the calling test fails. */
  printLogsOnFailure(): void {
    onTestFailed(() => {
      console.error(this.logs(25));
    });
  }
}

export async function latestHeight(url: string): Promise<number> {
  const st = await rpc<{ sync_info: { latest_block_height: string } }>(url, "status");
  return Number(st.sync_info.latest_block_height);
}

export interface BlockSummary {
  readonly hash: string;
  readonly appHash: string;
  /** Addresses whose precommit for the previous block is in this block's last commit. */
  readonly lastCommitSigners: readonly string[];
}

const BLOCK_ID_FLAG_COMMIT = 2;

export async function blockAt(url: string, height: number): Promise<BlockSummary> {
  const b = await rpc<{
    block_id: { hash: string };
    block: {
      header: { app_hash: string };
      last_commit: { signatures: { block_id_flag: number; validator_address: string }[] };
    };
  }>(url, "block", { height: String(height) });
  return {
    hash: b.block_id.hash,
    appHash: b.block.header.app_hash,
    lastCommitSigners: b.block.last_commit.signatures
      .filter((s) => s.block_id_flag === BLOCK_ID_FLAG_COMMIT)
      .map((s) => s.validator_address),
  };
}

/** Once every node has reached `to`: heights `from..to` have the same block hash and app hash everywhere. */
export async function expectSameChain(nodes: readonly NetNode[], from: number, to: number): Promise<void> {
  await Promise.all(nodes.map((n) => waitForHeight(n.rpcUrl, to, 60_000)));
  for (let h = from; h <= to; h++) {
    const blocks = await Promise.all(nodes.map((n) => blockAt(n.rpcUrl, h)));
    const first = blocks[0]!;
    for (const [i, b] of blocks.entries()) {
      if (b.hash !== first.hash || b.appHash !== first.appHash) {
        throw new Error(
          `height ${h}: ${nodes[i]!.name} has block ${b.hash} (app ${b.appHash}), ` +
            `${nodes[0]!.name} has ${first.hash} (app ${first.appHash})`,
        );
      }
    }
  }
}

/** Waits until some block above `after` carries `address`'s precommit in its last commit. */
export async function waitForSignature(
  url: string,
  address: string,
  after: number,
  timeoutMs = 60_000,
): Promise<number> {
  let next = after + 1;
  return waitFor(
    `a commit signed by ${address} above height ${after}`,
    async () => {
      const latest = await latestHeight(url);
      for (; next <= latest; next++) {
        if ((await blockAt(url, next)).lastCommitSigners.includes(address)) return next;
      }
      return undefined;
    },
    timeoutMs,
    200,
  );
}

/** The round in progress on a node, and how many validators' prevotes it holds for that round. */
export async function roundState(url: string): Promise<{ height: number; round: number; prevotes: number }> {
  const r = await rpc<{
    round_state: {
      "height/round/step": string;
      height_vote_set: { round: number; prevotes_bit_array: string }[];
    };
  }>(url, "consensus_state");
  const [height, round] = r.round_state["height/round/step"].split("/").map(Number);
  // "BA{4:xx__} 20/40 = 0.50": one x per validator whose prevote is in.
  const bits = r.round_state.height_vote_set.find((v) => v.round === round)?.prevotes_bit_array ?? "";
  const prevotes = (/\{\d+:([x_]*)\}/.exec(bits)?.[1] ?? "").replace(/_/g, "").length;
  return { height: height ?? 0, round: round ?? 0, prevotes };
}

/** Peer ids the node is connected to (net_info). */
export async function connectedPeers(url: string): Promise<string[]> {
  const r = await rpc<{ peers: { node_info: { id: string } }[] }>(url, "net_info");
  return r.peers.map((p) => p.node_info.id);
}
