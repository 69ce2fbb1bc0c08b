/**
 * The test's own record of a Stemma deployment (what it registered and did, independent of the engine), a random
 * lineage generator, and the random actions of the property test. Each action sends real transactions and checks
 * its direct effects (amounts paid out, recipients' balances); the full engine-versus-chain comparison is in
 * mirror.ts.
 */
import { expect } from "chai";
import { getAddress, keccak256, stringToHex, zeroAddress, type Address, type Hex } from "viem";

import { ATTESTATION_DOMAIN, ATTESTATION_TYPES } from "../../src/core/attestation.js";
import { ModelStatus, NATIVE_TOKEN, Role } from "../../src/core/constants.js";
import { contributorClaim } from "../../src/core/contributorClaim.js";
import { contributorTree } from "../../src/core/contributorTree.js";
import { modelId } from "../../src/core/modelId.js";
import type { Contributor, ContributorTree, ParentEdge, Terms } from "../../src/core/types.js";
import {
  ADMIN,
  ATTESTER,
  CONTRIBUTORS,
  DISPUTER,
  GUARDIAN,
  PAYER,
  STEWARDS,
  TREASURY,
  WALLET_COUNT,
  balanceOf,
  gasCost,
  send,
  sendExpectingRevert,
  sync,
  type ClaimArg,
  type Deployment,
  type Token,
} from "./harness.js";
import type { Rng } from "./rng.js";

const PPM = 1_000_000;
const MAX_DEPTH = 8;
/** The registry's provisional window while a run registers provisional models, in seconds. */
const PROVISIONAL_WINDOW = 3_600;

// ---------------------------------------------------------------------------------------------- lineage plans

/** A model to register: a placeholder (no steward, parents or contributors) or a full registration. */
export type ModelPlan = {
  key: string;
  id: Hex;
  /** 1 for a root; 1 + the deepest parent's depth otherwise. */
  depth: number;
  placeholder: boolean;
  /** Wallet index; `null` for a placeholder. */
  steward: number | null;
  upstreamPpm: number;
  parents: ParentEdge[];
  terms: Terms;
  /** Epoch 0's set; `null` for a placeholder (escrow). */
  contributors: Contributor[] | null;
  /**
   * How a model is registered: `register` with no provisional window, `register` while the admin has set one
   * (provisional), or `registerVerified` with an attestation. A placeholder `withChild` is created by the next plan's
   * `registerWithPlaceholders` instead of by governance.
   */
  registration: "plain" | "provisional" | "verified";
  withChild: boolean;
};

export type LineageOptions = {
  seedLabel: string;
  count: number;
  accounts: readonly Address[];
  /** Vary registrations (provisional, verified, placeholders created with a child). @default false */
  trust?: boolean;
};

/** A random contributor set: 1..12 entries (accounts repeat across and within sets), weights summing to PPM. */
export function randomContributors(rng: Rng, accounts: readonly Address[]): Contributor[] {
  const n = rng.chance(0.15) ? 1 : rng.chance(0.1) ? 12 : rng.range(1, 12);
  const weights = rng.weights(n);
  const out: Contributor[] = [];
  for (let i = 0; i < n; i++) {
    const repeat = i > 0 && rng.chance(0.2);
    const account = repeat ? out[rng.int(i)]!.account : accounts[rng.pick(CONTRIBUTORS)]!;
    out.push({ account, role: rng.int(11), weightPpm: weights[i]! });
  }
  return out;
}

function randomTerms(rng: Rng): Terms {
  const derivativesAllowed = rng.chance(0.9);
  const roll = rng.float();
  const minDerivativePpm =
    roll < 0.5 ? 0 : roll < 0.85 ? rng.range(1, 250_000) : roll < 0.95 ? rng.pick([1, 333_333, 500_000]) : PPM;
  return { derivativesAllowed, minDerivativePpm };
}

const ceilDiv = (a: number, b: number): number => Math.floor((a + b - 1) / b);

/**
 * Chooses upstream share and edge weights for `parents` that meet every parent's `minDerivativePpm`
 * (`upstream * weight >= min * PPM`), often right at the boundary; drops the most demanding parent while no choice
 * fits. Returns `null` when no parent is left.
 */
export function fitLineage(
  rng: Rng,
  parents: ModelPlan[],
): { upstreamPpm: number; weights: number[]; kept: ModelPlan[] } | null {
  let kept = [...parents];
  while (kept.length > 0) {
    const mins = kept.map((p) => p.terms.minDerivativePpm);
    const allZero = mins.every((m) => m === 0);
    const candidates = allZero
      ? [rng.pick([0, 0, PPM, 1, 999_999]), rng.range(0, PPM)]
      : [PPM, rng.range(1, PPM), rng.range(500_000, PPM)];
    for (const upstreamPpm of rng.shuffle(candidates)) {
      if (upstreamPpm === 0 && !allZero) continue;
      // Least weight per parent (at least 1): exactly the boundary of the registry's check.
      const base = mins.map((m) => (m === 0 ? 1 : ceilDiv(m * PPM, upstreamPpm)));
      const used = base.reduce((a, b) => a + b, 0);
      if (used > PPM) continue;
      let rest = PPM - used;
      const weights = [...base];
      if (rest > 0) {
        if (rng.chance(0.3)) weights[rng.int(weights.length)]! += rest;
        else {
          const extra = rng.weights(weights.length + 1, rest + weights.length + 1).map((w) => w - 1);
          for (let i = 0; i < weights.length; i++) weights[i]! += extra[i]!;
          rest = extra[weights.length]!;
          weights[weights.length - 1]! += rest;
        }
      }
      return { upstreamPpm, weights, kept };
    }
    const hardest = mins.indexOf(Math.max(...mins));
    kept = kept.filter((_, i) => i !== hardest);
  }
  return null;
}

/**
 * A random lineage of `count` models in registration order (parents first): a few roots, some unclaimed
 * placeholders, derivatives with 1..4 parents (merges), depth up to 8, upstream shares including 0 and PPM, and
 * parents' terms always met.
 */
export function planLineage(rng: Rng, { seedLabel, count, accounts, trust = false }: LineageOptions): ModelPlan[] {
  const plans: ModelPlan[] = [];
  let placeholders = 0;
  for (let i = 0; i < count; i++) {
    const key = `hf:stemma-prop/${seedLabel}-m${i}${rng.chance(0.3) ? `@${keccak256(stringToHex(`${i}`)).slice(2, 9)}` : ""}`;
    const id = modelId(key);
    const wantPlaceholder = (i === 1 || rng.chance(0.15)) && placeholders < 4;
    if (wantPlaceholder) {
      placeholders++;
      plans.push({
        key,
        id,
        depth: 1,
        placeholder: true,
        steward: null,
        upstreamPpm: 0,
        parents: [],
        terms: { derivativesAllowed: true, minDerivativePpm: 0 },
        contributors: null,
        registration: "plain",
        withChild: false,
      });
      continue;
    }
    const steward = rng.chance(0.8) ? rng.pick(STEWARDS) : rng.pick(CONTRIBUTORS);
    const terms = randomTerms(rng);
    const eligible = plans.filter((p) => p.terms.derivativesAllowed && p.depth < MAX_DEPTH);
    const wanted = i < 2 ? 0 : rng.pick([0, 1, 1, 1, 2, 2, 3, 4]);
    let chosen: ModelPlan[] = [];
    if (wanted > 0 && eligible.length > 0) {
      chosen = rng.subset(eligible, 1, wanted);
      // Grow deep chains: often include the deepest eligible model.
      const deepest = eligible.reduce((a, b) => (b.depth > a.depth ? b : a));
      if (rng.chance(0.5) && !chosen.includes(deepest)) chosen[0] = deepest;
    }
    const fit = chosen.length > 0 ? fitLineage(rng, chosen) : null;
    const parents: ParentEdge[] =
      fit === null
        ? []
        : fit.kept.map((p, j) => ({ parentId: p.id, relation: rng.int(6), weightPpm: fit.weights[j]! }));
    const depth = fit === null ? 1 : 1 + Math.max(...fit.kept.map((p) => p.depth));
    plans.push({
      key,
      id,
      depth,
      placeholder: false,
      steward,
      upstreamPpm: fit === null ? 0 : fit.upstreamPpm,
      parents,
      terms,
      contributors: randomContributors(rng, accounts),
      registration: trust ? rng.pick(["plain", "provisional", "provisional", "verified"] as const) : "plain",
      withChild: false,
    });
    const previous = plans[i - 1];
    if (trust && previous?.placeholder === true && parents.some((e) => e.parentId === previous.id))
      previous.withChild = rng.chance(0.7);
  }
  return plans;
}

// ---------------------------------------------------------------------------------------------- records

export type ModelRecord = {
  plan: ModelPlan;
  id: Hex;
  /** Registration order. */
  index: number;
  /** Wallet index of the steward; `null` while an unclaimed placeholder. */
  steward: number | null;
  upstreamPpm: number;
  parents: readonly ParentEdge[];
  /** The contributor set of each epoch (`null`: escrow, no set). */
  sets: (Contributor[] | null)[];
  trees: (ContributorTree | null)[];
  status: number;
  revokedEpoch: number;
  beneficiary: Address | null;
  /** The pending dispute's id. */
  dispute: bigint | null;
  /** Nothing may leave the model (registered provisional, or an unclaimed placeholder). */
  provisional: boolean;
};

export type DisputeRecord = {
  id: bigint;
  model: ModelRecord;
  outcome: "pending" | "dismissed" | "upheld";
  bondWithdrawn: boolean;
};

export type World = {
  d: Deployment;
  rng: Rng;
  models: ModelRecord[];
  disputes: DisputeRecord[];
  /** One line per action, for failure reports. */
  trace: string[];
  /** Tokens whose figures the actions since the last check may have changed (global actions touch all). */
  touched: Set<Address>;
};

const touch = (w: World, ...tokens: readonly Token[]): void => {
  for (const token of tokens) w.touched.add(token.address);
};

/** One entry of one epoch of one model, with its Merkle proof. */
export type EntryRef = { model: ModelRecord; epoch: number; entry: ContributorTree["entries"][number] };

export const claimArg = ({ model, epoch, entry }: EntryRef): ClaimArg =>
  contributorClaim({ ...entry, modelId: model.id, epoch });

/** Every entry of every epoch that has a set, from the test's own records. */
export function allEntries(models: readonly ModelRecord[]): EntryRef[] {
  const out: EntryRef[] = [];
  for (const model of models)
    model.trees.forEach((tree, epoch) => {
      for (const entry of tree?.entries ?? []) out.push({ model, epoch, entry });
    });
  return out;
}

const treeOf = (set: Contributor[] | null): ContributorTree | null => (set === null ? null : contributorTree(set));

export type VerificationProof = { revision: Hex; deadline: bigint; signatures: Hex[] };

/**
 * The attester's EIP-712 signature that `steward` stewards `id`, for the model's current identity nonce (0 for a key
 * never registered).
 */
export async function attest(d: Deployment, id: Hex, steward: Address): Promise<VerificationProof> {
  const { nonce } = (await d.publicClient.readContract({
    address: d.registry.address,
    abi: d.registryAbi,
    functionName: "identity",
    args: [id],
  })) as { nonce: number };
  const revision = keccak256(stringToHex(`model card of ${id} at ${nonce}`));
  const deadline = 2n ** 62n;
  const attester = d.wallets[ATTESTER]!;
  const signature = await attester.signTypedData({
    account: attester.account,
    domain: {
      ...ATTESTATION_DOMAIN,
      chainId: await d.publicClient.getChainId(),
      verifyingContract: d.registry.address,
    },
    types: ATTESTATION_TYPES,
    primaryType: "Attestation",
    message: { modelId: id, steward, revision, nonce, deadline },
  });
  return { revision, deadline, signatures: [signature] };
}

/**
 * Registers the planned lineage on a deployment and returns the records. The admin turns the registry's provisional
 * window on for the plans registered provisional and off for the others.
 */
export async function registerLineage(d: Deployment, plans: readonly ModelPlan[]): Promise<ModelRecord[]> {
  const records: ModelRecord[] = [];
  const termsOf = new Map(plans.map((p) => [p.id, p.terms]));
  let window = 0;
  let withChild: string[] = [];
  for (const plan of plans) {
    if (plan.placeholder && plan.withChild) withChild.push(plan.key);
    else if (plan.placeholder) {
      await send(d, ADMIN, d.registry.address, d.registryAbi, "registerPlaceholder", [plan.key]);
    } else {
      const wanted = plan.registration === "provisional" ? PROVISIONAL_WINDOW : 0;
      if (plan.registration !== "verified" && wanted !== window) {
        const periods = { provisional: wanted, disputeCooldown: 0, epochRenewal: 0 };
        await send(d, ADMIN, d.registry.address, d.registryAbi, "setTrustPeriods", [periods]);
        window = wanted;
      }
      const registration = {
        key: plan.key,
        steward: d.accounts[plan.steward!]!,
        upstreamPpm: plan.upstreamPpm,
        parents: plan.parents,
        expectedParentTerms: plan.parents.map((edge) => termsOf.get(edge.parentId)!),
        contributors: plan.contributors!,
        terms: plan.terms,
        weightsDigest: keccak256(stringToHex(`weights of ${plan.key}`)),
        metadataURI: `https://huggingface.co/${plan.key.slice(3)}`,
        license: "Apache-2.0",
      };
      const steward = d.accounts[plan.steward!]!;
      const { registry, registryAbi } = d;
      if (plan.registration === "verified") {
        const proof = await attest(d, plan.id, steward);
        await send(d, plan.steward!, registry.address, registryAbi, "registerVerified", [
          registration,
          withChild,
          proof,
        ]);
      } else if (withChild.length > 0) {
        await send(d, plan.steward!, registry.address, registryAbi, "registerWithPlaceholders", [
          registration,
          withChild,
        ]);
      } else await send(d, plan.steward!, registry.address, registryAbi, "register", [registration]);
      withChild = [];
    }
    records.push({
      plan,
      id: plan.id,
      index: records.length,
      steward: plan.steward,
      upstreamPpm: plan.upstreamPpm,
      parents: plan.parents,
      sets: [plan.contributors],
      trees: [treeOf(plan.contributors)],
      status: ModelStatus.ACTIVE,
      revokedEpoch: 0,
      beneficiary: null,
      dispute: null,
      provisional: plan.placeholder || plan.registration === "provisional",
    });
  }
  expect(withChild, "every placeholder planned with a child was created with it").to.deep.equal([]);
  await sync(d);
  return records;
}

// ---------------------------------------------------------------------------------------------- actions

export type ActionKind =
  | "pay"
  | "propagate"
  | "propagateBatch"
  | "claim"
  | "claimTo"
  | "claimRefused"
  | "setContributors"
  | "assignPlaceholder"
  | "setFee"
  | "withdrawFees"
  | "raiseDispute"
  | "resolveDispute"
  | "withdrawBond"
  | "reassign"
  | "replaceBeneficiary"
  | "sweepContributor"
  | "verify"
  | "claimModel"
  | "endProvisional";

export type ActionOptions = {
  /** Leave out contributor changes, identity changes and disputes (batching invariance needs one epoch). */
  singleEpoch?: boolean;
};

const short = (model: ModelRecord): string => `m${model.index}`;
const tokenName = (token: Token): string => token.symbol;

const propagateArgs = (model: ModelRecord, token: Token) => [model.id, token.address, model.parents] as const;

const step = (model: ModelRecord, token: Token) => ({
  modelId: model.id,
  token: token.address,
  parents: model.parents,
});

const currentEpoch = (model: ModelRecord): number => model.sets.length - 1;

/**
 * A revoked model's epoch that only its current beneficiary can take, by sweep (SPEC "Revocation"): the contested
 * epoch just before the first beneficiary's, and earlier beneficiaries' epochs.
 */
export const sweepOnly = (model: ModelRecord, epoch: number): boolean =>
  model.status === ModelStatus.REVOKED &&
  (epoch + 1 === model.revokedEpoch || (epoch >= model.revokedEpoch && epoch < currentEpoch(model)));

/** The custom error the router refuses a claim of `epoch`'s entries with now, or `null` (RevenueRouter order). */
export function claimRefusal(model: ModelRecord, epoch: number): string | null {
  if (model.provisional) return "RevenueRouterModelProvisional";
  if (model.status === ModelStatus.DISPUTED && epoch === currentEpoch(model)) return "RevenueRouterModelFrozen";
  if (sweepOnly(model, epoch)) return "RevenueRouterModelRevoked";
  return null;
}

/** Checks that `account` received exactly `amount` of `token` in the transaction(s) behind `before`. */
async function expectReceived(
  w: World,
  token: Token,
  account: Address,
  before: bigint,
  amount: bigint,
  gasPaidByAccount: bigint,
  what: string,
): Promise<void> {
  const after = await balanceOf(w.d, token.address, account);
  const gas = token.address === NATIVE_TOKEN ? gasPaidByAccount : 0n;
  expect(after - before + gas, `${what}: ${account} should receive ${amount} ${token.symbol}`).to.equal(amount);
}

/** Which action kinds can run now, with their weights. */
/** A provisional model with a steward whose window anyone may end once it passes: not while it is disputed. */
const isEndable = (m: ModelRecord): boolean => m.provisional && m.steward !== null && m.status === ModelStatus.ACTIVE;

function availableActions(w: World, options: ActionOptions): Record<ActionKind, number> {
  const active = w.models.filter((m) => m.status === ModelStatus.ACTIVE);
  const revoked = w.models.filter((m) => m.status === ModelStatus.REVOKED);
  const pending = w.disputes.filter((x) => x.outcome === "pending");
  const many = options.singleEpoch !== true;
  return {
    pay: 30,
    propagate: 10,
    propagateBatch: w.models.some((m) => !m.provisional && m.parents.length > 0) ? 10 : 0,
    claim: 12,
    claimTo: 3,
    claimRefused: w.models.some((m) => m.provisional || m.status !== ModelStatus.ACTIVE) ? 2 : 0,
    setContributors: many && active.some((m) => m.steward !== null && !m.provisional) ? 6 : 0,
    assignPlaceholder: active.some((m) => m.steward === null) ? 3 : 0,
    setFee: 3,
    withdrawFees: 4,
    raiseDispute: many && pending.length < 3 && revoked.length < 3 && active.length > 0 ? 3 : 0,
    resolveDispute: pending.length > 0 ? 5 : 0,
    withdrawBond: w.disputes.some((x) => x.outcome !== "pending" && !x.bondWithdrawn) ? 1 : 0,
    reassign: many && w.models.some((m) => m.status !== ModelStatus.REVOKED) ? 2 : 0,
    replaceBeneficiary: revoked.length > 0 ? 2 : 0,
    sweepContributor: revoked.some((m) => allEntries([m]).some((ref) => sweepOnly(m, ref.epoch))) ? 3 : 0,
    verify: many && active.some((m) => m.steward !== null) ? 3 : 0,
    claimModel: many && active.length > 0 ? 3 : 0,
    endProvisional: many && w.models.some(isEndable) ? 2 : 0,
  };
}

/** Runs one random action (transactions + the ledger synced from their logs); returns a one-line description. */
export async function randomAction(w: World, options: ActionOptions = {}): Promise<string> {
  const kind = w.rng.weighted(availableActions(w, options));
  const line = await runAction(w, kind);
  await sync(w.d);
  w.trace.push(line);
  return line;
}

/** Gives `model` a contributor set: a provisional model's current epoch is replaced, any other starts a new one. */
function installSet(model: ModelRecord, set: Contributor[]): number {
  if (model.provisional) {
    const epoch = currentEpoch(model);
    model.sets[epoch] = set;
    model.trees[epoch] = treeOf(set);
    model.provisional = false;
    return epoch;
  }
  model.sets.push(set);
  model.trees.push(treeOf(set));
  return currentEpoch(model);
}

/** A revoked model's new beneficiary epoch (an unassigned placeholder's escrow epoch is taken over instead). */
function beneficiaryEpoch(model: ModelRecord, beneficiary: Address): void {
  if (model.sets.at(-1) === null) model.sets.pop();
  const set: Contributor[] = [{ account: beneficiary, role: Role.OTHER, weightPpm: PPM }];
  model.sets.push(set);
  model.trees[model.sets.length - 1] = treeOf(set);
  model.beneficiary = beneficiary;
  model.provisional = false;
}

const readRegistry = (d: Deployment, functionName: string, args: readonly unknown[]): Promise<unknown> =>
  d.publicClient.readContract({ address: d.registry.address, abi: d.registryAbi, functionName, args });

export async function runAction(w: World, kind: ActionKind): Promise<string> {
  const { d, rng } = w;
  const token = rng.pick(d.tokens);
  switch (kind) {
    case "pay": {
      const model = rng.pick(w.models);
      const amount = rng.amount();
      return pay(w, model, token, amount);
    }
    case "propagate": {
      const model = rng.chance(0.9)
        ? rng.pick(w.models.filter((m) => m.parents.length > 0).concat(w.models.slice(0, 1)))
        : rng.pick(w.models);
      touch(w, token);
      const preview = (await d.publicClient.readContract({
        address: d.router.address,
        abi: d.routerAbi,
        functionName: "previewPropagate",
        args: propagateArgs(model, token),
      })) as readonly bigint[];
      expect([...preview], `previewPropagate ${short(model)} ${token.symbol}: chain vs engine`).to.deep.equal(
        d.ledger.previewPropagate(model.id, token.address),
      );
      const args = propagateArgs(model, token);
      if (model.provisional) {
        const error = "RevenueRouterModelProvisional";
        await sendExpectingRevert(error, d, rng.int(WALLET_COUNT), d.router.address, d.routerAbi, "propagate", args);
        return `propagate ${short(model)} ${tokenName(token)}: reverts (${error})`;
      }
      // Disputed and revoked models propagate too: their parents are not what a dispute contests.
      const expected = d.ledger.pendingUpstream(model.id, token.address);
      await send(d, rng.int(WALLET_COUNT), d.router.address, d.routerAbi, "propagate", args);
      return `propagate ${short(model)} (status ${model.status}) ${tokenName(token)} (${expected})`;
    }
    case "propagateBatch": {
      const movable = w.models.filter((m) => !m.provisional && m.parents.length > 0);
      const pairs = movable.flatMap((m) => d.tokens.map((t) => ({ m, t })));
      const chosen = rng.subset(pairs, 1, 10);
      if (rng.chance(0.2)) chosen.push(rng.pick(chosen));
      touch(w, ...chosen.map(({ t }) => t));
      await send(d, rng.int(WALLET_COUNT), d.router.address, d.routerAbi, "propagateBatch", [
        chosen.map(({ m, t }) => step(m, t)),
      ]);
      return `propagateBatch [${chosen.map(({ m, t }) => `${short(m)}/${t.symbol}`).join(" ")}]`;
    }
    case "claim":
      return claim(w, token, false);
    case "claimTo":
      return claim(w, token, true);
    case "claimRefused": {
      const refused = allEntries(w.models).filter(({ model, epoch }) => claimRefusal(model, epoch) !== null);
      if (refused.length === 0) return pay(w, rng.pick(w.models), token, rng.amount());
      const ref = rng.pick(refused);
      const error = claimRefusal(ref.model, ref.epoch)!;
      touch(w, token);
      await sendExpectingRevert(error, d, rng.int(WALLET_COUNT), d.router.address, d.routerAbi, "claim", [
        token.address,
        [claimArg(ref)],
      ]);
      return `claim refused entry ${short(ref.model)}/e${ref.epoch}/${ref.entry.cumulativeBefore} ${token.symbol}: reverts (${error})`;
    }
    case "setContributors": {
      const model = rng.pick(
        w.models.filter((m) => m.status === ModelStatus.ACTIVE && m.steward !== null && !m.provisional),
      );
      const set = randomContributors(rng, d.accounts);
      touch(w, ...d.tokens);
      await send(d, model.steward!, d.registry.address, d.registryAbi, "setContributors", [model.id, set]);
      const epoch = installSet(model, set);
      return `setContributors ${short(model)} -> epoch ${epoch} (${set.length} entries)`;
    }
    case "assignPlaceholder": {
      const model = rng.pick(w.models.filter((m) => m.status === ModelStatus.ACTIVE && m.steward === null));
      const steward = rng.pick([...STEWARDS, ...CONTRIBUTORS]);
      const set = randomContributors(rng, d.accounts);
      touch(w, ...d.tokens);
      await send(d, ADMIN, d.registry.address, d.registryAbi, "assignPlaceholder", [
        model.id,
        d.accounts[steward]!,
        set,
      ]);
      const epoch = currentEpoch(model);
      expect(model.sets[epoch], `placeholder ${short(model)} epoch ${epoch} should be escrow`).to.equal(null);
      installSet(model, set);
      model.steward = steward;
      return `assignPlaceholder ${short(model)} epoch ${epoch} (${set.length} entries)`;
    }
    case "setFee": {
      const fee = rng.pick([0, 1, 99_999, 100_000, rng.range(0, 100_000), rng.range(0, 100_000)]);
      touch(w, ...d.tokens);
      await send(d, ADMIN, d.router.address, d.routerAbi, "setFee", [fee]);
      return `setFee ${fee}`;
    }
    case "withdrawFees": {
      const available = d.ledger.fees(token.address);
      const amount =
        available === 0n ? 0n : rng.pick([available, rng.bigBelow(available + 1n), 0n, 1n <= available ? 1n : 0n]);
      const to = rng.chance(0.5) ? TREASURY : rng.int(WALLET_COUNT);
      touch(w, token);
      const before = await balanceOf(d, token.address, d.accounts[to]!);
      const receipt = await send(d, TREASURY, d.router.address, d.routerAbi, "withdrawFees", [
        token.address,
        d.accounts[to]!,
        amount,
      ]);
      await expectReceived(
        w,
        token,
        d.accounts[to]!,
        before,
        amount,
        to === TREASURY ? gasCost(receipt) : 0n,
        "withdrawFees",
      );
      return `withdrawFees ${amount} ${token.symbol} of ${available} to w${to}`;
    }
    case "raiseDispute": {
      const model = rng.pick(w.models.filter((m) => m.status === ModelStatus.ACTIVE));
      const disputer = rng.chance(0.7) ? DISPUTER : rng.int(WALLET_COUNT);
      touch(w, ...d.tokens);
      const evidence = keccak256(stringToHex(`evidence ${w.trace.length}`));
      // The bond doubles with each dismissed dispute of the model.
      const bond = (await readRegistry(d, "disputeBondFor", [model.id])) as bigint;
      await send(d, disputer, d.registry.address, d.registryAbi, "raiseDispute", [model.id, evidence], bond);
      const id = (await readRegistry(d, "activeDispute", [model.id])) as bigint;
      model.status = ModelStatus.DISPUTED;
      model.dispute = id;
      w.disputes.push({ id, model, outcome: "pending", bondWithdrawn: false });
      return `raiseDispute #${id} on ${short(model)} (bond ${bond})`;
    }
    case "resolveDispute": {
      const dispute = rng.pick(w.disputes.filter((x) => x.outcome === "pending"));
      const model = dispute.model;
      const roll = rng.float();
      touch(w, ...d.tokens);
      model.dispute = null;
      if (roll < 0.5) {
        // Dismissed: by the guardian at once, or by governance.
        const byGuardian = roll < 0.25;
        if (byGuardian) await send(d, GUARDIAN, d.registry.address, d.registryAbi, "dismissDispute", [dispute.id]);
        else
          await send(d, ADMIN, d.registry.address, d.registryAbi, "resolveDispute", [dispute.id, false, zeroAddress]);
        dispute.outcome = "dismissed";
        model.status = ModelStatus.ACTIVE;
        return `dismiss #${dispute.id} (${short(model)}) by ${byGuardian ? "the guardian" : "governance"}`;
      }
      const beneficiary = d.accounts[rng.pick([...CONTRIBUTORS, ...STEWARDS, TREASURY])]!;
      await send(d, ADMIN, d.registry.address, d.registryAbi, "resolveDispute", [dispute.id, true, beneficiary]);
      dispute.outcome = "upheld";
      model.status = ModelStatus.REVOKED;
      beneficiaryEpoch(model, beneficiary);
      model.revokedEpoch = currentEpoch(model);
      return `uphold #${dispute.id} (${short(model)}) for ${beneficiary} from epoch ${model.revokedEpoch}`;
    }
    case "withdrawBond": {
      const dispute = rng.pick(w.disputes.filter((x) => x.outcome !== "pending" && !x.bondWithdrawn));
      await send(d, rng.int(WALLET_COUNT), d.registry.address, d.registryAbi, "withdrawBond", [dispute.id]);
      dispute.bondWithdrawn = true;
      return `withdrawBond #${dispute.id}`;
    }
    case "reassign": {
      const model = rng.pick(w.models.filter((m) => m.status !== ModelStatus.REVOKED));
      const steward = rng.pick([...STEWARDS, ...CONTRIBUTORS]);
      const set = randomContributors(rng, d.accounts);
      touch(w, ...d.tokens);
      await send(d, ADMIN, d.registry.address, d.registryAbi, "reassign", [model.id, d.accounts[steward]!, set]);
      // A pending dispute is upheld by the reassignment.
      const upheld = w.disputes.find((x) => x.model === model && x.outcome === "pending");
      if (upheld !== undefined) upheld.outcome = "upheld";
      model.dispute = null;
      model.status = ModelStatus.ACTIVE;
      model.steward = steward;
      const epoch = installSet(model, set);
      return `reassign ${short(model)}${upheld ? ` (upholds #${upheld.id})` : ""} to w${steward}, epoch ${epoch}`;
    }
    case "replaceBeneficiary": {
      const model = rng.pick(w.models.filter((m) => m.status === ModelStatus.REVOKED));
      const beneficiary = d.accounts[rng.pick([...CONTRIBUTORS, ...STEWARDS, TREASURY])]!;
      touch(w, ...d.tokens);
      await send(d, ADMIN, d.registry.address, d.registryAbi, "replaceBeneficiary", [model.id, beneficiary]);
      beneficiaryEpoch(model, beneficiary);
      return `replaceBeneficiary ${short(model)} -> ${beneficiary} (epoch ${currentEpoch(model)})`;
    }
    case "sweepContributor": {
      const model = rng.pick(
        w.models.filter(
          (m) => m.status === ModelStatus.REVOKED && allEntries([m]).some((ref) => sweepOnly(m, ref.epoch)),
        ),
      );
      const sweepable = d.ledger.sweepable(model.id, token.address)!;
      touch(w, token);
      const old = allEntries([model]).filter((ref) => sweepOnly(model, ref.epoch));
      const owed = new Map(sweepable.entries.map((e) => [`${e.epoch}:${e.cumulativeBefore}`, e.amount]));
      const withMoney = old.filter((ref) => owed.has(`${ref.epoch}:${ref.entry.cumulativeBefore}`));
      const ref = withMoney.length > 0 && rng.chance(0.85) ? rng.pick(withMoney) : rng.pick(old);
      const amount = owed.get(`${ref.epoch}:${ref.entry.cumulativeBefore}`) ?? 0n;
      const beneficiary = model.beneficiary!;
      expect(sweepable.beneficiary, `sweepable(${short(model)}).beneficiary`).to.equal(beneficiary);
      const sender = rng.int(WALLET_COUNT);
      const before = await balanceOf(d, token.address, beneficiary);
      const receipt = await send(d, sender, d.router.address, d.routerAbi, "sweepContributor", [
        token.address,
        claimArg(ref),
      ]);
      const paidGas = d.accounts[sender] === beneficiary ? gasCost(receipt) : 0n;
      await expectReceived(w, token, beneficiary, before, amount, paidGas, `sweepContributor ${short(model)}`);
      return `sweepContributor ${short(model)}/e${ref.epoch}/${ref.entry.cumulativeBefore} ${token.symbol} (${amount})`;
    }
    case "verify": {
      const model = rng.pick(w.models.filter((m) => m.status === ModelStatus.ACTIVE && m.steward !== null));
      touch(w, ...d.tokens);
      const proof = await attest(d, model.id, d.accounts[model.steward!]!);
      await send(d, rng.int(WALLET_COUNT), d.registry.address, d.registryAbi, "verify", [model.id, proof]);
      const ended = model.provisional;
      model.provisional = false;
      return `verify ${short(model)}${ended ? " (ends provisional)" : ""}`;
    }
    case "claimModel":
      return claimModel(w, rng.pick(w.models.filter((m) => m.status === ModelStatus.ACTIVE)));
    case "endProvisional": {
      const model = rng.pick(w.models.filter(isEndable));
      const { provisionalUntil } = (await readRegistry(d, "identity", [model.id])) as { provisionalUntil: number };
      const { timestamp } = await d.publicClient.getBlock();
      if (timestamp < BigInt(provisionalUntil)) {
        const args = [model.id] as const;
        const sender = rng.int(WALLET_COUNT);
        const error = "ModelRegistryNotEndable";
        await sendExpectingRevert(error, d, sender, d.registry.address, d.registryAbi, "endProvisional", args);
        await d.time.increaseTo(provisionalUntil);
      }
      touch(w, ...d.tokens);
      await send(d, rng.int(WALLET_COUNT), d.registry.address, d.registryAbi, "endProvisional", [model.id]);
      model.provisional = false;
      return `endProvisional ${short(model)} (window until ${provisionalUntil})`;
    }
  }
}

/**
 * A verified claimant takes `model` over (`claimModel`): a provisional model's current epoch gets the claimant's set,
 * sometimes with its lineage corrected to parents registered before it; any other model starts a new epoch.
 */
async function claimModel(w: World, model: ModelRecord): Promise<string> {
  const { d, rng } = w;
  const claimant = rng.pick([...STEWARDS, ...CONTRIBUTORS]);
  const set = randomContributors(rng, d.accounts);
  const older = w.models.filter(
    (m) => m.index < model.index && m.status !== ModelStatus.REVOKED && m.plan.terms.derivativesAllowed,
  );
  const fit =
    model.provisional && older.length > 0 && rng.chance(0.6)
      ? fitLineage(
          rng,
          rng.subset(older, 1, 3).map((m) => m.plan),
        )
      : null;
  const parents: ParentEdge[] =
    fit === null ? [] : fit.kept.map((p, j) => ({ parentId: p.id, relation: rng.int(6), weightPpm: fit.weights[j]! }));
  const lineage = {
    upstreamPpm: fit === null ? 0 : fit.upstreamPpm,
    parents,
    expectedParentTerms: fit === null ? [] : fit.kept.map((p) => p.terms),
  };
  touch(w, ...d.tokens);
  const proof = await attest(d, model.id, d.accounts[claimant]!);
  await send(d, claimant, d.registry.address, d.registryAbi, "claimModel", [
    model.id,
    set,
    fit !== null,
    lineage,
    proof,
  ]);
  model.steward = claimant;
  if (fit !== null) {
    model.upstreamPpm = lineage.upstreamPpm;
    model.parents = parents;
  }
  const epoch = installSet(model, set);
  const corrected = fit === null ? "" : `, lineage u=${lineage.upstreamPpm} <- ${fit.kept.map((p) => p.key).join(",")}`;
  return `claimModel ${short(model)} by w${claimant} -> epoch ${epoch}${corrected}`;
}

export async function pay(w: World, model: ModelRecord, token: Token, amount: bigint): Promise<string> {
  const { d } = w;
  const value = token.address === NATIVE_TOKEN ? amount : 0n;
  touch(w, token);
  await send(d, PAYER, d.router.address, d.routerAbi, "pay", [model.id, token.address, amount], value);
  return `pay ${short(model)} ${amount} ${token.symbol}`;
}

/**
 * A random account claims a random subset of its claimable entries (the engine's `claimableEntries`, with proofs),
 * sent by itself or by anyone; sometimes with an entry repeated or an entry that is owed nothing. With `redirect`,
 * the account itself claims to another recipient (`claimTo`).
 */
async function claim(w: World, token: Token, redirect: boolean): Promise<string> {
  return (await tryClaim(w, token, redirect)) ?? pay(w, w.rng.pick(w.models), token, w.rng.amount());
}

/** {claim}, or `null` (and nothing sent) when no account has anything to claim. */
export async function tryClaim(w: World, token: Token, redirect = false): Promise<string | null> {
  const { d, rng } = w;
  const candidates = rng
    .shuffle(d.tokens.flatMap((t) => d.accounts.map((a) => ({ t, a }))))
    .sort((x, y) => Number(x.t !== token) - Number(y.t !== token));
  const found = candidates.find(({ t, a }) => d.ledger.claimableEntries(a, t.address).length > 0);
  if (found === undefined) return null;
  const { t, a: account } = found;
  touch(w, t);
  const owed = d.ledger.claimableEntries(account, t.address);
  const chosen = rng.subset(owed, 1, 6);
  const refs = chosen.map(contributorClaim);
  if (rng.chance(0.15)) refs.push(refs[0]!);
  if (rng.chance(0.15)) {
    // An entry of the same account that is owed nothing now (an active model's): pays 0, emits nothing.
    const zero = allEntries(w.models).find(
      (ref) =>
        getAddress(ref.entry.account) === account &&
        claimRefusal(ref.model, ref.epoch) === null &&
        d.ledger.entryOwed(ref.model.id, t.address, ref.epoch, ref.entry.cumulativeBefore) === 0n,
    );
    if (zero !== undefined) refs.push(claimArg(zero));
  }
  const expected = chosen.reduce((sum, e) => sum + e.amount, 0n);
  if (redirect) {
    const recipient = d.accounts[rng.int(WALLET_COUNT)]!;
    const before = await balanceOf(d, t.address, recipient);
    const self = d.accounts.indexOf(account);
    const receipt = await send(d, self, d.router.address, d.routerAbi, "claimTo", [t.address, refs, recipient]);
    await expectReceived(w, t, recipient, before, expected, recipient === account ? gasCost(receipt) : 0n, "claimTo");
    return `claimTo ${account.slice(0, 8)} -> ${recipient.slice(0, 8)} ${t.symbol} ${refs.length} entries (${expected})`;
  }
  const sender = rng.chance(0.6) ? d.accounts.indexOf(account) : rng.int(WALLET_COUNT);
  const before = await balanceOf(d, t.address, account);
  const receipt = await send(d, sender, d.router.address, d.routerAbi, "claim", [t.address, refs]);
  const paidGas = d.accounts[sender] === account ? gasCost(receipt) : 0n;
  await expectReceived(w, t, account, before, expected, paidGas, "claim");
  return `claim ${account.slice(0, 8)} ${t.symbol} ${refs.length} entries (${expected})`;
}
