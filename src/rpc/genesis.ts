/**
 * The genesis document as CometBFT clients expect it. Our genesis files omit
 * `consensus_params.evidence.max_age_duration` (evidence ages by blocks only), but cosmjs's
 * Comet38Client requires it; the served copy gets CometBFT's default (48 h in ns) added.
 * The text is otherwise served as written, and left alone if a round trip through
 * JSON.parse could change it (an integer literal beyond 2^53).
 */
import type { Logger } from "../log.js";

/** CometBFT's default evidence max_age_duration: 48 hours in nanoseconds. */
export const DEFAULT_EVIDENCE_MAX_AGE_DURATION = "172800000000000";

/** Skips strings; captures integer literals of 16+ digits, which JSON.parse may round. */
const BIG_NUMBER_RE = /"(?:[^"\\]|\\.)*"|(-?\d{16,})/g;

function hasBigNumber(text: string): boolean {
  for (const m of text.matchAll(BIG_NUMBER_RE)) if (m[1] !== undefined) return true;
  return false;
}

export function cometGenesisJson(text: string, logger: Logger): string {
  const trimmed = text.trim();
  let doc: { consensus_params?: { evidence?: Record<string, unknown> } };
  try {
    doc = JSON.parse(trimmed) as typeof doc;
  } catch {
    return trimmed; // the server refuses to start with an invalid genesis; nothing to patch here
  }
  const evidence = doc.consensus_params?.evidence;
  if (typeof evidence !== "object" || evidence === null || "max_age_duration" in evidence) return trimmed;
  if (hasBigNumber(trimmed)) {
    logger.warn(
      "genesis served without evidence.max_age_duration (it holds integers JSON cannot round-trip)",
    );
    return trimmed;
  }
  const { max_age_num_blocks, ...rest } = evidence;
  doc.consensus_params!.evidence = {
    max_age_num_blocks,
    max_age_duration: DEFAULT_EVIDENCE_MAX_AGE_DURATION,
    ...rest,
  };
  return JSON.stringify(doc);
}
