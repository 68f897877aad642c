/**
 * SLSBFT staking benchmarks (issue 6):
 *  - the election draw: 100 validators from 10,000 weighted candidates (pure, the Fenwick draw
 *    plus voting powers), averaged over several seeds;
 *  - a real DccnApp with 100 validators (genesis candidates, 100 precommits per block): the
 *    BeginBlock (liveness windows of 100 validators + reward distribution) and EndBlock of an
 *    ordinary block, and the EndBlock of an epoch's last block (election among 100 candidates);
 *  - the same epoch EndBlock with 10,000 stored candidates electing 100 (candidate iteration,
 *    service levels, the draw and the set diff).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { VoteInfo } from "../src/abci/types.js";
import { toBase64, u64be } from "../src/codec/bytes.js";
import { addressFromPublicKey, toBech32 } from "../src/crypto/address.js";
import { PrivateKey } from "../src/crypto/ed25519.js";
import { sha256 } from "../src/crypto/hash.js";
import { DccnApp } from "../src/dccn-app/app.js";
import {
  createStakingModule,
  drawWeighted,
  electionSeed,
  NO_MARKET_INPUTS,
  votingPowers,
} from "../src/dccn-app/staking/index.js";
import { DEFAULT_CONSENSUS_PARAMS } from "../src/types/params.js";
import { benchHeader } from "./fixtures.js";
import { type BenchRow, renderTable } from "./table.js";

export interface StakingBenchOptions {
  readonly candidates?: number;
  readonly elected?: number;
  readonly draws?: number;
  readonly validators?: number;
  readonly blocks?: number;
}

const ANKR = 10n ** 18n;
const round = (x: number) => Math.round(x * 100) / 100;

function benchDraw(candidates: number, elected: number, draws: number): number {
  const pool = Array.from({ length: candidates }, (_, i) => {
    const id = sha256(u64be(i)).slice(0, 20);
    // Stake 1..1000 ANKR × service level 0.3..1.0 (ppm): realistic magnitudes for bigint weights.
    const stake = BigInt(1 + ((id[0]! * 256 + id[1]!) % 1000)) * ANKR;
    const sl = 300_000n + BigInt((id[2]! * 256 + id[3]!) % 700_001);
    return { id, weight: stake * sl, value: i };
  });
  // Warm-up, then timed runs over distinct seeds.
  drawWeighted(pool, elected, electionSeed("bench", 0, new Uint8Array(32)));
  const t0 = performance.now();
  for (let s = 1; s <= draws; s++) {
    const picked = drawWeighted(pool, elected, electionSeed("bench", s, new Uint8Array(32)));
    votingPowers(picked.map((c) => c.weight));
  }
  return (performance.now() - t0) / draws;
}

/** Runs `blocks` ordinary blocks and then an epoch end, with `candidates` ≥ `validators` candidates. */
async function benchBlocks(validators: number, candidates: number, blocks: number) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-staking-"));
  const chainId = "bench-staking";
  const keys = Array.from({ length: candidates }, (_, i) => PrivateKey.fromSeed(sha256(u64be(100_000 + i))));
  const operators = Array.from({ length: candidates }, (_, i) => sha256(u64be(200_000 + i)).slice(0, 20));
  const set = keys.slice(0, validators);
  const epochBlocks = blocks + 1;
  const app = await DccnApp.open({
    dbPath: path.join(dir, "application.db"),
    modules: [createStakingModule({ serviceLevel: NO_MARKET_INPUTS })],
  });
  try {
    await app.initChain({
      timeMs: 1_700_000_000_000,
      chainId,
      initialHeight: 1,
      consensusParams: DEFAULT_CONSENSUS_PARAMS,
      validators: set.map((k) => ({ pubKey: k.publicKey, power: 10 })),
      appStateJson: JSON.stringify({
        accounts: [...operators.map((o) => ({ address: toBech32(o), balance: (1000n * ANKR).toString() }))],
        staking: {
          params: { epoch_blocks: epochBlocks, max_validators: validators, downtime_window: 100 },
          stakes: operators.map((o, i) => ({
            address: toBech32(o),
            amount: (BigInt(10 + (i % 900)) * ANKR).toString(),
          })),
          candidates: operators.map((o, i) => ({
            operator: toBech32(o),
            pub_key: toBase64(keys[i]!.publicKey),
            service_level_ppm: 500_000 + (i % 500) * 1000,
          })),
        },
      }),
    });
    const votes: VoteInfo[] = set.map((k, i) => ({
      validatorAddress: addressFromPublicKey(k.publicKey),
      power: 10,
      signedLastBlock: i % 10 !== 0,
    }));
    let beginMs = 0;
    let endMs = 0;
    let epochEndMs = 0;
    for (let h = 1; h <= epochBlocks; h++) {
      const proposer = addressFromPublicKey(keys[h % validators]!.publicKey);
      let t0 = performance.now();
      await app.beginBlock({
        hash: sha256(u64be(h)),
        header: benchHeader(chainId, h, proposer),
        lastCommitInfo: { round: 0, votes: h === 1 ? [] : votes },
        byzantineValidators: [],
      });
      const begin = performance.now() - t0;
      t0 = performance.now();
      const end = await app.endBlock({ height: h });
      const endTime = performance.now() - t0;
      await app.commit();
      if (h === epochBlocks) {
        epochEndMs = endTime;
        if (end.validatorUpdates.length === 0) throw new Error("benchStaking: the election sent no updates");
      } else if (h > 1) {
        beginMs += begin;
        endMs += endTime;
      }
    }
    return { beginMs: beginMs / (blocks - 1), endMs: endMs / (blocks - 1), epochEndMs };
  } finally {
    await app.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export async function benchStaking(opts: StakingBenchOptions = {}): Promise<BenchRow[]> {
  const candidates = opts.candidates ?? 10_000;
  const elected = opts.elected ?? 100;
  const validators = opts.validators ?? 100;
  const drawMs = benchDraw(candidates, elected, opts.draws ?? 20);
  const b = await benchBlocks(validators, validators, opts.blocks ?? 30);
  const big = await benchBlocks(validators, candidates, 3);
  return [
    {
      group: "staking",
      name: `election_draw_${elected}_of_${candidates}_ms`,
      value: round(drawMs),
      unit: "ms",
    },
    {
      group: "staking",
      name: `begin_block_${validators}_validators_ms`,
      value: round(b.beginMs),
      unit: "ms",
    },
    {
      group: "staking",
      name: `end_block_${validators}_validators_ms`,
      value: round(b.endMs),
      unit: "ms",
    },
    {
      group: "staking",
      name: `end_block_election_${validators}_validators_ms`,
      value: round(b.epochEndMs),
      unit: "ms",
    },
    {
      group: "staking",
      name: `end_block_election_${elected}_of_${candidates}_candidates_ms`,
      value: round(big.epochEndMs),
      unit: "ms",
    },
  ];
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(renderTable(await benchStaking()));
}
