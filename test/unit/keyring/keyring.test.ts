import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { fromBase64, utf8 } from "../../../src/codec/bytes.js";
import { addressFromPublicKey, parseAddress, toBech32 } from "../../../src/crypto/address.js";
import { PrivateKey, verifySignature } from "../../../src/crypto/ed25519.js";
import { type Keyring, KeyringError, openKeyring } from "../../../src/keyring/index.js";

let home: string;
let keyring: Keyring;
beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), "dccn-keyring-"));
  keyring = openKeyring(home);
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

const SEED = "0101010101010101010101010101010101010101010101010101010101010101";
const expectedAddress = (seedHex: string) =>
  toBech32(addressFromPublicKey(PrivateKey.fromSeed(Buffer.from(seedHex, "hex")).publicKey));

describe("test keyring", () => {
  it("adds a key whose address is derived from its public key, stored 0600", async () => {
    const info = await keyring.add("alice");
    expect(info.name).toBe("alice");
    expect(info.address).toMatch(/^ankr1/);
    expect(parseAddress(info.address)).toEqual(addressFromPublicKey(fromBase64(info.pubkey)));
    expect(await keyring.show("alice")).toEqual(info);
    const file = join(home, "keyring-test", "alice.json");
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const doc = JSON.parse(readFileSync(file, "utf8")) as Record<string, string>;
    expect(doc).toMatchObject({ name: "alice", address: info.address, pubkey: info.pubkey });
    expect(doc.seed).toMatch(/^[0-9a-f]{64}$/);
  });

  it("gives each added key a fresh seed", async () => {
    const a = await keyring.add("a");
    const b = await keyring.add("b");
    expect(a.address).not.toBe(b.address);
  });

  it("imports a seed, exports the same seed and signs with it", async () => {
    const info = await keyring.import("bob", SEED.toUpperCase());
    expect(info.address).toBe(expectedAddress(SEED));
    expect(await keyring.exportSeed("bob")).toBe(SEED);
    const signer = await keyring.getSigner("bob");
    const msg = utf8("hello");
    expect(verifySignature(fromBase64(info.pubkey), msg, signer.sign(msg))).toBe(true);
  });

  it("lists keys sorted by name", async () => {
    await keyring.import("zed", SEED);
    await keyring.add("amy");
    await keyring.add("Bo");
    expect((await keyring.list()).map((k) => k.name)).toEqual(["Bo", "amy", "zed"]);
    expect(await openKeyring(join(home, "fresh")).list()).toEqual([]);
  });

  it("deletes a key", async () => {
    const info = await keyring.add("tmp");
    expect(await keyring.delete("tmp")).toEqual(info);
    expect((await keyringError(keyring.show("tmp"))).code).toBe("KEY_NOT_FOUND");
    expect(await keyring.list()).toEqual([]);
  });

  it("refuses to replace a name or store one key twice", async () => {
    const first = await keyring.import("one", SEED);
    expect((await keyringError(keyring.add("one"))).code).toBe("KEY_EXISTS");
    const dup = await keyringError(keyring.import("two", SEED));
    expect(dup.code).toBe("KEY_EXISTS");
    expect(dup.message).toContain('"one"');
    expect(await keyring.show("one")).toEqual(first);
    expect((await keyring.list()).map((k) => k.name)).toEqual(["one"]);
  });

  it.each(["", "../evil", ".hidden", "a/b", "a b", "-dash", "x".repeat(65), "é"])(
    "rejects the key name %j",
    async (name) => {
      expect((await keyringError(keyring.add(name))).code).toBe("KEY_NAME_INVALID");
      expect((await keyringError(keyring.show(name))).code).toBe("KEY_NAME_INVALID");
    },
  );

  it("reports missing keys for every read", async () => {
    for (const op of [
      () => keyring.show("ghost"),
      () => keyring.exportSeed("ghost"),
      () => keyring.delete("ghost"),
      () => keyring.getSigner("ghost"),
    ]) {
      const err = await keyringError(op());
      expect(err.code).toBe("KEY_NOT_FOUND");
      expect(err.message).toContain("ghost");
    }
  });

  it.each(["00", "zz".repeat(32), `${SEED}00`, ""])("rejects the seed %j", async (seed) => {
    expect((await keyringError(keyring.import("k", seed))).code).toBe("KEY_SEED_INVALID");
  });

  it("detects a key file whose address was edited", async () => {
    await keyring.import("victim", SEED);
    const file = join(home, "keyring-test", "victim.json");
    const doc = JSON.parse(readFileSync(file, "utf8")) as Record<string, string>;
    doc.address = toBech32(new Uint8Array(20));
    writeFileSync(file, JSON.stringify(doc));
    expect((await keyringError(keyring.getSigner("victim"))).code).toBe("KEY_FILE_CORRUPT");
    expect((await keyringError(keyring.list())).code).toBe("KEY_FILE_CORRUPT");
    // A damaged file does not block unrelated keys.
    expect((await keyring.add("fine")).name).toBe("fine");
  });

  it("knows the test and file backends", () => {
    expect(() => openKeyring(home, "os")).toThrow(
      expect.objectContaining({ code: "KEYRING_BACKEND_UNKNOWN" }),
    );
    expect(openKeyring(home).backend).toBe("test");
    expect(openKeyring(home, "file").backend).toBe("file");
  });
});
