import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { fromBase64, toBase64, utf8 } from "../../../src/codec/bytes.js";
import { addressFromPublicKey, toBech32 } from "../../../src/crypto/address.js";
import { PrivateKey, verifySignature } from "../../../src/crypto/ed25519.js";
import {
  type Keyring,
  KeyringError,
  openKeyring,
  type PasswordRequest,
  type ScryptParams,
} from "../../../src/keyring/index.js";

/** A cheap KDF cost so tests stay fast; files record it, so reading needs no option. */
const FAST: ScryptParams = { log2n: 10, r: 8, p: 1 };
const PASSWORD = "Corr3ct-Horse!";
const SEED = "0303030303030303030303030303030303030303030303030303030303030303";
const seedAddress = toBech32(addressFromPublicKey(PrivateKey.fromSeed(Buffer.from(SEED, "hex")).publicKey));

let home: string;
let asked: PasswordRequest[];
let password: string;
let clock: number;
let keyring: Keyring;

function open(dir = home): Keyring {
  return openKeyring(dir, "file", {
    scrypt: FAST,
    now: () => clock,
    password: async (req) => {
      asked.push(req);
      return password;
    },
  });
}

beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), "dccn-filekeyring-"));
  asked = [];
  password = PASSWORD;
  clock = 1_000_000;
  keyring = open();
});
afterEach(() => rmSync(home, { recursive: true, force: true }));

async function keyringError(p: Promise<unknown>): Promise<KeyringError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(KeyringError);
    return err as KeyringError;
  }
  throw new Error("expected a KeyringError");
}

const keyFile = (name: string) => join(home, "keyring-file", `${name}.json`);
interface SealedJson {
  kdfparams: { log2n: number; salt: string };
  ciphertext: string;
  iv: string;
  [field: string]: unknown;
}
interface KeyDocJson {
  address: string;
  pubkey: string;
  crypto: SealedJson;
  [field: string]: unknown;
}
const readDoc = (name: string) => JSON.parse(readFileSync(keyFile(name), "utf8")) as KeyDocJson;
const writeDoc = (name: string, doc: unknown) => writeFileSync(keyFile(name), JSON.stringify(doc));

describe("file keyring: encryption at rest", () => {
  it("stores the seed encrypted, with its KDF parameters, and signs after unlocking", async () => {
    const info = await keyring.import("alice", SEED);
    expect(info.address).toBe(seedAddress);
    expect(asked).toEqual([{ purpose: "new", keyName: "alice", subject: "keyring" }]);
    expect(statSync(keyFile("alice")).mode & 0o777).toBe(0o600);

    const text = readFileSync(keyFile("alice"), "utf8");
    expect(text).not.toContain(SEED);
    expect(text).not.toContain(toBase64(Buffer.from(SEED, "hex")));
    const doc = readDoc("alice");
    expect(doc).toMatchObject({
      format: "dccn-keyring-file",
      version: 1,
      name: "alice",
      address: seedAddress,
    });
    expect(doc.crypto).toMatchObject({ kdf: "scrypt", cipher: "aes-256-gcm", kdfparams: FAST });
    expect(fromBase64(doc.crypto.kdfparams.salt)).toHaveLength(32);
    expect(fromBase64(doc.crypto.iv)).toHaveLength(12);

    // Listing needs no password; signing does.
    asked = [];
    expect(await keyring.list()).toEqual([info]);
    expect(asked).toEqual([]);
    const signer = await keyring.getSigner("alice");
    expect(asked).toEqual([{ purpose: "unlock", keyName: "alice", subject: "keyring" }]);
    const msg = utf8("pay 5 ANKR");
    expect(verifySignature(fromBase64(info.pubkey), msg, signer.sign(msg))).toBe(true);
    expect(await keyring.exportSeed("alice")).toBe(SEED);
  });

  it("reads files written with other KDF costs (the parameters travel with the file)", async () => {
    await keyring.import("alice", SEED);
    const other = openKeyring(home, "file", { password: async () => PASSWORD });
    expect(await other.exportSeed("alice")).toBe(SEED);
  });

  it("salts every file: the same seed and password never give the same ciphertext", async () => {
    await keyring.import("a", SEED);
    const first = readDoc("a").crypto;
    await keyring.delete("a");
    await keyring.import("a", SEED);
    const second = readDoc("a").crypto;
    expect(second.kdfparams.salt).not.toBe(first.kdfparams.salt);
    expect(second.ciphertext).not.toBe(first.ciphertext);
  });

  it("refuses a wrong password with KEY_PASSWORD_WRONG and leaves the key usable", async () => {
    await keyring.import("alice", SEED);
    password = "Wrong-Pass1!";
    const err = await keyringError(keyring.getSigner("alice"));
    expect(err.code).toBe("KEY_PASSWORD_WRONG");
    expect(err.message).toContain('"alice"');
    password = PASSWORD;
    expect(await keyring.exportSeed("alice")).toBe(SEED);
  });

  it.each([
    ["short", "Ab!1234"],
    ["too long", `Ab!${"x".repeat(30)}`],
    ["no upper-case", "lower-case-only!"],
    ["no lower-case", "UPPER-CASE-ONLY!"],
    ["no special", "NoSpecialChars123"],
  ])("refuses a weak password (%s) and writes nothing", async (_why, weak) => {
    password = weak;
    const err = await keyringError(keyring.add("alice"));
    expect(err.code).toBe("KEY_PASSWORD_WEAK");
    expect(err.message).toMatch(/too weak: it needs/);
    expect(await keyring.list()).toEqual([]);
  });

  it("fails with KEY_PASSWORD_REQUIRED when no password source is configured", async () => {
    const bare = openKeyring(home, "file", { scrypt: FAST });
    expect((await keyringError(bare.add("alice"))).code).toBe("KEY_PASSWORD_REQUIRED");
    await keyring.import("alice", SEED);
    expect((await keyringError(bare.getSigner("alice"))).code).toBe("KEY_PASSWORD_REQUIRED");
    expect((await bare.show("alice")).address).toBe(seedAddress);
  });

  it("asks for the password before deleting an encrypted key", async () => {
    await keyring.import("alice", SEED);
    password = "Wrong-Pass1!";
    expect((await keyringError(keyring.delete("alice"))).code).toBe("KEY_PASSWORD_WRONG");
    expect((await keyring.list()).map((k) => k.name)).toEqual(["alice"]);
    password = PASSWORD;
    expect((await keyring.delete("alice")).address).toBe(seedAddress);
    expect(await keyring.list()).toEqual([]);
  });
});

describe("file keyring: tampering", () => {
  beforeEach(async () => {
    await keyring.import("alice", SEED);
  });

  const flipByte = (b64: string): string => {
    const bytes = fromBase64(b64);
    bytes[0] = (bytes[0] ?? 0) ^ 1;
    return toBase64(bytes);
  };

  it.each(["ciphertext", "iv", "tag"])("detects a modified %s as KEY_FILE_CORRUPT", async (field) => {
    const doc = readDoc("alice");
    doc.crypto[field] = flipByte(doc.crypto[field] as string);
    writeDoc("alice", doc);
    const err = await keyringError(keyring.getSigner("alice"));
    expect(err.code).toBe("KEY_FILE_CORRUPT");
    expect(err.message).toMatch(/damaged or was modified/);
  });

  it("detects a swapped address and public key (bound to the ciphertext)", async () => {
    const other = PrivateKey.fromSeed(new Uint8Array(32).fill(9)).publicKey;
    const doc = readDoc("alice");
    doc.pubkey = toBase64(other);
    doc.address = toBech32(addressFromPublicKey(other));
    writeDoc("alice", doc);
    expect((await keyringError(keyring.getSigner("alice"))).code).toBe("KEY_FILE_CORRUPT");
  });

  it("detects an address that is not the public key's, without a password", async () => {
    const doc = readDoc("alice");
    doc.address = toBech32(new Uint8Array(20));
    writeDoc("alice", doc);
    expect((await keyringError(keyring.show("alice"))).code).toBe("KEY_FILE_CORRUPT");
  });

  it("refuses KDF parameters beyond its limits instead of exhausting memory", async () => {
    const doc = readDoc("alice");
    doc.crypto.kdfparams.log2n = 30;
    writeDoc("alice", doc);
    const err = await keyringError(keyring.getSigner("alice"));
    expect(err.code).toBe("KEY_FILE_CORRUPT");
    expect(err.message).toContain("log2n");
    expect(asked.filter((r) => r.purpose === "unlock")).toEqual([]);
  });

  it("reports a file that is not JSON", async () => {
    writeFileSync(keyFile("alice"), "{not json");
    expect((await keyringError(keyring.show("alice"))).code).toBe("KEY_FILE_CORRUPT");
  });
});

describe("file keyring: lockout", () => {
  beforeEach(async () => {
    await keyring.import("alice", SEED);
    password = "Wrong-Pass1!";
  });

  it("locks a key for 60 s after 5 wrong passwords, then lets the right one in and resets", async () => {
    for (let i = 1; i <= 4; i++) {
      expect((await keyringError(keyring.getSigner("alice"))).code).toBe("KEY_PASSWORD_WRONG");
    }
    const fifth = await keyringError(keyring.getSigner("alice"));
    expect(fifth.code).toBe("KEY_PASSWORD_WRONG");
    expect(fifth.message).toContain("locked for 60 s");

    password = PASSWORD;
    asked = [];
    const locked = await keyringError(keyring.getSigner("alice"));
    expect(locked.code).toBe("KEY_LOCKED");
    expect(asked).toEqual([]); // not even asked while locked
    // Other keys are not affected; a fresh keyring object sees the same lock (state on disk).
    await keyring.add("bob");
    expect((await keyringError(open().getSigner("alice"))).code).toBe("KEY_LOCKED");

    clock += 60_000;
    expect(await keyring.exportSeed("alice")).toBe(SEED);
    // The count was reset: four more wrong passwords do not lock.
    password = "Wrong-Pass1!";
    for (let i = 1; i <= 4; i++) await keyringError(keyring.getSigner("alice"));
    password = PASSWORD;
    expect(await keyring.exportSeed("alice")).toBe(SEED);
  });

  it("locks for an hour from 15 consecutive failures", async () => {
    for (let i = 1; i <= 15; i++) {
      await keyringError(keyring.getSigner("alice"));
      clock += 60_000; // wait out each short lock
    }
    password = PASSWORD;
    clock += 30 * 60_000 - 60_000;
    expect((await keyringError(keyring.getSigner("alice"))).code).toBe("KEY_LOCKED");
    clock += 30 * 60_000;
    expect(await keyring.exportSeed("alice")).toBe(SEED);
  });
});

describe("backups: mnemonic and armored export", () => {
  it("round-trips a key through its 24-word backup into another keyring", async () => {
    await keyring.import("alice", SEED);
    const words = await keyring.exportMnemonic("alice");
    expect(words.split(" ")).toHaveLength(24);
    const restored = openKeyring(join(home, "restore"));
    const info = await restored.importMnemonic("alice2", `  ${words.toUpperCase().replace(/ /g, "\n ")} `);
    expect(info.address).toBe(seedAddress);
    expect(await restored.exportSeed("alice2")).toBe(SEED);
  });

  it.each([
    ["a word count other than 24", (w: string[]) => w.slice(0, 12)],
    ["a word outside the list", (w: string[]) => ["notaword", ...w.slice(1)]],
    ["two words swapped (checksum)", (w: string[]) => [w[1]!, w[0]!, ...w.slice(2)]],
  ])("refuses a backup with %s", async (_why, mangle) => {
    await keyring.import("alice", SEED);
    const words = (await keyring.exportMnemonic("alice")).split(" ");
    if (words[0] === words[1]) words[1] = "zoo";
    const err = await keyringError(keyring.importMnemonic("bad", mangle(words).join(" ")));
    expect(err.code).toBe("KEY_MNEMONIC_INVALID");
  });

  it("exports an armored key under its own password and imports it elsewhere under a new name", async () => {
    await keyring.import("alice", SEED);
    const armored = await keyring.exportArmored("alice", "Export-Pass#1");
    expect(armored).toMatch(/^-----BEGIN DCCN PRIVATE KEY-----\n/);
    expect(armored).toContain(`address: ${seedAddress}`);
    expect(armored).not.toContain(SEED);

    const elsewhere = open(join(home, "other"));
    password = "Another-Keyring#2";
    const info = await elsewhere.importArmored("carol", armored, "Export-Pass#1");
    expect(info).toMatchObject({ name: "carol", address: seedAddress });
    expect(await elsewhere.exportSeed("carol")).toBe(SEED);

    // The test keyring imports it too (moving a development key into an encrypted keyring and back).
    const plain = openKeyring(join(home, "plain"));
    expect((await plain.importArmored("x", armored, "Export-Pass#1")).address).toBe(seedAddress);
  });

  it("rejects a wrong export password, a weak one, and a modified or truncated armor", async () => {
    await keyring.import("alice", SEED);
    expect((await keyringError(keyring.exportArmored("alice", "weak"))).code).toBe("KEY_PASSWORD_WEAK");
    const armored = await keyring.exportArmored("alice", "Export-Pass#1");
    const target = openKeyring(join(home, "t"));
    expect((await keyringError(target.importArmored("a", armored, "Export-Pass#2"))).code).toBe(
      "KEY_PASSWORD_WRONG",
    );
    expect((await keyringError(target.importArmored("a", "hello", "Export-Pass#1"))).code).toBe(
      "KEY_ARMOR_INVALID",
    );
    const lines = armored.split("\n");
    expect((await keyringError(target.importArmored("a", lines.slice(0, -3).join("\n"), "x"))).code).toBe(
      "KEY_ARMOR_INVALID",
    );
    // Re-encode the body with a flipped ciphertext byte: authenticated encryption notices.
    const body = lines.slice(lines.indexOf("") + 1, -2).join("");
    const doc = JSON.parse(Buffer.from(body, "base64").toString("utf8")) as KeyDocJson;
    const ct = fromBase64(doc.crypto.ciphertext);
    ct[5] = (ct[5] ?? 0) ^ 0x80;
    doc.crypto.ciphertext = toBase64(ct);
    const forged = [
      "-----BEGIN DCCN PRIVATE KEY-----",
      "",
      Buffer.from(JSON.stringify(doc)).toString("base64"),
      "-----END DCCN PRIVATE KEY-----",
    ].join("\n");
    expect((await keyringError(target.importArmored("a", forged, "Export-Pass#1"))).code).toBe(
      "KEY_FILE_CORRUPT",
    );
    expect(await target.list()).toEqual([]);
  });
});
