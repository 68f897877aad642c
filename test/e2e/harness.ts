/**
 * End-to-end harness: real `dccn` processes (the compiled CLI in dist/) on temp homes, talking
 * over loopback. `npm test` compiles before running vitest, so dist/ is current.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { createWriteStream, existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

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
    await this.waitForRpc();
  }

  private async waitForRpc(): Promise<void> {
    for (let i = 0; i < 200; i++) {
      try {
        const r = await fetch(`${this.rpcUrl}/health`);
        if (r.ok) return;
      } catch {
        // not yet listening
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error("RPC did not answer");
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
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
  });
  const body = (await res.json()) as { result?: T; error?: { code: number; message: string; data?: string } };
  if (body.error) throw new Error(`${method}: ${body.error.message} ${body.error.data ?? ""}`);
  return body.result as T;
}
