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
      case "UpstreamSwept":
      case "ContributorSwept":
      case "FeesWithdrawn":
        return move(event.token, -event.amount);
    }
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

    register(
      key: string,
      contributors: Weights,
      options: { upstreamPpm?: number; parents?: readonly (readonly [Hex, number])[]; steward?: Address } = {},
    ): Hex {
      const id = modelId(key);
      emit({
        type: "ModelRegistered",
        id,
        key,
        steward: options.steward ?? acct(999),
        upstreamPpm: options.upstreamPpm ?? 0,
        parents: (options.parents ?? []).map(([parentId, weightPpm], i) => ({
          parentId,
          relation: i === 0 ? Relation.FINETUNE : Relation.MERGE,
          weightPpm,
        })),
        terms: { derivativesAllowed: true, minDerivativePpm: 0 },
      });
      const entries = set(contributors);
      emit({ type: "ContributorsSet", id, epoch: 0, root: contributorTree(entries).root, contributors: entries });
      return id;
    },

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

    /** Propagates every ACTIVE model, children before parents, until nothing moves. */
    propagateAll(token: Address = ETH): void {
      for (let moved = true; moved;) {
        moved = false;
        for (const id of [...ledger.models()].reverse())
          if (ledger.model(id).status === ModelStatus.ACTIVE && propagate(id, token) > 0n) moved = true;
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
      if (sweepable.upstream > 0n) {
        emit({ type: "UpstreamSwept", modelId: id, token, beneficiary, amount: sweepable.upstream });
        total += sweepable.upstream;
      }
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

    /** Upholds a dispute. `order` is which contract's event comes first in the transaction. */
    revoke(id: Hex, beneficiary: Address, order: "routerFirst" | "registryFirst" = "routerFirst"): void {
      const entries = [{ account: beneficiary, role: Role.OTHER, weightPpm: Number(PPM) }];
      const status: LedgerEvent = { type: "StatusUpdated", modelId: id, status: ModelStatus.REVOKED, beneficiary };
      const epoch = ledger.model(id).epoch + 1;
      const contributorsSet: LedgerEvent = {
        type: "ContributorsSet",
        id,
        epoch,
        root: contributorTree(entries).root,
        contributors: entries,
      };
      if (order === "routerFirst") {
        emit(status);
        emit(contributorsSet);
      } else {
        emit(contributorsSet);
        emit(status);
      }
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
