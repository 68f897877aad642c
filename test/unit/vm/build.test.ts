import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { isDccnError } from "../../../src/errors.js";
import { buildContracts, compileContract } from "../../../src/vm/build-contracts.js";
import { VmRuntime } from "../../../src/vm/runtime.js";
import { CACHE_DIR } from "./helpers.js";

const dir = mkdtempSync(join(tmpdir(), "dccn-vm-build-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("contract build", () => {
  it("compiles every example into <name>.wasm that the VM accepts", async () => {
    const built = await buildContracts({ outDir: join(dir, "out"), cacheDir: CACHE_DIR });
    expect(built.map((b) => b.name)).toEqual(["counter", "sla-escrow", "token"]);
    const vm = new VmRuntime();
    for (const b of built) {
      const bytes = new Uint8Array(readFileSync(b.file));
      expect(bytes.length).toBe(b.size);
      expect(vm.prepareCode(bytes).hasInit).toBe(true);
    }
  });

  it("reports compile errors with the compiler's diagnostics", async () => {
    const entry = join(dir, "broken", "index.ts");
    rmSync(join(dir, "broken"), { recursive: true, force: true });
    await import("node:fs").then((fs) => fs.mkdirSync(join(dir, "broken")));
    writeFileSync(entry, 'export function run(): void { const x: i32 = "not a number"; }\n');
    let err: unknown;
    try {
      await compileContract(entry);
    } catch (e) {
      err = e;
    }
    expect(isDccnError(err, "CONTRACT_BUILD_FAILED")).toBe(true);
    expect((err as Error).message).toMatch(/not assignable|TS2322/);
  });
});
