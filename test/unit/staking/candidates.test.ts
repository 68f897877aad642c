import { afterEach, describe, expect, it } from "vitest";
import { equalBytes, toHexUpper } from "../../../src/codec/bytes.js";
import { ResultCode } from "../../../src/dccn-app/index.js";
import {
  type CandidateJson,
  msgRegisterCandidateAny,
  msgStakeAny,
  msgUpdateCandidateAny,
  msgWithdrawCandidateAny,
  type ServiceLevelInputs,
  type ServiceLevelJson,
} from "../../../src/dccn-app/staking/index.js";
import { ANKR, Chain, consKey, pop, removeTempDirs, wallet } from "./helpers.js";

afterEach(removeTempDirs);

const alice = wallet(1);
const bob = wallet(2);
const carol = wallet(3);
const kA = consKey(1);
const kB = consKey(2);
const PARAMS = { epoch_blocks: 1000, min_stake: (5n * ANKR).toString() };
const accounts: [typeof alice, bigint][] = [
  [alice, 100n * ANKR],
  [bob, 100n * ANKR],
  [carol, 100n * ANKR],
];

const register = (chain: Chain, who: typeof alice, key: typeof kA, proof = pop(key, who), extra = {}) =>
  chain.tx(
    who,
    msgRegisterCandidateAny({
      pubKey: key.pubKey,
      pop: proof,
      moniker: `node-${who.bech32.slice(-4)}`,
      ...extra,
    }),
  );

describe("candidates", () => {
  it("registers with a proof of possession and reports stake, service level and eligibility", async () => {
    const chain = await Chain.start({ accounts, staking: { params: PARAMS } });
    const b = await chain.block([
      register(chain, alice, kA),
      chain.tx(alice, msgStakeAny({ amount: 5n * ANKR })),
    ]);
    expect(b.results.map((r) => [r.code, r.log])).toEqual([
      [0, ""],
      [0, ""],
    ]);
    const c = await chain.query<CandidateJson>(`/staking/candidate/${alice.bech32}`);
    expect(c).toMatchObject({
      operator: alice.bech32,
      consensus_address: toHexUpper(kA.address),
      provider: null,
      bonded: (5n * ANKR).toString(),
      service_level_ppm: 500_000,
      service_level_source: "genesis",
      eligible: true,
      weight: (5n * ANKR * 500_000n).toString(),
      jailed: false,
      registered_height: 1,
      validator_power: 0,
    });
    expect(await chain.query<CandidateJson[]>("/staking/candidates")).toEqual([c]);
  });

  it("refuses someone else's key, a bad proof, a replayed proof and a second registration", async () => {
    const chain = await Chain.start({ accounts, staking: { params: PARAMS } });
    await chain.block([register(chain, alice, kA)]);
    const before = await chain.query<CandidateJson[]>("/staking/candidates");

    const b = await chain.block([
      // Bob presents Alice's key with Alice's own proof: it names Alice as the operator.
      register(chain, bob, kA, pop(kA, alice)),
      // Bob signs with his key but claims Alice's: the signature does not verify.
      register(chain, bob, kA, pop(kB, bob)),
      // A proof made for another chain.
      register(chain, bob, kB, pop(kB, bob, "other-chain")),
      // Carol really holds Alice's key, but it is Alice's now.
      register(chain, carol, kA, pop(kA, carol)),
      // Alice again.
      register(chain, alice, kB, pop(kB, alice)),
    ]);
    expect(b.results.map((r) => r.code)).toEqual([
      ResultCode.BAD_SIGNATURE,
      ResultCode.BAD_SIGNATURE,
      ResultCode.BAD_SIGNATURE,
      ResultCode.INVALID_MSG,
      ResultCode.INVALID_MSG,
    ]);
    expect(b.results[0]!.log).toMatch(/proof of possession does not verify/);
    expect(b.results[3]!.log).toMatch(new RegExp(`already registered by ${alice.bech32}`));
    expect(b.results[4]!.log).toMatch(/already a candidate/);
    expect(await chain.query<CandidateJson[]>("/staking/candidates")).toEqual(before);
  });

  it("refuses malformed registrations statelessly", async () => {
    const chain = await Chain.start({ accounts, staking: { params: PARAMS } });
    const tooLong = register(chain, bob, kB, pop(kB, bob), { moniker: "x".repeat(65) });
    const check = await chain.app.checkTx(tooLong, "new");
    expect(check.code).toBe(ResultCode.INVALID_MSG);
    expect(check.log).toMatch(/moniker must be 1\.\.64 printable characters/);
  });

  it("updates moniker and provider, withdraws, and lets only the same operator reuse the key", async () => {
    const chain = await Chain.start({ accounts, staking: { params: PARAMS } });
    await chain.block([register(chain, alice, kA)]);
    const b = await chain.block([
      chain.tx(
        alice,
        msgUpdateCandidateAny({ moniker: "renamed", provider: alice.address, clearProvider: false }),
      ),
      chain.tx(alice, msgUpdateCandidateAny({ moniker: "", provider: bob.address, clearProvider: false })),
      chain.tx(bob, msgUpdateCandidateAny({ moniker: "nope", clearProvider: false })),
    ]);
    expect(b.results.map((r) => r.code)).toEqual([0, ResultCode.INVALID_MSG, ResultCode.INVALID_MSG]);
    expect(b.results[1]!.log).toMatch(/not the operator's own account/);
    expect(b.results[2]!.log).toMatch(/is not a candidate/);
    let c = await chain.query<CandidateJson>(`/staking/candidate/${alice.bech32}`);
    expect(c).toMatchObject({ moniker: "renamed", provider: alice.bech32 });

    await chain.block([chain.tx(alice, msgUpdateCandidateAny({ moniker: "", clearProvider: true }))]);
    c = await chain.query<CandidateJson>(`/staking/candidate/${alice.bech32}`);
    expect(c).toMatchObject({ moniker: "renamed", provider: null });

    const w = await chain.block([chain.tx(alice, msgWithdrawCandidateAny())]);
    expect(w.results[0]!.code).toBe(0);
    expect(await chain.query<CandidateJson[]>("/staking/candidates")).toEqual([]);
    expect((await chain.queryError(`/staking/candidate/${alice.bech32}`)).log).toMatch(/is not a candidate/);

    const again = await chain.block([register(chain, carol, kA, pop(kA, carol)), register(chain, alice, kA)]);
    expect(again.results.map((r) => r.code)).toEqual([ResultCode.INVALID_MSG, 0]);
  });

  it("takes the service level from the market's provider record, then consumer credit, then genesis", async () => {
    const inputs: ServiceLevelInputs = {
      providerServiceLevelPpm: async (_s, provider) =>
        equalBytes(provider, alice.address) ? 900_000 : undefined,
      consumerCreditPpm: async (_s, account) => (equalBytes(account, bob.address) ? 1_700_000 : undefined),
    };
    const chain = await Chain.start(
      {
        accounts,
        staking: {
          params: PARAMS,
          candidates: [
            {
              operator: alice.bech32,
              pub_key: Buffer.from(kA.pubKey).toString("base64"),
              provider: alice.bech32,
            },
            { operator: bob.bech32, pub_key: Buffer.from(kB.pubKey).toString("base64") },
            {
              operator: carol.bech32,
              pub_key: Buffer.from(consKey(3).pubKey).toString("base64"),
              service_level_ppm: 250_000,
            },
          ],
        },
      },
      inputs,
    );
    const sl = (w: typeof alice) => chain.query<ServiceLevelJson>(`/staking/service-level/${w.bech32}`);
    expect(await sl(alice)).toEqual({
      address: alice.bech32,
      service_level_ppm: 900_000,
      source: "market-provider",
      provider: alice.bech32,
      candidate: true,
    });
    // Out-of-range market values are clamped to [0, 1].
    expect(await sl(bob)).toMatchObject({ service_level_ppm: 1_000_000, source: "market-consumer" });
    expect(await sl(carol)).toMatchObject({ service_level_ppm: 250_000, source: "genesis" });
    const stranger = wallet(9);
    expect(await sl(stranger)).toMatchObject({
      service_level_ppm: 500_000,
      source: "genesis",
      candidate: false,
    });
    // Carol's service level is under the 300,000 ppm threshold: not eligible whatever her stake.
    await chain.block([chain.tx(carol, msgStakeAny({ amount: 50n * ANKR }))]);
    expect((await chain.query<CandidateJson>(`/staking/candidate/${carol.bech32}`)).eligible).toBe(false);
  });
});
