/** bench/rpc.ts runs end to end against a real server (tiny durations; values are not judged). */
import { afterAll, beforeAll, expect, it } from "vitest";
import { benchRpc } from "../../../bench/rpc.js";
import { makeTx } from "./fixture.js";
import { type IndexedServer, startIndexedServer } from "./indexed.js";

let s: IndexedServer;
beforeAll(async () => {
  s = await startIndexedServer();
});
afterAll(async () => {
  await s.close();
});

it("reports status, abci_query, broadcast and websocket fan-out rows", async () => {
  const key = s.chain.keys[2]!;
  // Blocks keep coming while the bench waits for NewBlock events.
  const timer = setInterval(() => s.chain.produceBlock([]), 20);
  try {
    const rows = await benchRpc(s.server.url, {
      concurrency: 2,
      durationMs: 100,
      abciPath: "/echo",
      makeTx: (i) => makeTx(key, i),
      subscribers: 10,
      fanoutBlocks: 2,
    });
    expect(rows.map((r) => r.unit)).toStrictEqual(["req/s", "req/s", "tx/s", "ms", "ms"]);
    expect(rows.slice(0, 3).every((r) => r.value > 0)).toBe(true);
    expect(s.chain.mempool.size()).toBeGreaterThan(0);
  } finally {
    clearInterval(timer);
  }
});
