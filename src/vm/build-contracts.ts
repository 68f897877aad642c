/**
 * Compiles AssemblyScript contracts with the in-process `assemblyscript/asc` API.
 *
 * `buildContracts()` compiles every `contracts/examples/<name>/index.ts` to
 * `contracts/build/<name>.wasm` (npm run build:contracts runs this file after tsc).
 * `compileContract()` compiles one entry file, optionally through an on-disk cache keyed by the
 * sources, the options and the compiler version (tests use `.tmp/`).
 *
 * Compiler options: stub runtime (bump allocator; every call gets fresh memory anyway), the
 * start function exported as `_start` instead of a wasm start section, and non-trapping
 * float-to-int disabled; the VM validator rejects any float code that remains.
 */
import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import asc from "assemblyscript/asc";
import { DccnError } from "../errors.js";

export const ASC_OPTIONS: readonly string[] = [
  "--runtime",
  "stub",
  "--exportStart",
  "_start",
  "--optimizeLevel",
  "3",
  "--shrinkLevel",
  "1",
  "--disable",
  "nontrapping-f2i",
  "--noColors",
];

export interface CompileOptions {
  /** Extra asc arguments appended to ASC_OPTIONS. */
  readonly extraArgs?: readonly string[];
  /** Reuse/store outputs here, keyed by a hash of every input. */
  readonly cacheDir?: string;
}

export interface BuiltContract {
  readonly name: string;
  readonly file: string;
  readonly size: number;
}

/** The repository root: the nearest ancestor of this file holding `contracts/sdk`. */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (exists(join(dir, "contracts", "sdk"))) return dir;
    const up = dirname(dir);
    if (up === dir) return process.cwd();
    dir = up;
  }
}

function exists(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch {
    return false;
  }
}

function listTs(dir: string): string[] {
  if (!exists(dir)) return [];
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...listTs(p));
    else if (e.name.endsWith(".ts")) out.push(p);
  }
  return out.sort();
}

function cacheKey(entry: string, args: readonly string[]): string {
  const h = createHash("sha256");
  const version = (
    JSON.parse(readFileSync(join(repoRoot(), "node_modules/assemblyscript/package.json"), "utf8")) as {
      version: string;
    }
  ).version;
  h.update(`asc ${version}\n${args.join(" ")}\n`);
  // The contract's own folder plus the SDK it imports.
  for (const f of [...listTs(dirname(entry)), ...listTs(join(repoRoot(), "contracts", "sdk"))]) {
    h.update(`${f}\n`);
    h.update(readFileSync(f));
  }
  return h.digest("hex").slice(0, 32);
}

/** Compiles one AssemblyScript entry file to wasm bytes; throws CONTRACT_BUILD_FAILED with diagnostics. */
export async function compileContract(entry: string, opts: CompileOptions = {}): Promise<Uint8Array> {
  const file = resolve(entry);
  const args = [...ASC_OPTIONS, ...(opts.extraArgs ?? [])];
  let cached: string | undefined;
  if (opts.cacheDir !== undefined) {
    const name = relative(repoRoot(), file).replace(/[^A-Za-z0-9]+/g, "_");
    cached = join(resolve(opts.cacheDir), `${name}-${cacheKey(file, args)}.wasm`);
    if (exists(cached)) return new Uint8Array(readFileSync(cached));
  }
  const outputs = new Map<string, Uint8Array>();
  const stderr: string[] = [];
  const sink = {
    write(chunk: string | Uint8Array) {
      stderr.push(typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8"));
      return true;
    },
  };
  const { error } = await asc.main([file, "--outFile", "out.wasm", ...args], {
    stdout: sink,
    stderr: sink,
    writeFile: (name, contents) => {
      outputs.set(name, typeof contents === "string" ? new TextEncoder().encode(contents) : contents);
    },
  });
  const wasm = [...outputs].find(([name]) => name.endsWith(".wasm"))?.[1];
  if (error !== null || wasm === undefined) {
    throw new DccnError(
      "CONTRACT_BUILD_FAILED",
      `compiling ${entry} failed: ${error?.message ?? "no output"}\n${stderr.join("")}`,
    );
  }
  if (cached !== undefined) {
    // Write-then-rename: parallel test workers may compile the same contract at once.
    mkdirSync(dirname(cached), { recursive: true });
    const tmp = `${cached}.${process.pid}.tmp`;
    writeFileSync(tmp, wasm);
    renameSync(tmp, cached);
  }
  return wasm;
}

/** Compiles every `contracts/examples/<name>/index.ts` into `outDir` (default contracts/build). */
export interface BuildOptions {
  /** Repository root (default: found from this file's location). */
  readonly root?: string;
  /** Output folder (default: contracts/build). */
  readonly outDir?: string;
  /** Compile cache folder (default: none, always compile). */
  readonly cacheDir?: string;
}

export async function buildContracts(opts: BuildOptions = {}): Promise<BuiltContract[]> {
  const root = opts.root ?? repoRoot();
  const examples = join(root, "contracts", "examples");
  const outDir = opts.outDir ?? join(root, "contracts", "build");
  mkdirSync(outDir, { recursive: true });
  const built: BuiltContract[] = [];
  for (const name of readdirSync(examples).sort()) {
    const entry = join(examples, name, "index.ts");
    if (!exists(entry)) continue;
    const wasm = await compileContract(entry, opts.cacheDir === undefined ? {} : { cacheDir: opts.cacheDir });
    const file = join(outDir, `${name}.wasm`);
    writeFileSync(file, wasm);
    built.push({ name, file, size: wasm.length });
  }
  return built;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  buildContracts().then(
    (built) => {
      for (const b of built) process.stdout.write(`${b.name}: ${b.file} (${b.size} bytes)\n`);
    },
    (err: unknown) => {
      process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
