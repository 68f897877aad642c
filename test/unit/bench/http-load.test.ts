import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { LoadHttpClient, LoadHttpError } from "../../../bench/http-load.js";

let server: Server | undefined;
let client: LoadHttpClient | undefined;
afterEach(async () => {
  client?.close();
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  server = undefined;
});

/** A server answering each POST through `reply`; counts the TCP connections it accepted. */
async function serve(
  reply: (body: string, res: ServerResponse, req: IncomingMessage) => void,
): Promise<{ url: string; connections: () => number }> {
  let connections = 0;
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => reply(Buffer.concat(chunks).toString("utf8"), res, req));
  });
  server.on("connection", () => connections++);
  await new Promise<void>((r) => server!.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/`, connections: () => connections };
}

describe("LoadHttpClient", () => {
  it("posts JSON and reads Content-Length replies over one kept-alive connection", async () => {
    const s = await serve((body, res, req) => {
      const out = JSON.stringify({ echo: JSON.parse(body), type: req.headers["content-type"] });
      res.writeHead(200, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(out) });
      res.end(out);
    });
    client = new LoadHttpClient(s.url);
    for (const word of ["été", "b", "c"]) {
      expect(JSON.parse(await client.post(JSON.stringify({ word })))).toEqual({
        echo: { word },
        type: "application/json",
      });
    }
    expect(s.connections()).toBe(1);
    // Concurrent requests get a connection each.
    const replies = await Promise.all([1, 2, 3].map((n) => client!.post(JSON.stringify({ n }))));
    expect(replies.map((r) => JSON.parse(r).echo.n)).toEqual([1, 2, 3]);
    expect(s.connections()).toBe(3);
  });

  it("reads chunked replies, and replies that arrive in pieces", async () => {
    const s = await serve((_body, res) => {
      res.writeHead(200, { "Content-Type": "application/json" });
      res.write('{"a":');
      setImmediate(() => res.end('"xxx"}'));
    });
    client = new LoadHttpClient(s.url);
    expect(await client.post("{}")).toBe('{"a":"xxx"}');
    expect(await client.post("{}")).toBe('{"a":"xxx"}');
    expect(s.connections()).toBe(1);
  });

  it("rejects non-200 replies with a typed error and opens a new connection after a close", async () => {
    let calls = 0;
    const s = await serve((_body, res) => {
      calls++;
      if (calls === 1) {
        res.writeHead(503, { "Content-Length": 4, Connection: "close" });
        res.end("busy");
        return;
      }
      res.writeHead(200, { "Content-Length": 2 });
      res.end("ok");
    });
    client = new LoadHttpClient(s.url);
    const err = await client.post("{}").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LoadHttpError);
    expect((err as Error).message).toBe("HTTP 503: busy");
    expect(await client.post("{}")).toBe("ok");
    expect(s.connections()).toBe(2);
  });

  it("fails a request whose connection the server drops", async () => {
    const s = await serve((_body, _res, req) => req.socket.destroy());
    client = new LoadHttpClient(s.url);
    await expect(client.post("{}")).rejects.toThrow(/closed|ECONNRESET/);
  });
});
