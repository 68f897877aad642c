/**
 * genesis.json in CometBFT's shape, parsed strictly into a `GenesisDoc` and written back.
 * Every node must derive the same initial state from this file, so anything ambiguous is an
 * error rather than a guess: duplicate keys, unknown fields, numbers out of range, a validator
 * address that does not match its key. Errors are `GENESIS_INVALID` with `meta.field` set.
 *
 * Accepted from CometBFT files but not kept (dccn has no use for them):
 * `consensus_params.evidence.max_age_duration` (evidence ages by blocks only),
 * `consensus_params.version.app`, and `consensus_params.abci.vote_extensions_enable_height`
 * when it is "0" (vote extensions are not supported).
 */
import { readFileSync } from "node:fs";
import { fromBase64, fromHex, toBase64, toHexUpper } from "../codec/bytes.js";
import { hasErrno, writeFileAtomic } from "../config/fs.js";
import { addressFromPublicKey } from "../crypto/address.js";
import { assertPublicKey } from "../crypto/ed25519.js";
import { type ConsensusParams, DEFAULT_CONSENSUS_PARAMS } from "../types/params.js";
import { MAX_TOTAL_VOTING_POWER } from "../types/validator.js";
import { GenesisError, invalidField } from "./errors.js";
import { scanJson } from "./json-scan.js";
import { formatRfc3339Ms, parseRfc3339Ms } from "./time.js";
import type { GenesisDoc, GenesisValidatorEntry } from "./types.js";

export const MAX_CHAIN_ID_LENGTH = 50;
/** CometBFT's ceiling on block.max_bytes (100 MiB). */
export const MAX_BLOCK_SIZE_BYTES = 104_857_600;
export const PUB_KEY_TYPE_ED25519 = "tendermint/PubKeyEd25519";

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

function object(v: unknown, field: string): Json {
  if (!isObject(v)) throw invalidField(field, "must be an object");
  return v;
}

function onlyKeys(obj: Json, field: string, allowed: readonly string[]): void {
  for (const k of Object.keys(obj)) {
    if (!allowed.includes(k)) {
      const where = field === "" ? k : `${field}.${k}`;
      throw invalidField(where, `is not a known field (expected ${allowed.join(", ")})`);
    }
  }
}

function string(v: unknown, field: string): string {
  if (typeof v !== "string") throw invalidField(field, "must be a string");
  return v;
}

/** An int64 as CometBFT writes it (a decimal string); a plain JSON integer is accepted too. */
function int(v: unknown, field: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  let n: number | undefined;
  if (typeof v === "string" && /^-?(0|[1-9][0-9]*)$/.test(v)) n = Number(v);
  else if (typeof v === "number" && Number.isInteger(v)) n = v;
  if (n === undefined)
    throw invalidField(field, `must be an integer written as a string, got ${JSON.stringify(v)}`);
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw invalidField(field, `must be between ${min} and ${max}, got ${String(v)}`);
  }
  return n;
}

/** Same rules as CometBFT: not blank, at most 50 bytes. */
export function validateChainId(chainId: string, field = "chain_id"): void {
  if (chainId.trim() === "") throw invalidField(field, "must not be empty");
  if (Buffer.byteLength(chainId, "utf8") > MAX_CHAIN_ID_LENGTH) {
    throw invalidField(field, `must be at most ${MAX_CHAIN_ID_LENGTH} bytes, got ${chainId.length}`);
  }
}

function parseConsensusParams(v: unknown): ConsensusParams {
  if (v === undefined || v === null) return DEFAULT_CONSENSUS_PARAMS;
  const cp = object(v, "consensus_params");
  onlyKeys(cp, "consensus_params", ["block", "evidence", "validator", "version", "abci"]);

  const block = object(cp.block, "consensus_params.block");
  onlyKeys(block, "consensus_params.block", ["max_bytes", "max_gas"]);
  const maxBytes = int(block.max_bytes, "consensus_params.block.max_bytes", 1, MAX_BLOCK_SIZE_BYTES);
  // CometBFT's -1 ("no limit") has no meaning here: every block is metered.
  const maxGas = int(block.max_gas, "consensus_params.block.max_gas", 0);

  const ev = object(cp.evidence, "consensus_params.evidence");
  onlyKeys(ev, "consensus_params.evidence", ["max_age_num_blocks", "max_age_duration", "max_bytes"]);
  const maxAgeBlocks = int(ev.max_age_num_blocks, "consensus_params.evidence.max_age_num_blocks", 1);
  if (ev.max_age_duration !== undefined)
    int(ev.max_age_duration, "consensus_params.evidence.max_age_duration", 1);
  const evMaxBytes = int(ev.max_bytes, "consensus_params.evidence.max_bytes", 0, maxBytes);

  if (cp.validator !== undefined) {
    const val = object(cp.validator, "consensus_params.validator");
    onlyKeys(val, "consensus_params.validator", ["pub_key_types"]);
    const types = val.pub_key_types;
    if (!Array.isArray(types) || types.length === 0 || types.some((t) => t !== "ed25519")) {
      throw invalidField(
        "consensus_params.validator.pub_key_types",
        'must be ["ed25519"] (the only key type)',
      );
    }
  }
  if (cp.version !== undefined) {
    const ver = object(cp.version, "consensus_params.version");
    onlyKeys(ver, "consensus_params.version", ["app"]);
    if (ver.app !== undefined) int(ver.app, "consensus_params.version.app", 0);
  }
  if (cp.abci !== undefined) {
    const abci = object(cp.abci, "consensus_params.abci");
    onlyKeys(abci, "consensus_params.abci", ["vote_extensions_enable_height"]);
    const h = abci.vote_extensions_enable_height;
    if (h !== undefined && int(h, "consensus_params.abci.vote_extensions_enable_height", 0) !== 0) {
      throw invalidField("consensus_params.abci.vote_extensions_enable_height", "must be 0 (not supported)");
    }
  }
  return { block: { maxBytes, maxGas }, evidence: { maxAgeBlocks, maxBytes: evMaxBytes } };
}

function parseValidator(v: unknown, i: number): GenesisValidatorEntry {
  const field = `validators[${i}]`;
  const val = object(v, field);
  onlyKeys(val, field, ["address", "pub_key", "power", "name"]);
  const pk = object(val.pub_key, `${field}.pub_key`);
  onlyKeys(pk, `${field}.pub_key`, ["type", "value"]);
  if (pk.type !== PUB_KEY_TYPE_ED25519) {
    throw invalidField(`${field}.pub_key.type`, `must be "${PUB_KEY_TYPE_ED25519}"`);
  }
  let pubKey: Uint8Array;
  try {
    pubKey = fromBase64(string(pk.value, `${field}.pub_key.value`));
    assertPublicKey(pubKey);
  } catch (err) {
    if (err instanceof GenesisError) throw err;
    throw invalidField(`${field}.pub_key.value`, "must be a base64 Ed25519 public key (32 bytes)");
  }
  const derived = addressFromPublicKey(pubKey);
  // Like CometBFT, a missing address is derived from the key; a present one must match it.
  if (val.address !== undefined && val.address !== "") {
    const text = string(val.address, `${field}.address`);
    if (!/^[0-9A-Fa-f]{40}$/.test(text)) throw invalidField(`${field}.address`, "must be 40 hex characters");
    if (text.toUpperCase() !== toHexUpper(derived)) {
      throw invalidField(`${field}.address`, `does not match its pub_key (expected ${toHexUpper(derived)})`);
    }
  }
  const power = int(val.power, `${field}.power`, 1, MAX_TOTAL_VOTING_POWER);
  const name = val.name === undefined ? "" : string(val.name, `${field}.name`);
  return { address: derived, pubKey, power, name };
}

function parseValidators(v: unknown): GenesisValidatorEntry[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw invalidField("validators", "must be an array");
  const out = v.map(parseValidator);
  const seen = new Set<string>();
  let total = 0;
  out.forEach((val, i) => {
    const key = toHexUpper(val.address);
    if (seen.has(key)) throw invalidField(`validators[${i}]`, `repeats validator ${key}`);
    seen.add(key);
    total += val.power;
  });
  if (total > MAX_TOTAL_VOTING_POWER) {
    throw invalidField("validators", `total power ${total} exceeds ${MAX_TOTAL_VOTING_POWER}`);
  }
  return out;
}

const TOP_LEVEL = [
  "genesis_time",
  "chain_id",
  "initial_height",
  "consensus_params",
  "validators",
  "app_hash",
  "app_state",
] as const;

/** Parses and validates genesis.json text. */
export function parseGenesis(jsonText: string): GenesisDoc {
  let root: unknown;
  try {
    root = JSON.parse(jsonText);
  } catch (err) {
    throw new GenesisError("GENESIS_INVALID", `genesis: not valid JSON: ${(err as Error).message}`, {
      field: "",
    });
  }
  if (!isObject(root)) throw invalidField("(root)", "must be a JSON object");
  let scan: ReturnType<typeof scanJson>;
  try {
    scan = scanJson(jsonText);
  } catch {
    throw invalidField("(root)", "is nested too deeply");
  }
  const dup = scan.duplicateKeys[0];
  if (dup !== undefined) throw invalidField(dup, "appears more than once");
  onlyKeys(root, "", TOP_LEVEL);

  const timeText = string(root.genesis_time, "genesis_time");
  const genesisTimeMs = parseRfc3339Ms(timeText);
  if (genesisTimeMs === undefined) {
    throw invalidField("genesis_time", `must be an RFC 3339 time like 2024-01-01T00:00:00Z, got ${timeText}`);
  }
  const chainId = string(root.chain_id, "chain_id");
  validateChainId(chainId);
  // CometBFT treats 0 (or absent) as 1.
  const initialHeight =
    root.initial_height === undefined ? 1 : Math.max(1, int(root.initial_height, "initial_height", 0));
  const consensusParams = parseConsensusParams(root.consensus_params);
  const validators = parseValidators(root.validators);

  let appHash: Uint8Array = new Uint8Array(0);
  if (root.app_hash !== undefined && root.app_hash !== null) {
    const text = string(root.app_hash, "app_hash");
    if (!/^([0-9A-Fa-f]{2})*$/.test(text)) throw invalidField("app_hash", "must be hex");
    appHash = fromHex(text);
  }
  const span = scan.topLevel.get("app_state");
  const appStateJson = span === undefined ? "{}" : jsonText.slice(span.start, span.end);

  return { genesisTimeMs, chainId, initialHeight, consensusParams, validators, appHash, appStateJson };
}

/**
 * Renders a GenesisDoc as CometBFT-shaped JSON (int64 as strings, hex upper-case). `app_state`
 * is embedded verbatim, so parse(serialize(doc)) returns the same app state text. Throws
 * GENESIS_INVALID if the document would not parse back.
 */
export function serializeGenesis(doc: GenesisDoc): string {
  try {
    JSON.parse(doc.appStateJson);
  } catch {
    throw invalidField("app_state", "must be valid JSON");
  }
  const head = {
    genesis_time: formatRfc3339Ms(doc.genesisTimeMs),
    chain_id: doc.chainId,
    initial_height: String(doc.initialHeight),
    consensus_params: {
      block: {
        max_bytes: String(doc.consensusParams.block.maxBytes),
        max_gas: String(doc.consensusParams.block.maxGas),
      },
      evidence: {
        max_age_num_blocks: String(doc.consensusParams.evidence.maxAgeBlocks),
        max_bytes: String(doc.consensusParams.evidence.maxBytes),
      },
      validator: { pub_key_types: ["ed25519"] },
    },
    validators: doc.validators.map((v) => ({
      address: toHexUpper(v.address),
      pub_key: { type: PUB_KEY_TYPE_ED25519, value: toBase64(v.pubKey) },
      power: String(v.power),
      name: v.name,
    })),
    app_hash: toHexUpper(doc.appHash),
  };
  const body = JSON.stringify(head, null, 2);
  const text = `${body.slice(0, -2)},\n  "app_state": ${doc.appStateJson.trim()}\n}\n`;
  parseGenesis(text);
  return text;
}

export function loadGenesisFile(path: string): GenesisDoc {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    if (hasErrno(err, "ENOENT")) {
      throw new GenesisError("GENESIS_NOT_FOUND", `no genesis file at ${path}`, { path });
    }
    throw new GenesisError("GENESIS_INVALID", `cannot read ${path}: ${(err as Error).message}`, { path });
  }
  try {
    return parseGenesis(text);
  } catch (err) {
    if (err instanceof GenesisError) {
      throw new GenesisError(err.code, `${path}: ${err.message}`, { ...err.meta, path });
    }
    throw err;
  }
}

/** Validates, then writes atomically. */
export function writeGenesisFile(path: string, doc: GenesisDoc): void {
  writeFileAtomic(path, serializeGenesis(doc));
}
