import { expect } from "chai";
import type { Address, Hex } from "viem";
import { MAX_LIFETIME_AMOUNT, ModelStatus, Relation, Role, ZERO_ADDRESS } from "../../src/core/constants.js";
import { contributorTree } from "../../src/core/contributorTree.js";
import {
  InvalidAmountError,
  LedgerEventError,
  MirrorMismatchError,
  UnknownEntryError,
  UnknownModelError,
} from "../../src/core/errors.js";
import { createLedger, type PaymentPreview } from "../../src/core/ledger.js";
import { LEDGER_EVENT_NAMES } from "../../src/core/ledgerEvent.js";
import { modelId } from "../../src/core/modelId.js";
import { sliceOf } from "../../src/core/splitMath.js";
import { acct, createHarness, ETH, set, USDC, type Harness } from "./ledgerHarness.js";

const alice = acct(1);
const bob = acct(2);
const carol = acct(3);
const dave = acct(4);
const erin = acct(5);
const frank = acct(6);
const ben = acct(7);
const pat = acct(8);
const gus = acct(9);
const zed = acct(10);

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
      h.pay(A, 41n); // fee ceil(41 * 2.5%) = 2, net 39: received 1014, alice floor(608.4) = 608
      expect(h.ledger.fees(ETH)).to.equal(27n);
      expect(h.ledger.claimable(alice, ETH)).to.equal(608n - 585n);
      expect(h.ledger.claimable(bob, ETH)).to.equal(405n); // floor(1014 * 0.4) while the epoch is open; 1 wei waits
      h.expectConserved();
      h.emit({ type: "FeesWithdrawn", token: ETH, to: ben, amount: 27n });
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
      // Rounded up: 1 wei at 2.5% pays 1 wei of fee, not 0.
      expect(() => h.ledger.apply({ type: "Paid", modelId: A, token: ETH, payer: bob, amount: 1n, fee: 0n })).to.throw(
        MirrorMismatchError,
        /fee is 0 on chain but the engine computed 1/,
      );
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
      expect(() => h.ledger.apply({ ...claim, type: "ContributorSwept", beneficiary: bob, amount: 0n })).to.throw(
        LedgerEventError,
        /not revoked/,
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

    it("previews a middle contributor's one-wei loss, paid in or propagated: signed changes that add up to net", () => {
      // Weights 30/10/60%: a kept total of 3 gives slices [0, 1, 2], of 4 [1, 0, 3] (docs/SPEC.md "Cumulative slice").
      const h = createHarness();
      const M = h.register("hf:org/m", [
        [alice, 300_000],
        [bob, 100_000],
        [carol, 600_000],
      ]);
      const C = h.register("hf:org/c", [[dave, 1_000_000]], { upstreamPpm: 1_000_000, parents: [[M, 1_000_000]] });
      h.pay(M, 3n);
      const losses = new Map([
        [alice, 1n],
        [bob, -1n],
        [carol, 1n],
      ]);
      for (const paid of [M, C]) {
        const preview = h.ledger.previewPay(paid, ETH, 1n);
        expect(preview.accounts, `paying ${paid === M ? "M" : "its child C"}`).to.deep.equal(losses);
        expect(preview.net).to.equal(1n);
      }
      const owedBefore = h.ledger.owed(ETH).accounts;
      h.pay(C, 1n);
      h.propagateAll();
      const owed = h.ledger.owed(ETH).accounts;
      for (const [account, change] of losses)
        expect((owed.get(account) ?? 0n) - (owedBefore.get(account) ?? 0n), account).to.equal(change);
    });

    it("refuses to preview what the router refuses: 0, 2^112 and above, a lifetime total past its 112-bit cap", () => {
      const h = createHarness();
      const A = h.register("hf:org/a", [[alice, 1_000_000]]);
      const C = h.register("hf:org/c", [[dave, 1_000_000]], { upstreamPpm: 1_000_000, parents: [[A, 1_000_000]] });
      const preview = (id: Hex, amount: bigint) => () => h.ledger.previewPay(id, ETH, amount);
      expect(preview(A, 0n)).to.throw(InvalidAmountError, /RevenueRouterZeroAmount/);
      expect(preview(A, MAX_LIFETIME_AMOUNT + 1n)).to.throw(InvalidAmountError, /above 2\^112 - 1/);
      expect(preview(A, MAX_LIFETIME_AMOUNT)().accounts.get(alice)).to.equal(MAX_LIFETIME_AMOUNT);
      expect(preview(modelId("hf:org/none"), 1n)).to.throw(UnknownModelError);
      expect(() => h.ledger.previewPay(A, ZERO_ADDRESS, 1n)).to.throw(LedgerEventError, /zero address/);
      h.pay(A, MAX_LIFETIME_AMOUNT - 5n);
      expect(preview(A, 6n)).to.throw(InvalidAmountError, /would have received/);
      expect(preview(A, 5n)().accounts.get(alice)).to.equal(5n);
      // C may take the payment, but the router would refuse to propagate it into A.
      expect(preview(C, 6n)).to.throw(InvalidAmountError, /propagating it would take model/);
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
      expect(h.ledger.model(P)).to.include({ placeholder: true, provisional: true, verified: false });
      expect(h.ledger.owed(ETH).escrow.get(P)).to.equal(500n);
      expect(h.ledger.contributorSet(P, 0)).to.equal(null);
      const claim = { type: "Claimed", modelId: P, token: ETH, account: pat, epoch: 0, cumulativeBefore: 0 } as const;
      expect(() => h.ledger.apply({ ...claim, amount: 500n })).to.throw(LedgerEventError, /provisional/);
      h.expectConserved();
      // A placeholder waits for its authors for ever: its window cannot be ended.
      expect(() => h.endProvisional(P)).to.throw(LedgerEventError, /no provisional window/);

      h.assign(P, pat, [[pat, 1_000_000]]);
      expect(h.ledger.model(P)).to.include({ placeholder: false, provisional: false, steward: pat, epoch: 0 });
      expect(h.ledger.owed(ETH).escrow.size).to.equal(0);
      expect(h.claim(pat)).to.equal(500n);
      expect(h.claim(alice)).to.equal(501n);
      h.expectConserved();
      expect(h.ledger.totalOwed(ETH)).to.equal(0n);
    });

    it("are claimed by their verified authors, who declare their lineage once", () => {
      const h = createHarness();
      const A = h.register("hf:org/a", [[alice, 1_000_000]]);
      const P = h.placeholder("hf:upstream/base");
      const X = h.register("hf:org/x", [[bob, 1_000_000]], { upstreamPpm: 500_000, parents: [[P, 1_000_000]] });
      h.pay(X, 1_001n);
      h.propagate(X); // P received 500, all escrow
      h.claimModel(P, pat, [[pat, 1_000_000]], { upstreamPpm: 200_000, parents: [[A, 1_000_000]] });
      expect(h.ledger.model(P)).to.include({ placeholder: false, provisional: false, verified: true, epoch: 0 });
      expect(h.ledger.model(P).parents.map((e) => e.parentId)).to.deep.equal([A]);
      // The 500 it received is split anew: 100 upstream to A, 400 kept for pat.
      expect(h.ledger.modelBalance(P, ETH)).to.deep.equal({ received: 500n, upstream: 100n, pushed: 0n, kept: 400n });
      expect(h.claim(pat)).to.equal(400n);
      h.propagate(P);
      expect(h.claim(alice)).to.equal(100n);
      h.expectConserved();
    });
  });

  describe("provisional models", () => {
    /** The lineage plus D, registered without attestation under C: payments arrive, nothing leaves. */
    function provisional() {
      const { h, A, B, C } = lineage();
      const D = h.register(
        "hf:org/squatted",
        [
          [erin, 500_000],
          [frank, 500_000],
        ],
        { upstreamPpm: 400_000, parents: [[C, 1_000_000]], steward: pat, provisional: true },
      );
      h.pay(D, 1_000n);
      return { h, A, B, C, D };
    }

    it("take payments but let nothing leave: no propagation, no claims, escrow in the breakdown", () => {
      const { h, D } = provisional();
      expect(h.ledger.model(D)).to.include({ provisional: true, verified: false, epoch: 0 });
      expect(() => h.propagate(D)).to.throw(LedgerEventError, /provisional/);
      expect(h.ledger.previewPropagate(D, ETH)).to.deep.equal([0n]);
      expect(h.ledger.pendingUpstream(D, ETH)).to.equal(400n);
      expect(h.ledger.claimable(erin, ETH)).to.equal(0n);
      expect(h.ledger.entryOwed(D, ETH, 0, 0)).to.equal(0n);
      const claim = { type: "Claimed", modelId: D, token: ETH, account: erin, epoch: 0, cumulativeBefore: 0 } as const;
      expect(() => h.ledger.apply({ ...claim, amount: 300n })).to.throw(LedgerEventError, /provisional/);
      const full = h.ledger.owedAfterFullPropagation(ETH);
      expect(full.escrow.get(D)).to.equal(600n);
      expect(full.heldUpstream.get(D)).to.equal(400n);
      expect(full.accounts.get(erin) ?? 0n).to.equal(0n);
      expect(h.ledger.effectiveShares(D).recipients.find((r) => r.modelId === D)).to.include({ kind: "escrow" });
      // The steward cannot rotate its set while provisional (the registry refuses), so no new epoch can appear.
      expect(() => h.setContributors(D, [[erin, 1_000_000]])).to.throw(LedgerEventError, /cannot start an epoch/);
      h.expectConserved();
    });

    it("open once verified, with the attestation's nonce used up", () => {
      const { h, C, D } = provisional();
      const verified = { type: "ModelVerified", id: D, revision: `0x${"00".repeat(32)}` } as const;
      expect(() => h.ledger.apply({ ...verified, steward: erin, nonce: 0 })).to.throw(MirrorMismatchError, /steward/);
      expect(() => h.ledger.apply({ ...verified, steward: pat, nonce: 1 })).to.throw(MirrorMismatchError, /nonce/);
      h.verify(D);
      expect(h.ledger.model(D)).to.include({ provisional: false, verified: true });
      expect(h.ledger.claimable(erin, ETH)).to.equal(300n);
      expect(h.propagate(D)).to.equal(400n);
      expect(h.ledger.modelBalance(C, ETH).received).to.equal(400n);
      h.verify(D); // a second attestation uses the next nonce
      expect(() => h.ledger.apply({ ...verified, steward: pat, nonce: 1 })).to.throw(MirrorMismatchError, /nonce/);
      h.expectConserved();
    });

    it("open when the window ends with no verified claimant", () => {
      const { h, D } = provisional();
      h.endProvisional(D);
      expect(h.ledger.model(D)).to.include({ provisional: false, verified: false });
      expect(h.claim(erin)).to.equal(300n);
      expect(() => h.endProvisional(D)).to.throw(LedgerEventError, /no provisional window/);
      h.expectConserved();
    });

    it("start provisional only right after their registration; a dismissal may extend the window of one", () => {
      const { h, C, D } = provisional();
      const late = /is neither being registered nor a provisional model/;
      h.ledger.apply({ type: "ModelProvisional", id: D, until: 2 }); // a dismissal extended D's window
      expect(h.ledger.model(D)).to.include({ provisional: true });
      expect(() => h.ledger.apply({ type: "ModelProvisional", id: C, until: 1 })).to.throw(LedgerEventError, late);
      const X = h.register("hf:org/x", [[alice, 1_000_000]]);
      h.pay(X, 1n); // any event in between
      expect(() => h.ledger.apply({ type: "ModelProvisional", id: X, until: 1 })).to.throw(LedgerEventError, late);
    });

    it("are taken over by the verified claimant: the current epoch's set is replaced, nothing else moves", () => {
      const { h, D } = provisional();
      h.claimModel(D, ben, [[carol, 1_000_000]]);
      expect(h.ledger.model(D)).to.include({ steward: ben, provisional: false, verified: true, epoch: 0 });
      expect(h.ledger.contributorSet(D, 0)!.entries.map((e) => e.account)).to.deep.equal([carol]);
      // The squatter's contributors have no entry left; the claimant's set takes the epoch whole.
      expect(h.ledger.claimableEntries(erin, ETH)).to.deep.equal([]);
      expect(h.ledger.entryOwed(D, ETH, 0, 0)).to.equal(600n);
      expect(h.claim(carol)).to.equal(600n);
      h.expectConserved();
      // Lineage can be corrected only while provisional; a later claim starts a new epoch.
      expect(() => h.ledger.apply({ type: "LineageCorrected", id: D, upstreamPpm: 0, parents: [] })).to.throw(
        LedgerEventError,
        /not provisional/,
      );
      h.claimModel(D, pat, [[frank, 1_000_000]]);
      expect(h.ledger.model(D)).to.include({ steward: pat, epoch: 1 });
      h.expectConserved();
    });

    it("can have their lineage corrected once, to parents registered before them", () => {
      const { h, A, B, C, D } = provisional();
      const late = h.register("hf:org/late", [[alice, 1_000_000]]);
      const correct = (parents: readonly (readonly [Hex, number])[]) => () =>
        h.ledger.clone().apply({
          type: "LineageCorrected",
          id: D,
          upstreamPpm: 100_000,
          parents: parents.map(([parentId, weightPpm]) => ({ parentId, relation: Relation.MERGE, weightPpm })),
        });
      expect(correct([[late, 1_000_000]])).to.throw(LedgerEventError, /not registered before/);
      expect(correct([[D, 1_000_000]])).to.throw(LedgerEventError);
      expect(correct([[A, 999_999]])).to.throw(LedgerEventError, /sum to 999999/);

      h.claimModel(D, ben, [[carol, 1_000_000]], {
        upstreamPpm: 100_000,
        parents: [
          [A, 500_000],
          [B, 500_000],
        ],
      });
      const model = h.ledger.model(D);
      expect(model).to.include({ upstreamPpm: 100_000, provisional: false, verified: true, epoch: 0 });
      expect(model.parents.map((e) => e.parentId)).to.deep.equal([A, B]);
      // The 1,000 received is split anew: 100 upstream, 900 kept for the claimant's set.
      expect(h.ledger.keptInEpoch(D, ETH, 0)).to.equal(900n);
      expect(h.ledger.previewPropagate(D, ETH)).to.deep.equal([50n, 50n]);
      expect(h.claim(carol)).to.equal(900n);
      h.propagateAll();
      expect(h.ledger.modelBalance(C, ETH).received).to.equal(0n);
      expect(h.claim(alice)).to.equal(50n);
      h.expectConserved();
    });

    it("are reassigned by governance like a claim: the current epoch's set is replaced", () => {
      const { h, D } = provisional();
      h.dispute(D);
      h.reassign(D, ben, [[gus, 1_000_000]]);
      expect(h.ledger.model(D)).to.include({
        status: ModelStatus.ACTIVE,
        steward: ben,
        provisional: false,
        verified: false,
        epoch: 0,
      });
      expect(h.claim(gus)).to.equal(600n);
      h.expectConserved();
    });
  });

  describe("disputes", () => {
    it("hold only the contested current epoch: closed epochs stay claimable and upstream keeps flowing", () => {
      const { h, A, C, D } = lineage();
      h.pay(D, 1_000_003n);
      h.propagate(D); // C: received 240_000, dave's epoch 0 kept 180_000, upstream 60_000 pending
      h.setContributors(C, [[gus, 1_000_000]]);
      h.pay(C, 1_000n); // C: received 241_000, upstream 60_250, epoch 1 kept 750
      h.dispute(C);
      h.pay(C, 1_000n); // still accepted: epoch 1 kept 1_500
      expect(h.ledger.claimable(dave, ETH)).to.equal(180_000n);
      expect(h.ledger.claimable(gus, ETH)).to.equal(0n);
      expect(h.ledger.entryOwed(C, ETH, 1, 0)).to.equal(0n);
      expect(() =>
        h.ledger.apply({
          type: "Claimed",
          modelId: C,
          token: ETH,
          account: gus,
          epoch: 1,
          cumulativeBefore: 0,
          amount: 1_500n,
        }),
      ).to.throw(LedgerEventError, /contested/);
      // The held entitlement still counts as the account's.
      expect(h.ledger.owed(ETH).accounts.get(gus)).to.equal(1_500n);
      expect(h.propagate(C)).to.equal(60_500n);
      expect(h.ledger.modelBalance(A, ETH).received).to.equal(60_500n);
      expect(h.claim(alice)).to.equal(60_500n);
      expect(h.claim(dave)).to.equal(180_000n);
      // Nothing can start an epoch while disputed.
      expect(() => h.setContributors(C, [[dave, 1_000_000]])).to.throw(LedgerEventError, /cannot start an epoch/);
      expect(() => h.dispute(C)).to.throw(LedgerEventError, /not 1/);
      h.expectConserved();

      h.dismiss(C);
      expect(h.ledger.claimable(gus, ETH)).to.equal(1_500n);
      expect(() => h.dismiss(C)).to.throw(LedgerEventError, /not 2/);
      h.expectConserved();
    });
  });

  describe("revocation", () => {
    /** C through three epochs (dave, gus, pat), then revoked to ben: epoch 2 is the contested one. */
    function revoked() {
      const { h, A, B, C, D } = lineage();
      h.pay(D, 1_000_003n);
      h.propagate(D); // C: received 240_000, epoch 0 kept 180_000
      h.setContributors(C, [[gus, 1_000_000]]);
      h.pay(C, 1_000n); // epoch 1 kept 750; C upstream 60_250
      h.setContributors(C, [[pat, 1_000_000]]);
      h.pay(C, 400n); // received 241_400: upstream 60_350, epoch 2 kept 300
      h.dispute(C);
      h.revoke(C, ben);
      return { h, A, B, C, D };
    }

    it("sweeps only the contested epoch to the beneficiary; earlier epochs and upstream stay with the innocent", () => {
      const { h, A, C, D } = revoked();
      expect(h.ledger.model(C)).to.include({
        status: ModelStatus.REVOKED,
        beneficiary: ben,
        epoch: 3,
        revokedEpoch: 3,
      });
      expect(h.ledger.contributorSet(C, 3)!.entries[0]).to.include({ account: ben, role: Role.OTHER, weightPpm: 1e6 });
      // Epochs 0 and 1 are their contributors'; epoch 2 (contested) is the beneficiary's by sweep.
      expect(h.ledger.claimable(dave, ETH)).to.equal(180_000n);
      expect(h.ledger.claimable(gus, ETH)).to.equal(750n);
      expect(h.ledger.claimable(pat, ETH)).to.equal(0n);
      expect(h.ledger.entryOwed(C, ETH, 2, 0)).to.equal(0n);
      const sweepable = h.ledger.sweepable(C, ETH)!;
      expect(sweepable.beneficiary).to.equal(ben);
      expect(sweepable.entries.map((e) => [e.account, e.epoch, e.amount])).to.deep.equal([[pat, 2, 300n]]);
      expect(h.ledger.owed(ETH).accounts.get(ben)).to.equal(300n);
      expect(h.ledger.owed(ETH).accounts.get(pat) ?? 0n).to.equal(0n);
      const swept = { type: "ContributorSwept", modelId: C, token: ETH, cumulativeBefore: 0 } as const;
      expect(() => h.ledger.apply({ ...swept, beneficiary: ben, epoch: 0, amount: 180_000n })).to.throw(
        LedgerEventError,
        /not sweep-only/,
      );
      expect(() => h.ledger.apply({ ...swept, beneficiary: dave, epoch: 2, amount: 300n })).to.throw(
        MirrorMismatchError,
        /beneficiary/,
      );
      expect(() =>
        h.ledger.apply({
          type: "Claimed",
          modelId: C,
          token: ETH,
          account: pat,
          epoch: 2,
          cumulativeBefore: 0,
          amount: 300n,
        }),
      ).to.throw(LedgerEventError, /sweep it/);
      h.expectConserved();

      // The pending upstream keeps flowing to the parents, and future upstream too.
      expect(h.propagate(C)).to.equal(60_350n);
      expect(h.ledger.modelBalance(A, ETH).received).to.equal(60_350n);
      const shares = h.ledger.effectiveShares(D);
      expect(shares.accounts.get(ben)).to.deep.equal({ numerator: 9n, denominator: 50n, ppm: 180_000n }); // .4*.6*.75
      expect(shares.accounts.get(alice)).to.deep.equal({ numerator: 3n, denominator: 50n, ppm: 60_000n });

      expect(h.sweep(C)).to.equal(300n);
      expect(h.ledger.sweepable(C, ETH)).to.deep.equal({ beneficiary: ben, entries: [] });
      h.pay(D, 1_000_000n);
      h.propagate(D);
      expect(h.ledger.keptInEpoch(C, ETH, 3)).to.equal(180_000n);
      expect(h.claim(ben)).to.equal(180_000n);
      expect(h.claim(dave)).to.equal(180_000n);
      expect(h.claim(gus)).to.equal(750n);
      expect(() => h.dismiss(C)).to.throw(LedgerEventError, /not 2/);
      h.expectConserved();
    });

    it("moves to a replaced beneficiary: the earlier beneficiary's epoch becomes sweep-only", () => {
      const { h, C } = revoked();
      h.pay(C, 1_000n); // epoch 3 (ben's) kept 750
      expect(() => h.ledger.apply({ type: "BeneficiaryReplaced", id: C, previous: dave, beneficiary: zed })).to.throw(
        MirrorMismatchError,
        /previous/,
      );
      const clone = h.ledger.clone();
      clone.apply({ type: "BeneficiaryReplaced", id: C, previous: ben, beneficiary: zed });
      expect(() => clone.apply({ type: "BeneficiaryReplaced", id: C, previous: ben, beneficiary: zed })).to.throw(
        LedgerEventError,
        /awaits/,
      );
      expect(() =>
        clone.apply({ type: "StatusUpdated", modelId: C, status: ModelStatus.REVOKED, beneficiary: ben }),
      ).to.throw(MirrorMismatchError, /beneficiary/);

      h.replaceBeneficiary(C, zed);
      expect(h.ledger.model(C)).to.include({ beneficiary: zed, epoch: 4, revokedEpoch: 3 });
      expect(h.ledger.claimable(ben, ETH)).to.equal(0n);
      expect(h.ledger.claimable(dave, ETH)).to.equal(180_000n);
      const sweepable = h.ledger.sweepable(C, ETH)!;
      expect(sweepable.entries.map((e) => [e.account, e.epoch, e.amount])).to.deep.equal([
        [pat, 2, 300n],
        [ben, 3, 750n],
      ]);
      expect(h.sweep(C)).to.equal(1_050n);
      h.pay(C, 1_000n);
      expect(h.claim(zed)).to.equal(750n);
      h.expectConserved();
    });

    it("gives an unassigned placeholder's escrow epoch to the beneficiary (no contested epoch before it)", () => {
      const h = createHarness();
      const P = h.placeholder("hf:upstream/base");
      h.pay(P, 500n);
      h.dispute(P);
      h.revoke(P, ben);
      expect(h.ledger.model(P)).to.include({ epoch: 0, revokedEpoch: 0, provisional: false });
      expect(h.ledger.sweepable(P, ETH)).to.deep.equal({ beneficiary: ben, entries: [] });
      expect(h.claim(ben)).to.equal(500n);
      h.pay(P, 10n);
      h.replaceBeneficiary(P, zed);
      expect(h.ledger.model(P)).to.include({ epoch: 1, revokedEpoch: 0 });
      expect(h.sweep(P)).to.equal(10n);
      h.expectConserved();
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

    it("preview every payment exactly: signed changes, as applying it and propagating everything gives", function () {
      this.timeout(120_000);
      let losses = 0;
      for (let seed = 1; seed <= 8; seed++)
        randomRun(seed, 200, (h, ids, tokens, next) => {
          const amount = next(4) === 0 ? BigInt(1 + next(1_000_000)) * 10n ** 18n : BigInt(1 + next(60));
          losses += expectExactPreview(h, ids[next(ids.length)]!, tokens[next(tokens.length)]!, amount);
        });
      // The walk meets what the signs are for: an account owed less after a payment.
      expect(losses).to.be.greaterThan(0);
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

/**
 * Previews paying `amount` to `id` and checks it against applying the payment to a clone and comparing the owed
 * breakdowns after full propagation, part by part; the changes add up to net. Returns how many accounts lose.
 */
function expectExactPreview(h: Harness, id: Hex, token: Address, amount: bigint): number {
  const preview: PaymentPreview = h.ledger.previewPay(id, token, amount);
  const before = h.ledger.owedAfterFullPropagation(token);
  const paid = h.ledger.clone();
  paid.apply({ type: "Paid", modelId: id, token, payer: ZERO_ADDRESS, amount, fee: preview.fee });
  const after = paid.owedAfterFullPropagation(token);
  const changes = <K>(from: ReadonlyMap<K, bigint>, to: ReadonlyMap<K, bigint>) => {
    const out = new Map<K, bigint>();
    for (const key of new Set([...from.keys(), ...to.keys()])) {
      const change = (to.get(key) ?? 0n) - (from.get(key) ?? 0n);
      if (change !== 0n) out.set(key, change);
    }
    return out;
  };
  const what = `paying ${amount} of ${token} to ${id}`;
  expect(preview.accounts, what).to.deep.equal(changes(before.accounts, after.accounts));
  expect(preview.escrow, what).to.deep.equal(changes(before.escrow, after.escrow));
  expect(preview.heldUpstream, what).to.deep.equal(changes(before.heldUpstream, after.heldUpstream));
  const parts = [...preview.accounts.values(), ...preview.escrow.values(), ...preview.heldUpstream.values()];
  expect(
    parts.reduce((a, b) => a + b, 0n),
    what,
  ).to.equal(preview.net);
  expect(preview.fee + preview.net).to.equal(amount);
  return [...preview.accounts.values()].filter((change) => change < 0n).length;
}

/**
 * A seeded random walk over every kind of event, checking conservation after each step; `afterStep` runs after each
 * step with the walk's state and random source.
 */
function randomRun(
  seed: number,
  steps: number,
  afterStep?: (h: Harness, ids: readonly Hex[], tokens: readonly Address[], next: (bound: number) => number) => void,
): Map<string, number> {
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
    const provisional = next(3) === 0;
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
        provisional,
      }),
    );
  }
  /** A corrected lineage for `id`: some models registered before it that allow it, and a share their terms accept. */
  const correctedLineage = (id: Hex): { upstreamPpm: number; parents: [Hex, number][] } => {
    const chosen = ids
      .slice(0, ids.indexOf(id))
      .filter((p) => {
        const parent = h.ledger.model(p);
        return parent.status !== ModelStatus.REVOKED && parent.terms.derivativesAllowed && next(2) === 0;
      })
      .slice(0, 3);
    const base = Math.floor(1e6 / Math.max(chosen.length, 1));
    const parents = chosen.map((p, j): [Hex, number] => [p, j === chosen.length - 1 ? 1e6 - base * j : base]);
    const required = Math.max(
      1,
      ...parents.map(([p, w]) => Math.ceil((h.ledger.model(p).terms.minDerivativePpm * 1e6) / w)),
    );
    if (parents.length === 0 || required > 1e6) return { upstreamPpm: 0, parents: [] };
    return { upstreamPpm: required + next(1e6 - required + 1), parents };
  };

  for (let step = 0; step < steps; step++) {
    const id = ids[next(ids.length)]!;
    const token = tokens[next(tokens.length)]!;
    const model = h.ledger.model(id);
    const action = next(100);
    if (action < 35) h.pay(id, BigInt(1 + next(1_000_000)) * (next(3) === 0 ? 10n ** 18n : 1n), token);
    else if (action < 52) {
      if (!model.provisional) h.propagate(id, token);
    } else if (action < 65) h.claim(accounts[next(accounts.length)]!, token);
    else if (action < 73) {
      const active = model.status === ModelStatus.ACTIVE;
      if (active && !model.placeholder && !model.provisional) h.setContributors(id, randomSet());
      else if (active && model.placeholder) h.assign(id, accounts[0]!, randomSet());
      else if (model.provisional && !model.placeholder) h.endProvisional(id);
    } else if (action < 78) {
      // Identity: a verification, or a claim by a verified steward (correcting a provisional model's lineage).
      const steward = accounts[next(accounts.length)]!;
      if (model.status !== ModelStatus.ACTIVE) h.claim(steward, token);
      else if (!model.placeholder && next(2) === 0) h.verify(id);
      else if (model.provisional && next(2) === 0) h.claimModel(id, steward, randomSet(), correctedLineage(id));
      else h.claimModel(id, steward, randomSet());
    } else if (action < 83) {
      if (model.status === ModelStatus.ACTIVE) h.dispute(id);
      else if (model.status === ModelStatus.DISPUTED) {
        if (next(3) === 0) h.reassign(id, accounts[next(accounts.length)]!, randomSet());
        else h.dismiss(id);
      }
    } else if (action < 87) {
      if (model.status === ModelStatus.DISPUTED) h.revoke(id, accounts[next(accounts.length)]!);
      else if (model.status === ModelStatus.REVOKED) h.replaceBeneficiary(id, accounts[next(accounts.length)]!);
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
    afterStep?.(h, ids, tokens, next);
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
      if (model.status !== ModelStatus.DISPUTED || model.provisional) continue;
      // A dispute holds the current epoch only: its entries' whole unclaimed slices.
      const kept = h.ledger.keptInEpoch(id, token, model.epoch);
      for (const { cumulativeBefore, weightPpm } of h.ledger.contributorSet(id, model.epoch)?.entries ?? []) {
        const slice = sliceOf(kept, BigInt(cumulativeBefore), BigInt(weightPpm));
        frozen += slice - h.ledger.claimed(id, token, model.epoch, cumulativeBefore);
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
