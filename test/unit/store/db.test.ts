import { afterEach, describe, expect, it } from "vitest";
import { isDccnError } from "../../../src/errors.js";
import { Database, prefixEnd } from "../../../src/store/db.js";
import { removeHome, tempHome } from "../abci/fixture.js";

const b = (...xs: number[]) => Uint8Array.from(xs);

describe("Database", () => {
  const homes: string[] = [];
  const home = () => {
    const h = tempHome();
    homes.push(h);
    return h;
  };
  afterEach(() => {
    for (const h of homes.splice(0)) removeHome(h);
  });

  it("stores binary keys and values, iterates a prefix in key order, and applies batches atomically", async () => {
    const db = await Database.open(`${home()}/data/x.db`);
    await db.batch([
      { type: "put", key: b(1, 0xff), value: b(3) },
      { type: "put", key: b(1, 0), value: b(1) },
      { type: "put", key: b(1, 2), value: b(2) },
      { type: "put", key: b(2, 0), value: b(9) },
      { type: "put", key: b(0, 9), value: b(9) },
    ]);
    expect(await db.get(b(1, 2))).toEqual(b(2));
    expect(await db.get(b(7))).toBeUndefined();
    const seen: number[][] = [];
    for await (const [k, v] of db.entries({ prefix: b(1) })) seen.push([...k, ...v]);
    expect(seen).toEqual([
      [1, 0, 1],
      [1, 2, 2],
      [1, 0xff, 3],
    ]);
    const rev: number[] = [];
    for await (const [k] of db.entries({ prefix: b(1), reverse: true, limit: 2 })) rev.push(k[1]!);
    expect(rev).toEqual([0xff, 2]);
    await db.batch([
      { type: "del", key: b(1, 0) },
      { type: "put", key: b(1, 1), value: b(7) },
    ]);
    expect(await db.get(b(1, 0))).toBeUndefined();
    expect(await db.get(b(1, 1))).toEqual(b(7));
    await db.close();
  });

  it("writes a batch in one native call (_batch), never through a chained batch held until GC", async () => {
    const db = await Database.open(`${home()}/data/w.db`);
    const level = db.raw as unknown as {
      _batch(ops: unknown[], o: unknown): Promise<void>;
      batch(...args: unknown[]): unknown;
    };
    const direct = level._batch;
    const publicBatch = level.batch;
    const calls: number[] = [];
    let chained = 0;
    Object.defineProperty(level, "_batch", {
      configurable: true,
      value(this: unknown, ops: unknown[], o: unknown) {
        calls.push(ops.length);
        return direct.call(this, ops, o);
      },
    });
    Object.defineProperty(level, "batch", {
      configurable: true,
      value(this: unknown, ...args: unknown[]) {
        if (args.length === 0) chained++;
        return publicBatch.apply(this, args);
      },
    });
    await db.batch([
      { type: "put", key: b(4), value: b(40) },
      { type: "put", key: b(5), value: b(50) },
    ]);
    await db.batch([{ type: "del", key: b(4) }]);
    expect(calls).toEqual([2, 1]);
    expect(chained).toBe(0);
    expect(await db.get(b(4))).toBeUndefined();
    expect(await db.get(b(5))).toEqual(b(50));
    await db.close();
  });

  it("rejects a batch with a typed error once the database is closed", async () => {
    const db = await Database.open(`${home()}/data/v.db`);
    await db.close();
    await expect(db.batch([{ type: "put", key: b(1), value: b(1) }])).rejects.toMatchObject({
      code: "STORE_CLOSED",
    });
  });

  it("reopens with the data intact", async () => {
    const path = `${home()}/data/y.db`;
    const db = await Database.open(path);
    await db.put(b(5), b(6), { sync: true });
    await db.close();
    const again = await Database.open(path, { mustExist: true });
    expect(await again.get(b(5))).toEqual(b(6));
    await again.close();
  });

  it("reports a locked database with a hint, and refuses use after close", async () => {
    const path = `${home()}/data/z.db`;
    const db = await Database.open(path);
    const err = await Database.open(path).catch((e: unknown) => e);
    expect(isDccnError(err, "STORE_OPEN_FAILED")).toBe(true);
    expect((err as Error).message).toMatch(/locked by another process/);
    await db.close();
    await expect(db.get(b(1))).rejects.toMatchObject({ code: "STORE_CLOSED" });
    const missing = await Database.open(`${home()}/nope.db`, { mustExist: true }).catch((e: unknown) => e);
    expect(isDccnError(missing, "STORE_OPEN_FAILED")).toBe(true);
  });

  it("computes prefix upper bounds", () => {
    expect(prefixEnd(b(1, 2))).toEqual(b(1, 3));
    expect(prefixEnd(b(1, 0xff))).toEqual(b(2));
    expect(prefixEnd(b(0xff, 0xff))).toBeUndefined();
  });
});
