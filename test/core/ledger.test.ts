import { expect } from "chai";
import type { Address, Hex } from "viem";
import { ModelStatus, Relation, Role, ZERO_ADDRESS } from "../../src/core/constants.js";
import { contributorTree } from "../../src/core/contributorTree.js";
import { LedgerEventError, MirrorMismatchError, UnknownEntryError, UnknownModelError } from "../../src/core/errors.js";
import { createLedger } from "../../src/core/ledger.js";
import { LEDGER_EVENT_NAMES } from "../../src/core/ledgerEvent.js";
import { modelId } from "../../src/core/modelId.js";
import { acct, createHarness, ETH, set, USDC, type Harness } from "./ledgerHarness.js";

const alice = acct(1);
const bob = acct(2);
const carol = acct(3);
const dave = acct(4);
const erin = acct(5);
const frank = acct(6);
const ben = acct(7);
const pat = acct(8);

/**
 * A 3-level lineage with a merge:
 *
 *   A (alice 100%)      B (bob 70%, carol 30%)
 *        ^                   ^
 *   C (u 25%, dave 100%)     |
 *        ^ 60%               | 40%
 *        +------ D (u 40%, erin 50%, frank 50%) [MERGE]
 */
function lineage(feePpm = 0n): { h: Harness; A: Hex; B: Hex; C: Hex; D: Hex } {
  const h = createHarness(feePpm);
  const A = h.register("hf:org/a", [[alice, 1_000_000]]);
  const B = h.register("hf:org/b", [
    [bob, 700_000],
    [carol, 300_000],
  ]);
  const C = h.register("hf:org/c", [[dave, 1_000_000]], { upstreamPpm: 250_000, parents: [[A, 1_000_000]] });
  const D = h.register(
    "hf:org/d",
    [
      [erin, 500_000],
      [frank, 500_000],
    ],
    {
      upstreamPpm: 400_000,
      parents: [
        [C, 600_000],
        [B, 400_000],
      ],
    },
  );
  return { h, A, B, C, D };
}

const owedOf = (h: Harness, account: Address, token: Address = ETH): bigint =>
  h.ledger.owedAfterFullPropagation(token).accounts.get(account) ?? 0n;

describe("ledger", () => {
  describe("payments and claims", () => {
    it("takes the fee, splits the rest with cumulative rounding and pays claims in full", () => {
      const h = createHarness(25_000n);
      const A = h.register("hf:org/a", [
        [alice, 600_000],
        [bob, 400_000],
      ]);
      h.pay(A, 1_000n);
      expect(h.ledger.fees(ETH)).to.equal(25n);
      expect(h.ledger.modelBalance(A, ETH)).to.deep.equal({ received: 975n, upstream: 0n, pushed: 0n, kept: 975n });
      expect(h.ledger.claimable(alice, ETH)).to.equal(585n); // floor(975 * 0.6)
      expect(h.ledger.claimable(bob, ETH)).to.equal(390n); // 975 - 585
      h.expectConserved();

      expect(h.claim(alice)).to.equal(585n);
      expect(h.ledger.claimable(alice, ETH)).to.equal(0n);
      expect(h.ledger.claimed(A, ETH, 0, 0)).to.equal(585n);
      h.pay(A, 41n); // fee floor(41 * 2.5%) = 1, net 40: received 1015, alice floor(609) = 609
      expect(h.ledger.claimable(alice, ETH)).to.equal(609n - 585n);
      expect(h.ledger.claimable(bob, ETH)).to.equal(1015n - 609n);
      h.expectConserved();
      h.emit({ type: "FeesWithdrawn", token: ETH, to: ben, amount: 26n });
      expect(h.ledger.fees(ETH)).to.equal(0n);
      h.expectConserved();
    });

    it("keeps tokens apart", () => {
      const h = createHarness();
      const A = h.register("hf:org/a", [[alice, 1_000_000]]);
      h.pay(A, 10n, ETH);
      h.pay(A, 7n, USDC);
      expect(h.ledger.claimable(alice, ETH)).to.equal(10n);
      expect(h.ledger.claimable(alice, USDC)).to.equal(7n);
      expect(h.ledger.tokens()).to.have.members([ETH, USDC]);
      h.expectConserved(ETH);
      h.expectConserved(USDC);
    });

    it("recomputes every reported number and rejects a mismatch without changing state", () => {
      const h = createHarness(25_000n);
      const A = h.register("hf:org/a", [
        [alice, 600_000],
        [bob, 400_000],
      ]);
      h.pay(A, 1_000n);
      const before = h.ledger.owed(ETH);
      expect(() =>
        h.ledger.apply({ type: "Paid", modelId: A, token: ETH, payer: bob, amount: 1_000n, fee: 24n }),
      ).to.throw(MirrorMismatchError, /fee is 24 on chain but the engine computed 25/);
      const claim = { type: "Claimed", modelId: A, token: ETH, epoch: 0, cumulativeBefore: 0 } as const;
      expect(() => h.ledger.apply({ ...claim, account: alice, amount: 584n })).to.throw(MirrorMismatchError, /amount/);
      expect(() => h.ledger.apply({ ...claim, account: bob, amount: 585n })).to.throw(MirrorMismatchError, /account/);
      expect(() => h.ledger.apply({ ...claim, account: alice, cumulativeBefore: 1, amount: 1n })).to.throw(
        UnknownEntryError,
      );
      expect(() => h.ledger.apply({ type: "FeesWithdrawn", token: ETH, to: bob, amount: 26n })).to.throw(
        LedgerEventError,
        /only 25 accrued/,
      );
      expect(h.ledger.owed(ETH)).to.deep.equal(before);
      h.expectConserved();
    });

    it("rejects arrivals beyond the router's 112-bit lifetime totals", () => {
      const h = createHarness();
      const A = h.register("hf:org/a", [[alice, 1_000_000]]);
      const C = h.register("hf:org/c", [[bob, 1_000_000]], { upstreamPpm: 1_000_000, parents: [[A, 1_000_000]] });
      h.pay(A, 2n ** 112n - 2n);
      expect(() => h.pay(A, 2n)).to.throw(LedgerEventError, /112-bit cap/);
      h.pay(C, 2n);
      expect(() => h.propagate(C)).to.throw(LedgerEventError, /112-bit cap/);
      h.expectConserved();
    });

    it("follows the fee the router sets", () => {
      const h = createHarness();
      const A = h.register("hf:org/a", [[alice, 1_000_000]]);
      h.emit({ type: "FeeUpdated", feePpm: 100_000 });
      h.pay(A, 1_000n);
      expect(h.ledger.fees(ETH)).to.equal(100n);
      expect(() => h.ledger.apply({ type: "FeeUpdated", feePpm: 100_001 })).to.throw(LedgerEventError, /feePpm/);
      h.expectConserved();
    });

    it("checks registrations the way the registry does", () => {
      const h = createHarness();
      const A = h.register("hf:org/a", [[alice, 1_000_000]]);
      const base = {
        type: "ModelRegistered",
        key: "hf:org/x",
        id: modelId("hf:org/x"),
        steward: bob,
        terms: { derivativesAllowed: true, minDerivativePpm: 0 },
      } as const;
      expect(() => h.ledger.apply({ ...base, id: modelId("hf:org/y"), upstreamPpm: 0, parents: [] })).to.throw(
        MirrorMismatchError,
        /id/,
      );
      expect(() => h.ledger.apply({ ...base, upstreamPpm: 1, parents: [] })).to.throw(
        LedgerEventError,
        /without parents/,
      );
      expect(() =>
        h.ledger.apply({
          ...base,
          upstreamPpm: 1,
          parents: [{ parentId: modelId("hf:none"), relation: 0, weightPpm: 1e6 }],
        }),
      ).to.throw(LedgerEventError, /not registered/);
      expect(() =>
        h.ledger.apply({ ...base, upstreamPpm: 1, parents: [{ parentId: A, relation: 0, weightPpm: 999_999 }] }),
      ).to.throw(LedgerEventError, /sum to 999999/);
      h.emit({ type: "TermsUpdated", id: A, terms: { derivativesAllowed: true, minDerivativePpm: 100_000 } });
      expect(() =>
        h.ledger.apply({ ...base, upstreamPpm: 99_999, parents: [{ parentId: A, relation: 0, weightPpm: 1e6 }] }),
      ).to.throw(LedgerEventError, /minDerivativePpm/);
      h.ledger.apply({ ...base, upstreamPpm: 100_000, parents: [{ parentId: A, relation: 0, weightPpm: 1e6 }] });
      expect(() => h.ledger.apply({ ...base, upstreamPpm: 0, parents: [] })).to.throw(LedgerEventError, /already/);
      expect(() => h.ledger.model(modelId("hf:none"))).to.throw(UnknownModelError);
    });

    it("rejects a contributor set whose root is not the engine's", () => {
      const h = createHarness();
      const A = h.register("hf:org/a", [[alice, 1_000_000]]);
      const entries = set([[bob, 1_000_000]]);
      expect(() =>
        h.ledger.apply({
          type: "ContributorsSet",
          id: A,
          epoch: 1,
          root: `0x${"11".repeat(32)}`,
          contributors: entries,
        }),
      ).to.throw(MirrorMismatchError, /root/);
    });
  });

  describe("propagation over a 3-level lineage with a merge", () => {
    it("moves the exact slices, hop by hop, and conserves every wei", () => {
      const { h, A, B, C, D } = lineage();
      h.pay(D, 1_000_003n);
      // D: upstream floor(1_000_003 * 0.4) = 400_001, kept 600_002 -> erin 300_001, frank 300_001.
      expect(h.ledger.modelBalance(D, ETH)).to.deep.equal({
        received: 1_000_003n,
        upstream: 400_001n,
        pushed: 0n,
        kept: 600_002n,
      });
      expect(h.ledger.previewPropagate(D, ETH)).to.deep.equal([240_000n, 160_001n]); // floor(400_001 * 0.6), rest
      h.expectConserved();

      expect(h.propagate(D)).to.equal(400_001n);
      expect(h.ledger.modelBalance(C, ETH).received).to.equal(240_000n);
      expect(h.ledger.modelBalance(B, ETH).received).to.equal(160_001n);
      expect(h.ledger.pendingUpstream(C, ETH)).to.equal(60_000n);
      h.expectConserved();
      expect(h.propagate(C)).to.equal(60_000n);
      expect(h.propagate(C)).to.equal(0n);
      expect(h.ledger.modelBalance(A, ETH).received).to.equal(60_000n);

      const expected = new Map<Address, bigint>([
        [erin, 300_001n],
        [frank, 300_001n],
        [dave, 180_000n],
        [bob, 112_000n], // floor(160_001 * 0.7)
        [carol, 48_001n], // 160_001 - 112_000
        [alice, 60_000n],
      ]);
      const owed = h.ledger.owed(ETH).accounts;
      for (const [account, amount] of expected) expect(owed.get(account), account).to.equal(amount);
      expect([...expected.values()].reduce((a, b) => a + b)).to.equal(1_000_003n);
      // Carol's last wei waits for B's epoch to close: until then she can claim floor(160_001 * 0.3).
      expect(h.ledger.claimable(carol, ETH)).to.equal(48_000n);
      expect(h.ledger.claimable(bob, ETH)).to.equal(112_000n);
      h.expectConserved();

      // Lifetime rounding: 7 more wei make D's upstream 400_004, so 3 move: C floor(400_004 * 0.6) - 240_000 = 2, B 1.
      h.pay(D, 7n);
      expect(h.ledger.previewPropagate(D, ETH)).to.deep.equal([2n, 1n]);
      h.propagateAll();
      expect(h.ledger.modelBalance(C, ETH).received).to.equal(240_002n);
      expect(h.ledger.modelBalance(B, ETH).received).to.equal(160_002n);
      for (const account of expected.keys()) h.claim(account);
      h.expectConserved();
      expect(h.balance()).to.equal(h.ledger.totalOwed(ETH));
    });

    it("is batching-invariant: propagating after every payment or once at the end ends the same", () => {
      const eager = lineage();
      const lazy = lineage();
      const payments = [1_000_003n, 7n, 1n, 1n, 999_999_999_999n, 13n, 2n ** 100n];
      for (const [i, amount] of payments.entries()) {
        const target = i % 2 === 0 ? "D" : "C";
        eager.h.pay(eager[target], amount);
        eager.h.propagateAll();
        lazy.h.pay(lazy[target], amount);
      }
      // Before propagating, the lazy ledger already predicts the end state.
      const predicted = lazy.h.ledger.owedAfterFullPropagation(ETH);
      lazy.h.propagate(lazy.D);
      lazy.h.propagate(lazy.C);
      expect(lazy.h.ledger.owed(ETH)).to.deep.equal(predicted);
      expect(eager.h.ledger.owed(ETH)).to.deep.equal(predicted);
      eager.h.expectConserved();
      lazy.h.expectConserved();
    });

    it("reports exact effective shares and the integer preview of a payment", () => {
      const { h, A, B, C, D } = lineage();
      const shares = h.ledger.effectiveShares(D);
      const of = (account: Address) => shares.accounts.get(account)!;
      expect(of(alice)).to.deep.equal({ numerator: 3n, denominator: 50n, ppm: 60_000n }); // .4 * .6 * .25
      expect(of(dave)).to.deep.equal({ numerator: 9n, denominator: 50n, ppm: 180_000n }); // .4 * .6 * .75
      expect(of(bob)).to.deep.equal({ numerator: 14n, denominator: 125n, ppm: 112_000n }); // .4 * .4 * .7
      expect(of(carol)).to.deep.equal({ numerator: 6n, denominator: 125n, ppm: 48_000n });
      expect(of(erin)).to.deep.equal({ numerator: 3n, denominator: 10n, ppm: 300_000n });
      const total = shares.recipients.reduce(
        (acc, r) => ({ n: acc.n * r.share.denominator + r.share.numerator * acc.d, d: acc.d * r.share.denominator }),
        { n: 0n, d: 1n },
      );
      expect(total.n).to.equal(total.d);
      expect(shares.models.map((m) => m.modelId)).to.deep.equal([D, C, B, A]);
      expect(shares.models[1]!.reaches).to.deep.equal({ numerator: 6n, denominator: 25n, ppm: 240_000n });

      const preview = h.ledger.previewPay(D, ETH, 1_000_003n);
      expect(preview.fee).to.equal(0n);
      expect(preview.accounts.get(bob)).to.equal(112_000n);
      expect(preview.accounts.get(alice)).to.equal(60_000n);
      h.pay(D, 1_000_003n);
      h.propagateAll();
      const owed = h.ledger.owed(ETH).accounts;
      for (const [account, amount] of preview.accounts) expect(owed.get(account)).to.equal(amount);
    });

    it("previews exactly what propagating the whole ledger would give, while other branches hold pending upstream", () => {
      // E sits beside D under C and A, so their totals include E's odd amounts: the rounding of every later
      // payment into D depends on them, and a preview that ignored them would be off by a wei.
      const { h, A, C, D } = lineage(30_000n);
      const E = h.register("hf:org/e", [[pat, 1_000_000]], {
        upstreamPpm: 333_333,
        parents: [
          [C, 700_001],
          [A, 299_999],
        ],
      });
      h.pay(E, 1_000_007n);
      h.pay(D, 999n);
      h.pay(C, 333n);
      for (const [model, amount] of [
        [D, 1_234_567n],
        [E, 7n],
        [A, 10n],
      ] as const) {
        const preview = h.ledger.previewPay(model, ETH, amount);
        const before = h.ledger.owedAfterFullPropagation(ETH);
        const paid = h.ledger.clone();
        paid.apply({ type: "Paid", modelId: model, token: ETH, payer: ZERO_ADDRESS, amount, fee: preview.fee });
        const after = paid.owedAfterFullPropagation(ETH);
        for (const account of new Set([...before.accounts.keys(), ...after.accounts.keys()])) {
          const gain = (after.accounts.get(account) ?? 0n) - (before.accounts.get(account) ?? 0n);
          expect(preview.accounts.get(account) ?? 0n, `${model} ${account}`).to.equal(gain);
        }
        expect([...preview.accounts.values()].reduce((a, b) => a + b, 0n)).to.equal(amount - preview.fee);
        h.pay(model, amount);
      }
    });

    it("rejects a Propagated event whose numbers differ", () => {
      const { h, D } = lineage();
      h.pay(D, 100n);
      const event = { type: "Propagated", modelId: D, token: ETH } as const;
      expect(() => h.ledger.apply({ ...event, amount: 41n, pushedTotal: 40n })).to.throw(MirrorMismatchError, /amount/);
      expect(() => h.ledger.apply({ ...event, amount: 40n, pushedTotal: 41n })).to.throw(
        MirrorMismatchError,
        /pushedTotal/,
      );
      h.expectConserved();
    });
  });

  describe("contributor epochs", () => {
    it("gives funds to the set that is current when they arrive, on lifetime rounding", () => {
      const h = createHarness();
      const A = h.register("hf:org/a", [[alice, 1_000_000]]);
      const C = h.register("hf:org/c", [[dave, 1_000_000]], { upstreamPpm: 333_333, parents: [[A, 1_000_000]] });
      h.pay(C, 10n); // upstream 3, kept 7 in epoch 0
      expect(
        h.setContributors(C, [
          [bob, 500_000],
          [carol, 500_000],
        ]),
      ).to.equal(1);
      h.pay(C, 10n); // received 20: upstream 6, kept 14 -> epoch 1 kept 7
      h.pay(C, 1n); // received 21: upstream floor(6.999993) = 6, kept 15 -> epoch 1 kept 8
      expect(h.ledger.keptInEpoch(C, ETH, 0)).to.equal(7n);
      expect(h.ledger.keptInEpoch(C, ETH, 1)).to.equal(8n);
      expect(h.ledger.claimable(dave, ETH)).to.equal(7n);
      expect(h.ledger.claimable(bob, ETH)).to.equal(4n);
      expect(h.ledger.claimable(carol, ETH)).to.equal(4n);
      h.expectConserved();

      // C's upstream reaches A in A's epoch at arrival, not at payment.
      h.setContributors(A, [[erin, 1_000_000]]);
      h.propagate(C);
      expect(h.ledger.keptInEpoch(A, ETH, 0)).to.equal(0n);
      expect(h.ledger.keptInEpoch(A, ETH, 1)).to.equal(6n);
      expect(h.ledger.claimable(erin, ETH)).to.equal(6n);
      expect(h.ledger.claimable(alice, ETH)).to.equal(0n);
      h.claim(dave);
      h.claim(erin);
      h.expectConserved();
      expect(() =>
        h.ledger.apply({
          type: "ContributorsSet",
          id: C,
          epoch: 0,
          root: contributorTree(set([[dave, 1_000_000]])).root,
          contributors: set([[dave, 1_000_000]]),
        }),
      ).to.throw(LedgerEventError, /before the current/);
    });
  });

  describe("placeholders", () => {
    it("accrue in escrow until assigned, then the assigned set claims what accrued", () => {
      const h = createHarness();
      const P = h.placeholder("hf:upstream/base");
      const X = h.register("hf:org/x", [[alice, 1_000_000]], { upstreamPpm: 500_000, parents: [[P, 1_000_000]] });
      h.pay(X, 1_001n);
      h.propagateAll();
      expect(h.ledger.model(P).placeholder).to.be.true;
      expect(h.ledger.owed(ETH).escrow.get(P)).to.equal(500n);
      expect(h.ledger.contributorSet(P, 0)).to.equal(null);
      expect(() =>
        h.ledger.apply({
          type: "Claimed",
          modelId: P,
          token: ETH,
          account: pat,
          epoch: 0,
          cumulativeBefore: 0,
          amount: 500n,
        }),
      ).to.throw(UnknownEntryError);
      h.expectConserved();

      h.assign(P, pat, [[pat, 1_000_000]]);
      expect(h.ledger.model(P)).to.include({ placeholder: false, steward: pat, epoch: 0 });
      expect(h.ledger.owed(ETH).escrow.size).to.equal(0);
      expect(h.claim(pat)).to.equal(500n);
      expect(h.claim(alice)).to.equal(501n);
      h.expectConserved();
      expect(h.ledger.totalOwed(ETH)).to.equal(0n);
    });
  });

  describe("disputes", () => {
    it("freeze a model: payments arrive, nothing leaves, until dismissed", () => {
      const { h, C, D } = lineage();
      h.pay(D, 1_000_003n);
      h.propagate(D);
      h.dispute(C);
      h.pay(C, 1_000n); // still accepted
      expect(() => h.propagate(C)).to.throw(LedgerEventError, /not ACTIVE/);
      expect(h.ledger.claimable(dave, ETH)).to.equal(0n);
      expect(h.ledger.entryOwed(C, ETH, 0, 0)).to.equal(180_000n + 750n);
      expect(() =>
        h.ledger.apply({
          type: "Claimed",
          modelId: C,
          token: ETH,
          account: dave,
          epoch: 0,
          cumulativeBefore: 0,
          amount: 180_750n,
        }),
      ).to.throw(LedgerEventError, /frozen/);
      const full = h.ledger.owedAfterFullPropagation(ETH);
      expect(full.heldUpstream.get(C)).to.equal(60_250n); // floor(241_000 * 0.25)
      expect(full.accounts.get(dave)).to.equal(180_750n);
      expect(full.accounts.get(alice) ?? 0n).to.equal(0n);
      h.expectConserved();

      h.dismiss(C);
      expect(h.ledger.claimable(dave, ETH)).to.equal(180_750n);
      h.propagateAll();
      expect(h.ledger.claimable(alice, ETH)).to.equal(60_250n);
      h.expectConserved();
    });
  });

  describe("revocation", () => {
    for (const order of ["routerFirst", "registryFirst"] as const) {
      it(`routes held and future funds to the beneficiary (${order})`, () => {
        const { h, C, D } = lineage();
        h.pay(D, 1_000_003n);
        h.propagate(D); // C: received 240_000, upstream 60_000 pending, dave owed 180_000
        h.dispute(C);
        h.pay(C, 1_000n);
        h.revoke(C, ben, order);
        const model = h.ledger.model(C);
        expect(model).to.include({ status: ModelStatus.REVOKED, beneficiary: ben, epoch: 1, revokedEpoch: 1 });
        expect(h.ledger.contributorSet(C, 1)!.entries).to.have.length(1);
        expect(h.ledger.contributorSet(C, 1)!.entries[0]).to.include({
          account: ben,
          role: Role.OTHER,
          weightPpm: 1e6,
        });

        expect(h.ledger.claimable(dave, ETH)).to.equal(0n);
        const sweepable = h.ledger.sweepable(C, ETH)!;
        expect(sweepable.upstream).to.equal(60_250n);
        expect(sweepable.entries.map((e) => [e.account, e.amount])).to.deep.equal([[dave, 180_750n]]);
        expect(owedOf(h, ben)).to.equal(60_250n + 180_750n);
        expect(() => h.propagate(C)).to.throw(LedgerEventError);
        expect(() =>
          h.ledger.apply({ type: "UpstreamSwept", modelId: C, token: ETH, beneficiary: dave, amount: 60_250n }),
        ).to.throw(MirrorMismatchError, /beneficiary/);
        h.expectConserved();
        // Nothing flows past a revoked model: C's whole reach (0.4 * 0.6) ends with its beneficiary.
        const shares = h.ledger.effectiveShares(D);
        expect(shares.accounts.get(ben)).to.deep.equal({ numerator: 6n, denominator: 25n, ppm: 240_000n });
        expect(shares.accounts.has(alice)).to.be.false;

        expect(h.sweep(C)).to.equal(241_000n);
        expect(h.ledger.sweepable(C, ETH)).to.deep.equal({ beneficiary: ben, upstream: 0n, entries: [] });
        h.expectConserved();

        // Future funds: D's next propagation lands in the beneficiary's epoch, and C's new upstream is swept too.
        h.pay(D, 1_000_000n);
        h.propagate(D);
        expect(h.ledger.keptInEpoch(C, ETH, 1)).to.equal(180_000n);
        expect(h.claim(ben)).to.equal(180_000n);
        expect(h.sweep(C)).to.equal(60_000n);
        expect(() =>
          h.ledger.apply({ type: "StatusUpdated", modelId: C, status: ModelStatus.ACTIVE, beneficiary: ZERO_ADDRESS }),
        ).to.throw(LedgerEventError, /revoked for good/);
        h.expectConserved();
      });
    }

    it("ends in the same state whichever contract's event comes first", () => {
      const run = (order: "routerFirst" | "registryFirst") => {
        const { h, C, D } = lineage();
        h.pay(D, 123_457n);
        h.propagate(D);
        h.dispute(C);
        h.revoke(C, ben, order);
        h.pay(D, 99n);
        h.propagate(D);
        return h.ledger.owedAfterFullPropagation(ETH);
      };
      expect(run("registryFirst")).to.deep.equal(run("routerFirst"));
    });
  });

  describe("random sequences", () => {
    it("conserve every wei and predict full propagation exactly", function () {
      this.timeout(120_000);
      const counts = new Map<string, number>();
      for (let seed = 1; seed <= 8; seed++)
        for (const [type, n] of randomRun(seed, 200)) counts.set(type, (counts.get(type) ?? 0) + n);
      // Every kind of event the ledger applies occurred: a kind added to the ledger must be added to the walk.
      expect([...counts.keys()]).to.have.members([...LEDGER_EVENT_NAMES]);
    });

    it("clone() is independent of the original", () => {
      const { h, D } = lineage();
      h.pay(D, 1_000n);
      const copy = h.ledger.clone();
      h.propagateAll();
      expect(copy.pendingUpstream(D, ETH)).to.equal(400n);
      expect(h.ledger.pendingUpstream(D, ETH)).to.equal(0n);
      expect(createLedger().models()).to.deep.equal([]);
    });
  });
});

/** A seeded random walk over every kind of event, checking conservation after each step. */
function randomRun(seed: number, steps: number): Map<string, number> {
  let state = BigInt(seed) * 0x9e3779b97f4a7c15n;
  const next = (bound: number): number => {
    state = (state * 6364136223846793005n + 1442695040888963407n) % 2n ** 64n;
    return Number((state >> 16n) % BigInt(bound));
  };
  const accounts = Array.from({ length: 8 }, (_, i) => acct(100 + i));
  const randomSet = (): [Address, number][] => {
    const n = 1 + next(4);
    const weights = Array.from({ length: n }, () => 1 + next(1000));
    const total = weights.reduce((a, b) => a + b);
    const ppm = weights.map((w) => Math.floor((w * 1e6) / total));
    ppm[n - 1]! += 1e6 - ppm.reduce((a, b) => a + b);
    return ppm.map((w) => [accounts[next(accounts.length)]!, w]);
  };

  const h = createHarness(BigInt(next(3) * 10_000));
  const ids: Hex[] = [];
  const tokens = [ETH, USDC];
  for (let i = 0; i < 7; i++) {
    if (i > 0 && next(4) === 0) {
      ids.push(h.placeholder(`hf:random/${seed}/${i}`));
      continue;
    }
    const parentCount = i === 0 ? 0 : Math.min(i, next(4));
    const parents: Hex[] = [];
    while (parents.length < parentCount) {
      const p = ids[next(ids.length)]!;
      if (!parents.includes(p)) parents.push(p);
    }
    const edges = parents.map((p): [Hex, number] => [p, 0]);
    if (edges.length > 0) {
      const base = Math.floor(1e6 / edges.length);
      edges.forEach((edge, j) => (edge[1] = j === edges.length - 1 ? 1e6 - base * (edges.length - 1) : base));
    }
    ids.push(
      h.register(`hf:random/${seed}/${i}`, randomSet(), {
        upstreamPpm: edges.length === 0 ? 0 : 1 + next(999_999),
        parents: edges,
      }),
    );
  }

  for (let step = 0; step < steps; step++) {
    const id = ids[next(ids.length)]!;
    const token = tokens[next(tokens.length)]!;
    const model = h.ledger.model(id);
    const action = next(100);
    if (action < 35) h.pay(id, BigInt(1 + next(1_000_000)) * (next(3) === 0 ? 10n ** 18n : 1n), token);
    else if (action < 55) {
      if (model.status === ModelStatus.ACTIVE) h.propagate(id, token);
    } else if (action < 70) h.claim(accounts[next(accounts.length)]!, token);
    else if (action < 78) {
      if (model.status === ModelStatus.ACTIVE && !model.placeholder) h.setContributors(id, randomSet());
      else if (model.placeholder && h.ledger.contributorSet(id, model.epoch) === null)
        h.assign(id, accounts[0]!, randomSet());
    } else if (action < 84) {
      if (model.status === ModelStatus.ACTIVE) h.dispute(id);
      else if (model.status === ModelStatus.DISPUTED) h.dismiss(id);
    } else if (action < 87) {
      if (model.status === ModelStatus.DISPUTED)
        h.revoke(id, accounts[next(accounts.length)]!, next(2) === 0 ? "routerFirst" : "registryFirst");
    } else if (action < 93) h.sweep(id, token);
    else if (action < 95) h.emit({ type: "FeeUpdated", feePpm: next(100_001) });
    else if (action < 97) {
      // The registry lets an active model's steward change its terms; the ledger checks later registrations by them.
      if (model.status === ModelStatus.ACTIVE && !model.placeholder) {
        const terms = { derivativesAllowed: next(4) !== 0, minDerivativePpm: next(1_000_001) };
        h.emit({ type: "TermsUpdated", id, terms });
        expect(h.ledger.model(id).terms, `seed ${seed} step ${step}`).to.deep.equal(terms);
        // A derivative registered now must meet them (tried on a clone, so the walk's lineage stays as it is).
        const key = `hf:random/${seed}/child-${step}`;
        const derive = (upstreamPpm: number) => () =>
          h.ledger.clone().apply({
            type: "ModelRegistered",
            id: modelId(key),
            key,
            steward: accounts[0]!,
            upstreamPpm,
            parents: [{ parentId: id, relation: Relation.FINETUNE, weightPpm: 1_000_000 }],
            terms: { derivativesAllowed: true, minDerivativePpm: 0 },
          });
        if (!terms.derivativesAllowed) expect(derive(1_000_000)).to.throw(LedgerEventError, /does not allow/);
        else {
          expect(derive(terms.minDerivativePpm)).not.to.throw();
          if (terms.minDerivativePpm > 0)
            expect(derive(terms.minDerivativePpm - 1)).to.throw(LedgerEventError, /minDerivativePpm/);
        }
      }
    } else {
      const fees = h.ledger.fees(token);
      if (fees > 0n) h.emit({ type: "FeesWithdrawn", token, to: accounts[0]!, amount: fees / 2n });
    }
    for (const t of tokens) expect(h.ledger.totalOwed(t), `seed ${seed} step ${step}`).to.equal(h.balance(t));
  }

  for (const id of ids) {
    const { recipients } = h.ledger.effectiveShares(id);
    const sum = recipients.reduce(
      (acc, r) => ({ n: acc.n * r.share.denominator + r.share.numerator * acc.d, d: acc.d * r.share.denominator }),
      { n: 0n, d: 1n },
    );
    expect(sum.n, `seed ${seed}: effective shares of ${id} sum to 1`).to.equal(sum.d);
  }

  for (const token of tokens) {
    h.expectConserved(token);
    const predicted = h.ledger.owedAfterFullPropagation(token);
    h.propagateAll(token);
    expect(h.ledger.owed(token), `seed ${seed}: prediction vs propagation`).to.deep.equal(predicted);
    // Claim and sweep everything claimable: what is left is escrow, frozen funds and fees.
    for (const id of ids) h.sweep(id, token);
    for (const account of accounts) h.claim(account, token);
    const rest = h.ledger.owed(token);
    let frozen = 0n;
    let openEntries = 0n;
    for (const id of ids) {
      const model = h.ledger.model(id);
      openEntries += BigInt(h.ledger.contributorSet(id, model.epoch)?.entries.length ?? 0);
      if (model.status !== ModelStatus.DISPUTED) continue;
      for (let epoch = 0; epoch <= model.epoch; epoch++) {
        const tree = h.ledger.contributorSet(id, epoch);
        for (const entry of tree?.entries ?? []) frozen += h.ledger.entryOwed(id, token, epoch, entry.cumulativeBefore);
      }
    }
    // What stays with accounts: frozen entitlements, plus at most one wei per entry of a still-open epoch (its
    // slice less the floor of its pro-rata share, paid when the epoch closes).
    const accountsLeft = [...rest.accounts.values()].reduce((a, b) => a + b, 0n);
    expect(accountsLeft >= frozen, `seed ${seed}: frozen entitlements stay with accounts`).to.equal(true);
    expect(accountsLeft - frozen <= openEntries, `seed ${seed}: only open-epoch dust stays`).to.equal(true);
    expect(rest.total).to.equal(h.balance(token));
  }
  const counts = new Map<string, number>();
  for (const event of h.events) counts.set(event.type, (counts.get(event.type) ?? 0) + 1);
  return counts;
}
