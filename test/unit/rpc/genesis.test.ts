import { describe, expect, it } from "vitest";
import { silentLogger } from "../../../src/log.js";
import { cometGenesisJson, DEFAULT_EVIDENCE_MAX_AGE_DURATION } from "../../../src/rpc/genesis.js";

const doc = (evidence: Record<string, unknown>, extra = "") =>
  `{"chain_id":"c","consensus_params":{"block":{"max_bytes":"10"},"evidence":${JSON.stringify(evidence)}},"app_state":{"n":1${extra}}}`;

describe("served genesis", () => {
  it("adds CometBFT's evidence.max_age_duration where the file has none (cosmjs requires it)", () => {
    const out = JSON.parse(cometGenesisJson(doc({ max_age_num_blocks: "5", max_bytes: "9" }), silentLogger));
    expect(Object.entries(out.consensus_params.evidence)).toStrictEqual([
      ["max_age_num_blocks", "5"],
      ["max_age_duration", DEFAULT_EVIDENCE_MAX_AGE_DURATION],
      ["max_bytes", "9"],
    ]);
    expect(out.app_state).toStrictEqual({ n: 1 });
  });

  it("serves the text as written when nothing is missing, or when a round trip could round a number", () => {
    const complete = ` ${doc({ max_age_num_blocks: "5", max_age_duration: "1", max_bytes: "9" })}\n`;
    expect(cometGenesisJson(complete, silentLogger)).toBe(complete.trim());
    const big = doc({ max_age_num_blocks: "5" }, ',"big":12345678901234567890,"s":"12345678901234567890"');
    expect(cometGenesisJson(big, silentLogger)).toBe(big);
  });
});
