/**
 * A tiny stand-in for the contracts in ledger tests: it emits the events the registry and router would emit for each
 * action (amounts taken from the ledger's previews, as the router computes them) and tracks the router's balance from
 * those events alone, independently of the ledger, so that conservation can be asserted.
 */
import { expect } from "chai";
import type { Address, Hex } from "viem";
import { ModelStatus, NATIVE_TOKEN, PPM, Relation, Role, ZERO_ADDRESS } from "../../src/core/constants.js";
import { contributorTree } from "../../src/core/contributorTree.js";
import { createLedger, type Ledger } from "../../src/core/ledger.js";
import type { LedgerEvent } from "../../src/core/ledgerEvent.js";
import { modelId } from "../../src/core/modelId.js";
import { feeOf } from "../../src/core/splitMath.js";
import type { Contributor } from "../../src/core/types.js";

export const ETH = NATIVE_TOKEN;
export const USDC: Address = "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48";

/** A deterministic, checksum-free (all digits) test account. */
export const acct = (n: number): Address => `0x${n.toString().padStart(40, "0")}` as Address;

export type Weights = readonly (readonly [Address, number])[];

/** The model card revision attestations name in these tests. */
const REVISION: Hex = `0x${"ab".repeat(32)}`;

const edges = (parents: readonly (readonly [Hex, number])[]) =>
  parents.map(([parentId, weightPpm], i) => ({
    parentId,
    relation: i === 0 ? Relation.FINETUNE : Relation.MERGE,
    weightPpm,
  }));

export const set = (weights: Weights): Contributor[] =>
  weights.map(([account, weightPpm], i) => ({ account, role: i % 11, weightPpm }));

export type Harness = ReturnType<typeof createHarness>;

export function createHarness(feePpm = 0n, ledger: Ledger = createLedger({ feePpm })) {
  const events: LedgerEvent[] = [];
  const balances = new Map<Address, bigint>();
  const move = (token: Address, amount: bigint): void => {
    balances.set(token, (balances.get(token) ?? 0n) + amount);
  };

  function emit(event: LedgerEvent): void {
    ledger.apply(event);
    events.push(event);
    switch (event.type) {
      case "Paid":
        return move(event.token, event.amount);
      case "Claimed":
      case "ContributorSwept":
      case "FeesWithdrawn":
        return move(event.token, -event.amount);
    }
  }

  const nonces = new Map<Hex, number>();

  function beneficiarySet(id: Hex, beneficiary: Address): void {
    const entries = [{ account: beneficiary, role: Role.OTHER, weightPpm: Number(PPM) }];
    const epoch = ledger.model(id).epoch;
    emit({ type: "ContributorsSet", id, epoch, root: contributorTree(entries).root, contributors: entries });
  }

  /** Emits a Propagated event when something is pending; returns the amount. */
  function propagate(id: Hex, token: Address = ETH): bigint {
    const amount = ledger.pendingUpstream(id, token);
    if (amount === 0n) return 0n;
    const pushedTotal = ledger.modelBalance(id, token).upstream;
    emit({ type: "Propagated", modelId: id, token, amount, pushedTotal });
    return amount;
  }

  return {
    ledger,
    events,
    emit,
    /** The router's balance, from the money events alone. */
    balance: (token: Address = ETH): bigint => balances.get(token) ?? 0n,

    /** Registers a model; `provisional` as an unattested registration with a provisional window does. */
    register(
      key: string,
      contributors: Weights,
      options: {
        upstreamPpm?: number;
        parents?: readonly (readonly [Hex, number])[];
        steward?: Address;
        provisional?: boolean;
      } = {},
    ): Hex {
      const id = modelId(key);
      emit({
        type: "ModelRegistered",
        id,
        key,
        steward: options.steward ?? acct(999),
        upstreamPpm: options.upstreamPpm ?? 0,
        parents: edges(options.parents ?? []),
        terms: { derivativesAllowed: true, minDerivativePpm: 0 },
      });
      const entries = set(contributors);
      emit({ type: "ContributorsSet", id, epoch: 0, root: contributorTree(entries).root, contributors: entries });
      if (options.provisional === true) emit({ type: "ModelProvisional", id, until: 2_000_000_000 });
      return id;
    },

    /** `verify`: attesters confirm the current steward. */
    verify(id: Hex): void {
      const { steward } = ledger.model(id);
      emit({ type: "ModelVerified", id, steward, revision: REVISION, nonce: nonces.get(id) ?? 0 });
      nonces.set(id, (nonces.get(id) ?? 0) + 1);
    },

    endProvisional(id: Hex): void {
      emit({ type: "ProvisionEnded", id });
    },

    /**
     * `claimModel` by `steward` with `contributors`, correcting the lineage when given: the registry's events in
     * its order (StewardshipTransferred?, LineageCorrected?, ContributorsSet, ModelVerified).
     */
    claimModel(
      id: Hex,
      steward: Address,
      contributors: Weights,
      lineage?: { upstreamPpm: number; parents: readonly (readonly [Hex, number])[] },
    ): void {
      const model = ledger.model(id);
      if (model.steward !== steward)
        emit({ type: "StewardshipTransferred", id, previousSteward: model.steward, newSteward: steward });
      if (lineage !== undefined)
        emit({ type: "LineageCorrected", id, upstreamPpm: lineage.upstreamPpm, parents: edges(lineage.parents) });
      const entries = set(contributors);
      const epoch = model.provisional ? model.epoch : model.epoch + 1;
      emit({ type: "ContributorsSet", id, epoch, root: contributorTree(entries).root, contributors: entries });
      emit({ type: "ModelVerified", id, steward, revision: REVISION, nonce: nonces.get(id) ?? 0 });
      nonces.set(id, (nonces.get(id) ?? 0) + 1);
    },

    /** `reassign` by governance: upholds a pending dispute, then a new steward and set. */
    reassign(id: Hex, steward: Address, contributors: Weights): void {
      if (ledger.model(id).status === ModelStatus.DISPUTED)
        emit({ type: "StatusUpdated", modelId: id, status: ModelStatus.ACTIVE, beneficiary: ZERO_ADDRESS });
      const model = ledger.model(id);
      emit({ type: "StewardshipTransferred", id, previousSteward: model.steward, newSteward: steward });
      const entries = set(contributors);
      const epoch = model.provisional ? model.epoch : model.epoch + 1;
      emit({ type: "ContributorsSet", id, epoch, root: contributorTree(entries).root, contributors: entries });
    },

    /** `registerPlaceholder` (governance) or a placeholder created with a child's registration. */
    placeholder(key: string): Hex {
      const id = modelId(key);
      emit({ type: "PlaceholderRegistered", id, key, registrant: acct(998) });
      return id;
    },

    assign(id: Hex, steward: Address, contributors: Weights): void {
      emit({ type: "StewardshipTransferred", id, previousSteward: ZERO_ADDRESS, newSteward: steward });
      const entries = set(contributors);
      const epoch = ledger.model(id).epoch;
      emit({ type: "ContributorsSet", id, epoch, root: contributorTree(entries).root, contributors: entries });
    },

    setContributors(id: Hex, contributors: Weights): number {
      const entries = set(contributors);
      const epoch = ledger.model(id).epoch + 1;
      emit({ type: "ContributorsSet", id, epoch, root: contributorTree(entries).root, contributors: entries });
      return epoch;
    },

    pay(id: Hex, amount: bigint, token: Address = ETH): void {
      emit({ type: "Paid", modelId: id, token, payer: acct(997), amount, fee: feeOf(amount, ledger.feePpm()) });
    },

    propagate,

    /** Propagates every model that can (all but the provisional), children before parents, until nothing moves. */
    propagateAll(token: Address = ETH): void {
      for (let moved = true; moved;) {
        moved = false;
        for (const id of [...ledger.models()].reverse())
          if (!ledger.model(id).provisional && propagate(id, token) > 0n) moved = true;
      }
    },

    /** Claims everything `account` can claim now; returns the total. */
    claim(account: Address, token: Address = ETH): bigint {
      let total = 0n;
      for (const { modelId, epoch, cumulativeBefore, amount } of ledger.claimableEntries(account, token)) {
        emit({ type: "Claimed", modelId, token, account, epoch, cumulativeBefore, amount });
        total += amount;
      }
      return total;
    },

    /** Sweeps everything a revoked model's beneficiary can sweep; returns the total. */
    sweep(id: Hex, token: Address = ETH): bigint {
      const sweepable = ledger.sweepable(id, token);
      if (sweepable === null) return 0n;
      const { beneficiary } = sweepable;
      let total = 0n;
      for (const { epoch, cumulativeBefore, amount } of sweepable.entries) {
        emit({ type: "ContributorSwept", modelId: id, token, beneficiary, epoch, cumulativeBefore, amount });
        total += amount;
      }
      return total;
    },

    dispute(id: Hex): void {
      emit({ type: "StatusUpdated", modelId: id, status: ModelStatus.DISPUTED, beneficiary: ZERO_ADDRESS });
    },

    dismiss(id: Hex): void {
      emit({ type: "StatusUpdated", modelId: id, status: ModelStatus.ACTIVE, beneficiary: ZERO_ADDRESS });
    },

    /** Upholds a dispute: the router's StatusUpdated starts the beneficiary's epoch, the registry's set follows. */
    revoke(id: Hex, beneficiary: Address): void {
      emit({ type: "StatusUpdated", modelId: id, status: ModelStatus.REVOKED, beneficiary });
      beneficiarySet(id, beneficiary);
    },

    /** `replaceBeneficiary`: the same epoch start as a revocation, announced by BeneficiaryReplaced. */
    replaceBeneficiary(id: Hex, beneficiary: Address): void {
      const previous = ledger.model(id).beneficiary!;
      emit({ type: "BeneficiaryReplaced", id, previous, beneficiary });
      emit({ type: "StatusUpdated", modelId: id, status: ModelStatus.REVOKED, beneficiary });
      beneficiarySet(id, beneficiary);
    },

    /** Conservation: everything owed equals the router's balance, counted two independent ways. */
    expectConserved(token: Address = ETH): void {
      const owed = ledger.totalOwed(token);
      expect(owed, "totalOwed vs the harness's balance").to.equal(balances.get(token) ?? 0n);
      expect(ledger.balance(token), "the ledger's balance vs the harness's").to.equal(balances.get(token) ?? 0n);
      expect(ledger.owedAfterFullPropagation(token).total, "owed after full propagation").to.equal(owed);
    },
  };
}
