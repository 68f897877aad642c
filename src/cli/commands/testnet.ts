/**
 * `dccn testnet`: the homes of a local multi-node network in one directory — one shared genesis
 * holding every validator and one funded key per node, node keys, and configs that point every
 * node at all the others, on the fixed port layout (node i: p2p base+10·i, RPC base+1+10·i,
 * metrics base+4+10·i; base 26656). Everything is built in a staging directory and moved into
 * place at the end, so a failure leaves the output directory as it was.
 */

import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import type { Command } from "commander";
import { InvalidArgumentError } from "commander";
import { toHexUpper, zeroize } from "../../codec/bytes.js";
import { buildConfig, configPaths, rpcUrlFromLaddr, serializeConfig } from "../../config/config.js";
import { hasErrno, writeFileAtomic } from "../../config/fs.js";
import { resolveHome } from "../../config/home.js";
import { loadNodeKey } from "../../config/node-key.js";
import type { ConfigOverrides } from "../../config/types.js";
import { parseAddress } from "../../crypto/address.js";
import { DccnError } from "../../errors.js";
import type { GenesisAccount } from "../../genesis/app-state.js";
import type { GenesisValidatorEntry } from "../../genesis/types.js";
import { type CliContext, nonNegativeInt, positiveInt, withCommon } from "../context.js";
import type { NodeRole, ValidatorKeyInfo } from "../deps.js";
import { usageError } from "../errors.js";
import {
  DEFAULT_FUND_AMOUNT,
  DEFAULT_VALIDATOR_POWER,
  genesisJsonFor,
  type InitHomeResult,
  initHome,
} from "../init-home.js";
import { emit, type OutputFormat } from "../io.js";

export const LOCALNET_BASE_PORT = 26656;
/** Ports of node i start at base + PORT_STRIDE·i. */
export const PORT_STRIDE = 10;
export const DEFAULT_TESTNET_CHAIN_ID = "dccn-localnet";
export const DEFAULT_TESTNET_DIR = "./mytestnet";
/** Written next to the homes; `localnet/run.mjs` and tests read it. */
export const TESTNET_SUMMARY_FILE = "testnet.json";
/** Enough for any local network; keeps a typo like `--validators 4000` from filling the disk. */
export const MAX_TESTNET_NODES = 100;
/** Funded keyring key of a validator home / a full-node home. */
export const TESTNET_KEY_NAMES: { readonly [R in NodeRole]: string } = {
  validator: "validator",
  full: "full",
};

export type TestnetErrorCode = "TESTNET_OUTPUT_EXISTS" | "TESTNET_INVALID";

export class TestnetError extends DccnError<TestnetErrorCode> {
  constructor(code: TestnetErrorCode, message: string, meta: Record<string, unknown> = {}) {
    super(code, message, meta);
    this.name = "TestnetError";
  }
}

export interface NodePorts {
  readonly p2p: number;
  readonly rpc: number;
  readonly metrics: number;
}

/** The fixed local-network port layout (DESIGN.md). */
export function nodePorts(index: number, basePort = LOCALNET_BASE_PORT): NodePorts {
  const p2p = basePort + PORT_STRIDE * index;
  return { p2p, rpc: p2p + 1, metrics: p2p + 4 };
}

const IPV4_RE = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** `ip` + `offset` as dotted IPv4, or undefined when it runs past 255.255.255.255. */
function ipv4Plus(ip: string, offset: number): string | undefined {
  const n = ip.split(".").reduce((acc, part) => acc * 256 + Number(part), 0) + offset;
  if (n > 0xffff_ffff) return undefined;
  return [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join(".");
}

export interface TestnetOptions {
  /** Directory the homes `node0`, `node1`, … and `testnet.json` are written to. */
  readonly outputDir: string;
  readonly validators: number;
  readonly fullNodes: number;
  readonly chainId: string;
  /** p2p port of node 0; default 26656. */
  readonly basePort?: number;
  /**
   * Absent: every node on 127.0.0.1. Present: node i has address startingIp + i (one host or
   * container per node, e.g. docker-compose); p2p listens there, RPC and metrics on 0.0.0.0.
   */
  readonly startingIp?: string;
  readonly validatorPower?: number;
  readonly fundAmount?: bigint;
  /** Replace the `node<i>` homes and testnet.json of an earlier run in the output directory. */
  readonly force?: boolean;
  readonly genesisTimeMs: number;
  readonly generateValidatorKeyFile: (path: string) => Promise<ValidatorKeyInfo>;
}

export interface TestnetNode {
  /** `node<i>`: the home's directory name and the moniker. */
  readonly name: string;
  readonly index: number;
  readonly role: NodeRole;
  readonly home: string;
  /** CometBFT-style node id (hex of the node key's address). */
  readonly nodeId: string;
  /** libp2p peer id derived from the same node key. */
  readonly peerId: string;
  readonly rpcUrl: string;
  /** Dialable p2p multiaddr, /p2p/<peer id> included. */
  readonly p2pAddr: string;
  readonly metricsAddr: string;
  /** Upper-case hex consensus address; null for a full node. */
  readonly validatorAddress: string | null;
  readonly key: { readonly name: string; readonly address: string };
}

export interface TestnetSummary {
  readonly chainId: string;
  readonly outputDir: string;
  readonly basePort: number;
  readonly nodes: readonly TestnetNode[];
}

interface NodePlan {
  readonly name: string;
  readonly index: number;
  readonly role: NodeRole;
  readonly ip: string;
  readonly ports: NodePorts;
  readonly overrides: ConfigOverrides;
}

function planNodes(opts: TestnetOptions): NodePlan[] {
  const total = opts.validators + opts.fullNodes;
  const basePort = opts.basePort ?? LOCALNET_BASE_PORT;
  if (!Number.isSafeInteger(opts.validators) || opts.validators < 1) {
    throw new TestnetError("TESTNET_INVALID", "a testnet needs at least one validator");
  }
  if (!Number.isSafeInteger(opts.fullNodes) || opts.fullNodes < 0) {
    throw new TestnetError("TESTNET_INVALID", "the number of full nodes must be a non-negative integer");
  }
  if (total > MAX_TESTNET_NODES) {
    throw new TestnetError("TESTNET_INVALID", `at most ${MAX_TESTNET_NODES} nodes, asked for ${total}`);
  }
  const last = nodePorts(total - 1, basePort);
  if (!Number.isSafeInteger(basePort) || basePort < 1 || last.metrics > 65_535) {
    throw new TestnetError(
      "TESTNET_INVALID",
      `ports ${basePort}..${last.metrics} do not fit below 65536; choose a lower --base-port`,
      { basePort },
    );
  }
  const startingIp = opts.startingIp;
  if (startingIp !== undefined && !IPV4_RE.test(startingIp)) {
    throw new TestnetError("TESTNET_INVALID", `--starting-ip ${startingIp} is not an IPv4 address`);
  }
  // Nodes on 127.0.0.1 share this machine's cores: signature worker threads beyond a node's
  // share of them only add thread switches.
  const sharedHostWorkers =
    startingIp === undefined ? Math.max(0, Math.floor(availableParallelism() / total) - 1) : undefined;
  return Array.from({ length: total }, (_, index) => {
    const ip = startingIp === undefined ? "127.0.0.1" : ipv4Plus(startingIp, index);
    if (ip === undefined) {
      throw new TestnetError(
        "TESTNET_INVALID",
        `--starting-ip ${startingIp} + ${index} is past 255.255.255.255`,
      );
    }
    const serveIp = startingIp === undefined ? "127.0.0.1" : "0.0.0.0";
    const ports = nodePorts(index, basePort);
    const name = `node${index}`;
    return {
      name,
      index,
      role: index < opts.validators ? "validator" : "full",
      ip,
      ports,
      overrides: {
        moniker: name,
        rpc: { laddr: `tcp://${serveIp}:${ports.rpc}` },
        p2p: { laddr: `/ip4/${ip}/tcp/${ports.p2p}` },
        instrumentation: { prometheus: true, prometheusListenAddr: `${serveIp}:${ports.metrics}` },
        ...(sharedHostWorkers === undefined ? {} : { app: { signatureWorkers: sharedHostWorkers } }),
      },
    };
  });
}

const NODE_DIR_RE = /^node\d+$/;

/** Entries of an earlier testnet in `dir` (node homes and the summary file). */
function previousTestnet(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((name) => NODE_DIR_RE.test(name) || name === TESTNET_SUMMARY_FILE);
}

async function peerIdOf(nodeKeyFile: string): Promise<string> {
  // libp2p is loaded only here, so other commands do not pay for it.
  const { peerIdFromSeed } = await import("../../p2p/identity.js");
  const key = loadNodeKey(nodeKeyFile);
  try {
    return peerIdFromSeed(key.seed);
  } finally {
    zeroize(key.seed);
  }
}

/** Writes a complete testnet into `opts.outputDir` and returns what was written. */
export async function generateTestnet(opts: TestnetOptions): Promise<TestnetSummary> {
  const plans = planNodes(opts);
  const outputDir = resolveHome(opts.outputDir);
  const basePort = opts.basePort ?? LOCALNET_BASE_PORT;
  const previous = previousTestnet(outputDir);
  if (previous.length > 0 && opts.force !== true) {
    throw new TestnetError(
      "TESTNET_OUTPUT_EXISTS",
      `${outputDir} already holds a testnet (${previous.slice(0, 3).join(", ")}); pass --force to replace it`,
      { outputDir },
    );
  }
  mkdirSync(outputDir, { recursive: true });
  const stage = mkdtempSync(join(outputDir, ".testnet-"));
  try {
    const homes: InitHomeResult[] = [];
    for (const plan of plans) {
      homes.push(
        await initHome({
          home: join(stage, plan.name),
          chainId: opts.chainId,
          moniker: plan.name,
          keyName: TESTNET_KEY_NAMES[plan.role],
          ...(opts.fundAmount === undefined ? {} : { fundAmount: opts.fundAmount }),
          genesisTimeMs: opts.genesisTimeMs,
          configOverrides: plan.overrides,
          generateValidatorKeyFile: opts.generateValidatorKeyFile,
        }),
      );
    }

    const nodes: TestnetNode[] = [];
    const validators: GenesisValidatorEntry[] = [];
    const accounts: GenesisAccount[] = [];
    for (const [i, plan] of plans.entries()) {
      const r = homes[i]!;
      const key = r.key!; // initHome funds a key unless told not to
      const peerId = await peerIdOf(configPaths(r.config).nodeKeyFile);
      if (plan.role === "validator") {
        validators.push({
          address: r.validator.address,
          pubKey: r.validator.pubKey,
          power: opts.validatorPower ?? DEFAULT_VALIDATOR_POWER,
          name: plan.name,
        });
      }
      accounts.push({ address: parseAddress(key.address), balance: opts.fundAmount ?? DEFAULT_FUND_AMOUNT });
      nodes.push({
        name: plan.name,
        index: plan.index,
        role: plan.role,
        home: join(outputDir, plan.name),
        nodeId: r.nodeId,
        peerId,
        rpcUrl: rpcUrlFromLaddr(`tcp://${plan.ip}:${plan.ports.rpc}`),
        p2pAddr: `/ip4/${plan.ip}/tcp/${plan.ports.p2p}/p2p/${peerId}`,
        metricsAddr: `${plan.ip}:${plan.ports.metrics}`,
        validatorAddress: plan.role === "validator" ? toHexUpper(r.validator.address) : null,
        key: { name: key.name, address: key.address },
      });
    }

    const genesis = genesisJsonFor({
      chainId: opts.chainId,
      genesisTimeMs: opts.genesisTimeMs,
      validators,
      accounts,
    });
    for (const [i, plan] of plans.entries()) {
      const r = homes[i]!;
      const peers = nodes.filter((n) => n.index !== plan.index).map((n) => n.p2pAddr);
      const cfg = buildConfig(r.config.home, {
        ...plan.overrides,
        p2p: { ...plan.overrides.p2p, persistentPeers: peers, bootstrapPeers: peers },
      });
      const paths = configPaths(cfg);
      writeFileAtomic(paths.configFile, serializeConfig(cfg));
      writeFileAtomic(paths.genesisFile, genesis);
    }
    const summary: TestnetSummary = { chainId: opts.chainId, outputDir, basePort, nodes };
    writeFileAtomic(
      join(stage, TESTNET_SUMMARY_FILE),
      `${JSON.stringify(testnetSummaryJson(summary), null, 2)}\n`,
    );

    // Commit: only removals of the earlier testnet and renames from here on.
    for (const name of previous) rmSync(join(outputDir, name), { recursive: true, force: true });
    for (const plan of plans) renameSync(join(stage, plan.name), join(outputDir, plan.name));
    renameSync(join(stage, TESTNET_SUMMARY_FILE), join(outputDir, TESTNET_SUMMARY_FILE));
    return summary;
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

/** The `--output json` value and the content of testnet.json. */
export function testnetSummaryJson(s: TestnetSummary) {
  return {
    chain_id: s.chainId,
    output_dir: s.outputDir,
    base_port: s.basePort,
    nodes: s.nodes.map((n) => ({
      name: n.name,
      role: n.role,
      home: n.home,
      node_id: n.nodeId,
      peer_id: n.peerId,
      rpc_url: n.rpcUrl,
      p2p_addr: n.p2pAddr,
      metrics_addr: n.metricsAddr,
      validator_address: n.validatorAddress,
      key: n.key,
    })),
  };
}

type SummaryJson = ReturnType<typeof testnetSummaryJson>;

/** Reads `<dir>/testnet.json`; undefined when there is none. */
export function readTestnetSummary(dir: string): TestnetSummary | undefined {
  const file = join(dir, TESTNET_SUMMARY_FILE);
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    if (hasErrno(err, "ENOENT")) return undefined;
    throw err;
  }
  const corrupt = (why: string) =>
    new TestnetError("TESTNET_INVALID", `${file} is not a dccn testnet summary (${why}); regenerate it`, {
      file,
    });
  let doc: SummaryJson;
  try {
    doc = JSON.parse(text) as SummaryJson;
  } catch {
    throw corrupt("not JSON");
  }
  if (typeof doc?.chain_id !== "string" || !Array.isArray(doc.nodes)) throw corrupt("no chain_id or nodes");
  const nodes = doc.nodes.map((n, index): TestnetNode => {
    const str = (v: unknown) => typeof v === "string";
    if (
      typeof n !== "object" ||
      n === null ||
      !NODE_DIR_RE.test(String(n.name)) ||
      (n.role !== "validator" && n.role !== "full") ||
      ![n.home, n.node_id, n.peer_id, n.rpc_url, n.p2p_addr, n.metrics_addr].every(str) ||
      !(n.validator_address === null || str(n.validator_address)) ||
      !str(n.key?.name) ||
      !str(n.key?.address)
    ) {
      throw corrupt(`node ${index} is incomplete`);
    }
    return {
      name: n.name,
      index,
      role: n.role,
      home: n.home,
      nodeId: n.node_id,
      peerId: n.peer_id,
      rpcUrl: n.rpc_url,
      p2pAddr: n.p2p_addr,
      metricsAddr: n.metrics_addr,
      validatorAddress: n.validator_address,
      key: { name: n.key.name, address: n.key.address },
    };
  });
  return { chainId: doc.chain_id, outputDir: doc.output_dir, basePort: doc.base_port, nodes };
}

interface TestnetCliOptions {
  home?: string;
  output: OutputFormat;
  outputDir?: string;
  validators: number;
  fullNodes: number;
  chainId: string;
  basePort: number;
  startingIp?: string;
  power: number;
  force?: boolean;
}

function port(value: string): number {
  const n = positiveInt(value);
  if (n > 65_535) throw new InvalidArgumentError("must be a TCP port (1-65535)");
  return n;
}

export function registerTestnet(program: Command, ctx: CliContext): void {
  withCommon(
    program
      .command("testnet")
      .description(
        "generate the homes of a local network: shared genesis, keys, peer lists, fixed ports " +
          `(node i: p2p ${LOCALNET_BASE_PORT}+10i, RPC ${LOCALNET_BASE_PORT + 1}+10i, metrics ${LOCALNET_BASE_PORT + 4}+10i)`,
      )
      .option("--validators <n>", "number of validators", positiveInt, 4)
      .option("--full-nodes <n>", "number of full nodes (numbered after the validators)", nonNegativeInt, 0)
      .option("--output-dir <dir>", `where node0, node1, … are written (default: ${DEFAULT_TESTNET_DIR})`)
      .option("--chain-id <id>", "chain id", DEFAULT_TESTNET_CHAIN_ID)
      .option(
        "--base-port <port>",
        "p2p port of node 0; node i uses base+10i, base+1+10i, base+4+10i",
        port,
        LOCALNET_BASE_PORT,
      )
      .option(
        "--starting-ip <ipv4>",
        "give node i the address <ipv4>+i (one container per node); default: all on 127.0.0.1",
      )
      .option("--power <n>", "voting power of each validator", positiveInt, DEFAULT_VALIDATOR_POWER)
      .option("--force", "replace the node homes of an earlier testnet in the output directory"),
    "same as --output-dir",
  ).action(async (opts: TestnetCliOptions) => {
    if (
      opts.home !== undefined &&
      opts.outputDir !== undefined &&
      resolveHome(opts.home) !== resolveHome(opts.outputDir)
    ) {
      throw usageError("--home and --output-dir name different directories; give one of them");
    }
    const summary = await generateTestnet({
      outputDir: opts.outputDir ?? opts.home ?? DEFAULT_TESTNET_DIR,
      validators: opts.validators,
      fullNodes: opts.fullNodes,
      chainId: opts.chainId,
      basePort: opts.basePort,
      ...(opts.startingIp === undefined ? {} : { startingIp: opts.startingIp }),
      validatorPower: opts.power,
      force: opts.force === true,
      genesisTimeMs: ctx.deps.now(),
      generateValidatorKeyFile: (path) => ctx.deps.generateValidatorKeyFile(path),
    });
    emit(ctx.deps.io, opts.output, testnetSummaryJson(summary), () =>
      [
        `generated ${summary.nodes.length} nodes for chain ${summary.chainId} in ${summary.outputDir}`,
        ...summary.nodes.map(
          (n) => `  ${n.name.padEnd(7)} ${n.role.padEnd(9)} rpc ${n.rpcUrl.padEnd(24)} p2p ${n.p2pAddr}`,
        ),
        `start one with: dccn start --home ${summary.nodes[0]?.home ?? ""} --role validator`,
      ].join("\n"),
    );
  });
}
