/** `dccn keys … --keyring-backend file`: password sources, policy errors, backups between keyrings. */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { dccn } from "./run.js";

const SEED = "0404040404040404040404040404040404040404040404040404040404040404";
const PASSWORD = "Keyring-Pass#1";

let home: string;
let pwFile: string;
beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), "dccn-clikeys-"));
  pwFile = join(home, "pw.txt");
  writeFileSync(pwFile, `${PASSWORD}\n`);
});
afterEach(() => rmSync(home, { recursive: true, force: true }));

const fileKeys = (...args: string[]) => ["keys", ...args, "--keyring-backend", "file", "--home", home];

function expectOneLineError(r: { code: number; stdout: string; stderr: string }, code: string): void {
  expect(r.code).toBe(1);
  expect(r.stdout).toBe("");
  expect(r.stderr).toMatch(/^[^\n]+\n$/);
  expect(r.stderr).toContain(`[${code}]`);
}

describe("file keyring from the command line", () => {
  it("stores an imported key encrypted; lists without a password; unlocks with the password file", async () => {
    const added = await dccn([...fileKeys("import", "alice", SEED), "--password-file", pwFile, "-o", "json"]);
    expect(added.code).toBe(0);
    const info = added.json<{ address: string }>();
    const stored = readFileSync(join(home, "keyring-file", "alice.json"), "utf8");
    expect(stored).not.toContain(SEED);
    expect(existsSync(join(home, "keyring-test"))).toBe(false);

    expect((await dccn([...fileKeys("list"), "-o", "json"])).json()).toEqual([
      { name: "alice", address: info.address, pubkey: expect.any(String) },
    ]);
    const exported = await dccn([...fileKeys("export", "alice"), "--password-file", pwFile, "-o", "json"]);
    expect(exported.json()).toEqual({ name: "alice", address: info.address, seed: SEED });

    writeFileSync(pwFile, "Wrong-Pass#2\n");
    const wrong = await dccn([...fileKeys("export", "alice"), "--password-file", pwFile]);
    expectOneLineError(wrong, "KEY_PASSWORD_WRONG");
  });

  it("refuses a weak password and stores nothing", async () => {
    writeFileSync(pwFile, "password\n");
    const r = await dccn([...fileKeys("add", "alice"), "--password-file", pwFile]);
    expectOneLineError(r, "KEY_PASSWORD_WEAK");
    expect(r.stderr).toContain("an upper-case letter");
    expect((await dccn([...fileKeys("list"), "-o", "json"])).json()).toEqual([]);
  });

  it("says where a password can come from when there is none, and reads DCCN_KEYRING_PASSWORD", async () => {
    const none = await dccn(fileKeys("add", "alice"), { env: {} });
    expectOneLineError(none, "KEY_PASSWORD_REQUIRED");
    expect(none.stderr).toContain("--password-file");
    expect(none.stderr).toContain("DCCN_KEYRING_PASSWORD");
    const fromEnv = await dccn(fileKeys("import", "alice", SEED), {
      env: { DCCN_KEYRING_PASSWORD: PASSWORD },
    });
    expect(fromEnv.code).toBe(0);
    expect(fromEnv.stdout).toContain("name: alice");
    const missingFile = await dccn([...fileKeys("export", "alice"), "--password-file", join(home, "nope")]);
    expectOneLineError(missingFile, "PASSWORD_FILE_UNREADABLE");
  });

  it("asks on the terminal: a new password twice, an unlock once", async () => {
    const questions: string[] = [];
    const answers = [PASSWORD, "Different#9x"];
    const prompt = async (q: string) => {
      questions.push(q);
      return answers.shift() ?? PASSWORD;
    };
    const mismatch = await dccn(fileKeys("add", "alice"), { env: {}, promptPassword: prompt });
    expectOneLineError(mismatch, "PASSWORD_MISMATCH");
    expect(questions).toEqual([
      expect.stringMatching(/^New password for key "alice" \(8-32 characters/),
      "Repeat the password: ",
    ]);
    questions.length = 0;
    expect((await dccn(fileKeys("import", "alice", SEED), { env: {}, promptPassword: prompt })).code).toBe(0);
    expect(questions).toHaveLength(2);
    questions.length = 0;
    const seed = await dccn(fileKeys("export", "alice"), { env: {}, promptPassword: prompt });
    expect(seed.stdout).toBe(`${SEED}\n`);
    expect(questions).toEqual(['Password for key "alice": ']);
  });
});

describe("backups between keyrings", () => {
  it("moves a key from the file keyring to the test keyring as words and as an armored export", async () => {
    await dccn([...fileKeys("import", "alice", SEED), "--password-file", pwFile]);
    const address = (await dccn([...fileKeys("show", "alice", "-a")])).stdout.trim();

    const words = await dccn([
      ...fileKeys("export", "alice", "--format", "mnemonic"),
      "--password-file",
      pwFile,
    ]);
    expect(words.stdout.trim().split(" ")).toHaveLength(24);
    const fromWords = await dccn(["keys", "import", "w", "--home", home, "-o", "json"], {}, words.stdout);
    expect(fromWords.json()).toMatchObject({ address });

    const exportPw = join(home, "export-pw.txt");
    writeFileSync(exportPw, "Export-Pass#3\n");
    const armored = await dccn([
      ...fileKeys("export", "alice", "--format", "armor", "--export-password-file", exportPw),
      "--password-file",
      pwFile,
    ]);
    expect(armored.stdout).toMatch(/^-----BEGIN DCCN PRIVATE KEY-----\n/);
    const imported = await dccn(
      [
        "keys",
        "import",
        "a2",
        "--export-password-file",
        exportPw,
        "--home",
        join(home, "other"),
        "-o",
        "json",
      ],
      {},
      armored.stdout,
    );
    expect(imported.stderr).toBe("");
    expect(imported.json()).toMatchObject({ name: "a2", address });

    writeFileSync(exportPw, "Export-Pass#4\n");
    const wrong = await dccn(
      ["keys", "import", "a3", "--export-password-file", exportPw, "--home", home],
      {},
      armored.stdout,
    );
    expectOneLineError(wrong, "KEY_PASSWORD_WRONG");
    const bad = await dccn(["keys", "import", "a4", "--home", home], {}, "one two three\n");
    expectOneLineError(bad, "KEY_MNEMONIC_INVALID");
  });
});
