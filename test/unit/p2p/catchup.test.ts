import { afterEach, describe, expect, it } from "vitest";
import { equalBytes } from "../../../src/codec/bytes.js";
import { testKeys, testValidatorSet } from "../../../src/consensus/testkit/index.js";
import { addressFromPublicKey } from "../../../src/crypto/address.js";
import { verifySignature } from "../../../src/crypto/ed25519.js";
import { silentLogger } from "../../../src/log.js";
import {
  type CatchupHandlers,
  type CurrentRound,
  EMPTY_ROUND_MESSAGES,
  type GossipVerdict,
  RoundCatchup,
  type RoundMessages,
} from "../../../src/p2p/index.js";
import { type Vote, VoteType, voteSignBytes } from "../../../src/types/vote.js";
import { CHAIN, HostPool } from "./helpers.js";

const keys = testKeys(3, "catchup-test");
const valset = testValidatorSet(keys, [1, 1, 1]);

function vote(i: number, height: number, round: number, forge = false): Vote {
  const key = keys[i]!;
  const address = addressFromPublicKey(key.publicKey);
  const base = { type: VoteType.Precommit, height, round, blockHash: new Uint8Array(32).fill(9) } as const;
  const signature = (forge ? keys[(i + 1) % 3]! : key).sign(voteSignBytes(CHAIN, base));
  return { ...base, validatorAddress: address, validatorIndex: valset.indexOf(address), signature };
}

class Node implements CatchupHandlers {
  round: CurrentRound | null = null;
  serve: (h: number, r: number) => RoundMessages = () => EMPTY_ROUND_MESSAGES;
  readonly got: Vote[] = [];
  readonly asked: { height: number; round: number }[] = [];
  private waiters: (() => void)[] = [];

  currentRound(): CurrentRound | null {
    return this.round;
  }
  getRoundMessages(height: number, round: number): RoundMessages {
    this.asked.push({ height, round });
    return this.serve(height, round);
  }
  onProposal(): GossipVerdict {
    return "ignore";
  }
  onVote(v: Vote): GossipVerdict {
    const val = valset.validators[v.validatorIndex];
    const ok =
      val !== undefined &&
      equalBytes(val.address, v.validatorAddress) &&
      verifySignature(val.pubKey, voteSignBytes(CHAIN, v), v.signature);
    if (ok) this.got.push(v);
    for (const w of this.waiters.splice(0)) w();
    return ok ? "accept" : "reject";
  }
  until(check: () => boolean): Promise<void> {
    if (check()) return Promise.resolve();
    return new Promise((resolve) => {
      const retry = () => (check() ? resolve() : this.waiters.push(retry));
      this.waiters.push(retry);
    });
  }
}

const pool = new HostPool();
const services: RoundCatchup[] = [];
afterEach(async () => {
  for (const s of services.splice(0)) await s.stop();
  await pool.stopAll();
});

async function pair(stallMs: number) {
  const a = await pool.start("ca");
  const b = await pool.start("cb", { bootstrapPeers: [a.multiaddrs()[0]!] });
  await Promise.all([a.waitForPeers(1, 10_000), b.waitForPeers(1, 10_000)]);
  const na = new Node();
  const nb = new Node();
  const ca = new RoundCatchup({ stallMs }, { host: a, handlers: na, logger: silentLogger });
  const cb = new RoundCatchup({ stallMs }, { host: b, handlers: nb, logger: silentLogger });
  services.push(ca, cb);
  await ca.start();
  await cb.start();
  return { a, b, na, nb, ca, cb };
}

describe("RoundCatchup", () => {
  it("a node stuck at a round fetches the votes it missed from a peer", async () => {
    const { na, nb } = await pair(150);
    nb.serve = (h, r) => ({ proposal: null, votes: [vote(0, h, r), vote(1, h, r)], decided: null });
    na.round = { height: 5, round: 2, hasProposal: true };
    await na.until(() => na.got.length >= 2);
    expect(nb.asked[0]).toEqual({ height: 5, round: 2 });
    expect(na.got.map((v) => [v.height, v.round, v.validatorIndex])).toEqual([
      [5, 2, valset.indexOf(addressFromPublicKey(keys[0]!.publicKey))],
      [5, 2, valset.indexOf(addressFromPublicKey(keys[1]!.publicKey))],
    ]);
  });

  it("penalises a peer that answers with badly signed votes", async () => {
    const { a, b, na, nb, ca } = await pair(60_000);
    nb.serve = (h, r) => ({ proposal: null, votes: [vote(0, h, r), vote(2, h, r, true)], decided: null });
    const result = await ca.requestFrom(b.peerId, 3, 0);
    expect(result).toEqual({ accepted: 1, rejected: 1 });
    expect(na.got).toHaveLength(1);
    expect(a.scorer.penalty(b.peerId)).toBeGreaterThan(0);
  });
});
