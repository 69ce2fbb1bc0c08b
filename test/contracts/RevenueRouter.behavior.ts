import { expect } from "chai";

import { Role } from "../../src/core/constants.js";
import { type ContributorClaim, claimsFor, claimsOf } from "../helpers/claims.js";
import { FEE_PPM, type Family, balanceOf, familyLedger, pay } from "../helpers/fixtures.js";
import type { ExpectedLedger } from "../helpers/ledger.js";
import * as spec from "../helpers/math.js";
import { type RegisteredModel, contributors } from "../helpers/models.js";

export type PayableTokenContext = {
  /** Loads the family fixture (through `loadFixture`). */
  load: () => Promise<Family>;
  /** The token the specs pay in: NATIVE_TOKEN or an ERC-20's address. */
  tokenOf: (family: Family) => Promise<string>;
  /** One whole token, in base units. */
  unit: bigint;
};

/**
 * The money flow every accepted token shares: pay, propagate, claim, withdraw fees, and conservation. Run once per
 * token kind (native ETH, ERC-20s of different decimals).
 */
export function shouldBehaveLikePayableToken({ load, tokenOf, unit }: PayableTokenContext): void {
  let f: Family;
  let token: string;
  let ledger: ExpectedLedger;

  beforeEach(async function () {
    f = await load();
    token = await tokenOf(f);
    ledger = familyLedger(f);
  });

  const routerBalance = () => balanceOf(f.ethers, token, f.router);
  const payTo = (id: string, amount: bigint) => pay(f.router, f.actors.payer, id, token, amount);
  const receivedBy = async (id: string) => (await f.router.modelBalance(id, token)).received;
  /** A claim sent by a bystander, so that the account's balance changes by exactly the payout. */
  const claimByBystander = (entries: ContributorClaim[]) => f.router.connect(f.actors.stranger).claim(token, entries);

  describe("pay", function () {
    it("adds the amount less the fee to the model's received and the fee to the fee balance", async function () {
      const amount = 1_234n * unit + 567n;
      const fee = spec.feeOf(amount, FEE_PPM);
      const net = amount - fee;
      const upstream = spec.upstreamOf(net, 300_000n);
      const before = await routerBalance();

      await expect(payTo(f.child.id, amount))
        .to.emit(f.router, "Paid")
        .withArgs(f.child.id, token, f.actors.payer.address, amount, fee);

      expect(await routerBalance()).to.equal(before + amount);
      expect(await f.router.fees(token)).to.equal(fee);
      expect([...(await f.router.modelBalance(f.child.id, token))]).to.deep.equal([net, upstream, 0n, net - upstream]);
      expect(await f.router.pendingUpstream(f.child.id, token)).to.equal(upstream);
      expect(await f.router.keptInEpoch(f.child.id, token, 0)).to.equal(net - upstream);
    });

    it("takes exactly ceil(amount * feePpm / PPM) as the fee, rounding up", async function () {
      let fees = 0n;
      let received = 0n;
      for (const [amount, fee] of [
        [1n, 1n],
        [99n, 1n],
        [100n, 1n],
        [101n, 2n],
        [200n, 2n],
        [10n * unit + 99n, spec.feeOf(10n * unit + 99n, FEE_PPM)],
      ] as const) {
        await expect(payTo(f.a.id, amount))
          .to.emit(f.router, "Paid")
          .withArgs(f.a.id, token, f.actors.payer.address, amount, fee);
        fees += fee;
        received += amount - fee;
        expect(await f.router.fees(token)).to.equal(fees);
        expect(await receivedBy(f.a.id)).to.equal(received);
      }
    });

    it("previews the same fee and net amount", async function () {
      const amount = 77n * unit + 1n;
      const [fee, net] = await f.router.previewPay(amount);
      await expect(payTo(f.a.id, amount))
        .to.emit(f.router, "Paid")
        .withArgs(f.a.id, token, f.actors.payer.address, amount, fee);
      expect(await receivedBy(f.a.id)).to.equal(net);
    });
  });

  describe("propagate", function () {
    it("moves each of 3 parents its splitTree part of the lifetime upstream, less what it got before", async function () {
      const weights = f.child.registration.parents.map(({ weightPpm }) => weightPpm);
      const parents = [f.a.id, f.b.id, f.c.id];
      let received = 0n;
      let pushed = 0n;
      for (const amount of [1_000_003n, 7n, 333n * unit + 1n, 10n]) {
        await payTo(f.child.id, amount);
        received += amount - spec.feeOf(amount, FEE_PPM);
        const upstream = spec.upstreamOf(received, 300_000n);
        const expected = spec.propagationOf(upstream, pushed, weights);
        expect(expected.reduce((sum, part) => sum + part, 0n)).to.equal(upstream - pushed);
        const before = await Promise.all(parents.map(receivedBy));

        expect([...(await f.router.previewPropagate(f.child.id, token, f.child.registration.parents))]).to.deep.equal(
          expected,
        );
        await expect(f.router.propagate(f.child.id, token, f.child.registration.parents))
          .to.emit(f.router, "Propagated")
          .withArgs(f.child.id, token, upstream - pushed, upstream);

        const after = await Promise.all(parents.map(receivedBy));
        expect(after.map((value, i) => value - before[i])).to.deep.equal(expected);
        expect(after).to.deep.equal(spec.splitTree(upstream, weights));
        expect(await f.router.pendingUpstream(f.child.id, token)).to.equal(0n);
        expect((await f.router.modelBalance(f.child.id, token)).pushed).to.equal(upstream);
        pushed = upstream;
      }
    });

    it("ends with the same parent totals however payments and propagations are batched", async function () {
      const amounts = [5n * unit + 3n, 11n, 999_999n, 4n * unit];
      await payTo(f.child.id, amounts[0]);
      await f.router.propagate(f.child.id, token, f.child.registration.parents);
      await payTo(f.child.id, amounts[1]);
      await payTo(f.child.id, amounts[2]);
      await f.router.propagate(f.child.id, token, f.child.registration.parents);
      await payTo(f.child.id, amounts[3]);
      await f.router.propagate(f.child.id, token, f.child.registration.parents);

      const received = amounts.reduce((sum, amount) => sum + amount - spec.feeOf(amount, FEE_PPM), 0n);
      const weights = f.child.registration.parents.map(({ weightPpm }) => weightPpm);
      const expected = spec.splitTree(spec.upstreamOf(received, 300_000n), weights);
      expect(await Promise.all([f.a.id, f.b.id, f.c.id].map(receivedBy))).to.deep.equal(expected);
    });
  });

  describe("claim", function () {
    it("pays each contributor its floor share while the epoch is current, and the rest of its slice once it closes", async function () {
      const amount = 10n * unit + 1n;
      await payTo(f.child.id, amount);
      const kept = spec.keptOf(amount - spec.feeOf(amount, FEE_PPM), 300_000n);
      const set = f.child.registration.contributors;
      const weights = set.map(({ weightPpm }) => weightPpm);
      const shares = spec.sharesOf(kept, weights);
      const slices = spec.slicesOf(kept, weights);
      expect(slices.reduce((sum, slice) => sum + slice, 0n)).to.equal(kept);

      const pull = async (entry: ContributorClaim, epoch: number, expected: bigint) => {
        expect(await f.router.claimable(token, entry)).to.equal(expected);
        const before = await balanceOf(f.ethers, token, entry.account);
        const tx = claimByBystander([entry]);
        if (expected === 0n) await expect(tx).not.to.emit(f.router, "Claimed");
        else
          await expect(tx)
            .to.emit(f.router, "Claimed")
            .withArgs(f.child.id, token, entry.account, epoch, entry.cumulativeBefore, expected);
        expect(await balanceOf(f.ethers, token, entry.account)).to.equal(before + expected);
        expect(await f.router.claimable(token, entry)).to.equal(0n);
      };

      // Epoch 0 is current: each entry gets floor(kept * weight / PPM).
      const entries = claimsOf(f.child.id, 0, set);
      for (const [i, entry] of entries.entries()) {
        await pull(entry, 0, shares[i]);
        expect(await f.router.claimed(f.child.id, token, 0, entry.cumulativeBefore)).to.equal(shares[i]);
      }

      // Closing epoch 0 (the same list again) makes its kept amount final: each entry gets slice - share more.
      await f.registry.connect(f.actors.steward).setContributors(f.child.id, set);
      for (const [i, entry] of entries.entries()) {
        await pull(entry, 0, slices[i] - shares[i]);
        expect(await f.router.claimed(f.child.id, token, 0, entry.cumulativeBefore)).to.equal(slices[i]);
      }
    });

    it("pays only what arrived since when the same entry claims twice", async function () {
      const [bob] = claimsFor(f.actors.bob, f.child.id, 0, f.child.registration.contributors);
      const [first, second] = [3n * unit + 17n, 5n * unit + 3n];
      const net = (amount: bigint) => amount - spec.feeOf(amount, FEE_PPM);
      // Epoch 0 stays current, so bob's entitlement is his floor share of what the model kept so far.
      const bobShare = (total: bigint) => spec.shareOf(spec.keptOf(total, 300_000n), bob.weightPpm);

      await payTo(f.child.id, first);
      await claimByBystander([bob]);
      await expect(claimByBystander([bob])).not.to.emit(f.router, "Claimed");
      await payTo(f.child.id, second);

      const expected = bobShare(net(first) + net(second)) - bobShare(net(first));
      expect(await f.router.connect(f.actors.bob).claim.staticCall(token, [bob])).to.equal(expected);
      await expect(claimByBystander([bob]))
        .to.emit(f.router, "Claimed")
        .withArgs(f.child.id, token, f.actors.bob.address, 0, bob.cumulativeBefore, expected);
      expect(await f.router.claimed(f.child.id, token, 0, bob.cumulativeBefore)).to.equal(
        bobShare(net(first) + net(second)),
      );
    });

    it("pays the account, never the caller, when a third party claims", async function () {
      await payTo(f.b.id, 2n * unit);
      const [bob] = claimsFor(f.actors.bob, f.b.id, 0, f.b.registration.contributors);
      const expected = spec.keptOf(2n * unit - spec.feeOf(2n * unit, FEE_PPM), 0n);
      const before = await balanceOf(f.ethers, token, f.actors.bob.address);
      await expect(f.router.connect(f.actors.carol).claim(token, [bob]))
        .to.emit(f.router, "Claimed")
        .withArgs(f.b.id, token, f.actors.bob.address, 0, 0, expected);
      expect(await balanceOf(f.ethers, token, f.actors.bob.address)).to.equal(before + expected);
    });

    it("pays entries of several models in one call, one Claimed event per entry", async function () {
      for (const id of [f.a.id, f.child.id, f.grandchild.id]) await payTo(id, 4n * unit + 1n);
      const entries = [
        ...claimsFor(f.actors.alice, f.a.id, 0, f.a.registration.contributors),
        ...claimsFor(f.actors.alice, f.child.id, 0, f.child.registration.contributors),
        ...claimsFor(f.actors.alice, f.grandchild.id, 0, f.grandchild.registration.contributors),
      ];
      const net = 4n * unit + 1n - spec.feeOf(4n * unit + 1n, FEE_PPM);
      // Every epoch is current: each entry gets its floor share.
      const expected = [
        spec.shareOf(net, 500_000),
        spec.shareOf(spec.keptOf(net, 300_000n), 600_000),
        spec.keptOf(net, 200_000n),
      ];
      const total = expected.reduce((sum, amount) => sum + amount, 0n);
      const before = await balanceOf(f.ethers, token, f.actors.alice.address);
      expect(await f.router.connect(f.actors.stranger).claim.staticCall(token, entries)).to.equal(total);
      const tx = claimByBystander(entries);
      for (const [i, entry] of entries.entries()) {
        await expect(tx)
          .to.emit(f.router, "Claimed")
          .withArgs(entry.modelId, token, f.actors.alice.address, 0, entry.cumulativeBefore, expected[i]);
      }
      expect(await balanceOf(f.ethers, token, f.actors.alice.address)).to.equal(before + total);
    });
  });

  describe("withdrawFees", function () {
    it("sends accrued fees to the given address and emits FeesWithdrawn", async function () {
      const amount = 250n * unit + 99n;
      await payTo(f.a.id, amount);
      const fee = spec.feeOf(amount, FEE_PPM);
      const to = f.actors.stranger.address;
      const before = await balanceOf(f.ethers, token, to);

      await expect(f.router.connect(f.actors.treasury).withdrawFees(token, to, fee - 1n))
        .to.emit(f.router, "FeesWithdrawn")
        .withArgs(token, to, fee - 1n);
      expect(await f.router.fees(token)).to.equal(1n);
      await f.router.connect(f.actors.treasury).withdrawFees(token, to, 1n);
      expect(await f.router.fees(token)).to.equal(0n);
      expect(await balanceOf(f.ethers, token, to)).to.equal(before + fee);
    });

    it("reverts with RevenueRouterInsufficientFees when asked for more than accrued", async function () {
      await payTo(f.a.id, 100n * unit);
      const fee = spec.feeOf(100n * unit, FEE_PPM);
      await expect(f.router.connect(f.actors.treasury).withdrawFees(token, f.actors.treasury.address, fee + 1n))
        .to.be.revertedWithCustomError(f.router, "RevenueRouterInsufficientFees")
        .withArgs(token, fee + 1n, fee);
    });
  });

  it("holds exactly what it owes after every step, and nothing once everything is paid out", async function () {
    const { router, registry, actors, a, b, c, child, grandchild } = f;
    const check = async () => expect(await routerBalance()).to.equal(ledger.owed(token));
    const payAndTrack = async (id: string, amount: bigint) => {
      await payTo(id, amount);
      ledger.pay(id, token, amount);
      await check();
    };
    const propagateAndTrack = async (model: typeof child) => {
      const { amount } = ledger.propagate(model.id, token);
      const tx = router.propagate(model.id, token, model.registration.parents);
      if (amount === 0n) await expect(tx).not.to.emit(router, "Propagated");
      else
        await expect(tx)
          .to.emit(router, "Propagated")
          .withArgs(model.id, token, amount, ledger.upstream(model.id, token));
      await check();
    };
    const claimAndTrack = async (entry: ContributorClaim) => {
      const expected = ledger.settle(entry.modelId, token, entry.epoch, entry.cumulativeBefore, entry.weightPpm);
      expect(await router.connect(actors.stranger).claim.staticCall(token, [entry])).to.equal(expected);
      await claimByBystander([entry]);
      await check();
      return expected;
    };

    await payAndTrack(grandchild.id, 10n * unit + unit / 2n);
    await payAndTrack(child.id, 3n * unit + 7n);
    await propagateAndTrack(grandchild);
    for (const entry of claimsFor(actors.alice, child.id, 0, child.registration.contributors))
      await claimAndTrack(entry);

    const newSet = contributors([actors.bob, 500_000, Role.MAINTENANCE], [actors.carol, 500_000, Role.DOCUMENTATION]);
    await registry.connect(actors.steward).setContributors(child.id, newSet);
    ledger.startEpoch(child.id);
    await payAndTrack(child.id, unit + 1n);
    await propagateAndTrack(child);
    await payAndTrack(a.id, 2n * unit);

    const halfFees = ledger.fees(token) / 2n;
    await router.connect(actors.treasury).withdrawFees(token, actors.stranger.address, halfFees);
    ledger.withdrawFees(token, halfFees);
    await check();

    // Pay everything out: push every upstream to the roots, claim every entry, withdraw the rest of the fees.
    await propagateAndTrack(grandchild);
    await propagateAndTrack(child);
    const owners = new Map([[grandchild.id, actors.otherSteward]]);
    const sets: [RegisteredModel, number, typeof newSet][] = [
      [a, 0, a.registration.contributors],
      [b, 0, b.registration.contributors],
      [c, 0, c.registration.contributors],
      [child, 0, child.registration.contributors],
      [child, 1, newSet],
      [grandchild, 0, grandchild.registration.contributors],
    ];
    for (const [model, epoch, set] of sets)
      for (const entry of claimsOf(model.id, epoch, set)) await claimAndTrack(entry);

    // The current epochs still hold up to one wei per entry: close them (the same list again) and claim that dust,
    // exactly slice - share of each entry (child's epoch 0 was already closed and paid its slices).
    const open = sets.filter(([model, epoch]) => model !== child || epoch === 1);
    for (const [model, , set] of open) {
      await registry.connect(owners.get(model.id) ?? actors.steward).setContributors(model.id, set);
      ledger.startEpoch(model.id);
    }
    for (const [model, epoch, set] of open) {
      const kept = ledger.keptInEpoch(model.id, token, epoch);
      for (const entry of claimsOf(model.id, epoch, set)) {
        const slice = spec.sliceOf(kept, BigInt(entry.cumulativeBefore), BigInt(entry.weightPpm));
        const share = spec.shareOf(kept, entry.weightPpm);
        expect(await router.claimed(model.id, token, epoch, entry.cumulativeBefore)).to.equal(share);
        expect(slice - share).to.be.oneOf([0n, 1n]);
        expect(await claimAndTrack(entry)).to.equal(slice - share);
        expect(await router.claimed(model.id, token, epoch, entry.cumulativeBefore)).to.equal(slice);
      }
    }
    await router.connect(actors.treasury).withdrawFees(token, actors.stranger.address, ledger.fees(token));
    ledger.withdrawFees(token, ledger.fees(token));

    expect(ledger.owed(token)).to.equal(0n);
    expect(await routerBalance()).to.equal(0n);
  });
}
