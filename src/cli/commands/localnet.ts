/**
 * `dccn localnet start|stop|status|reset`: a local network of 4 validators and 1 full node as
 * background processes on 127.0.0.1 (`npm run localnet` runs `start`). The directory holds the
 * `dccn testnet` homes, one log (`<node>.log`) and one pid file (`<node>.pid`) per node, and a
 * lock so two commands never race. A node whose pid file names a live `dccn start` of its home
 * is left alone, so `start` twice starts nothing twice.
 */
import { spawn } from "node:child_process";
import { closeSync, existsSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { connect } from "node:net";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Command } from "commander";
import { InvalidArgumentError } from "commander";
import { hasErrno } from "../../config/fs.js";
import { resolveHome } from "../../config/home.js";
import { DccnError } from "../../errors.js";
import { type CliContext, positiveInt, withCommon } from "../context.js";
import { emit, type OutputFormat } from "../io.js";
import {
  DEFAULT_TESTNET_CHAIN_ID,
  generateTestnet,
  readTestnetSummary,
  TESTNET_SUMMARY_FILE,
  type TestnetNode,
  type TestnetSummary,
} from "./testnet.js";

export const DEFAULT_LOCALNET_DIR = "localnet/out";
export const LOCALNET_VALIDATORS = 4;
export const LOCALNET_FULL_NODES = 1;
const STOP_TIMEOUT_MS = 20_000;
const POLL_MS = 200;

export type LocalnetErrorCode = "LOCALNET_BUSY" | "LOCALNET_PORT_IN_USE" | "LOCALNET_START_FAILED";

export class LocalnetError extends DccnError<LocalnetErrorCode> {
  constructor(code: LocalnetErrorCode, message: string, meta: Record<string, unknown> = {}) {
    super(code, message, meta);
    this.name = "LocalnetError";
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pidFile = (dir: string, node: TestnetNode) => join(dir, `${node.name}.pid`);
const logFile = (dir: string, node: TestnetNode) => join(dir, `${node.name}.log`);
/** The node's home inside `dir` (testnet.json may have been written under another path). */
const homeIn = (dir: string, node: TestnetNode) => join(dir, node.name);

// --- processes ---------------------------------------------------------------------------------

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return hasErrno(err, "EPERM");
  }
  // A node that exited after its parent (an earlier `start`) ended waits as a zombie until reaped.
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return true;
  }
}

/** True when `pid` is a `dccn start` of `home` (a recycled pid is not); best effort off Linux. */
function isNodeProcess(pid: number, home: string): boolean {
  if (!isAlive(pid)) return false;
  try {
    const argv = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
    return argv.includes("start") && argv.includes(home);
  } catch {
    return process.platform !== "linux";
  }
}

/** The pid of the node's running process, or undefined (a stale pid file is removed). */
function runningPid(dir: string, node: TestnetNode): number | undefined {
  const file = pidFile(dir, node);
  if (!existsSync(file)) return undefined;
  const pid = Number(readFileSync(file, "utf8").trim());
  if (Number.isSafeInteger(pid) && pid > 0 && isNodeProcess(pid, homeIn(dir, node))) return pid;
  rmSync(file, { force: true });
  return undefined;
}

async function stopPid(pid: number): Promise<void> {
  try {
    process.kill(pid, "SIGTERM");
  } catch {
    return;
  }
  const deadline = performance.now() + STOP_TIMEOUT_MS;
  while (isAlive(pid) && performance.now() < deadline) await sleep(100);
  if (isAlive(pid)) process.kill(pid, "SIGKILL");
}

function portOpen(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect({ host, port });
    const done = (open: boolean) => {
      sock.destroy();
      resolve(open);
    };
    sock.setTimeout(1000, () => done(false));
    sock.once("connect", () => done(true));
    sock.once("error", () => done(false));
  });
}

async function rpcAnswers(url: string): Promise<boolean> {
  try {
    return (await fetch(`${url}/health`, { signal: AbortSignal.timeout(2000) })).ok;
  } catch {
    return false;
  }
}

async function latestHeight(url: string): Promise<string | null> {
  try {
    const res = await fetch(`${url}/status`, { signal: AbortSignal.timeout(2000) });
    const body = (await res.json()) as { result?: { sync_info?: { latest_block_height?: string } } };
    return body.result?.sync_info?.latest_block_height ?? null;
  } catch {
    return null;
  }
}

function tail(path: string, lines = 20): string {
  if (!existsSync(path)) return "(no log)";
  return readFileSync(path, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
}

/** One command at a time per directory: a second `start` must not race the first. */
async function withLock<T>(dir: string, fn: () => Promise<T>): Promise<T> {
  await mkdir(dir, { recursive: true });
  const lock = join(dir, ".lock");
  for (;;) {
    try {
      const fd = openSync(lock, "wx");
      writeFileSync(fd, `${process.pid}\n`);
      closeSync(fd);
      break;
    } catch (err) {
      if (!hasErrno(err, "EEXIST")) throw err;
      const holder = Number(readFileSync(lock, "utf8").trim());
      if (Number.isSafeInteger(holder) && holder > 0 && holder !== process.pid && isAlive(holder)) {
        throw new LocalnetError(
          "LOCALNET_BUSY",
          `another localnet command (pid ${holder}) is using ${dir}; try again when it ends`,
        );
      }
      rmSync(lock, { force: true }); // left by a command that died
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lock, { force: true });
  }
}

// --- commands ----------------------------------------------------------------------------------

export interface LocalnetNodeState {
  readonly node: TestnetNode;
  readonly pid: number | null;
  /** Started by this command (false: it was already running, or is stopped). */
  readonly started: boolean;
  readonly height?: string | null;
}

export interface StartLocalnetOptions {
  readonly dir: string;
  /** Moves the port layout when the network is generated (default 26656). */
  readonly basePort?: number;
  readonly readyTimeoutMs: number;
  /** The `dccn` entry point the nodes run. */
  readonly cliPath: string;
  readonly genesisTimeMs: number;
  readonly generateValidatorKeyFile: Parameters<typeof generateTestnet>[0]["generateValidatorKeyFile"];
}

function spawnNode(cliPath: string, dir: string, node: TestnetNode) {
  const log = openSync(logFile(dir, node), "a");
  try {
    const child = spawn(
      process.execPath,
      [cliPath, "start", "--home", homeIn(dir, node), "--role", node.role],
      {
        detached: true,
        stdio: ["ignore", log, log],
      },
    );
    if (child.pid === undefined) {
      throw new LocalnetError("LOCALNET_START_FAILED", `${node.name}: could not start ${process.execPath}`);
    }
    const exit = { code: undefined as string | undefined };
    child.once("exit", (code, signal) => {
      exit.code = signal ?? String(code);
    });
    writeFileSync(pidFile(dir, node), `${child.pid}\n`);
    return { node, child, pid: child.pid, exit };
  } finally {
    closeSync(log);
  }
}

/** Generates the network on first use, starts the nodes not yet running, waits for every RPC. */
export async function startLocalnet(
  opts: StartLocalnetOptions,
): Promise<{ summary: TestnetSummary; nodes: LocalnetNodeState[] }> {
  const dir = resolveHome(opts.dir);
  return withLock(dir, async () => {
    const summary =
      readTestnetSummary(dir) ??
      (await generateTestnet({
        outputDir: dir,
        validators: LOCALNET_VALIDATORS,
        fullNodes: LOCALNET_FULL_NODES,
        chainId: DEFAULT_TESTNET_CHAIN_ID,
        ...(opts.basePort === undefined ? {} : { basePort: opts.basePort }),
        genesisTimeMs: opts.genesisTimeMs,
        generateValidatorKeyFile: opts.generateValidatorKeyFile,
      }));
    const started: ReturnType<typeof spawnNode>[] = [];
    const states: LocalnetNodeState[] = [];
    try {
      for (const node of summary.nodes) {
        const pid = runningPid(dir, node);
        if (pid !== undefined) {
          states.push({ node, pid, started: false });
          continue;
        }
        const url = new URL(node.rpcUrl);
        if (await portOpen(url.hostname, Number(url.port))) {
          throw new LocalnetError(
            "LOCALNET_PORT_IN_USE",
            `${node.name}: port ${url.port} is taken by a program that is not this localnet's; stop it first`,
            { port: Number(url.port) },
          );
        }
        const s = spawnNode(opts.cliPath, dir, node);
        started.push(s);
        states.push({ node, pid: s.pid, started: true });
      }
      const deadline = performance.now() + opts.readyTimeoutMs;
      for (const node of summary.nodes) {
        const mine = started.find((s) => s.node === node);
        while (!(await rpcAnswers(node.rpcUrl))) {
          if (mine?.exit.code !== undefined) {
            throw new LocalnetError(
              "LOCALNET_START_FAILED",
              `${node.name} exited (${mine.exit.code}) before its RPC answered; ${logFile(dir, node)}:\n${tail(logFile(dir, node))}`,
            );
          }
          if (performance.now() > deadline) {
            throw new LocalnetError(
              "LOCALNET_START_FAILED",
              `${node.name}: no answer at ${node.rpcUrl} after ${opts.readyTimeoutMs} ms; ${logFile(dir, node)}:\n${tail(logFile(dir, node))}`,
            );
          }
          await sleep(POLL_MS);
        }
      }
    } catch (err) {
      // Leave nothing half-started behind.
      await Promise.all(started.map((s) => stopPid(s.pid)));
      for (const s of started) rmSync(pidFile(dir, s.node), { force: true });
      throw err;
    }
    for (const s of started) s.child.unref();
    return { summary, nodes: states };
  });
}

/** Stops every running node of the network in `dir` and removes the pid files. */
export async function stopLocalnet(dirOpt: string): Promise<LocalnetNodeState[]> {
  const dir = resolveHome(dirOpt);
  if (!existsSync(dir)) return [];
  return withLock(dir, async () => {
    const summary = readTestnetSummary(dir);
    if (summary === undefined) return [];
    return Promise.all(
      summary.nodes.map(async (node): Promise<LocalnetNodeState> => {
        const pid = runningPid(dir, node);
        if (pid !== undefined) await stopPid(pid);
        rmSync(pidFile(dir, node), { force: true });
        return { node, pid: pid ?? null, started: false };
      }),
    );
  });
}

export async function localnetStatus(dirOpt: string): Promise<LocalnetNodeState[]> {
  const dir = resolveHome(dirOpt);
  const summary = readTestnetSummary(dir);
  if (summary === undefined) return [];
  return Promise.all(
    summary.nodes.map(async (node) => {
      const pid = runningPid(dir, node) ?? null;
      return { node, pid, started: false, height: pid === null ? null : await latestHeight(node.rpcUrl) };
    }),
  );
}

/**
 * Deletes what a localnet put in `dir` (homes, logs, pid files, testnet.json) and `dir` itself
 * when nothing else is left; anything else in it is kept. Returns the names removed.
 */
export function removeLocalnet(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const ours = readdirSync(dir).filter(
    (name) => /^node\d+(\.log|\.pid)?$/.test(name) || name === TESTNET_SUMMARY_FILE || name === ".lock",
  );
  for (const name of ours) rmSync(join(dir, name), { recursive: true, force: true });
  if (readdirSync(dir).length === 0) rmSync(dir, { recursive: true, force: true });
  return ours;
}

// --- CLI ---------------------------------------------------------------------------------------

interface LocalnetCliOptions {
  home?: string;
  output: OutputFormat;
  basePort?: number;
}

const stateJson = (s: LocalnetNodeState) => ({
  name: s.node.name,
  role: s.node.role,
  rpc_url: s.node.rpcUrl,
  pid: s.pid,
  ...(s.height === undefined ? {} : { height: s.height }),
});

const row = (s: LocalnetNodeState, extra: string) =>
  `  ${s.node.name.padEnd(6)} ${s.node.role.padEnd(9)} ${s.node.rpcUrl.padEnd(24)} ${extra}`;

function port(value: string): number {
  const n = positiveInt(value);
  if (n > 65_535) throw new InvalidArgumentError("must be a TCP port (1-65535)");
  return n;
}

/** dist/src/cli/main.js next to this module (the nodes run the same build). */
const CLI_ENTRY = fileURLToPath(new URL("../main.js", import.meta.url));

export function registerLocalnet(program: Command, ctx: CliContext): Command {
  const io = ctx.deps.io;
  const localnet = program
    .command("localnet")
    .description(
      `${LOCALNET_VALIDATORS} validators and ${LOCALNET_FULL_NODES} full node as background processes on 127.0.0.1`,
    );
  const dirHelp = `directory of the network: homes, logs, pid files (default: ./${DEFAULT_LOCALNET_DIR})`;
  const dirOf = (opts: LocalnetCliOptions) => opts.home ?? DEFAULT_LOCALNET_DIR;

  withCommon(
    localnet
      .command("start")
      .description("generate the network on first use, start the nodes not running, wait for every RPC")
      .option("--base-port <port>", "p2p port of node 0 when the network is generated (default 26656)", port)
      .option("--ready-timeout <ms>", "how long to wait for every RPC to answer", positiveInt, 60_000),
    dirHelp,
  ).action(async (opts: LocalnetCliOptions & { readyTimeout: number }) => {
    const r = await startLocalnet({
      dir: dirOf(opts),
      ...(opts.basePort === undefined ? {} : { basePort: opts.basePort }),
      readyTimeoutMs: opts.readyTimeout,
      cliPath: CLI_ENTRY,
      genesisTimeMs: ctx.deps.now(),
      generateValidatorKeyFile: (path) => ctx.deps.generateValidatorKeyFile(path),
    });
    const dir = resolveHome(dirOf(opts));
    emit(io, opts.output, { dir, chain_id: r.summary.chainId, nodes: r.nodes.map(stateJson) }, () =>
      [
        `localnet ${r.summary.chainId} is up (homes, logs and pid files in ${dir}):`,
        ...r.nodes.map((s) =>
          row(s, s.started ? `started (pid ${s.pid})` : `already running (pid ${s.pid})`),
        ),
        "stop it with: npm run localnet:stop",
      ].join("\n"),
    );
  });

  withCommon(localnet.command("stop").description("stop every node of the network"), dirHelp).action(
    async (opts: LocalnetCliOptions) => {
      const stopped = await stopLocalnet(dirOf(opts));
      const running = stopped.filter((s) => s.pid !== null);
      emit(io, opts.output, { nodes: running.map(stateJson) }, () =>
        [...running.map((s) => row(s, `stopped (pid ${s.pid})`)), "localnet stopped"].join("\n"),
      );
    },
  );

  withCommon(localnet.command("status").description("which nodes run, at which height"), dirHelp).action(
    async (opts: LocalnetCliOptions) => {
      const states = await localnetStatus(dirOf(opts));
      emit(io, opts.output, { nodes: states.map(stateJson) }, () =>
        states.length === 0
          ? `no localnet in ${resolveHome(dirOf(opts))}; start one with: npm run localnet`
          : states
              .map((s) =>
                row(s, s.pid === null ? "stopped" : `running (pid ${s.pid}), height ${s.height ?? "?"}`),
              )
              .join("\n"),
      );
    },
  );

  withCommon(
    localnet
      .command("reset")
      .description("stop the network and delete its directory (a new chain next start)"),
    dirHelp,
  ).action(async (opts: LocalnetCliOptions) => {
    const dir = resolveHome(dirOf(opts));
    await stopLocalnet(dir);
    const removed = removeLocalnet(dir);
    emit(io, opts.output, { dir, removed }, () =>
      removed.length === 0 ? `no localnet in ${dir}` : `removed ${removed.length} entries of ${dir}`,
    );
  });
  return localnet;
}
