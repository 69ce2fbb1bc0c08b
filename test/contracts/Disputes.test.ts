import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import { expect } from "chai";
import { network } from "hardhat";

import { ModelStatus, NATIVE_TOKEN, Role } from "../../src/core/constants.js";
import { type ContributorClaim, beneficiaryClaim, beneficiaryRootOf, claimsFor, claimsOf } from "../helpers/claims.js";
import { EVIDENCE, raiseDispute, revoke } from "../helpers/disputes.js";
import {
  DISPUTE_BOND,
  DisputeOutcome,
  FEE_PPM,
  type Family,
  NO_TRUST_PERIODS,
  deployFamily,
  familyLedger,
  pay,
} from "../helpers/fixtures.js";
import { PPM, feeOf, keptOf, shareOf, sliceOf, splitTree, upstreamOf } from "../helpers/math.js";
import { contributors, lineage, modelIdOf, registration } from "../helpers/models.js";

const { ethers, networkHelpers } = await network.create();

/** The family child's edge weights to a, b and c. */
const PARENT_WEIGHTS = [333_333, 333_333, 333_334];

describe("Disputes", function () {
  let f: Family;

  beforeEach(async function () {
    f = await networkHelpers.loadFixture(deployFamily);
  });

  const routerBalance = () => ethers.provider.getBalance(f.router);

  describe("raiseDispute", function () {
    it("marks the model disputed, holds the bond and emits DisputeRaised and the router's StatusUpdated", async function () {
      const { registry, router, actors, child } = f;
      expect(
        await registry.connect(actors.disputer).raiseDispute.staticCall(child.id, EVIDENCE, { value: DISPUTE_BOND }),
      ).to.equal(1n);
      const tx = registry.connect(actors.disputer).raiseDispute(child.id, EVIDENCE, { value: DISPUTE_BOND });
      await expect(tx)
        .to.emit(registry, "DisputeRaised")
        .withArgs(1n, child.id, actors.disputer.address, EVIDENCE, DISPUTE_BOND);
      await expect(tx).to.emit(router, "StatusUpdated").withArgs(child.id, ModelStatus.DISPUTED, ethers.ZeroAddress);
      await expect(tx).to.changeEtherBalances(ethers, [registry], [DISPUTE_BOND]);

      expect([...(await registry.dispute(1n))]).to.deep.equal([
        child.id,
        actors.disputer.address,
        DISPUTE_BOND,
        BigInt(DisputeOutcome.PENDING),
        false,
        EVIDENCE,
      ]);
      expect(await registry.activeDispute(child.id)).to.equal(1n);
      expect((await registry.model(child.id)).status).to.equal(ModelStatus.DISPUTED);
      expect((await router.flow(child.id)).status).to.equal(ModelStatus.DISPUTED);
    });

    it("numbers disputes from 1, in order", async function () {
      expect(await raiseDispute(f.registry, f.actors.disputer, f.a.id)).to.equal(1n);
      expect(await raiseDispute(f.registry, f.actors.stranger, f.b.id)).to.equal(2n);
      expect(await f.registry.activeDispute(f.c.id)).to.equal(0n);
    });

    it("reverts with ModelRegistryWrongBond when less than the bond is sent", async function () {
      await expect(f.registry.connect(f.actors.disputer).raiseDispute(f.a.id, EVIDENCE, { value: DISPUTE_BOND - 1n }))
        .to.be.revertedWithCustomError(f.registry, "ModelRegistryWrongBond")
        .withArgs(DISPUTE_BOND - 1n, DISPUTE_BOND);
    });

    it("reverts with ModelRegistryWrongBond when more than the bond is sent", async function () {
      await expect(f.registry.connect(f.actors.disputer).raiseDispute(f.a.id, EVIDENCE, { value: DISPUTE_BOND + 1n }))
        .to.be.revertedWithCustomError(f.registry, "ModelRegistryWrongBond")
        .withArgs(DISPUTE_BOND + 1n, DISPUTE_BOND);
    });

    it("reverts with ModelRegistryModelNotActive on a disputed model", async function () {
      await raiseDispute(f.registry, f.actors.disputer, f.a.id);
      await expect(f.registry.connect(f.actors.stranger).raiseDispute(f.a.id, EVIDENCE, { value: DISPUTE_BOND }))
        .to.be.revertedWithCustomError(f.registry, "ModelRegistryModelNotActive")
        .withArgs(f.a.id, ModelStatus.DISPUTED);
    });

    it("reverts with ModelRegistryModelNotActive on a revoked model", async function () {
      await revoke(f.registry, f.actors, f.a.id, f.actors.beneficiary.address);
      await expect(f.registry.connect(f.actors.stranger).raiseDispute(f.a.id, EVIDENCE, { value: DISPUTE_BOND }))
        .to.be.revertedWithCustomError(f.registry, "ModelRegistryModelNotActive")
        .withArgs(f.a.id, ModelStatus.REVOKED);
    });

    it("reverts with ModelRegistryUnknownModel on an unknown model", async function () {
      const unknown = modelIdOf("hf:nobody/x");
      await expect(f.registry.connect(f.actors.disputer).raiseDispute(unknown, EVIDENCE, { value: DISPUTE_BOND }))
        .to.be.revertedWithCustomError(f.registry, "ModelRegistryUnknownModel")
        .withArgs(unknown);
    });
  });

  describe("while disputed", function () {
    beforeEach(async function () {
      await pay(f.router, f.actors.payer, f.child.id, NATIVE_TOKEN, 10n ** 18n);
      await raiseDispute(f.registry, f.actors.disputer, f.child.id);
    });

    it("still accepts payments", async function () {
      await expect(pay(f.router, f.actors.payer, f.child.id, NATIVE_TOKEN, 1_000n))
        .to.emit(f.router, "Paid")
        .withArgs(f.child.id, NATIVE_TOKEN, f.actors.payer.address, 1_000n, 10n);
    });

    it("keeps paying the model's upstream to its parents, who are not what the dispute contests", async function () {
      const { router, child } = f;
      const upstream = upstreamOf(10n ** 18n - feeOf(10n ** 18n, FEE_PPM), 300_000n);
      await expect(router.propagate(child.id, NATIVE_TOKEN, child.registration.parents))
        .to.emit(router, "Propagated")
        .withArgs(child.id, NATIVE_TOKEN, upstream, upstream);
      expect(await receivedBy(f.a.id, f.b.id, f.c.id)).to.deep.equal(splitTree(upstream, PARENT_WEIGHTS));

      await pay(router, f.actors.payer, child.id, NATIVE_TOKEN, 1_000_000n);
      const step = { modelId: child.id, token: NATIVE_TOKEN, parents: child.registration.parents };
      await expect(router.propagateBatch([step]))
        .to.emit(router, "Propagated")
        .withArgs(child.id, NATIVE_TOKEN, 297_000n, upstream + 297_000n);
    });

    it("reverts claims of the contested (current) epoch with RevenueRouterModelFrozen, and claimable says 0", async function () {
      const entries = claimsFor(f.actors.alice, f.child.id, 0, f.child.registration.contributors);
      await expect(f.router.claim(NATIVE_TOKEN, entries))
        .to.be.revertedWithCustomError(f.router, "RevenueRouterModelFrozen")
        .withArgs(f.child.id);
      expect(await f.router.claimable(NATIVE_TOKEN, entries[0])).to.equal(0n);
    });

    it("lets children propagate into the disputed parent", async function () {
      await pay(f.router, f.actors.payer, f.grandchild.id, NATIVE_TOKEN, 1_000n);
      await expect(f.router.propagate(f.grandchild.id, NATIVE_TOKEN, f.grandchild.registration.parents))
        .to.emit(f.router, "Propagated")
        .withArgs(f.grandchild.id, NATIVE_TOKEN, 198n, 198n);
    });

    it("leaves other models open", async function () {
      await pay(f.router, f.actors.payer, f.a.id, NATIVE_TOKEN, 1_000n);
      const entries = claimsFor(f.actors.alice, f.a.id, 0, f.a.registration.contributors);
      await expect(f.router.claim(NATIVE_TOKEN, entries)).to.emit(f.router, "Claimed");
    });
  });

  describe("resolveDispute", function () {
    let disputeId: bigint;

    beforeEach(async function () {
      disputeId = await raiseDispute(f.registry, f.actors.disputer, f.child.id);
    });

    describe("dismissed", function () {
      it("makes the model active again and emits DisputeResolved and the router's StatusUpdated", async function () {
        const { registry, router, child } = f;
        const tx = registry.resolveDispute(disputeId, false, f.actors.beneficiary.address);
        await expect(tx).to.emit(registry, "DisputeResolved").withArgs(disputeId, child.id, false, ethers.ZeroAddress);
        await expect(tx).to.emit(router, "StatusUpdated").withArgs(child.id, ModelStatus.ACTIVE, ethers.ZeroAddress);
        expect((await registry.model(child.id)).status).to.equal(ModelStatus.ACTIVE);
        expect([...(await router.flow(child.id))]).to.deep.equal([300_000n, 0n, 0n, BigInt(ModelStatus.ACTIVE), false]);
        expect(await registry.activeDispute(child.id)).to.equal(0n);
        expect((await registry.dispute(disputeId)).outcome).to.equal(DisputeOutcome.DISMISSED);
      });

      it("releases what arrived while frozen to the same contributors and parents", async function () {
        const { router, actors, child } = f;
        await pay(router, actors.payer, child.id, NATIVE_TOKEN, 1_000_000n);
        await f.registry.resolveDispute(disputeId, false, ethers.ZeroAddress);
        await expect(router.propagate(child.id, NATIVE_TOKEN, child.registration.parents))
          .to.emit(router, "Propagated")
          .withArgs(child.id, NATIVE_TOKEN, 297_000n, 297_000n);
        const [alice] = claimsFor(actors.alice, child.id, 0, child.registration.contributors);
        await expect(router.claim(NATIVE_TOKEN, [alice]))
          .to.emit(router, "Claimed")
          .withArgs(child.id, NATIVE_TOKEN, actors.alice.address, 0, 0, shareOf(693_000n, 600_000));
      });

      it("lets the model be disputed again after the cool-down (none here), for twice the bond", async function () {
        await f.registry.resolveDispute(disputeId, false, ethers.ZeroAddress);
        expect(await f.registry.disputeBondFor(f.child.id)).to.equal(2n * DISPUTE_BOND);
        expect(await raiseDispute(f.registry, f.actors.stranger, f.child.id)).to.equal(disputeId + 1n);
        expect((await f.registry.dispute(disputeId + 1n)).bond).to.equal(2n * DISPUTE_BOND);
      });
    });

    describe("upheld", function () {
      it("revokes the model, starts the beneficiary's epoch and emits every event", async function () {
        const { registry, router, actors, child } = f;
        const beneficiary = actors.beneficiary.address;
        const root = beneficiaryRootOf(beneficiary);
        const tx = registry.resolveDispute(disputeId, true, beneficiary);
        await expect(tx).to.emit(registry, "DisputeResolved").withArgs(disputeId, child.id, true, beneficiary);
        await expect(tx).to.emit(router, "StatusUpdated").withArgs(child.id, ModelStatus.REVOKED, beneficiary);
        await expect(tx).to.emit(router, "EpochRootSet").withArgs(child.id, 1, root);
        await expect(tx)
          .to.emit(registry, "ContributorsSet")
          .withArgs(child.id, 1, root, [[beneficiary, Role.OTHER, PPM]]);

        expect((await registry.model(child.id)).status).to.equal(ModelStatus.REVOKED);
        expect([...(await router.flow(child.id))]).to.deep.equal([
          300_000n,
          1n,
          1n,
          BigInt(ModelStatus.REVOKED),
          false,
        ]);
        expect(await router.beneficiary(child.id)).to.equal(beneficiary);
        expect(await router.epochRoot(child.id, 1)).to.equal(root);
        expect(await registry.activeDispute(child.id)).to.equal(0n);
        expect((await registry.dispute(disputeId)).outcome).to.equal(DisputeOutcome.UPHELD);
      });

      it("starts the beneficiary's epoch after the latest contributor epoch", async function () {
        const { registry, router, actors, a } = f;
        await registry.connect(actors.steward).setContributors(a.id, a.registration.contributors);
        await registry.connect(actors.steward).setContributors(a.id, a.registration.contributors);
        await revoke(registry, actors, a.id, actors.beneficiary.address);
        expect([...(await router.flow(a.id))]).to.deep.equal([0n, 3n, 3n, BigInt(ModelStatus.REVOKED), false]);
      });

      it("reverts with ModelRegistryZeroAddress when the beneficiary is zero", async function () {
        await expect(f.registry.resolveDispute(disputeId, true, ethers.ZeroAddress)).to.be.revertedWithCustomError(
          f.registry,
          "ModelRegistryZeroAddress",
        );
      });
    });

    it("reverts with ModelRegistryDisputeState when resolved twice", async function () {
      await f.registry.resolveDispute(disputeId, false, ethers.ZeroAddress);
      await expect(f.registry.resolveDispute(disputeId, true, f.actors.beneficiary.address))
        .to.be.revertedWithCustomError(f.registry, "ModelRegistryDisputeState")
        .withArgs(disputeId, DisputeOutcome.DISMISSED);

      const second = await raiseDispute(f.registry, f.actors.disputer, f.child.id);
      await f.registry.resolveDispute(second, true, f.actors.beneficiary.address);
      await expect(f.registry.resolveDispute(second, false, ethers.ZeroAddress))
        .to.be.revertedWithCustomError(f.registry, "ModelRegistryDisputeState")
        .withArgs(second, DisputeOutcome.UPHELD);
    });

    it("reverts with ModelRegistryUnknownDispute for an unknown dispute", async function () {
      await expect(f.registry.resolveDispute(99n, false, ethers.ZeroAddress))
        .to.be.revertedWithCustomError(f.registry, "ModelRegistryUnknownDispute")
        .withArgs(99n);
    });

    it("reverts with AccessControlUnauthorizedAccount without DISPUTE_MANAGER_ROLE", async function () {
      await expect(f.registry.connect(f.actors.disputer).resolveDispute(disputeId, true, f.actors.disputer.address))
        .to.be.revertedWithCustomError(f.registry, "AccessControlUnauthorizedAccount")
        .withArgs(f.actors.disputer.address, f.roles.DISPUTE_MANAGER);
    });
  });

  describe("withdrawBond", function () {
    let disputeId: bigint;

    beforeEach(async function () {
      disputeId = await raiseDispute(f.registry, f.actors.disputer, f.child.id);
    });

    it("pays a dismissed dispute's bond to the treasury, whoever calls", async function () {
      await f.registry.resolveDispute(disputeId, false, ethers.ZeroAddress);
      const tx = f.registry.connect(f.actors.stranger).withdrawBond(disputeId);
      await expect(tx)
        .to.emit(f.registry, "DisputeBondWithdrawn")
        .withArgs(disputeId, f.actors.treasury.address, DISPUTE_BOND);
      await expect(tx).to.changeEtherBalances(ethers, [f.actors.treasury, f.registry], [DISPUTE_BOND, -DISPUTE_BOND]);
      expect((await f.registry.dispute(disputeId)).bondWithdrawn).to.equal(true);
    });

    it("pays an upheld dispute's bond back to the disputer, whoever calls", async function () {
      await f.registry.resolveDispute(disputeId, true, f.actors.beneficiary.address);
      const tx = f.registry.connect(f.actors.stranger).withdrawBond(disputeId);
      await expect(tx)
        .to.emit(f.registry, "DisputeBondWithdrawn")
        .withArgs(disputeId, f.actors.disputer.address, DISPUTE_BOND);
      await expect(tx).to.changeEtherBalances(ethers, [f.actors.disputer, f.registry], [DISPUTE_BOND, -DISPUTE_BOND]);
    });

    it("pays the bond the dispute was raised with, not the current one", async function () {
      await f.registry.setDisputeBond(DISPUTE_BOND * 3n);
      await f.registry.resolveDispute(disputeId, true, f.actors.beneficiary.address);
      await expect(f.registry.withdrawBond(disputeId))
        .to.emit(f.registry, "DisputeBondWithdrawn")
        .withArgs(disputeId, f.actors.disputer.address, DISPUTE_BOND);
    });

    it("reverts with ModelRegistryBondAlreadyWithdrawn the second time", async function () {
      await f.registry.resolveDispute(disputeId, false, ethers.ZeroAddress);
      await f.registry.withdrawBond(disputeId);
      await expect(f.registry.withdrawBond(disputeId))
        .to.be.revertedWithCustomError(f.registry, "ModelRegistryBondAlreadyWithdrawn")
        .withArgs(disputeId);
    });

    it("reverts with ModelRegistryDisputeState before the dispute is resolved", async function () {
      await expect(f.registry.withdrawBond(disputeId))
        .to.be.revertedWithCustomError(f.registry, "ModelRegistryDisputeState")
        .withArgs(disputeId, DisputeOutcome.PENDING);
    });

    it("reverts with ModelRegistryUnknownDispute for an unknown dispute", async function () {
      await expect(f.registry.withdrawBond(0n))
        .to.be.revertedWithCustomError(f.registry, "ModelRegistryUnknownDispute")
        .withArgs(0n);
    });
  });

  describe("setDisputeBond", function () {
    it("sets the bond that later disputes need and emits DisputeBondUpdated", async function () {
      await expect(f.registry.setDisputeBond(5n)).to.emit(f.registry, "DisputeBondUpdated").withArgs(5n);
      expect(await f.registry.disputeBond()).to.equal(5n);
      await expect(f.registry.connect(f.actors.disputer).raiseDispute(f.a.id, EVIDENCE, { value: DISPUTE_BOND }))
        .to.be.revertedWithCustomError(f.registry, "ModelRegistryWrongBond")
        .withArgs(DISPUTE_BOND, 5n);
      await expect(f.registry.connect(f.actors.disputer).raiseDispute(f.a.id, EVIDENCE, { value: 5n })).to.emit(
        f.registry,
        "DisputeRaised",
      );
    });

    it("accepts a zero bond and the largest 96-bit bond", async function () {
      await expect(f.registry.setDisputeBond(0n)).to.emit(f.registry, "DisputeBondUpdated").withArgs(0n);
      await expect(f.registry.setDisputeBond(2n ** 96n - 1n))
        .to.emit(f.registry, "DisputeBondUpdated")
        .withArgs(2n ** 96n - 1n);
    });

    it("reverts with ModelRegistryBondTooLarge above 96 bits", async function () {
      await expect(f.registry.setDisputeBond(2n ** 96n))
        .to.be.revertedWithCustomError(f.registry, "ModelRegistryBondTooLarge")
        .withArgs(2n ** 96n);
    });

    it("reverts with AccessControlUnauthorizedAccount without DISPUTE_MANAGER_ROLE", async function () {
      await expect(f.registry.connect(f.actors.stranger).setDisputeBond(0n))
        .to.be.revertedWithCustomError(f.registry, "AccessControlUnauthorizedAccount")
        .withArgs(f.actors.stranger.address, f.roles.DISPUTE_MANAGER);
    });
  });

  describe("a revoked model", function () {
    const beneficiary = () => f.actors.beneficiary.address;

    beforeEach(async function () {
      await pay(f.router, f.actors.payer, f.child.id, NATIVE_TOKEN, 10n ** 18n);
      await revoke(f.registry, f.actors, f.child.id, beneficiary());
    });

    it("keeps paying its upstream to the parents", async function () {
      const upstream = upstreamOf(10n ** 18n - feeOf(10n ** 18n, FEE_PPM), 300_000n);
      await expect(f.router.propagate(f.child.id, NATIVE_TOKEN, f.child.registration.parents))
        .to.emit(f.router, "Propagated")
        .withArgs(f.child.id, NATIVE_TOKEN, upstream, upstream);
      expect(await receivedBy(f.a.id, f.b.id, f.c.id)).to.deep.equal(splitTree(upstream, PARENT_WEIGHTS));
    });

    it("reverts the contested epoch's claims with RevenueRouterModelRevoked, and claimable says 0", async function () {
      const entries = claimsFor(f.actors.bob, f.child.id, 0, f.child.registration.contributors);
      await expect(f.router.connect(f.actors.bob).claim(NATIVE_TOKEN, entries))
        .to.be.revertedWithCustomError(f.router, "RevenueRouterModelRevoked")
        .withArgs(f.child.id);
      expect(await f.router.claimable(NATIVE_TOKEN, entries[0])).to.equal(0n);
    });

    it("gives the beneficiary what the model keeps from now on, through its epoch", async function () {
      await pay(f.router, f.actors.payer, f.child.id, NATIVE_TOKEN, 2_000_000n);
      const kept = keptOf(1_980_000n, 300_000n);
      expect(await f.router.keptInEpoch(f.child.id, NATIVE_TOKEN, 1)).to.equal(kept);
      const entry = beneficiaryClaim(f.child.id, 1, beneficiary());
      const tx = f.router.connect(f.actors.stranger).claim(NATIVE_TOKEN, [entry]);
      await expect(tx).to.emit(f.router, "Claimed").withArgs(f.child.id, NATIVE_TOKEN, beneficiary(), 1, 0, kept);
      await expect(tx).to.changeEtherBalances(ethers, [f.actors.beneficiary, f.router], [kept, -kept]);
    });

    it("still receives from its children, and the beneficiary gets it", async function () {
      await pay(f.router, f.actors.payer, f.grandchild.id, NATIVE_TOKEN, 1_000_000n);
      await f.router.propagate(f.grandchild.id, NATIVE_TOKEN, f.grandchild.registration.parents);
      const arrived = upstreamOf(990_000n, 200_000n);
      expect(await f.router.keptInEpoch(f.child.id, NATIVE_TOKEN, 1)).to.equal(keptOf(arrived, 300_000n));
    });

    it("refuses new derivatives with ModelRegistryParentRevoked", async function () {
      const fields = registration({
        key: "hf:org/late-child",
        steward: f.actors.alice.address,
        upstreamPpm: 100_000,
        ...(await lineage(f.registry, [[f.child.id, 1_000_000]])),
      });
      await expect(f.registry.connect(f.actors.alice).register(fields))
        .to.be.revertedWithCustomError(f.registry, "ModelRegistryParentRevoked")
        .withArgs(f.child.id);
    });

    describe("sweepContributor", function () {
      it("pays each old entry's unclaimed entitlement to the beneficiary and emits ContributorSwept", async function () {
        const kept = keptOf(10n ** 18n - feeOf(10n ** 18n, 10_000n), 300_000n);
        // Revocation closed epoch 0: each entry is swept its exact slice.
        for (const entry of claimsOf(f.child.id, 0, f.child.registration.contributors)) {
          const owed = sliceOf(kept, BigInt(entry.cumulativeBefore), BigInt(entry.weightPpm));
          const tx = f.router.connect(f.actors.stranger).sweepContributor(NATIVE_TOKEN, entry);
          await expect(tx)
            .to.emit(f.router, "ContributorSwept")
            .withArgs(f.child.id, NATIVE_TOKEN, beneficiary(), 0, entry.cumulativeBefore, owed);
          await expect(tx).to.changeEtherBalances(ethers, [f.actors.beneficiary, f.router], [owed, -owed]);
          expect(await f.router.claimed(f.child.id, NATIVE_TOKEN, 0, entry.cumulativeBefore)).to.equal(owed);
        }
      });

      it("returns 0 and emits nothing for an entry already swept", async function () {
        const [alice] = claimsFor(f.actors.alice, f.child.id, 0, f.child.registration.contributors);
        await f.router.sweepContributor(NATIVE_TOKEN, alice);
        expect(await f.router.sweepContributor.staticCall(NATIVE_TOKEN, alice)).to.equal(0n);
        await expect(f.router.sweepContributor(NATIVE_TOKEN, alice)).not.to.emit(f.router, "ContributorSwept");
      });

      it("reverts with RevenueRouterInvalidProof for an entry not in the epoch's set", async function () {
        const [alice] = claimsFor(f.actors.alice, f.child.id, 0, f.child.registration.contributors);
        await expect(f.router.sweepContributor(NATIVE_TOKEN, { ...alice, weightPpm: 999_999 }))
          .to.be.revertedWithCustomError(f.router, "RevenueRouterInvalidProof")
          .withArgs(f.child.id, 0, f.actors.alice.address);
      });

      it("reverts with RevenueRouterNotSweepable for the beneficiary's own epoch", async function () {
        await expect(f.router.sweepContributor(NATIVE_TOKEN, beneficiaryClaim(f.child.id, 1, beneficiary())))
          .to.be.revertedWithCustomError(f.router, "RevenueRouterNotSweepable")
          .withArgs(f.child.id, 1);
      });

      it("reverts with RevenueRouterNotSweepable for an epoch before the contested one", async function () {
        const { registry, router, actors, a } = f;
        await registry.connect(actors.steward).setContributors(a.id, a.registration.contributors);
        await revoke(registry, actors, a.id, beneficiary());
        const [alice] = claimsFor(actors.alice, a.id, 0, a.registration.contributors);
        await expect(router.sweepContributor(NATIVE_TOKEN, alice))
          .to.be.revertedWithCustomError(router, "RevenueRouterNotSweepable")
          .withArgs(a.id, 0);
      });

      it("reverts with RevenueRouterNotSweepable on a model that is not revoked", async function () {
        const [alice] = claimsFor(f.actors.alice, f.a.id, 0, f.a.registration.contributors);
        await expect(f.router.sweepContributor(NATIVE_TOKEN, alice))
          .to.be.revertedWithCustomError(f.router, "RevenueRouterNotSweepable")
          .withArgs(f.a.id, 0);
      });
    });
  });

  // Audit finding F4: a 0.1 ETH bond froze a whole model (claims, propagation) until a full governor cycle ended,
  // and the model could be disputed again in the block of the dismissal.
  describe("F4: a dispute holds only the contested epoch, a guardian dismisses it at once, then a cool-down", function () {
    const COOLDOWN = 86_400;
    let guardian: HardhatEthersSigner;
    let disputeId: bigint;
    const secondSet = () => contributors([f.actors.bob, 700_000], [f.actors.carol, 300_000]);
    const net = (amount: bigint) => amount - feeOf(amount, FEE_PPM);

    beforeEach(async function () {
      const { registry, router, actors, child } = f;
      guardian = (await ethers.getSigners())[12];
      await registry.grantRole(await registry.GUARDIAN_ROLE(), guardian.address);
      await registry.setTrustPeriods({ ...NO_TRUST_PERIODS, disputeCooldown: COOLDOWN });
      await pay(router, actors.payer, child.id, NATIVE_TOKEN, 10n ** 18n);
      await registry.connect(actors.steward).setContributors(child.id, secondSet());
      await pay(router, actors.payer, child.id, NATIVE_TOKEN, 2n * 10n ** 18n);
      disputeId = await raiseDispute(registry, actors.disputer, child.id);
    });

    it("freezes only the current epoch's claims: the closed epoch pays its exact slices and upstream flows", async function () {
      const { router, actors, child } = f;
      const closedKept = keptOf(net(10n ** 18n), 300_000n);
      for (const entry of claimsOf(child.id, 0, child.registration.contributors)) {
        const slice = sliceOf(closedKept, BigInt(entry.cumulativeBefore), BigInt(entry.weightPpm));
        expect(await router.claimable(NATIVE_TOKEN, entry)).to.equal(slice);
        const tx = router.connect(actors.stranger).claim(NATIVE_TOKEN, [entry]);
        await expect(tx)
          .to.emit(router, "Claimed")
          .withArgs(child.id, NATIVE_TOKEN, entry.account, 0, entry.cumulativeBefore, slice);
        await expect(tx).to.changeEtherBalances(ethers, [entry.account, router], [slice, -slice]);
      }
      for (const entry of claimsOf(child.id, 1, secondSet())) {
        await expect(router.claim(NATIVE_TOKEN, [entry]))
          .to.be.revertedWithCustomError(router, "RevenueRouterModelFrozen")
          .withArgs(child.id);
        expect(await router.claimable(NATIVE_TOKEN, entry)).to.equal(0n);
      }
      const upstream = upstreamOf(net(10n ** 18n) + net(2n * 10n ** 18n), 300_000n);
      await expect(router.propagate(child.id, NATIVE_TOKEN, child.registration.parents))
        .to.emit(router, "Propagated")
        .withArgs(child.id, NATIVE_TOKEN, upstream, upstream);
      expect(await receivedBy(f.a.id, f.b.id, f.c.id)).to.deep.equal(splitTree(upstream, PARENT_WEIGHTS));
    });

    it("lets a guardian dismiss it at once (never uphold it), reopening the current epoch", async function () {
      const { registry, router, actors, child } = f;
      const GUARDIAN_ROLE = await registry.GUARDIAN_ROLE();
      await expect(registry.connect(actors.stranger).dismissDispute(disputeId))
        .to.be.revertedWithCustomError(registry, "AccessControlUnauthorizedAccount")
        .withArgs(actors.stranger.address, GUARDIAN_ROLE);
      await expect(registry.connect(guardian).resolveDispute(disputeId, true, guardian.address))
        .to.be.revertedWithCustomError(registry, "AccessControlUnauthorizedAccount")
        .withArgs(guardian.address, f.roles.DISPUTE_MANAGER);

      const tx = registry.connect(guardian).dismissDispute(disputeId);
      await expect(tx).to.emit(registry, "DisputeResolved").withArgs(disputeId, child.id, false, ethers.ZeroAddress);
      await expect(tx).to.emit(router, "StatusUpdated").withArgs(child.id, ModelStatus.ACTIVE, ethers.ZeroAddress);
      expect((await registry.dispute(disputeId)).outcome).to.equal(DisputeOutcome.DISMISSED);
      expect((await registry.model(child.id)).status).to.equal(ModelStatus.ACTIVE);

      const [bob] = claimsFor(actors.bob, child.id, 1, secondSet());
      await expect(router.connect(actors.stranger).claim(NATIVE_TOKEN, [bob]))
        .to.emit(router, "Claimed")
        .withArgs(
          child.id,
          NATIVE_TOKEN,
          actors.bob.address,
          1,
          0,
          shareOf(keptOf(net(2n * 10n ** 18n), 300_000n), 700_000),
        );
      await expect(registry.connect(guardian).dismissDispute(disputeId))
        .to.be.revertedWithCustomError(registry, "ModelRegistryDisputeState")
        .withArgs(disputeId, DisputeOutcome.DISMISSED);
    });

    it("refuses a new dispute until the cool-down passes, then asks a bond doubled per dismissal", async function () {
      const { registry, actors, child } = f;
      const dismissal = await (await registry.connect(guardian).dismissDispute(disputeId)).wait();
      const dismissedAt = BigInt((await dismissal!.getBlock()).timestamp);
      const until = dismissedAt + BigInt(COOLDOWN);
      const identity = await registry.identity(child.id);
      expect([identity.disputeCooldownUntil, identity.dismissedDisputes]).to.deep.equal([until, 1n]);
      expect(await registry.disputeBondFor(child.id)).to.equal(2n * DISPUTE_BOND);

      await expect(registry.connect(actors.stranger).raiseDispute(child.id, EVIDENCE, { value: 2n * DISPUTE_BOND }))
        .to.be.revertedWithCustomError(registry, "ModelRegistryDisputeCooldown")
        .withArgs(child.id, until);
      await networkHelpers.time.increaseTo(until - 10n);
      await expect(
        registry.connect(actors.stranger).raiseDispute(child.id, EVIDENCE, { value: 2n * DISPUTE_BOND }),
      ).to.be.revertedWithCustomError(registry, "ModelRegistryDisputeCooldown");

      await networkHelpers.time.increaseTo(until);
      await expect(registry.connect(actors.stranger).raiseDispute(child.id, EVIDENCE, { value: DISPUTE_BOND }))
        .to.be.revertedWithCustomError(registry, "ModelRegistryWrongBond")
        .withArgs(DISPUTE_BOND, 2n * DISPUTE_BOND);
      await expect(registry.connect(actors.stranger).raiseDispute(child.id, EVIDENCE, { value: 2n * DISPUTE_BOND }))
        .to.emit(registry, "DisputeRaised")
        .withArgs(disputeId + 1n, child.id, actors.stranger.address, EVIDENCE, 2n * DISPUTE_BOND);

      // Governance dismisses the second one: the next bond is four times the base.
      await registry.resolveDispute(disputeId + 1n, false, ethers.ZeroAddress);
      expect((await registry.identity(child.id)).dismissedDisputes).to.equal(2n);
      expect(await registry.disputeBondFor(child.id)).to.equal(4n * DISPUTE_BOND);
    });
  });

  // Audit finding F5: an upheld dispute swept closed epochs that contributors had earned honestly and the upstream
  // owed to innocent parents. Now it takes the contested epoch and what the model keeps afterwards, nothing else.
  it("F5: an upheld dispute takes only the contested epoch and later kept revenue; the rest stays its owners', to the wei", async function () {
    const { router, registry, actors, child, grandchild } = f;
    const ledger = familyLedger(f);
    const check = async () => expect(await routerBalance()).to.equal(ledger.owed(NATIVE_TOKEN));
    const payAndTrack = async (id: string, amount: bigint) => {
      await pay(router, actors.payer, id, NATIVE_TOKEN, amount);
      ledger.pay(id, NATIVE_TOKEN, amount);
    };
    /** Claims (or sweeps) `entry` from a bystander and checks that `to` gets exactly what the ledger says. */
    const settleAndCheck = async (entry: ContributorClaim, to: string, sweep: boolean) => {
      const owed = ledger.settle(child.id, NATIVE_TOKEN, entry.epoch, entry.cumulativeBefore, entry.weightPpm);
      const before = await ethers.provider.getBalance(to);
      const asStranger = router.connect(actors.stranger);
      const tx = sweep ? asStranger.sweepContributor(NATIVE_TOKEN, entry) : asStranger.claim(NATIVE_TOKEN, [entry]);
      if (owed === 0n) await expect(tx).not.to.emit(router, sweep ? "ContributorSwept" : "Claimed");
      else
        await expect(tx)
          .to.emit(router, sweep ? "ContributorSwept" : "Claimed")
          .withArgs(child.id, NATIVE_TOKEN, to, entry.epoch, entry.cumulativeBefore, owed);
      expect(await ethers.provider.getBalance(to)).to.equal(before + owed);
      await check();
      return owed;
    };

    // Epoch 0 (closed before the dispute): revenue, one propagation, alice claims her floor share.
    await payAndTrack(child.id, 3n * 10n ** 18n + 1n);
    await router.propagate(child.id, NATIVE_TOKEN, child.registration.parents);
    ledger.propagate(child.id, NATIVE_TOKEN);
    await payAndTrack(child.id, 10n ** 18n + 7n);
    const [alice] = claimsFor(actors.alice, child.id, 0, child.registration.contributors);
    let toContributors = await settleAndCheck(alice, actors.alice.address, false);

    // Epoch 1, the one the dispute contests.
    const contested = contributors([actors.bob, 700_000], [actors.stranger, 300_000]);
    await registry.connect(actors.steward).setContributors(child.id, contested);
    ledger.startEpoch(child.id);
    await payAndTrack(child.id, 2n * 10n ** 18n + 5n);

    // Disputed: payments keep arriving (in epoch 1), including from a child; nothing is propagated up yet.
    const disputeId = await raiseDispute(registry, actors.disputer, child.id);
    await payAndTrack(child.id, 5n * 10n ** 17n + 3n);
    await payAndTrack(grandchild.id, 10n ** 18n);
    await router.propagate(grandchild.id, NATIVE_TOKEN, grandchild.registration.parents);
    ledger.propagate(grandchild.id, NATIVE_TOKEN);
    await check();

    // Upheld: the beneficiary's epoch 2 starts; later revenue is kept in it.
    await registry.resolveDispute(disputeId, true, actors.beneficiary.address);
    ledger.startEpoch(child.id);
    expect([...(await router.flow(child.id))]).to.deep.equal([300_000n, 2n, 2n, BigInt(ModelStatus.REVOKED), false]);
    await payAndTrack(child.id, 2n * 10n ** 18n + 11n);
    await check();

    // Epoch 0 stays its contributors': each gets its exact slice (alice the rest of hers), and the beneficiary
    // cannot sweep it.
    for (const entry of claimsOf(child.id, 0, child.registration.contributors)) {
      toContributors += await settleAndCheck(entry, entry.account, false);
      await expect(router.sweepContributor(NATIVE_TOKEN, entry))
        .to.be.revertedWithCustomError(router, "RevenueRouterNotSweepable")
        .withArgs(child.id, 0);
    }

    expect(toContributors).to.equal(ledger.keptInEpoch(child.id, NATIVE_TOKEN, 0));

    // The contested epoch 1 goes to the beneficiary, and so does epoch 2.
    let toBeneficiary = 0n;
    for (const entry of claimsOf(child.id, 1, contested)) {
      await expect(router.connect(actors.bob).claim(NATIVE_TOKEN, [entry]))
        .to.be.revertedWithCustomError(router, "RevenueRouterModelRevoked")
        .withArgs(child.id);
      toBeneficiary += await settleAndCheck(entry, actors.beneficiary.address, true);
    }
    toBeneficiary += await settleAndCheck(
      beneficiaryClaim(child.id, 2, actors.beneficiary.address),
      actors.beneficiary.address,
      false,
    );
    expect(toBeneficiary).to.equal(
      ledger.keptInEpoch(child.id, NATIVE_TOKEN, 1) + ledger.keptInEpoch(child.id, NATIVE_TOKEN, 2),
    );

    // The upstream still pending goes to the innocent parents, split as registered.
    const before = await receivedBy(f.a.id, f.b.id, f.c.id);
    const { amount, shares } = ledger.propagate(child.id, NATIVE_TOKEN);
    expect(amount > 0n).to.equal(true);
    await expect(router.propagate(child.id, NATIVE_TOKEN, child.registration.parents))
      .to.emit(router, "Propagated")
      .withArgs(child.id, NATIVE_TOKEN, amount, ledger.upstream(child.id, NATIVE_TOKEN));
    const after = await receivedBy(f.a.id, f.b.id, f.c.id);
    expect(after.map((value, i) => value - before[i])).to.deep.equal(shares);
    await check();

    // Nothing of the revoked model's contributors is left to claim.
    expect(await router.pendingUpstream(child.id, NATIVE_TOKEN)).to.equal(0n);
    for (const entry of [
      ...claimsOf(child.id, 0, child.registration.contributors),
      ...claimsOf(child.id, 1, contested),
    ]) {
      expect(await router.claimable(NATIVE_TOKEN, entry)).to.equal(0n);
    }
  });

  // Audit finding F8: a revoked model's beneficiary was fixed for ever, so one that cannot receive left funds stuck.
  describe("F8: replaceBeneficiary", function () {
    let stuck: string;

    beforeEach(async function () {
      stuck = await f.rejecting.getAddress();
      await pay(f.router, f.actors.payer, f.child.id, NATIVE_TOKEN, 10n ** 18n);
      await revoke(f.registry, f.actors, f.child.id, stuck);
      await pay(f.router, f.actors.payer, f.child.id, NATIVE_TOKEN, 2n * 10n ** 18n);
    });

    it("lets governance replace a beneficiary that cannot receive: the new one sweeps what the old left and claims the new epoch", async function () {
      const { registry, router, actors, child } = f;
      const contested = claimsOf(child.id, 0, child.registration.contributors);
      const stuckEntry = beneficiaryClaim(child.id, 1, stuck);
      await expect(router.claim(NATIVE_TOKEN, [stuckEntry])).to.be.revertedWithCustomError(
        f.rejecting,
        "RejectingReceiverRefused",
      );
      await expect(router.sweepContributor(NATIVE_TOKEN, contested[0])).to.be.revertedWithCustomError(
        f.rejecting,
        "RejectingReceiverRefused",
      );

      const next = actors.beneficiary.address;
      const root = beneficiaryRootOf(next);
      const tx = registry.replaceBeneficiary(child.id, next);
      await expect(tx).to.emit(registry, "BeneficiaryReplaced").withArgs(child.id, stuck, next);
      await expect(tx).to.emit(router, "StatusUpdated").withArgs(child.id, ModelStatus.REVOKED, next);
      await expect(tx).to.emit(router, "EpochRootSet").withArgs(child.id, 2, root);
      await expect(tx)
        .to.emit(registry, "ContributorsSet")
        .withArgs(child.id, 2, root, [[next, Role.OTHER, PPM]]);
      expect([...(await router.flow(child.id))]).to.deep.equal([300_000n, 2n, 1n, BigInt(ModelStatus.REVOKED), false]);
      expect(await router.beneficiary(child.id)).to.equal(next);

      // The old beneficiary's epoch is swept to the new one; it can no longer be claimed.
      const keptBefore = keptOf(10n ** 18n - feeOf(10n ** 18n, FEE_PPM), 300_000n);
      const keptAfter = keptOf(2n * 10n ** 18n - feeOf(2n * 10n ** 18n, FEE_PPM), 300_000n);
      await expect(router.claim(NATIVE_TOKEN, [stuckEntry]))
        .to.be.revertedWithCustomError(router, "RevenueRouterModelRevoked")
        .withArgs(child.id);
      let swept = 0n;
      for (const entry of [stuckEntry, ...contested]) {
        const owed =
          entry.epoch === 1 ? keptAfter : sliceOf(keptBefore, BigInt(entry.cumulativeBefore), BigInt(entry.weightPpm));
        const sweep = router.connect(actors.stranger).sweepContributor(NATIVE_TOKEN, entry);
        await expect(sweep)
          .to.emit(router, "ContributorSwept")
          .withArgs(child.id, NATIVE_TOKEN, next, entry.epoch, entry.cumulativeBefore, owed);
        await expect(sweep).to.changeEtherBalances(ethers, [actors.beneficiary, router], [owed, -owed]);
        swept += owed;
      }
      expect(swept).to.equal(keptBefore + keptAfter);

      // What the model keeps from now on is the new beneficiary's.
      await pay(router, actors.payer, child.id, NATIVE_TOKEN, 1_000_000n);
      await expect(router.connect(actors.stranger).claim(NATIVE_TOKEN, [beneficiaryClaim(child.id, 2, next)]))
        .to.emit(router, "Claimed")
        .withArgs(child.id, NATIVE_TOKEN, next, 2, 0, keptOf(990_000n, 300_000n));
    });

    it("reverts for a model that is not revoked, a zero beneficiary, or without DISPUTE_MANAGER_ROLE", async function () {
      const { registry, actors, child, a } = f;
      await expect(registry.replaceBeneficiary(a.id, actors.beneficiary.address))
        .to.be.revertedWithCustomError(registry, "ModelRegistryModelNotActive")
        .withArgs(a.id, ModelStatus.ACTIVE);
      await expect(registry.replaceBeneficiary(child.id, ethers.ZeroAddress)).to.be.revertedWithCustomError(
        registry,
        "ModelRegistryZeroAddress",
      );
      await expect(registry.connect(actors.stranger).replaceBeneficiary(child.id, actors.stranger.address))
        .to.be.revertedWithCustomError(registry, "AccessControlUnauthorizedAccount")
        .withArgs(actors.stranger.address, f.roles.DISPUTE_MANAGER);
    });
  });

  // Audit finding F13: a disputed or revoked model's steward could still change its metadata and hand it on.
  describe("F13: metadata and stewardship stay as they are while disputed or revoked", function () {
    for (const [name, status, freeze] of [
      ["disputed", ModelStatus.DISPUTED, (id: string) => raiseDispute(f.registry, f.actors.disputer, id)],
      ["revoked", ModelStatus.REVOKED, (id: string) => revoke(f.registry, f.actors, id, f.actors.beneficiary.address)],
    ] as const) {
      it(`refuses setMetadata, transferStewardship and acceptStewardship with ModelRegistryModelNotActive when ${name}`, async function () {
        const { registry, actors, child } = f;
        await registry.connect(actors.steward).transferStewardship(child.id, actors.otherSteward.address);
        await freeze(child.id);
        const refused = [
          registry.connect(actors.steward).setMetadata(child.id, ethers.ZeroHash, "ipfs://card/changed", "MIT"),
          registry.connect(actors.steward).transferStewardship(child.id, actors.stranger.address),
          registry.connect(actors.otherSteward).acceptStewardship(child.id),
        ];
        for (const call of refused) {
          await expect(call)
            .to.be.revertedWithCustomError(registry, "ModelRegistryModelNotActive")
            .withArgs(child.id, status);
        }
        expect((await registry.model(child.id)).steward).to.equal(actors.steward.address);
      });
    }

    it("lets them through again once the dispute is dismissed", async function () {
      const { registry, actors, child } = f;
      await registry.connect(actors.steward).transferStewardship(child.id, actors.otherSteward.address);
      const disputeId = await raiseDispute(registry, actors.disputer, child.id);
      await registry.resolveDispute(disputeId, false, ethers.ZeroAddress);
      await expect(registry.connect(actors.otherSteward).acceptStewardship(child.id))
        .to.emit(registry, "StewardshipTransferred")
        .withArgs(child.id, actors.steward.address, actors.otherSteward.address);
      await expect(
        registry.connect(actors.otherSteward).setMetadata(child.id, ethers.ZeroHash, "ipfs://card/v2", "MIT"),
      )
        .to.emit(registry, "MetadataUpdated")
        .withArgs(child.id, ethers.ZeroHash, "ipfs://card/v2", "MIT");
    });
  });

  /** The parents' lifetime `received`, in order. */
  function receivedBy(...ids: string[]): Promise<bigint[]> {
    return Promise.all(ids.map(async (id) => (await f.router.modelBalance(id, NATIVE_TOKEN)).received));
  }
});
