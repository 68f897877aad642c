/**
 * One declarative spec per config key: its default, a one-line doc written into config.toml,
 * and a reader that validates a parsed TOML value and names the key when it is wrong. The
 * mapped type `SectionSpec` makes the compiler insist that every NodeConfig property has one.
 */
import type { LogLevel } from "../log.js";
import { ConfigError } from "./errors.js";
import type { ConfigSections, LogFormat, TxIndexer } from "./types.js";

/** The TOML value a field is written as. */
export type TomlScalar = string | number | boolean | readonly string[];

export interface FieldSpec<T> {
  readonly doc: string;
  readonly default: T;
  read(value: unknown, key: string): T;
  write(value: T): TomlScalar;
}

export type SectionSpec<S> = { readonly [K in keyof S]-?: FieldSpec<S[K]> };
export type ConfigSpec = { readonly [S in keyof ConfigSections]: SectionSpec<ConfigSections[S]> };

const describe = (value: unknown): string =>
  typeof value === "bigint" ? value.toString() : (JSON.stringify(value) ?? String(value));

function bad(key: string, expected: string, value: unknown): ConfigError {
  return new ConfigError(
    "CONFIG_INVALID",
    `config.toml: ${key} must be ${expected}, got ${describe(value)}`,
    {
      key,
    },
  );
}

// --- value checkers (return a reason when invalid) ---------------------------------------------

const PORT_MAX = 65_535;
const HOST = String.raw`(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?)`;
const HOST_PORT_RE = new RegExp(`^${HOST}:(\\d{1,5})$`);
const TCP_LADDR_RE = new RegExp(`^tcp://${HOST}:(\\d{1,5})$`);
const MULTIADDR_RE = /^\/(ip4|ip6|dns|dns4|dns6)\/[^/\s]+\/tcp\/(\d{1,5})(\/p2p\/[1-9A-HJ-NP-Za-km-z]+)?$/;

function portOk(match: RegExpExecArray | null, group: number): boolean {
  return match !== null && Number(match[group]) <= PORT_MAX;
}

const isTcpLaddr = (s: string) => portOk(TCP_LADDR_RE.exec(s), 1);
const isHostPort = (s: string) => portOk(HOST_PORT_RE.exec(s), 1);
const isMultiaddr = (s: string) => portOk(MULTIADDR_RE.exec(s), 2);
// biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
const hasControlChars = (s: string) => /[\u0000-\u001f\u007f]/.test(s);

// --- field constructors ------------------------------------------------------------------------

function str(doc: string, def: string, expected: string, ok: (s: string) => boolean): FieldSpec<string> {
  return {
    doc,
    default: def,
    read(v, key) {
      if (typeof v !== "string" || !ok(v)) throw bad(key, expected, v);
      return v;
    },
    write: (v) => v,
  };
}

const path = (doc: string, def: string): FieldSpec<string> =>
  str(doc, def, "a non-empty path", (s) => s.length > 0 && !hasControlChars(s));

function int(doc: string, def: number, min: number, max = Number.MAX_SAFE_INTEGER): FieldSpec<number> {
  const expected =
    max === Number.MAX_SAFE_INTEGER ? `an integer >= ${min}` : `an integer between ${min} and ${max}`;
  return {
    doc,
    default: def,
    read(v, key) {
      if (typeof v !== "number" || !Number.isSafeInteger(v) || v < min || v > max)
        throw bad(key, expected, v);
      return v;
    },
    write: (v) => v,
  };
}

function bool(doc: string, def: boolean): FieldSpec<boolean> {
  return {
    doc,
    default: def,
    read(v, key) {
      if (typeof v !== "boolean") throw bad(key, "true or false", v);
      return v;
    },
    write: (v) => v,
  };
}

function list(doc: string, expected: string, ok: (s: string) => boolean): FieldSpec<readonly string[]> {
  return {
    doc,
    default: [],
    read(v, key) {
      if (!Array.isArray(v)) throw bad(key, `an array of ${expected}`, v);
      v.forEach((item: unknown, i) => {
        if (typeof item !== "string" || !ok(item)) throw bad(`${key}[${i}]`, expected, item);
      });
      return [...(v as string[])];
    },
    write: (v) => v,
  };
}

function oneOf<T extends string>(doc: string, def: T, values: readonly T[]): FieldSpec<T> {
  return {
    doc,
    default: def,
    read(v, key) {
      if (typeof v !== "string" || !(values as readonly string[]).includes(v)) {
        throw bad(key, `one of ${values.map((x) => `"${x}"`).join(", ")}`, v);
      }
      return v as T;
    },
    write: (v) => v,
  };
}

function decimal(doc: string, def: bigint): FieldSpec<bigint> {
  return {
    doc,
    default: def,
    read(v, key) {
      if (typeof v !== "string" || !/^(0|[1-9][0-9]{0,77})$/.test(v)) {
        throw bad(key, 'a non-negative integer written as a string, e.g. "0"', v);
      }
      return BigInt(v);
    },
    write: (v) => v.toString(10),
  };
}

const ms = (doc: string, def: number) => int(`${doc} (milliseconds)`, def, 0, 24 * 3600 * 1000);

// --- the spec ------------------------------------------------------------------------------------

export const CONFIG_SPEC: ConfigSpec = {
  base: {
    moniker: str(
      "A name for this node, shown to peers and in /status.",
      "node",
      "a non-empty name of at most 64 printable characters",
      (s) => s.trim().length > 0 && s.length <= 64 && !hasControlChars(s),
    ),
    dbDir: path("Directory of the databases.", "data"),
    genesisFile: path("The genesis document.", "config/genesis.json"),
    nodeKeyFile: path("This node's p2p identity key.", "config/node_key.json"),
    privValidatorKeyFile: path("The validator's consensus signing key.", "config/priv_validator_key.json"),
    privValidatorStateFile: path(
      "The last height/round/step signed, which prevents double signing.",
      "data/priv_validator_state.json",
    ),
  },
  rpc: {
    laddr: str(
      "TCP address the JSON-RPC server listens on.",
      "tcp://127.0.0.1:26657",
      'an address like "tcp://127.0.0.1:26657"',
      isTcpLaddr,
    ),
    maxBodyBytes: int("Largest request body accepted (bytes).", 1_000_000, 1),
    maxBatchSize: int("Most requests in one JSON-RPC batch.", 10, 1),
    corsAllowedOrigins: list(
      'Origins allowed to call the RPC from a browser; ["*"] allows all.',
      "origins",
      (s) => s.length > 0 && !hasControlChars(s),
    ),
    timeoutBroadcastTxCommitMs: int(
      "How long broadcast_tx_commit waits for the tx to be committed (milliseconds).",
      10_000,
      1,
      10 * 60 * 1000,
    ),
    maxOpenConnections: int("Most simultaneous client connections; 0 = unlimited.", 900, 0),
    rateLimitPerIp: int("Requests per second per client IP; 0 = unlimited.", 0, 0),
    maxSubscriptionClients: int("Most websocket (/websocket) connections at once; 0 turns it off.", 100, 0),
    maxSubscriptionsPerClient: int("Most event subscriptions one websocket connection may hold.", 5, 1),
    subscriptionBufferSize: int(
      "Messages a websocket client may leave unread before it is disconnected as too slow.",
      200,
      1,
    ),
    unsafe: bool(
      "Serve the unsafe methods dial_peers and unsafe_flush_mempool (admin token required).",
      false,
    ),
    adminToken: str(
      "Bearer token for unsafe methods (at least 16 characters when unsafe = true); keep this file private.",
      "",
      "printable characters without spaces",
      (s) => !hasControlChars(s) && !/\s/.test(s),
    ),
  },
  p2p: {
    laddr: str(
      "libp2p multiaddr this node listens on.",
      "/ip4/127.0.0.1/tcp/26656",
      'a multiaddr like "/ip4/127.0.0.1/tcp/26656"',
      isMultiaddr,
    ),
    bootstrapPeers: list(
      "Peers (multiaddrs ending in /p2p/<peer id>) used to join the network.",
      "multiaddrs",
      isMultiaddr,
    ),
    persistentPeers: list("Peers this node always keeps a connection to.", "multiaddrs", isMultiaddr),
  },
  mempool: {
    size: int("Most txs held.", 5000, 1),
    maxTxsBytes: int("Most bytes held across all txs.", 1024 * 1024 * 1024, 1),
    maxTxBytes: int("Largest single tx accepted (bytes).", 1024 * 1024, 1),
    cacheSize: int("Recently seen tx hashes remembered to drop duplicates; 0 disables.", 10_000, 0),
    recheck: bool("Re-check remaining txs against the new state after every block.", true),
    gossipBatchWaitMs: ms(
      "Longest a tx admitted here waits to be gossiped with others in one message (0 = next turn)",
      100,
    ),
  },
  consensus: {
    walFile: path("The consensus write-ahead log.", "data/cs.wal/wal"),
    timeoutProposeMs: ms("How long to wait for a proposal", 3000),
    timeoutProposeDeltaMs: ms("Added to timeout_propose_ms each round", 500),
    timeoutPrevoteMs: ms("How long to wait after +2/3 prevotes for anything", 1000),
    timeoutPrevoteDeltaMs: ms("Added to timeout_prevote_ms each round", 500),
    timeoutPrecommitMs: ms("How long to wait after +2/3 precommits for anything", 1000),
    timeoutPrecommitDeltaMs: ms("Added to timeout_precommit_ms each round", 500),
    timeoutCommitMs: ms(
      "Pause after a commit before the next height starts (cut short once peers are past the height, unless this node proposes next)",
      1000,
    ),
    createEmptyBlocks: bool("Produce blocks even when the mempool is empty.", true),
  },
  app: {
    minimumGasPrice: decimal(
      "Lowest gas price (base units of ANKR per gas, decimal string) this node admits to its mempool.",
      0n,
    ),
    signatureWorkers: int(
      "Threads verifying tx signatures beside the main thread: -1 = one per spare core (at most 4), 0 = none.",
      -1,
      -1,
      64,
    ),
  },
  txIndex: {
    indexer: oneOf<TxIndexer>(
      'kv: index block and tx events in <db_dir>/tx_index.db and tx_index.records.db (tx_search, block_search, tx); "null": off.',
      "kv",
      ["kv", "null"],
    ),
    retainHeights: int("Keep the index of only the last N heights; 0 keeps everything.", 0, 0),
  },
  instrumentation: {
    prometheus: bool("Serve Prometheus metrics.", false),
    prometheusListenAddr: str(
      "Address of the metrics endpoint.",
      "127.0.0.1:26660",
      'an address like "127.0.0.1:26660"',
      isHostPort,
    ),
  },
  log: {
    level: oneOf<LogLevel>("Least severe level logged.", "info", ["debug", "info", "warn", "error"]),
    format: oneOf<LogFormat>("plain: one readable line per event; json: JSON lines.", "plain", [
      "plain",
      "json",
    ]),
  },
};

/** One-line comments written above each section header. */
export const SECTION_DOCS: { readonly [S in keyof ConfigSections]: string } = {
  base: "",
  rpc: "JSON-RPC server (CometBFT v0.38 methods and shapes).",
  p2p: "Peer-to-peer networking (libp2p).",
  mempool: "Pending transactions.",
  consensus: "SLSBFT consensus. Timeouts grow by their delta every round.",
  app: "The DCCN application.",
  txIndex: "Event indexing for tx_search, block_search and tx lookups.",
  instrumentation: "Metrics.",
  log: "Logging (to stderr).",
};

export const camelToSnake = (name: string): string => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

export { isMultiaddr, isTcpLaddr };
