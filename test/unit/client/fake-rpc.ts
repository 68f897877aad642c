/**
 * A CometBFT-shaped JSON-RPC server on a real loopback HTTP socket, answering from a handler
 * table. Tests use it to check what the client sends and how it reads the replies.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface RpcRequest {
  readonly method: string;
  readonly params: Record<string, unknown>;
}

/** Return (or resolve) a result, or throw `RpcFailure` to answer with a JSON-RPC error. */
export type Handler = (params: Record<string, unknown>) => unknown;

export class RpcFailure {
  constructor(
    readonly code: number,
    readonly message: string,
    readonly data: string,
  ) {}
}

export interface FakeRpc {
  readonly url: string;
  readonly requests: RpcRequest[];
  close(): Promise<void>;
}

export async function startFakeRpc(handlers: Record<string, Handler>): Promise<FakeRpc> {
  const requests: RpcRequest[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", async () => {
      const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as {
        id: number;
        method: string;
        params: Record<string, unknown>;
      };
      requests.push({ method: body.method, params: body.params });
      const handler = handlers[body.method];
      let reply: unknown;
      try {
        if (handler === undefined) throw new RpcFailure(-32601, "Method not found", body.method);
        reply = { jsonrpc: "2.0", id: body.id, result: await handler(body.params ?? {}) };
      } catch (err) {
        if (!(err instanceof RpcFailure)) throw err;
        reply = {
          jsonrpc: "2.0",
          id: body.id,
          error: { code: err.code, message: err.message, data: err.data },
        };
      }
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify(reply));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export const execResult = (code: number, log = "") => ({
  code,
  data: null,
  log,
  info: "",
  gas_wanted: "100000",
  gas_used: "42000",
  events: [],
  codespace: "",
});
