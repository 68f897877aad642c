import { describe, expect, it } from "vitest";
import { fromUtf8, utf8 } from "../../../src/codec/bytes.js";
import {
  accountKey,
  CacheStore,
  encodeAccount,
  getAccount,
  type KvReader,
  type KvStore,
  setAccount,
} from "../../../src/dccn-app/index.js";
import { DecodedValues } from "../../../src/dccn-app/state/decoded.js";
import { bytesKey } from "../../../src/store/smt/cache.js";
import { wallet } from "./helpers.js";

/** A reader over fixed entries that counts its reads. */
function reader(entries: Record<string, string> = {}): KvReader & { reads: number } {
  const map = new Map(Object.entries(entries).map(([k, v]) => [k, utf8(v)]));
  return {
    reads: 0,
    get(key) {
      this.reads++;
      return map.get(fromUtf8(key));
    },
    async *iterate() {},
  };
}

describe("CacheStore ownership", () => {
  it("keeps bytes handed over with setOwned as they are, and still copies for set", () => {
    const layer = new CacheStore(reader());
    const key = utf8("k");
    const value = utf8("v");
    layer.setOwned(key, value);
    expect(layer.get(utf8("k"))).toBe(value);
    const reused = utf8("w");
    layer.set(utf8("j"), reused);
    expect(layer.get(utf8("j"))).not.toBe(reused);
    expect(fromUtf8(layer.get(utf8("j"))!)).toBe("w");
  });

  it("refuses keys the tree cannot store in setOwned too", () => {
    const layer = new CacheStore(reader());
    expect(() => layer.setOwned(new Uint8Array(0), utf8("v"))).toThrow(
      expect.objectContaining({ code: "INVALID_MSG" }),
    );
    expect(layer.size).toBe(0);
  });

  it("moves a layer's writes into its parent layer and forgets them", () => {
    const base = reader({ a: "1", b: "2" });
    const block = new CacheStore(base);
    const msg = new CacheStore(block);
    const value = utf8("3");
    msg.setOwned(utf8("c"), value);
    msg.delete(utf8("a"));
    msg.writeTo(block);
    expect(msg.size).toBe(0);
    expect(msg.get(utf8("c"))).toBe(value); // read through to the parent, no copy
    expect(block.get(utf8("a"))).toBeUndefined();
    expect(block.changes().map((c) => [fromUtf8(c.key), c.value && fromUtf8(c.value)])).toEqual([
      ["a", null],
      ["c", "3"],
    ]);
    // A later write in the (reused) child does not reach the parent.
    msg.set(utf8("c"), utf8("4"));
    expect(fromUtf8(block.get(utf8("c"))!)).toBe("3");
  });

  it("writes into any other KvStore in key order", () => {
    const calls: string[] = [];
    const target: KvStore = {
      get: () => undefined,
      async *iterate() {},
      set: (k) => calls.push(`set ${fromUtf8(k)}`),
      setOwned: (k, v) => calls.push(`own ${fromUtf8(k)}=${fromUtf8(v)}`),
      delete: (k) => calls.push(`del ${fromUtf8(k)}`),
    };
    const layer = new CacheStore(reader());
    layer.set(utf8("z"), utf8("1"));
    layer.delete(utf8("m"));
    layer.set(utf8("a"), utf8("2"));
    layer.writeTo(target);
    expect(calls).toEqual(["own a=2", "del m", "own z=1"]);
    expect(layer.size).toBe(0);
  });

  it("reads a key missing from every layer once from the parent reader", () => {
    const base = reader({ k: "v" });
    const top = new CacheStore(new CacheStore(new CacheStore(base)));
    expect(fromUtf8(top.get(utf8("k"))!)).toBe("v");
    expect(base.reads).toBe(1);
  });
});

describe("DecodedValues", () => {
  it("decodes each bytes object once; bytes it encoded carry their value and copy as plain bytes", () => {
    let decodes = 0;
    const cache = new DecodedValues(
      (b: Uint8Array) => {
        decodes++;
        return { text: fromUtf8(b) };
      },
      (v: { text: string }) => utf8(v.text),
    );
    const bytes = utf8("x");
    const first = cache.of(bytes);
    expect(cache.of(bytes)).toBe(first);
    expect(decodes).toBe(1);
    // Equal content in another object is decoded on its own (identity, not content).
    expect(cache.of(utf8("x"))).toEqual(first);
    expect(decodes).toBe(2);
    const value = { text: "y" };
    const written = cache.encode(value);
    expect(Buffer.from(written).equals(Buffer.from(utf8("y")))).toBe(true);
    expect(cache.of(written)).toBe(value);
    expect(decodes).toBe(2);
    // A copy or a view is ordinary bytes (decoded when read), not a second carrier of the value.
    for (const copy of [written.slice(), written.subarray(0), new Uint8Array(written)]) {
      expect(Object.getPrototypeOf(copy)).toBe(Uint8Array.prototype);
      expect(cache.of(copy)).toEqual(value);
    }
    expect(decodes).toBe(5);
  });
});

describe("accounts over layers", () => {
  const alice = wallet(1);

  it("stores an account's canonical encoding and is unaffected by the caller's object", () => {
    const layer = new CacheStore(reader());
    const account = { balance: 500n, nonce: 3 };
    setAccount(layer, alice.address, account);
    account.balance = 1n; // a caller breaking the readonly type must not change the state
    // The stored bytes (which also carry their decoded form, see DecodedValues) are the canonical encoding.
    expect(new Uint8Array(layer.get(accountKey(alice.address))!)).toEqual(
      encodeAccount({ balance: 500n, nonce: 3 }),
    );
    expect(getAccount(layer, alice.address)).toEqual({ balance: 500n, nonce: 3 });
  });

  it("still refuses a non-canonical account record in state", () => {
    const layer = new CacheStore(reader());
    // balance "500", nonce 3 as a two-byte varint: decodable, but not the canonical bytes.
    layer.set(accountKey(alice.address), Uint8Array.of(0x0a, 3, 0x35, 0x30, 0x30, 0x10, 0x83, 0x00));
    expect(() => getAccount(layer, alice.address)).toThrow(
      expect.objectContaining({ code: "CODEC_NON_CANONICAL" }),
    );
  });

  it("drops a child layer's account writes on discard, leaving the parent's account", () => {
    const block = new CacheStore(reader());
    setAccount(block, alice.address, { balance: 10n, nonce: 0 });
    const msg = new CacheStore(block);
    setAccount(msg, alice.address, { balance: 4n, nonce: 0 });
    expect(getAccount(msg, alice.address).balance).toBe(4n);
    msg.discard();
    expect(getAccount(msg, alice.address).balance).toBe(10n);
    expect(getAccount(block, alice.address).balance).toBe(10n);
  });
});

describe("bytesKey", () => {
  it("gives each byte string its own identity, equal to its latin1 text", () => {
    const seen = new Set<string>();
    for (let b = 0; b < 256; b++) {
      const id = bytesKey(Uint8Array.of(b));
      expect(id).toBe(Buffer.from([b]).toString("latin1"));
      seen.add(id);
    }
    expect(seen.size).toBe(256);
    expect(bytesKey(Uint8Array.of(1, 0))).not.toBe(bytesKey(Uint8Array.of(1)));
    expect(bytesKey(new Uint8Array(0))).toBe("");
  });

  it("reads only the view's own bytes", () => {
    const all = Uint8Array.of(9, 1, 2, 3, 9);
    expect(bytesKey(all.subarray(1, 4))).toBe(bytesKey(Uint8Array.of(1, 2, 3)));
  });
});
