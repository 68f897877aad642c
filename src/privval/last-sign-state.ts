/**
 * The last-sign guard: what this validator signed last, and the rule that keeps it from ever
 * signing two different payloads for one (height, round, step) or going back in time.
 * Persisted as `priv_validator_state.json` (CometBFT's file, with our field names and hex/base64).
 */
import { equalBytes, fromBase64, fromHex, toBase64, toHexUpper } from "../codec/bytes.js";
import { PrivvalError } from "./errors.js";

/** Ordered as they happen within a round. */
export const SignStep = { None: 0, Proposal: 1, Prevote: 2, Precommit: 3 } as const;
export type SignStep = (typeof SignStep)[keyof typeof SignStep];

export interface LastSignState {
  readonly height: number;
  readonly round: number;
  readonly step: SignStep;
  /** SHA-256 of the last sign-bytes; null before the first signature. */
  readonly signBytesHash: Uint8Array | null;
  readonly signature: Uint8Array | null;
}

export const INITIAL_SIGN_STATE: LastSignState = {
  height: 0,
  round: 0,
  step: SignStep.None,
  signBytesHash: null,
  signature: null,
};

export type SignDecision =
  | { readonly kind: "sign" }
  /** Same (height, round, step) and the same payload: hand out the stored signature again. */
  | { readonly kind: "reuse"; readonly signature: Uint8Array };

/** Decides whether (height, round, step, payload) may be signed after `last`; throws if not. */
export function checkSign(
  last: LastSignState,
  height: number,
  round: number,
  step: SignStep,
  signBytesHash: Uint8Array,
): SignDecision {
  const at = { height, round, step, lastHeight: last.height, lastRound: last.round, lastStep: last.step };
  if (height < last.height) {
    throw new PrivvalError(
      "PRIVVAL_HEIGHT_REGRESSION",
      `refusing to sign at height ${height}: already signed at height ${last.height}`,
      at,
    );
  }
  if (height > last.height) return { kind: "sign" };
  if (round < last.round) {
    throw new PrivvalError(
      "PRIVVAL_ROUND_REGRESSION",
      `refusing to sign at height ${height} round ${round}: already signed at round ${last.round}`,
      at,
    );
  }
  if (round > last.round) return { kind: "sign" };
  if (step < last.step) {
    throw new PrivvalError(
      "PRIVVAL_STEP_REGRESSION",
      `refusing to sign step ${step} at height ${height} round ${round}: already signed step ${last.step}`,
      at,
    );
  }
  if (step > last.step) return { kind: "sign" };
  if (
    last.signBytesHash !== null &&
    last.signature !== null &&
    equalBytes(last.signBytesHash, signBytesHash)
  ) {
    return { kind: "reuse", signature: last.signature };
  }
  throw new PrivvalError(
    "PRIVVAL_DOUBLE_SIGN",
    `refusing to double-sign: a different payload was already signed at height ${height} round ${round} step ${step}`,
    at,
  );
}

interface StateJson {
  height: string;
  round: number;
  step: number;
  sign_bytes_hash?: string;
  signature?: string;
}

export function encodeSignState(state: LastSignState): string {
  const json: StateJson = { height: String(state.height), round: state.round, step: state.step };
  if (state.signBytesHash !== null) json.sign_bytes_hash = toHexUpper(state.signBytesHash);
  if (state.signature !== null) json.signature = toBase64(state.signature);
  return `${JSON.stringify(json, null, 2)}\n`;
}

/** Strict parse: anything unexpected is PRIVVAL_STATE_CORRUPT (never a silent reset). */
export function decodeSignState(text: string, path: string): LastSignState {
  const corrupt = (why: string, cause?: unknown) =>
    new PrivvalError(
      "PRIVVAL_STATE_CORRUPT",
      `${path}: ${why}. The validator cannot know what it signed last; restore this file from a ` +
        "backup, or after checking the chain recreate it with a height above the last one signed",
      { path },
      { cause },
    );
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw corrupt("not valid JSON (torn or truncated write?)", err);
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw corrupt("not a JSON object");
  const o = raw as Record<string, unknown>;
  if (typeof o.height !== "string" || !/^(0|[1-9][0-9]*)$/.test(o.height)) {
    throw corrupt('"height" must be a decimal string');
  }
  const height = Number(o.height);
  if (!Number.isSafeInteger(height)) throw corrupt('"height" is out of range');
  if (typeof o.round !== "number" || !Number.isSafeInteger(o.round) || o.round < 0) {
    throw corrupt('"round" must be a non-negative integer');
  }
  const step = o.step;
  if (step !== 0 && step !== 1 && step !== 2 && step !== 3) throw corrupt('"step" must be 0, 1, 2 or 3');
  let signBytesHash: Uint8Array | null = null;
  let signature: Uint8Array | null = null;
  try {
    if (o.sign_bytes_hash !== undefined) {
      if (typeof o.sign_bytes_hash !== "string") throw corrupt('"sign_bytes_hash" must be hex');
      signBytesHash = fromHex(o.sign_bytes_hash);
    }
    if (o.signature !== undefined) {
      if (typeof o.signature !== "string") throw corrupt('"signature" must be base64');
      signature = fromBase64(o.signature);
    }
  } catch (err) {
    if (err instanceof PrivvalError) throw err;
    throw corrupt("bad sign_bytes_hash or signature encoding", err);
  }
  if (signBytesHash !== null && signBytesHash.length !== 32)
    throw corrupt('"sign_bytes_hash" must be 32 bytes');
  if (signature !== null && signature.length !== 64) throw corrupt('"signature" must be 64 bytes');
  if ((signBytesHash === null) !== (signature === null)) {
    throw corrupt('"sign_bytes_hash" and "signature" must be present together');
  }
  if (step !== 0 && signature === null) throw corrupt("a signed step without its signature");
  return { height, round: o.round, step, signBytesHash, signature };
}
