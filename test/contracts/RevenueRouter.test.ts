import { expect } from "chai";
import { network } from "hardhat";

import { ModelStatus, NATIVE_TOKEN } from "../../src/core/constants.js";
import type { RevenueRouter } from "../../types/ethers-contracts/index.js";
import { type ContributorClaim, claimsFor, claimsOf, rootOf } from "../helpers/claims.js";
import { FEE_PPM, type Family, NO_TRUST_PERIODS, deployFamily, pay } from "../helpers/fixtures.js";
import * as spec from "../helpers/math.js";
import { contributors, edges, lineage, modelIdOf, parentsHashOf, registerModel, tuple } from "../helpers/models.js";
import { mulberry32 } from "../helpers/mulberry32.js";
import { shouldBehaveLikePayableToken } from "./RevenueRouter.behavior.js";

const { ethers, networkHelpers } = await network.create();

/** `IRevenueRouter.TokenPolicy`. */
const TokenPolicy = { NONE: 0, ALLOWED: 1, BLOCKED: 2 } as const;

describe("RevenueRouter", function () {
  let f: Family;

  beforeEach(async function () {
    f = await networkHelpers.loadFixture(deployFamily);
  });

  const load = () => networkHelpers.loadFixture(deployFamily);

  describe("with native ETH", function () {
    shouldBehaveLikePayableToken({ load, tokenOf: async () => NATIVE_TOKEN, unit: 10n ** 18n });
  });

  describe("with an 18-decimal ERC-20", function () {
    shouldBehaveLikePayableToken({ load, tokenOf: (family) => family.token18.getAddress(), unit: 10n ** 18n });
  });

  describe("with a 6-decimal ERC-20", function () {
    shouldBehaveLikePayableToken({ load, tokenOf: (family) => family.token6.getAddress(), unit: 10n ** 6n });
  });

  describe("constructor", function () {
    it("grants every role to the admin and sets the treasury and the fee", async function () {
      const { router, actors, roles } = f;
      for (const role of [roles.DEFAULT_ADMIN, roles.FEE_MANAGER, roles.TOKEN_MANAGER]) {
        expect(await router.hasRole(role, actors.admin.address)).to.equal(true);
      }
      expect(await router.treasury()).to.equal(actors.treasury.address);
      expect(await router.feePpm()).to.equal(FEE_PPM);
      expect(await router.MAX_FEE_PPM()).to.equal(100_000);
      expect(await router.registry()).to.equal(await f.registry.getAddress());
    });

    it("emits TreasuryUpdated and FeeUpdated", async function () {
      const router = await deployRouter(f.actors.treasury.address, 100_000n);
      await expect(router.deploymentTransaction())
        .to.emit(router, "TreasuryUpdated")
        .withArgs(f.actors.treasury.address);
      await expect(router.deploymentTransaction()).to.emit(router, "FeeUpdated").withArgs(100_000);
    });

    it("reverts with RevenueRouterZeroAddress when the admin is zero", async function () {
      await expect(
        ethers.deployContract("RevenueRouter", [ethers.ZeroAddress, f.actors.treasury.address, FEE_PPM]),
      ).to.be.revertedWithCustomError(f.router, "RevenueRouterZeroAddress");
    });

    it("reverts with RevenueRouterZeroAddress when the treasury is zero", async function () {
      await expect(deployRouter(ethers.ZeroAddress, FEE_PPM)).to.be.revertedWithCustomError(
        f.router,
        "RevenueRouterZeroAddress",
      );
    });

    it("reverts with RevenueRouterFeeTooHigh when the fee is above MAX_FEE_PPM", async function () {
      await expect(deployRouter(f.actors.treasury.address, 100_001n))
        .to.be.revertedWithCustomError(f.router, "RevenueRouterFeeTooHigh")
        .withArgs(100_001, 100_000);
    });
  });

  describe("pay", function () {
    it("reverts with RevenueRouterUnknownModel for an unknown model", async function () {
      const unknown = modelIdOf("hf:nobody/x");
      await expect(pay(f.router, f.actors.payer, unknown, NATIVE_TOKEN, 1n))
        .to.be.revertedWithCustomError(f.router, "RevenueRouterUnknownModel")
        .withArgs(unknown);
    });

    it("reverts with RevenueRouterZeroAmount when paying nothing", async function () {
      await expect(pay(f.router, f.actors.payer, f.a.id, NATIVE_TOKEN, 0n)).to.be.revertedWithCustomError(
        f.router,
        "RevenueRouterZeroAmount",
      );
    });

    it("reverts with RevenueRouterInvalidToken when the token is the zero address", async function () {
      await expect(pay(f.router, f.actors.payer, f.a.id, ethers.ZeroAddress, 1n))
        .to.be.revertedWithCustomError(f.router, "RevenueRouterInvalidToken")
        .withArgs(ethers.ZeroAddress);
    });

    it("reverts with RevenueRouterTokenBlocked when the token is blocked", async function () {
      const token = await f.token6.getAddress();
      await f.router.setTokenBlocked(token, true);
      await expect(pay(f.router, f.actors.payer, f.a.id, token, 1n))
        .to.be.revertedWithCustomError(f.router, "RevenueRouterTokenBlocked")
        .withArgs(token);
    });

    it("reverts with RevenueRouterValueMismatch when less ETH is sent than the amount", async function () {
      await expect(f.router.connect(f.actors.payer).pay(f.a.id, NATIVE_TOKEN, 1000n, { value: 999n }))
        .to.be.revertedWithCustomError(f.router, "RevenueRouterValueMismatch")
        .withArgs(999n, 1000n);
    });

    it("reverts with RevenueRouterValueMismatch when more ETH is sent than the amount", async function () {
      await expect(f.router.connect(f.actors.payer).pay(f.a.id, NATIVE_TOKEN, 1000n, { value: 1001n }))
        .to.be.revertedWithCustomError(f.router, "RevenueRouterValueMismatch")
        .withArgs(1001n, 1000n);
    });

    it("reverts with RevenueRouterValueMismatch when ETH is sent with an ERC-20 payment", async function () {
      await expect(f.router.connect(f.actors.payer).pay(f.a.id, f.token18, 1000n, { value: 1n }))
        .to.be.revertedWithCustomError(f.router, "RevenueRouterValueMismatch")
        .withArgs(1n, 0n);
    });

    it("reverts with RevenueRouterTokenDeliveryMismatch for a fee-on-transfer token", async function () {
      const token = await f.feeToken.getAddress();
      await expect(pay(f.router, f.actors.payer, f.a.id, token, 10_000n))
        .to.be.revertedWithCustomError(f.router, "RevenueRouterTokenDeliveryMismatch")
        .withArgs(token, 10_000n, 9_900n);
    });

    it("accepts an amount of exactly 2^112 - 1", async function () {
      const token = await f.token18.getAddress();
      await f.token18.mint(f.actors.payer.address, spec.MAX_AMOUNT);
      await expect(pay(f.router, f.actors.payer, f.a.id, token, spec.MAX_AMOUNT))
        .to.emit(f.router, "Paid")
        .withArgs(f.a.id, token, f.actors.payer.address, spec.MAX_AMOUNT, spec.feeOf(spec.MAX_AMOUNT, FEE_PPM));
    });

    it("reverts with RevenueRouterAmountTooLarge when the amount exceeds 2^112 - 1", async function () {
      const token = await f.token18.getAddress();
      await f.token18.mint(f.actors.payer.address, spec.MAX_AMOUNT + 1n);
      await expect(pay(f.router, f.actors.payer, f.a.id, token, spec.MAX_AMOUNT + 1n))
        .to.be.revertedWithCustomError(f.router, "RevenueRouterAmountTooLarge")
        .withArgs(spec.MAX_AMOUNT + 1n, spec.MAX_AMOUNT);
    });

    it("reverts with RevenueRouterAmountTooLarge when the model's lifetime total would exceed 2^112 - 1", async function () {
      const token = await f.token18.getAddress();
      await f.token18.mint(f.actors.payer.address, 2n * spec.MAX_AMOUNT);
      await pay(f.router, f.actors.payer, f.a.id, token, spec.MAX_AMOUNT);
      const received = spec.MAX_AMOUNT - spec.feeOf(spec.MAX_AMOUNT, FEE_PPM);
      const second = spec.MAX_AMOUNT / 2n;
      await expect(pay(f.router, f.actors.payer, f.a.id, token, second))
        .to.be.revertedWithCustomError(f.router, "RevenueRouterAmountTooLarge")
        .withArgs(received + second - spec.feeOf(second, FEE_PPM), spec.MAX_AMOUNT);
    });
  });

  describe("propagate", function () {
    it("reverts with RevenueRouterParentsMismatch when the edges are not the registered ones", async function () {
      const { child, router } = f;
      await pay(router, f.actors.payer, child.id, NATIVE_TOKEN, 10n ** 18n);
      const [x, y, z] = child.registration.parents;
      for (const wrong of [
        [y, x, z],
        [x, y],
        [x, y, { ...z, weightPpm: z.weightPpm + 1 }],
        [x, y, { ...z, relation: 0 }],
      ]) {
        await expect(router.propagate(child.id, NATIVE_TOKEN, wrong))
          .to.be.revertedWithCustomError(router, "RevenueRouterParentsMismatch")
          .withArgs(child.id);
      }
    });

    it("reverts with RevenueRouterUnknownModel for an unknown model", async function () {
      const unknown = modelIdOf("hf:nobody/x");
      await expect(f.router.propagate(unknown, NATIVE_TOKEN, []))
        .to.be.revertedWithCustomError(f.router, "RevenueRouterUnknownModel")
        .withArgs(unknown);
    });

    it("returns 0 and emits nothing when nothing is pending", async function () {
      const { child, router } = f;
      expect(await router.propagate.staticCall(child.id, NATIVE_TOKEN, child.registration.parents)).to.equal(0n);
      await expect(router.propagate(child.id, NATIVE_TOKEN, child.registration.parents)).not.to.emit(
        router,
        "Propagated",
      );

      await pay(router, f.actors.payer, child.id, NATIVE_TOKEN, 1_000n);
      await router.propagate(child.id, NATIVE_TOKEN, child.registration.parents);
      await expect(router.propagate(child.id, NATIVE_TOKEN, child.registration.parents)).not.to.emit(
        router,
        "Propagated",
      );
    });

    it("reverts with RevenueRouterAmountTooLarge when a parent's lifetime total would exceed 2^112 - 1", async function () {
      const { router, actors, child, a } = f;
      const token = await f.token18.getAddress();
      const toChild = spec.MAX_AMOUNT / 2n;
      await f.token18.mint(actors.payer.address, spec.MAX_AMOUNT + toChild);
      await pay(router, actors.payer, a.id, token, spec.MAX_AMOUNT);
      await pay(router, actors.payer, child.id, token, toChild);
      const upstream = spec.upstreamOf(toChild - spec.feeOf(toChild, FEE_PPM), 300_000n);
      const [share] = spec.splitTree(upstream, [333_333, 333_333, 333_334]);
      await expect(router.propagate(child.id, token, child.registration.parents))
        .to.be.revertedWithCustomError(router, "RevenueRouterAmountTooLarge")
        .withArgs(spec.MAX_AMOUNT - spec.feeOf(spec.MAX_AMOUNT, FEE_PPM) + share, spec.MAX_AMOUNT);
    });

    it("returns 0 for a root model, whose upstream is always 0", async function () {
      await pay(f.router, f.actors.payer, f.a.id, NATIVE_TOKEN, 1_000n);
      expect(await f.router.propagate.staticCall(f.a.id, NATIVE_TOKEN, [])).to.equal(0n);
    });

    it("returns what left the model", async function () {
      await pay(f.router, f.actors.payer, f.child.id, NATIVE_TOKEN, 1_000_000n);
      const upstream = spec.upstreamOf(1_000_000n - 10_000n, 300_000n);
      expect(await f.router.propagate.staticCall(f.child.id, NATIVE_TOKEN, f.child.registration.parents)).to.equal(
        upstream,
      );
    });
  });

  describe("propagateBatch", function () {
    const steps = (...models: Family["child"][]) =>
      models.map(({ id, registration }) => ({ modelId: id, token: NATIVE_TOKEN, parents: registration.parents }));

    it("moves funds two hops when the child comes before its parent", async function () {
      const { router, child, grandchild } = f;
      await pay(router, f.actors.payer, grandchild.id, NATIVE_TOKEN, 10n ** 18n);
      const net = 10n ** 18n - spec.feeOf(10n ** 18n, FEE_PPM);
      const toChild = spec.upstreamOf(net, 200_000n);
      const toParents = spec.upstreamOf(toChild, 300_000n);

      expect(await router.propagateBatch.staticCall(steps(grandchild, child))).to.equal(toChild + toParents);
      const tx = router.propagateBatch(steps(grandchild, child));
      await expect(tx).to.emit(router, "Propagated").withArgs(grandchild.id, NATIVE_TOKEN, toChild, toChild);
      await expect(tx).to.emit(router, "Propagated").withArgs(child.id, NATIVE_TOKEN, toParents, toParents);
      const expected = spec.propagationOf(toParents, 0n, [333_333, 333_333, 333_334]);
      for (const [i, parent] of [f.a, f.b, f.c].entries()) {
        expect((await router.modelBalance(parent.id, NATIVE_TOKEN)).received).to.equal(expected[i]);
      }
    });

    it("moves funds one hop only when the parent comes first", async function () {
      const { router, child, grandchild } = f;
      await pay(router, f.actors.payer, grandchild.id, NATIVE_TOKEN, 10n ** 18n);
      const toChild = spec.upstreamOf(10n ** 18n - spec.feeOf(10n ** 18n, FEE_PPM), 200_000n);
      expect(await router.propagateBatch.staticCall(steps(child, grandchild))).to.equal(toChild);
      await router.propagateBatch(steps(child, grandchild));
      expect((await router.modelBalance(f.a.id, NATIVE_TOKEN)).received).to.equal(0n);
      expect(await router.pendingUpstream(child.id, NATIVE_TOKEN)).to.equal(spec.upstreamOf(toChild, 300_000n));
    });

    it("reverts as a whole when one step fails", async function () {
      const { router, child, grandchild } = f;
      await pay(router, f.actors.payer, grandchild.id, NATIVE_TOKEN, 10n ** 18n);
      const bad = { modelId: child.id, token: NATIVE_TOKEN, parents: child.registration.parents.slice(1) };
      await expect(router.propagateBatch([...steps(grandchild), bad]))
        .to.be.revertedWithCustomError(router, "RevenueRouterParentsMismatch")
        .withArgs(child.id);
      expect((await router.modelBalance(grandchild.id, NATIVE_TOKEN)).pushed).to.equal(0n);
    });

    it("returns 0 for an empty batch", async function () {
      expect(await f.router.propagateBatch.staticCall([])).to.equal(0n);
    });
  });

  describe("claim", function () {
    it("reverts with RevenueRouterEmptyClaim when no entry is given", async function () {
      await expect(f.router.claim(NATIVE_TOKEN, [])).to.be.revertedWithCustomError(f.router, "RevenueRouterEmptyClaim");
    });

    it("reverts with RevenueRouterMixedAccounts when entries name different accounts", async function () {
      const entries = claimsOf(f.child.id, 0, f.child.registration.contributors);
      await expect(f.router.claim(NATIVE_TOKEN, entries))
        .to.be.revertedWithCustomError(f.router, "RevenueRouterMixedAccounts")
        .withArgs(f.actors.alice.address, f.actors.bob.address);
    });

    it("reverts with RevenueRouterInvalidProof when an entry is not in the epoch's set", async function () {
      const [alice] = claimsFor(f.actors.alice, f.child.id, 0, f.child.registration.contributors);
      const forged = [
        { ...alice, weightPpm: alice.weightPpm + 1 },
        { ...alice, cumulativeBefore: 1 },
        { ...alice, role: 0 },
        { ...alice, proof: alice.proof.slice(1) },
        { ...alice, account: f.actors.stranger.address },
      ];
      for (const entry of forged) {
        await expect(f.router.claim(NATIVE_TOKEN, [entry]))
          .to.be.revertedWithCustomError(f.router, "RevenueRouterInvalidProof")
          .withArgs(f.child.id, 0, entry.account);
      }
    });

    it("reverts with RevenueRouterNoContributors for an epoch that has not started", async function () {
      const [alice] = claimsFor(f.actors.alice, f.child.id, 5, f.child.registration.contributors);
      await expect(f.router.claim(NATIVE_TOKEN, [alice]))
        .to.be.revertedWithCustomError(f.router, "RevenueRouterNoContributors")
        .withArgs(f.child.id, 5);
    });

    it("reverts with RevenueRouterUnknownModel for an unknown model", async function () {
      const unknown = modelIdOf("hf:nobody/x");
      const [alice] = claimsFor(f.actors.alice, unknown, 0, f.child.registration.contributors);
      await expect(f.router.claim(NATIVE_TOKEN, [alice]))
        .to.be.revertedWithCustomError(f.router, "RevenueRouterUnknownModel")
        .withArgs(unknown);
    });

    it("returns 0 and emits nothing when nothing is owed", async function () {
      const [alice] = claimsFor(f.actors.alice, f.child.id, 0, f.child.registration.contributors);
      expect(await f.router.claim.staticCall(NATIVE_TOKEN, [alice])).to.equal(0n);
      await expect(f.router.claim(NATIVE_TOKEN, [alice])).not.to.emit(f.router, "Claimed");
    });

    it("counts the same entry once when it is listed twice", async function () {
      await pay(f.router, f.actors.payer, f.b.id, NATIVE_TOKEN, 1_000n);
      const [bob] = claimsFor(f.actors.bob, f.b.id, 0, f.b.registration.contributors);
      expect(await f.router.claim.staticCall(NATIVE_TOKEN, [bob, bob])).to.equal(990n);
    });

    describe("to a contract that refuses ETH", function () {
      let set: ReturnType<typeof contributors>;
      let id: string;
      let rejecting: string;

      beforeEach(async function () {
        rejecting = await f.rejecting.getAddress();
        set = contributors([rejecting, 400_000], [f.actors.alice, 600_000]);
        ({ id } = await registerModel(f.registry, f.actors.steward, {
          key: "hf:org/rejecting",
          contributors: set,
        }));
      });

      it("reverts the ETH payout and leaves the entry and the router's balance unchanged", async function () {
        await pay(f.router, f.actors.payer, id, NATIVE_TOKEN, 1_000_000n);
        const [entry] = claimsFor(rejecting, id, 0, set);
        const balance = await ethers.provider.getBalance(f.router);
        await expect(f.router.connect(f.actors.stranger).claim(NATIVE_TOKEN, [entry])).to.be.revertedWithCustomError(
          f.rejecting,
          "RejectingReceiverRefused",
        );
        expect(await f.router.claimed(id, NATIVE_TOKEN, 0, 0)).to.equal(0n);
        expect(await f.router.claimable(NATIVE_TOKEN, entry)).to.equal(396_000n);
        expect(await ethers.provider.getBalance(f.router)).to.equal(balance);
      });

      it("still pays it in an ERC-20", async function () {
        const token = await f.token18.getAddress();
        await pay(f.router, f.actors.payer, id, token, 1_000_000n);
        const [entry] = claimsFor(rejecting, id, 0, set);
        await expect(f.router.connect(f.actors.stranger).claim(token, [entry]))
          .to.emit(f.router, "Claimed")
          .withArgs(id, token, rejecting, 0, 0, 396_000n);
        expect(await f.token18.balanceOf(rejecting)).to.equal(396_000n);
      });
    });
  });

  describe("withdrawFees", function () {
    beforeEach(async function () {
      await pay(f.router, f.actors.payer, f.a.id, NATIVE_TOKEN, 10n ** 18n);
    });

    it("reverts with RevenueRouterNotTreasury when called by another account", async function () {
      await expect(f.router.connect(f.actors.admin).withdrawFees(NATIVE_TOKEN, f.actors.admin.address, 1n))
        .to.be.revertedWithCustomError(f.router, "RevenueRouterNotTreasury")
        .withArgs(f.actors.admin.address);
    });

    it("reverts with RevenueRouterZeroAddress when sending to zero", async function () {
      await expect(
        f.router.connect(f.actors.treasury).withdrawFees(NATIVE_TOKEN, ethers.ZeroAddress, 1n),
      ).to.be.revertedWithCustomError(f.router, "RevenueRouterZeroAddress");
    });

    it("reverts with RevenueRouterInsufficientFees in a token that accrued nothing", async function () {
      const token = await f.token6.getAddress();
      await expect(f.router.connect(f.actors.treasury).withdrawFees(token, f.actors.treasury.address, 1n))
        .to.be.revertedWithCustomError(f.router, "RevenueRouterInsufficientFees")
        .withArgs(token, 1n, 0n);
    });

    it("lets a new treasury withdraw what accrued before it was set", async function () {
      await f.router.setTreasury(f.actors.stranger.address);
      await expect(f.router.connect(f.actors.treasury).withdrawFees(NATIVE_TOKEN, f.actors.treasury.address, 1n))
        .to.be.revertedWithCustomError(f.router, "RevenueRouterNotTreasury")
        .withArgs(f.actors.treasury.address);
      await expect(
        f.router.connect(f.actors.stranger).withdrawFees(NATIVE_TOKEN, f.actors.carol.address, 10n ** 16n),
      ).to.changeEtherBalances(ethers, [f.actors.carol, f.router], [10n ** 16n, -(10n ** 16n)]);
    });
  });

  describe("setFee", function () {
    it("sets the fee used by later payments and emits FeeUpdated", async function () {
      await expect(f.router.setFee(25_000)).to.emit(f.router, "FeeUpdated").withArgs(25_000);
      expect(await f.router.feePpm()).to.equal(25_000);
      await expect(pay(f.router, f.actors.payer, f.a.id, NATIVE_TOKEN, 1_000n))
        .to.emit(f.router, "Paid")
        .withArgs(f.a.id, NATIVE_TOKEN, f.actors.payer.address, 1_000n, 25n);
    });

    it("accepts the cap, MAX_FEE_PPM = 100_000", async function () {
      await expect(f.router.setFee(100_000)).to.emit(f.router, "FeeUpdated").withArgs(100_000);
    });

    it("accepts a zero fee, and then accrues no fee", async function () {
      await f.router.setFee(0);
      await pay(f.router, f.actors.payer, f.a.id, NATIVE_TOKEN, 1_000n);
      expect(await f.router.fees(NATIVE_TOKEN)).to.equal(0n);
    });

    it("reverts with RevenueRouterFeeTooHigh above the cap", async function () {
      await expect(f.router.setFee(100_001))
        .to.be.revertedWithCustomError(f.router, "RevenueRouterFeeTooHigh")
        .withArgs(100_001, 100_000);
    });

    it("reverts with AccessControlUnauthorizedAccount without FEE_MANAGER_ROLE", async function () {
      await expect(f.router.connect(f.actors.stranger).setFee(0))
        .to.be.revertedWithCustomError(f.router, "AccessControlUnauthorizedAccount")
        .withArgs(f.actors.stranger.address, f.roles.FEE_MANAGER);
    });
  });

  describe("setTreasury", function () {
    it("sets the treasury and emits TreasuryUpdated", async function () {
      await expect(f.router.setTreasury(f.actors.carol.address))
        .to.emit(f.router, "TreasuryUpdated")
        .withArgs(f.actors.carol.address);
      expect(await f.router.treasury()).to.equal(f.actors.carol.address);
    });

    it("reverts with RevenueRouterZeroAddress for the zero address", async function () {
      await expect(f.router.setTreasury(ethers.ZeroAddress)).to.be.revertedWithCustomError(
        f.router,
        "RevenueRouterZeroAddress",
      );
    });

    it("reverts with AccessControlUnauthorizedAccount without FEE_MANAGER_ROLE", async function () {
      await expect(f.router.connect(f.actors.treasury).setTreasury(f.actors.treasury.address))
        .to.be.revertedWithCustomError(f.router, "AccessControlUnauthorizedAccount")
        .withArgs(f.actors.treasury.address, f.roles.FEE_MANAGER);
    });
  });

  describe("setTokenBlocked", function () {
    it("blocks and unblocks payments in a token and emits TokenPolicyUpdated", async function () {
      await expect(f.router.setTokenBlocked(NATIVE_TOKEN, true))
        .to.emit(f.router, "TokenPolicyUpdated")
        .withArgs(NATIVE_TOKEN, TokenPolicy.BLOCKED);
      expect(await f.router.tokenPolicy(NATIVE_TOKEN)).to.equal(TokenPolicy.BLOCKED);
      expect(await f.router.isTokenBlocked(NATIVE_TOKEN)).to.equal(true);
      await expect(pay(f.router, f.actors.payer, f.a.id, NATIVE_TOKEN, 1n))
        .to.be.revertedWithCustomError(f.router, "RevenueRouterTokenBlocked")
        .withArgs(NATIVE_TOKEN);

      await expect(f.router.setTokenBlocked(NATIVE_TOKEN, false))
        .to.emit(f.router, "TokenPolicyUpdated")
        .withArgs(NATIVE_TOKEN, TokenPolicy.NONE);
      expect(await f.router.isTokenBlocked(NATIVE_TOKEN)).to.equal(false);
      await expect(pay(f.router, f.actors.payer, f.a.id, NATIVE_TOKEN, 1n)).to.emit(f.router, "Paid");
    });

    it("keeps propagation, claims and fee withdrawals open in a blocked token", async function () {
      const { router, child, actors } = f;
      await pay(router, actors.payer, child.id, NATIVE_TOKEN, 10n ** 18n);
      await router.setTokenBlocked(NATIVE_TOKEN, true);
      await expect(router.propagate(child.id, NATIVE_TOKEN, child.registration.parents)).to.emit(router, "Propagated");
      const entries = claimsFor(actors.alice, child.id, 0, child.registration.contributors);
      await expect(router.claim(NATIVE_TOKEN, entries)).to.emit(router, "Claimed");
      await expect(router.connect(actors.treasury).withdrawFees(NATIVE_TOKEN, actors.treasury.address, 1n)).to.emit(
        router,
        "FeesWithdrawn",
      );
    });

    it("reverts with RevenueRouterInvalidToken for the zero address", async function () {
      await expect(f.router.setTokenBlocked(ethers.ZeroAddress, true))
        .to.be.revertedWithCustomError(f.router, "RevenueRouterInvalidToken")
        .withArgs(ethers.ZeroAddress);
    });

    it("reverts with AccessControlUnauthorizedAccount without TOKEN_MANAGER_ROLE", async function () {
      await expect(f.router.connect(f.actors.stranger).setTokenBlocked(NATIVE_TOKEN, true))
        .to.be.revertedWithCustomError(f.router, "AccessControlUnauthorizedAccount")
        .withArgs(f.actors.stranger.address, f.roles.TOKEN_MANAGER);
    });
  });

  describe("bindRegistry", function () {
    it("binds the registry once and emits RegistryBound", async function () {
      const router = await deployRouter(f.actors.treasury.address, FEE_PPM);
      expect(await router.registry()).to.equal(ethers.ZeroAddress);
      await expect(router.bindRegistry(f.actors.stranger.address))
        .to.emit(router, "RegistryBound")
        .withArgs(f.actors.stranger.address);
      expect(await router.registry()).to.equal(f.actors.stranger.address);
    });

    it("reverts with RevenueRouterRegistryAlreadySet when bound twice", async function () {
      await expect(f.router.bindRegistry(f.actors.stranger.address))
        .to.be.revertedWithCustomError(f.router, "RevenueRouterRegistryAlreadySet")
        .withArgs(await f.registry.getAddress());
    });

    it("reverts with RevenueRouterZeroAddress for the zero address", async function () {
      const router = await deployRouter(f.actors.treasury.address, FEE_PPM);
      await expect(router.bindRegistry(ethers.ZeroAddress)).to.be.revertedWithCustomError(
        router,
        "RevenueRouterZeroAddress",
      );
    });

    it("reverts with AccessControlUnauthorizedAccount without DEFAULT_ADMIN_ROLE", async function () {
      const router = await deployRouter(f.actors.treasury.address, FEE_PPM);
      await expect(router.connect(f.actors.stranger).bindRegistry(f.actors.stranger.address))
        .to.be.revertedWithCustomError(router, "AccessControlUnauthorizedAccount")
        .withArgs(f.actors.stranger.address, f.roles.DEFAULT_ADMIN);
    });
  });

  describe("registry hooks", function () {
    const root = ethers.id("root");

    it("reverts with RevenueRouterNotRegistry when anyone but the registry calls them", async function () {
      const { router, actors, a } = f;
      for (const caller of [actors.admin, actors.steward]) {
        const asCaller = router.connect(caller);
        for (const call of [
          asCaller.configureModel(modelIdOf("hf:x"), 0, parentsHashOf([]), root, false),
          asCaller.clearProvisional(a.id),
          asCaller.settleProvisional(a.id, 0, parentsHashOf([]), root),
          asCaller.startEpoch(a.id, root),
          asCaller.setStatus(a.id, ModelStatus.REVOKED, caller.address, root),
        ]) {
          await expect(call).to.be.revertedWithCustomError(router, "RevenueRouterNotRegistry").withArgs(caller.address);
        }
      }
    });

    // ModelRegistry checks ids and provisional states before it calls these hooks, so RevenueRouterModelExists and
    // RevenueRouterNotProvisional cannot be reached through it. Here an EOA bound as the registry calls them directly.
    describe("called by the bound registry (an EOA standing in for it)", function () {
      let router: RevenueRouter;
      const id = modelIdOf("hf:hooks/model");

      beforeEach(async function () {
        const fresh = await deployRouter(f.actors.treasury.address, FEE_PPM);
        await fresh.bindRegistry(f.actors.stranger.address);
        router = fresh.connect(f.actors.stranger);
      });

      it("configureModel stores the flow and emits FlowConfigured", async function () {
        const parents = edges([f.a.id, 1_000_000]);
        await expect(router.configureModel(id, 250_000, parentsHashOf(parents), root, false))
          .to.emit(router, "FlowConfigured")
          .withArgs(id, 250_000, parentsHashOf(parents), root);
        expect([...(await router.flow(id))]).to.deep.equal([250_000n, 0n, 0n, BigInt(ModelStatus.ACTIVE), false]);
        expect(await router.parentsHash(id)).to.equal(parentsHashOf(parents));
        expect(await router.epochRoot(id, 0)).to.equal(root);
      });

      it("configureModel reverts with RevenueRouterModelExists for a configured id", async function () {
        await router.configureModel(id, 0, parentsHashOf([]), root, false);
        await expect(router.configureModel(id, 0, parentsHashOf([]), root, true))
          .to.be.revertedWithCustomError(router, "RevenueRouterModelExists")
          .withArgs(id);
      });

      it("startEpoch returns the next epoch and emits EpochRootSet", async function () {
        await router.configureModel(id, 0, parentsHashOf([]), root, false);
        expect(await router.startEpoch.staticCall(id, ethers.id("next"))).to.equal(1);
        await expect(router.startEpoch(id, ethers.id("next")))
          .to.emit(router, "EpochRootSet")
          .withArgs(id, 1, ethers.id("next"));
      });

      it("clearProvisional ends a provisional flow once, then reverts with RevenueRouterNotProvisional", async function () {
        await router.configureModel(id, 0, parentsHashOf([]), root, true);
        expect((await router.flow(id)).provisional).to.equal(true);
        await expect(router.clearProvisional(id)).to.emit(router, "ProvisionCleared").withArgs(id);
        expect((await router.flow(id)).provisional).to.equal(false);
        await expect(router.clearProvisional(id))
          .to.be.revertedWithCustomError(router, "RevenueRouterNotProvisional")
          .withArgs(id);
      });

      it("settleProvisional replaces the current epoch's root and lineage in place, once", async function () {
        const parents = edges([f.a.id, 1_000_000]);
        await router.configureModel(id, 0, parentsHashOf([]), ethers.ZeroHash, true);
        expect(await router.settleProvisional.staticCall(id, 400_000, parentsHashOf(parents), root)).to.equal(0);
        const tx = router.settleProvisional(id, 400_000, parentsHashOf(parents), root);
        await expect(tx).to.emit(router, "FlowConfigured").withArgs(id, 400_000, parentsHashOf(parents), root);
        await expect(tx).to.emit(router, "EpochRootSet").withArgs(id, 0, root);
        await expect(tx).to.emit(router, "ProvisionCleared").withArgs(id);
        expect([...(await router.flow(id))]).to.deep.equal([400_000n, 0n, 0n, BigInt(ModelStatus.ACTIVE), false]);
        expect(await router.parentsHash(id)).to.equal(parentsHashOf(parents));
        expect(await router.epochRoot(id, 0)).to.equal(root);
        await expect(router.settleProvisional(id, 0, parentsHashOf([]), root))
          .to.be.revertedWithCustomError(router, "RevenueRouterNotProvisional")
          .withArgs(id);
      });

      it("setStatus emits StatusUpdated, and on REVOKED starts the beneficiary's epoch", async function () {
        const beneficiary = f.actors.beneficiary.address;
        await router.configureModel(id, 0, parentsHashOf([]), root, false);
        await expect(router.setStatus(id, ModelStatus.DISPUTED, ethers.ZeroAddress, ethers.ZeroHash))
          .to.emit(router, "StatusUpdated")
          .withArgs(id, ModelStatus.DISPUTED, ethers.ZeroAddress);
        expect(await router.setStatus.staticCall(id, ModelStatus.REVOKED, beneficiary, root)).to.equal(1);
        const tx = router.setStatus(id, ModelStatus.REVOKED, beneficiary, ethers.id("beneficiary"));
        await expect(tx).to.emit(router, "EpochRootSet").withArgs(id, 1, ethers.id("beneficiary"));
        await expect(tx).to.emit(router, "StatusUpdated").withArgs(id, ModelStatus.REVOKED, beneficiary);
        expect([...(await router.flow(id))]).to.deep.equal([0n, 1n, 1n, BigInt(ModelStatus.REVOKED), false]);
        expect(await router.beneficiary(id)).to.equal(beneficiary);
      });

      it("setStatus REVOKED again replaces the beneficiary with a new epoch and keeps the revoked epoch", async function () {
        const [first, second] = [f.actors.beneficiary.address, f.actors.carol.address];
        await router.configureModel(id, 0, parentsHashOf([]), root, false);
        await router.setStatus(id, ModelStatus.REVOKED, first, ethers.id("first"));
        await expect(router.setStatus(id, ModelStatus.REVOKED, second, ethers.id("second")))
          .to.emit(router, "EpochRootSet")
          .withArgs(id, 2, ethers.id("second"));
        expect([...(await router.flow(id))]).to.deep.equal([0n, 2n, 1n, BigInt(ModelStatus.REVOKED), false]);
        expect(await router.beneficiary(id)).to.equal(second);
      });

      it("setStatus REVOKED on an escrow epoch (no root) gives it to the beneficiary and ends provisional", async function () {
        const beneficiary = f.actors.beneficiary.address;
        await router.configureModel(id, 0, parentsHashOf([]), ethers.ZeroHash, true);
        await expect(router.setStatus(id, ModelStatus.REVOKED, beneficiary, root))
          .to.emit(router, "EpochRootSet")
          .withArgs(id, 0, root);
        expect([...(await router.flow(id))]).to.deep.equal([0n, 0n, 0n, BigInt(ModelStatus.REVOKED), false]);
      });
    });
  });

  describe("views", function () {
    it("flow, parentsHash and epochRoot describe a registered model", async function () {
      const { router, child } = f;
      expect([...(await router.flow(child.id))]).to.deep.equal([300_000n, 0n, 0n, BigInt(ModelStatus.ACTIVE), false]);
      expect(await router.parentsHash(child.id)).to.equal(parentsHashOf(child.registration.parents));
      expect(await router.epochRoot(child.id, 0)).to.equal(rootOf(child.registration.contributors));
      expect(await router.epochRoot(child.id, 1)).to.equal(ethers.ZeroHash);
      expect(await router.beneficiary(child.id)).to.equal(ethers.ZeroAddress);
    });

    it("flow and modelBalance are empty for an unknown model", async function () {
      const unknown = modelIdOf("hf:nobody/x");
      expect([...(await f.router.flow(unknown))]).to.deep.equal([0n, 0n, 0n, BigInt(ModelStatus.NONE), false]);
      expect([...(await f.router.modelBalance(unknown, NATIVE_TOKEN))]).to.deep.equal([0n, 0n, 0n, 0n]);
    });

    it("keptInEpoch splits what the model kept by the epoch it arrived in, closed or current", async function () {
      const { router, registry, actors, b } = f;
      const set = contributors([actors.carol, 1_000_000]);
      await pay(router, actors.payer, b.id, NATIVE_TOKEN, 1_000n);
      await registry.connect(actors.steward).setContributors(b.id, set);
      // Epoch 0 is not closed in storage yet: it is computed from the balance.
      expect(await router.keptInEpoch(b.id, NATIVE_TOKEN, 0)).to.equal(990n);
      expect(await router.keptInEpoch(b.id, NATIVE_TOKEN, 1)).to.equal(0n);
      await registry.connect(actors.steward).setContributors(b.id, set);
      await pay(router, actors.payer, b.id, NATIVE_TOKEN, 2_000n);
      expect(await router.keptInEpoch(b.id, NATIVE_TOKEN, 0)).to.equal(990n);
      expect(await router.keptInEpoch(b.id, NATIVE_TOKEN, 1)).to.equal(0n);
      expect(await router.keptInEpoch(b.id, NATIVE_TOKEN, 2)).to.equal(1_980n);
      expect(await router.keptInEpoch(b.id, NATIVE_TOKEN, 3)).to.equal(0n);
    });

    it("claimable reverts like claim on a bad proof and for an unknown model", async function () {
      const [alice] = claimsFor(f.actors.alice, f.child.id, 0, f.child.registration.contributors);
      await expect(f.router.claimable(NATIVE_TOKEN, { ...alice, weightPpm: 1 }))
        .to.be.revertedWithCustomError(f.router, "RevenueRouterInvalidProof")
        .withArgs(f.child.id, 0, f.actors.alice.address);
      const unknown = modelIdOf("hf:nobody/x");
      await expect(f.router.claimable(NATIVE_TOKEN, { ...alice, modelId: unknown }))
        .to.be.revertedWithCustomError(f.router, "RevenueRouterUnknownModel")
        .withArgs(unknown);
    });

    it("previewPropagate reverts with RevenueRouterParentsMismatch and RevenueRouterUnknownModel", async function () {
      await expect(f.router.previewPropagate(f.child.id, NATIVE_TOKEN, []))
        .to.be.revertedWithCustomError(f.router, "RevenueRouterParentsMismatch")
        .withArgs(f.child.id);
      const unknown = modelIdOf("hf:nobody/x");
      await expect(f.router.previewPropagate(unknown, NATIVE_TOKEN, []))
        .to.be.revertedWithCustomError(f.router, "RevenueRouterUnknownModel")
        .withArgs(unknown);
    });

    // Audit finding F13: the views reported amounts that claim and propagate refused.
    it("F13: claimable and previewPropagate say 0 while a provisional model's claims and propagation are refused", async function () {
      const { registry, router, actors, a } = f;
      await registry.setTrustPeriods({ ...NO_TRUST_PERIODS, provisional: 86_400 });
      const set = contributors([actors.alice, 1_000_000]);
      const held = await registerModel(registry, actors.stranger, {
        key: "hf:org/held",
        upstreamPpm: 500_000,
        ...(await lineage(registry, [[a.id, 1_000_000]])),
        contributors: set,
      });
      expect((await router.flow(held.id)).provisional).to.equal(true);
      await pay(router, actors.payer, held.id, NATIVE_TOKEN, 1_000_000n);

      const [entry] = claimsOf(held.id, 0, set);
      expect(await router.claimable(NATIVE_TOKEN, entry)).to.equal(0n);
      await expect(router.claim(NATIVE_TOKEN, [entry]))
        .to.be.revertedWithCustomError(router, "RevenueRouterModelProvisional")
        .withArgs(held.id);
      const parents = held.registration.parents;
      expect(await router.pendingUpstream(held.id, NATIVE_TOKEN)).to.equal(495_000n);
      expect([...(await router.previewPropagate(held.id, NATIVE_TOKEN, parents))]).to.deep.equal([0n]);
      await expect(router.propagate(held.id, NATIVE_TOKEN, parents))
        .to.be.revertedWithCustomError(router, "RevenueRouterModelProvisional")
        .withArgs(held.id);

      // Past the window anyone ends it, and the views report what the calls now pay.
      await networkHelpers.time.increase(86_400);
      await registry.endProvisional(held.id);
      expect(await router.claimable(NATIVE_TOKEN, entry)).to.equal(495_000n);
      expect([...(await router.previewPropagate(held.id, NATIVE_TOKEN, parents))]).to.deep.equal([495_000n]);
    });

    it("previewPay follows the current fee, rounded up", async function () {
      expect([...(await f.router.previewPay(1_000_099n))]).to.deep.equal([10_001n, 990_098n]);
      expect([...(await f.router.previewPay(1_000_000n))]).to.deep.equal([10_000n, 990_000n]);
      await f.router.setFee(0);
      expect([...(await f.router.previewPay(1_000_099n))]).to.deep.equal([0n, 1_000_099n]);
    });

    it("claimed and claimable track one entry per token", async function () {
      const token = await f.token6.getAddress();
      await pay(f.router, f.actors.payer, f.child.id, token, 1_000_000n);
      await pay(f.router, f.actors.payer, f.child.id, NATIVE_TOKEN, 3_000_000n);
      const [carol] = claimsFor(f.actors.carol, f.child.id, 0, f.child.registration.contributors);
      const keptToken = spec.keptOf(990_000n, 300_000n);
      await f.router.claim(token, [carol]);
      // Epoch 0 is current: the floor share.
      expect(await f.router.claimed(f.child.id, token, 0, 850_000)).to.equal(spec.shareOf(keptToken, 150_000));
      expect(await f.router.claimed(f.child.id, NATIVE_TOKEN, 0, 850_000)).to.equal(0n);
      expect(await f.router.claimable(NATIVE_TOKEN, carol)).to.equal(
        spec.shareOf(spec.keptOf(2_970_000n, 300_000n), 150_000),
      );
    });
  });

  // Audit finding F10: the fee was floored per payment, so payments under PPM / feePpm base units paid none and
  // splitting a payment saved fee.
  describe("F10: the fee is rounded up", function () {
    it("never makes a split cheaper: fee(a) + fee(b) >= fee(a + b), in previewPay and in Paid events", async function () {
      const { router, actors, a } = f;
      const random = mulberry32(1013);
      const draw = (max: number) => BigInt(1 + Math.floor(random() * max));
      /** Pays `amount` and returns the fee its Paid event reports. */
      const paidFee = async (amount: bigint) => {
        const receipt = await (await pay(router, actors.payer, a.id, NATIVE_TOKEN, amount)).wait();
        const [event] = receipt!.logs.map((log) => router.interface.parseLog(log)).filter((e) => e?.name === "Paid");
        return event!.args.fee as bigint;
      };
      for (let round = 0; round < 12; round++) {
        const feePpm = draw(100_000);
        await router.setFee(feePpm);
        const [x, y] = round % 2 === 0 ? [draw(1_000), draw(1_000)] : [draw(10 ** 15), draw(10 ** 15)];
        const [[feeX], [feeY], [feeXY]] = await Promise.all([x, y, x + y].map((amount) => router.previewPay(amount)));
        expect([feeX, feeY, feeXY]).to.deep.equal([x, y, x + y].map((amount) => spec.feeOf(amount, feePpm)));
        expect(feeX + feeY >= feeXY, `fee ${feePpm} ppm: ${x} + ${y}`).to.equal(true);
        expect([await paidFee(x), await paidFee(y), await paidFee(x + y)]).to.deep.equal([feeX, feeY, feeXY]);
      }
    });

    it("charges 1 base unit, not 0, on a payment under PPM / feePpm base units", async function () {
      const { router, actors, a } = f;
      for (const feePpm of [1n, 7n, 10_000n, 100_000n]) {
        await router.setFee(feePpm);
        const below = (spec.PPM - 1n) / feePpm;
        for (const amount of [1n, below]) {
          expect([...(await router.previewPay(amount))]).to.deep.equal([1n, amount - 1n]);
          await expect(pay(router, actors.payer, a.id, NATIVE_TOKEN, amount))
            .to.emit(router, "Paid")
            .withArgs(a.id, NATIVE_TOKEN, actors.payer.address, amount, 1n);
        }
      }
    });
  });

  // Audit finding F6: which set got a child's upstream depended on whether someone propagated before the steward
  // changed the set. rotateContributors propagates the children first.
  describe("F6: rotateContributors", function () {
    const step = (model: Family["child"]) => ({
      modelId: model.id,
      token: NATIVE_TOKEN,
      parents: model.registration.parents,
    });

    it("propagates the children first, so that their upstream counts for the previous set", async function () {
      const { router, registry, actors, child, grandchild } = f;
      await pay(router, actors.payer, grandchild.id, NATIVE_TOKEN, 10n ** 18n);
      const arrived = spec.upstreamOf(10n ** 18n - spec.feeOf(10n ** 18n, FEE_PPM), 200_000n);
      const next = contributors([actors.bob, 1_000_000]);

      expect(
        await registry.connect(actors.steward).rotateContributors.staticCall(child.id, next, [step(grandchild)]),
      ).to.equal(1);
      const tx = registry.connect(actors.steward).rotateContributors(child.id, next, [step(grandchild)]);
      await expect(tx).to.emit(router, "Propagated").withArgs(grandchild.id, NATIVE_TOKEN, arrived, arrived);
      await expect(tx)
        .to.emit(registry, "ContributorsSet")
        .withArgs(child.id, 1, rootOf(next), next.map(tuple.contributor));
      const kept = spec.keptOf(arrived, 300_000n);
      expect(await router.keptInEpoch(child.id, NATIVE_TOKEN, 0)).to.equal(kept);
      expect(await router.keptInEpoch(child.id, NATIVE_TOKEN, 1)).to.equal(0n);

      // The previous set is paid its exact slices of it; the new set nothing.
      const previous = child.registration.contributors;
      const slices = spec.slicesOf(
        kept,
        previous.map(({ weightPpm }) => weightPpm),
      );
      for (const [i, entry] of claimsOf(child.id, 0, previous).entries()) {
        expect(await router.claimable(NATIVE_TOKEN, entry)).to.equal(slices[i]);
      }
      const [bob] = claimsOf(child.id, 1, next);
      expect(await router.claimable(NATIVE_TOKEN, bob)).to.equal(0n);
    });

    it("reverts as a whole, leaving the epoch, when a step fails or the caller is not the steward", async function () {
      const { router, registry, actors, child, grandchild } = f;
      await pay(router, actors.payer, grandchild.id, NATIVE_TOKEN, 10n ** 18n);
      const next = contributors([actors.bob, 1_000_000]);
      await expect(
        registry.connect(actors.steward).rotateContributors(child.id, next, [{ ...step(grandchild), parents: [] }]),
      )
        .to.be.revertedWithCustomError(router, "RevenueRouterParentsMismatch")
        .withArgs(grandchild.id);
      await expect(registry.connect(actors.otherSteward).rotateContributors(child.id, next, [step(grandchild)]))
        .to.be.revertedWithCustomError(registry, "ModelRegistryNotSteward")
        .withArgs(child.id, actors.otherSteward.address);
      expect((await router.flow(child.id)).epoch).to.equal(0n);
      expect((await router.modelBalance(grandchild.id, NATIVE_TOKEN)).pushed).to.equal(0n);
    });
  });

  // Cumulative rounding is not monotone in the total for a middle entry: over 30/10/60% the middle slice is 1 wei
  // of 3 and 0 of 4. Parents therefore share upstream by splitTree, and an entry of the current contributor epoch is
  // paid its floor share until the epoch closes. The fee is off here, so that every wei paid arrives.
  describe("rounding over weights 30/10/60%", function () {
    const WEIGHTS = [300_000, 100_000, 600_000];

    beforeEach(async function () {
      await f.router.setFee(0);
    });
    /** Alice 30%, bob 10%, carol 60%, in that order. */
    const thirtyTenSixty = () =>
      contributors([f.actors.alice, WEIGHTS[0]], [f.actors.bob, WEIGHTS[1]], [f.actors.carol, WEIGHTS[2]]);

    /** A root model with the {thirtyTenSixty} contributors; returns its id and its epoch-0 entries. */
    async function registerThirtyTenSixty(): Promise<{ id: string; entries: ContributorClaim[] }> {
      const { id } = await registerModel(f.registry, f.actors.steward, {
        key: "hf:org/thirty-ten-sixty",
        contributors: thirtyTenSixty(),
      });
      return { id, entries: claimsOf(id, 0, thirtyTenSixty()) };
    }

    /** Closes the model's current epoch: the steward sets the same contributor list again. */
    async function closeEpoch(id: string): Promise<void> {
      await f.registry.connect(f.actors.steward).setContributors(id, thirtyTenSixty());
    }

    it("pays contributors 3 wei then 1 more: exactly 4 out, and the router back to its fees", async function () {
      const { router, actors } = f;
      const { id, entries } = await registerThirtyTenSixty();
      const routerBalance = () => ethers.provider.getBalance(router);
      expect(await routerBalance()).to.equal(0n);
      let paidOut = 0n;
      /** Claims each entry (sent by a bystander) and checks it gets exactly `expected[i]`. */
      const claimEach = async (list: ContributorClaim[], expected: bigint[]) => {
        for (const [i, entry] of list.entries()) {
          expect(await router.claimable(NATIVE_TOKEN, entry)).to.equal(expected[i]);
          const before = await ethers.provider.getBalance(entry.account);
          await router.connect(actors.stranger).claim(NATIVE_TOKEN, [entry]);
          const got = (await ethers.provider.getBalance(entry.account)) - before;
          expect(got).to.equal(expected[i]);
          paidOut += got;
        }
      };

      await pay(router, actors.payer, id, NATIVE_TOKEN, 3n);
      expect(await router.keptInEpoch(id, NATIVE_TOKEN, 0)).to.equal(3n);
      // The old rule paid bob his slice of 3, 1 wei, which his final slice of 4 (0 wei) does not cover.
      expect(spec.sliceOf(3n, 300_000n, 100_000n)).to.equal(1n);
      expect(spec.shareOf(3n, 100_000)).to.equal(0n);
      await claimEach([entries[1]], [spec.shareOf(3n, 100_000)]);

      await pay(router, actors.payer, id, NATIVE_TOKEN, 1n);
      expect(spec.sharesOf(4n, WEIGHTS)).to.deep.equal([1n, 0n, 2n]);
      await claimEach(entries, spec.sharesOf(4n, WEIGHTS));
      expect(paidOut).to.equal(3n);

      await closeEpoch(id);
      const slices = spec.slicesOf(4n, WEIGHTS);
      expect(slices).to.deep.equal([1n, 0n, 3n]);
      await claimEach(
        entries,
        slices.map((slice, i) => slice - spec.shareOf(4n, WEIGHTS[i])),
      );

      expect(paidOut).to.equal(4n);
      for (const [i, entry] of entries.entries()) {
        expect(await router.claimed(id, NATIVE_TOKEN, 0, entry.cumulativeBefore)).to.equal(slices[i]);
        expect(await router.claimable(NATIVE_TOKEN, entry)).to.equal(0n);
      }
      expect(await routerBalance()).to.equal(await router.fees(NATIVE_TOKEN));
    });

    it("propagates 3 wei then 1 more to 3 parents without reverting: the parents end with splitTree(4)", async function () {
      const { router, registry, actors, a, b, c } = f;
      const derived = await registerModel(registry, actors.steward, {
        key: "hf:org/all-upstream",
        upstreamPpm: 1_000_000,
        ...(await lineage(registry, [
          [a.id, 300_000],
          [b.id, 100_000],
          [c.id, 600_000],
        ])),
      });
      const parents = derived.registration.parents;
      const received = () =>
        Promise.all([a, b, c].map(async ({ id }) => (await router.modelBalance(id, NATIVE_TOKEN)).received));
      // The old rule moved each parent its slice of the new total less its slice of the old: for b, 0 - 1.
      expect(spec.slicesOf(3n, WEIGHTS)[1]).to.equal(1n);
      expect(spec.slicesOf(4n, WEIGHTS)[1]).to.equal(0n);

      await pay(router, actors.payer, derived.id, NATIVE_TOKEN, 3n);
      expect([...(await router.previewPropagate(derived.id, NATIVE_TOKEN, parents))]).to.deep.equal(
        spec.splitTree(3n, WEIGHTS),
      );
      await expect(router.propagate(derived.id, NATIVE_TOKEN, parents))
        .to.emit(router, "Propagated")
        .withArgs(derived.id, NATIVE_TOKEN, 3n, 3n);
      expect(await received()).to.deep.equal(spec.splitTree(3n, WEIGHTS));

      await pay(router, actors.payer, derived.id, NATIVE_TOKEN, 1n);
      expect([...(await router.previewPropagate(derived.id, NATIVE_TOKEN, parents))]).to.deep.equal(
        spec.propagationOf(4n, 3n, WEIGHTS),
      );
      await expect(router.propagate(derived.id, NATIVE_TOKEN, parents))
        .to.emit(router, "Propagated")
        .withArgs(derived.id, NATIVE_TOKEN, 1n, 4n);
      expect(spec.splitTree(4n, WEIGHTS)).to.deep.equal([0n, 1n, 3n]);
      expect(await received()).to.deep.equal(spec.splitTree(4n, WEIGHTS));
      expect(await router.pendingUpstream(derived.id, NATIVE_TOKEN)).to.equal(0n);

      // And 1 wei at a time from there: no part ever shrinks, each total is split exactly.
      let last = await received();
      for (let total = 5n; total <= 24n; total++) {
        await pay(router, actors.payer, derived.id, NATIVE_TOKEN, 1n);
        await router.propagate(derived.id, NATIVE_TOKEN, parents);
        const now = await received();
        expect(now).to.deep.equal(spec.splitTree(total, WEIGHTS));
        for (const [i, part] of now.entries()) expect(part >= last[i]).to.equal(true);
        last = now;
      }
    });

    it("claimable reports what claim pays, for an entry of the current epoch and of a closed one", async function () {
      const { router, actors } = f;
      const { id, entries } = await registerThirtyTenSixty();
      /** Checks `claimable` against `expected`, then that claim pays exactly that and leaves nothing claimable. */
      const claimableThenClaim = async (entry: ContributorClaim, epoch: number, expected: bigint) => {
        const claimable = await router.claimable(NATIVE_TOKEN, entry);
        expect(claimable).to.equal(expected);
        expect(await router.connect(actors.stranger).claim.staticCall(NATIVE_TOKEN, [entry])).to.equal(claimable);
        const tx = router.connect(actors.stranger).claim(NATIVE_TOKEN, [entry]);
        await expect(tx)
          .to.emit(router, "Claimed")
          .withArgs(id, NATIVE_TOKEN, entry.account, epoch, entry.cumulativeBefore, claimable);
        await expect(tx).to.changeEtherBalances(ethers, [entry.account, router], [claimable, -claimable]);
        expect(await router.claimable(NATIVE_TOKEN, entry)).to.equal(0n);
      };

      // Kept 13: bob's floor share is 1 wei, his slice 2.
      await pay(router, actors.payer, id, NATIVE_TOKEN, 13n);
      expect([spec.shareOf(13n, 100_000), spec.sliceOf(13n, 300_000n, 100_000n)]).to.deep.equal([1n, 2n]);

      // Current epoch: the floor share.
      await claimableThenClaim(entries[1], 0, spec.shareOf(13n, 100_000));

      // Closed epoch: the slice, less what was claimed; carol, who never claimed, her whole slice.
      await closeEpoch(id);
      await claimableThenClaim(entries[1], 0, spec.sliceOf(13n, 300_000n, 100_000n) - spec.shareOf(13n, 100_000));
      await claimableThenClaim(entries[2], 0, spec.sliceOf(13n, 400_000n, 600_000n));

      // The new current epoch pays floor shares again.
      await pay(router, actors.payer, id, NATIVE_TOKEN, 13n);
      const current = claimsOf(id, 1, thirtyTenSixty());
      await claimableThenClaim(current[1], 1, spec.shareOf(13n, 100_000));
      await claimableThenClaim(current[2], 1, spec.shareOf(13n, 600_000));
    });
  });

  // Audit finding F11: in an epoch that never closed, up to one wei per entry waited for ever.
  describe("F11: renewEpoch", function () {
    const RENEWAL = 30 * 86_400;
    const set = () => contributors([f.actors.alice, 300_000], [f.actors.bob, 100_000], [f.actors.carol, 600_000]);

    it("lets anyone close an epoch current for epochRenewal with its own set, freeing its exact slices", async function () {
      const { router, registry, actors } = f;
      await router.setFee(0);
      await registry.setTrustPeriods({ ...NO_TRUST_PERIODS, epochRenewal: RENEWAL });
      const { id } = await registerModel(registry, actors.steward, { key: "hf:org/renewed", contributors: set() });
      await pay(router, actors.payer, id, NATIVE_TOKEN, 13n);
      const entries = claimsOf(id, 0, set());
      const weights = set().map(({ weightPpm }) => weightPpm);
      // While current, the floor shares leave 2 of the 13 wei waiting.
      expect(spec.sharesOf(13n, weights)).to.deep.equal([3n, 1n, 7n]);
      for (const entry of entries) await router.claim(NATIVE_TOKEN, [entry]);
      expect(await ethers.provider.getBalance(router)).to.equal(2n);

      const from = (await registry.identity(id)).epochStartedAt + BigInt(RENEWAL);
      await expect(registry.connect(actors.stranger).renewEpoch(id, set()))
        .to.be.revertedWithCustomError(registry, "ModelRegistryEpochNotRenewable")
        .withArgs(id, from);
      await networkHelpers.time.increaseTo(from);
      const other = contributors([actors.alice, 400_000], [actors.bob, 600_000]);
      await expect(registry.connect(actors.stranger).renewEpoch(id, other))
        .to.be.revertedWithCustomError(registry, "ModelRegistryEpochNotRenewable")
        .withArgs(id, from);

      const tx = registry.connect(actors.stranger).renewEpoch(id, set());
      await expect(tx)
        .to.emit(registry, "ContributorsSet")
        .withArgs(id, 1, rootOf(set()), set().map(tuple.contributor));
      await expect(tx).to.emit(router, "EpochRootSet").withArgs(id, 1, rootOf(set()));
      const slices = spec.slicesOf(13n, weights);
      expect(slices).to.deep.equal([3n, 2n, 8n]);
      for (const [i, entry] of entries.entries()) {
        await expect(router.connect(actors.stranger).claim(NATIVE_TOKEN, [entry])).to.changeEtherBalances(
          ethers,
          [entry.account],
          [slices[i] - spec.shareOf(13n, weights[i])],
        );
      }
      expect(await ethers.provider.getBalance(router)).to.equal(0n);
      // The renewal restarted the clock.
      await expect(registry.renewEpoch(id, set())).to.be.revertedWithCustomError(
        registry,
        "ModelRegistryEpochNotRenewable",
      );
    });
  });

  function deployRouter(treasury: string, feePpm: bigint): Promise<RevenueRouter> {
    return ethers.deployContract("RevenueRouter", [f.actors.admin.address, treasury, feePpm]);
  }
});
