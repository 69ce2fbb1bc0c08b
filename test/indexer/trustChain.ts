/**
 * A chain exercising the trust rules of issue 13 for the indexer and API tests: attester, threshold, guardian, trust
 * periods and token policies set; a model left provisional, one verified, one claimed by an attested steward with a
 * corrected lineage, one reassigned then revoked with its beneficiary replaced; a guardian's dismissal; a claim
 * redirected with claimTo.
 */
import { keccak256, parseEther, stringToHex, type Address, type Hex } from "viem";

import { NATIVE_TOKEN } from "../../src/core/constants.js";
import { contributorClaim } from "../../src/core/contributorClaim.js";
import { contributorTree } from "../../src/core/contributorTree.js";
import { GUARDIAN_ROLE } from "../../src/store/trustEvents.js";
import { ADMIN, DISPUTER, PAYER, send } from "../property/harness.js";
import { attest as attestWith } from "../property/world.js";
import type { Scenario } from "./scenario.js";

export const ATTESTER = 18;
export const GUARDIAN = 17;
export const STEWARD = 4;
export const NEW_STEWARD = 5;
export const CONTRIBUTOR = 8;
export const RECIPIENT = 9;
export const BENEFICIARY = 10;

type Registered = { id: Hex; key: string };

/** A trust scenario's chain: settings, two models (one provisional, one verified), disputes and a redirected claim. */
export async function buildTrustChain(scenario: Scenario) {
  const { d } = scenario;
  const account = (i: number) => d.accounts[i]!;
  const registry = (from: number, functionName: string, args: readonly unknown[], value?: bigint) =>
    send(d, from, d.registry.address, d.registryAbi, functionName, args, value);
  const router = (from: number, functionName: string, args: readonly unknown[], value?: bigint) =>
    send(d, from, d.router.address, d.routerAbi, functionName, args, value);

  await registry(ADMIN, "setAttester", [account(ATTESTER), true]);
  await registry(ADMIN, "setAttesterThreshold", [1]);
  await registry(ADMIN, "setTrustPeriods", [{ provisional: 1_000_000, disputeCooldown: 3_600, epochRenewal: 0 }]);
  await registry(ADMIN, "grantRole", [GUARDIAN_ROLE, account(GUARDIAN)]);
  await router(ADMIN, "setTokenBlocked", [d.tokens[2]!.address, true]);
  await router(ADMIN, "setTokensAllowed", [[d.tokens[1]!.address], true]);

  const contributors = [{ account: account(CONTRIBUTOR), role: 0, weightPpm: 1_000_000 }];
  const register = async (key: string): Promise<Registered> => {
    await registry(STEWARD, "register", [
      {
        key,
        steward: account(STEWARD),
        upstreamPpm: 0,
        parents: [],
        expectedParentTerms: [],
        contributors,
        terms: { derivativesAllowed: true, minDerivativePpm: 0 },
        weightsDigest: keccak256(stringToHex(key)),
        metadataURI: `https://huggingface.co/${key.slice(3)}`,
        license: "MIT",
      },
    ]);
    return { id: keccak256(stringToHex(key)), key };
  };
  const a = await register("hf:trust/provisional");
  const b = await register("hf:trust/verified");
  // c stays provisional: payments arrive, nothing leaves.
  const c = await register("hf:trust/waiting");
  await router(PAYER, "pay", [c.id, NATIVE_TOKEN, 5_000n], 5_000n);
  // e: claimed by its attested steward, who corrects its lineage once (b is older).
  const e = await register("hf:trust/claimed");
  await router(PAYER, "pay", [e.id, NATIVE_TOKEN, 7_000n], 7_000n);
  const lineage = {
    upstreamPpm: 100_000,
    parents: [{ parentId: b.id, relation: 0, weightPpm: 1_000_000 }],
    expectedParentTerms: [{ derivativesAllowed: true, minDerivativePpm: 0 }],
  };
  await registry(NEW_STEWARD, "claimModel", [
    e.id,
    contributors,
    true,
    lineage,
    await attest(scenario, e.id, account(NEW_STEWARD)),
  ]);
  await verify(scenario, b.id, account(STEWARD));

  // A payment into b, claimed by its contributor to another recipient.
  await router(PAYER, "pay", [b.id, NATIVE_TOKEN, parseEther("1")], parseEther("1"));
  const entry = contributorTree(contributors).entries[0]!;
  await router(CONTRIBUTOR, "claimTo", [
    NATIVE_TOKEN,
    [contributorClaim({ ...entry, modelId: b.id, epoch: 0 })],
    account(RECIPIENT),
  ]);

  // A dispute on b dismissed by the guardian: cool-down, and the next bond doubles.
  await registry(DISPUTER, "raiseDispute", [b.id, keccak256(stringToHex("evidence"))], d.disputeBond);
  await registry(GUARDIAN, "dismissDispute", [1n]);
  // a: reassigned by governance, then revoked and its beneficiary replaced.
  await registry(ADMIN, "reassign", [a.id, account(NEW_STEWARD), contributors]);
  await registry(DISPUTER, "raiseDispute", [a.id, keccak256(stringToHex("squatted"))], d.disputeBond);
  await registry(ADMIN, "resolveDispute", [2n, true, account(BENEFICIARY)]);
  await registry(ADMIN, "replaceBeneficiary", [a.id, account(RECIPIENT)]);
  return { a, b, c, e, lineage, entry, contributors };
}

/** An attestation that `steward` stewards `id`, submitted with verify(). */
export async function verify(scenario: Scenario, id: Hex, steward: Address) {
  const proof = await attest(scenario, id, steward);
  await send(scenario.d, 0, scenario.d.registry.address, scenario.d.registryAbi, "verify", [id, proof]);
}

/** The harness's attester's proof that `steward` stewards `id`, for the identity's current nonce. */
export const attest = (scenario: Scenario, id: Hex, steward: Address) => attestWith(scenario.d, id, steward);

/** The test accounts `holds` says yes for on chain, in lower-case order (the API's). */
async function holdersOnChain({ d }: Scenario, holds: (account: Address) => Promise<unknown>): Promise<Address[]> {
  const holders: Address[] = [];
  for (const account of d.accounts) if (await holds(account)) holders.push(account);
  return holders.sort((x, y) => x.toLowerCase().localeCompare(y.toLowerCase()));
}

/** The test accounts holding GUARDIAN_ROLE, as the registry says. */
export const guardiansOnChain = (scenario: Scenario) =>
  holdersOnChain(scenario, (account) => scenario.d.registry.read.hasRole([GUARDIAN_ROLE, account]));

/** The test accounts the registry counts as attesters. */
export const attestersOnChain = (scenario: Scenario) =>
  holdersOnChain(scenario, (account) => scenario.d.registry.read.isAttester([account]));
