import { expect } from "chai";
import { network } from "hardhat";

import { ModelStatus, NATIVE_TOKEN, Role } from "../../src/core/constants.js";
import { beneficiaryClaim, beneficiaryRootOf, claimsFor, claimsOf } from "../helpers/claims.js";
import { EVIDENCE, raiseDispute, revoke } from "../helpers/disputes.js";
import { DISPUTE_BOND, DisputeOutcome, type Family, deployFamily, familyLedger, pay } from "../helpers/fixtures.js";
import { PPM, feeOf, keptOf, shareOf, sliceOf, upstreamOf } from "../helpers/math.js";
import { lineage, modelIdOf, registration } from "../helpers/models.js";

const { ethers, networkHelpers } = await network.create();

describe("Disputes", function () {
  let f: Family;

  beforeEach(async function () {
    f = await networkHelpers.loadFixture(deployFamily);
  });

  const routerBalance = () => ethers.provider.getBalance(f.router);

  describe("raiseDispute", function () {
    it("freezes the model, holds the bond and emits DisputeRaised and the router's StatusUpdated", async function () {
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

    it("reverts propagate with RevenueRouterModelFrozen", async function () {
      await expect(f.router.propagate(f.child.id, NATIVE_TOKEN, f.child.registration.parents))
        .to.be.revertedWithCustomError(f.router, "RevenueRouterModelFrozen")
        .withArgs(f.child.id);
      const step = { modelId: f.child.id, token: NATIVE_TOKEN, parents: f.child.registration.parents };
      await expect(f.router.propagateBatch([step]))
        .to.be.revertedWithCustomError(f.router, "RevenueRouterModelFrozen")
        .withArgs(f.child.id);
    });

    it("reverts claims with RevenueRouterModelFrozen, while claimable still reports the entitlement", async function () {
      const entries = claimsFor(f.actors.alice, f.child.id, 0, f.child.registration.contributors);
      await expect(f.router.claim(NATIVE_TOKEN, entries))
        .to.be.revertedWithCustomError(f.router, "RevenueRouterModelFrozen")
        .withArgs(f.child.id);
      const kept = keptOf(10n ** 18n - feeOf(10n ** 18n, 10_000n), 300_000n);
      expect(await f.router.claimable(NATIVE_TOKEN, entries[0])).to.equal(shareOf(kept, 600_000));
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
        expect([...(await router.flow(child.id))]).to.deep.equal([300_000n, 0n, 0n, BigInt(ModelStatus.ACTIVE)]);
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

      it("lets the model be disputed again", async function () {
        await f.registry.resolveDispute(disputeId, false, ethers.ZeroAddress);
        expect(await raiseDispute(f.registry, f.actors.stranger, f.child.id)).to.equal(disputeId + 1n);
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
        expect([...(await router.flow(child.id))]).to.deep.equal([300_000n, 1n, 1n, BigInt(ModelStatus.REVOKED)]);
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
        expect([...(await router.flow(a.id))]).to.deep.equal([0n, 3n, 3n, BigInt(ModelStatus.REVOKED)]);
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

    it("reverts propagate with RevenueRouterModelRevoked", async function () {
      await expect(f.router.propagate(f.child.id, NATIVE_TOKEN, f.child.registration.parents))
        .to.be.revertedWithCustomError(f.router, "RevenueRouterModelRevoked")
        .withArgs(f.child.id);
    });

    it("reverts the old contributors' claims with RevenueRouterModelRevoked", async function () {
      const entries = claimsFor(f.actors.bob, f.child.id, 0, f.child.registration.contributors);
      await expect(f.router.connect(f.actors.bob).claim(NATIVE_TOKEN, entries))
        .to.be.revertedWithCustomError(f.router, "RevenueRouterModelRevoked")
        .withArgs(f.child.id);
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

    describe("sweepUpstream", function () {
      it("pays the not-yet-pushed upstream to the beneficiary and emits UpstreamSwept", async function () {
        const upstream = upstreamOf(10n ** 18n - feeOf(10n ** 18n, 10_000n), 300_000n);
        expect(await f.router.connect(f.actors.stranger).sweepUpstream.staticCall(f.child.id, NATIVE_TOKEN)).to.equal(
          upstream,
        );
        const tx = f.router.connect(f.actors.stranger).sweepUpstream(f.child.id, NATIVE_TOKEN);
        await expect(tx).to.emit(f.router, "UpstreamSwept").withArgs(f.child.id, NATIVE_TOKEN, beneficiary(), upstream);
        await expect(tx).to.changeEtherBalances(ethers, [f.actors.beneficiary, f.router], [upstream, -upstream]);
        expect(await f.router.pendingUpstream(f.child.id, NATIVE_TOKEN)).to.equal(0n);
        expect((await f.router.modelBalance(f.child.id, NATIVE_TOKEN)).pushed).to.equal(upstream);
      });

      it("returns 0 and emits nothing when nothing is pending", async function () {
        await f.router.sweepUpstream(f.child.id, NATIVE_TOKEN);
        expect(await f.router.sweepUpstream.staticCall(f.child.id, NATIVE_TOKEN)).to.equal(0n);
        await expect(f.router.sweepUpstream(f.child.id, NATIVE_TOKEN)).not.to.emit(f.router, "UpstreamSwept");
      });

      it("reverts with RevenueRouterNotSweepable on a model that is not revoked", async function () {
        await f.registry.connect(f.actors.steward).setContributors(f.a.id, f.a.registration.contributors);
        await expect(f.router.sweepUpstream(f.a.id, NATIVE_TOKEN))
          .to.be.revertedWithCustomError(f.router, "RevenueRouterNotSweepable")
          .withArgs(f.a.id, 1);
      });
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

      it("reverts with RevenueRouterNotSweepable on a model that is not revoked", async function () {
        const [alice] = claimsFor(f.actors.alice, f.a.id, 0, f.a.registration.contributors);
        await expect(f.router.sweepContributor(NATIVE_TOKEN, alice))
          .to.be.revertedWithCustomError(f.router, "RevenueRouterNotSweepable")
          .withArgs(f.a.id, 0);
      });
    });
  });

  it("routes every held wei of an upheld model to the beneficiary exactly, and conserves the router's balance", async function () {
    const { router, registry, actors, child, grandchild } = f;
    const ledger = familyLedger(f);
    const check = async () => expect(await routerBalance()).to.equal(ledger.owed(NATIVE_TOKEN));
    const payAndTrack = async (id: string, amount: bigint) => {
      await pay(router, actors.payer, id, NATIVE_TOKEN, amount);
      ledger.pay(id, NATIVE_TOKEN, amount);
    };

    // Before the dispute: revenue, one propagation, one contributor claims.
    await payAndTrack(child.id, 3n * 10n ** 18n + 1n);
    await router.propagate(child.id, NATIVE_TOKEN, child.registration.parents);
    ledger.propagate(child.id, NATIVE_TOKEN);
    await payAndTrack(child.id, 10n ** 18n + 7n);
    const [alice] = claimsFor(actors.alice, child.id, 0, child.registration.contributors);
    await router.claim(NATIVE_TOKEN, [alice]);
    ledger.settle(child.id, NATIVE_TOKEN, 0, 0, 600_000);
    await check();

    // Disputed: payments keep arriving (in epoch 0), including from a child.
    const disputeId = await raiseDispute(registry, actors.disputer, child.id);
    await payAndTrack(child.id, 5n * 10n ** 17n + 3n);
    await payAndTrack(grandchild.id, 10n ** 18n);
    await router.propagate(grandchild.id, NATIVE_TOKEN, grandchild.registration.parents);
    ledger.propagate(grandchild.id, NATIVE_TOKEN);
    await check();

    // Upheld: the beneficiary's epoch starts; later revenue is kept in it.
    await registry.resolveDispute(disputeId, true, actors.beneficiary.address);
    ledger.startEpoch(child.id);
    await payAndTrack(child.id, 2n * 10n ** 18n + 11n);
    await check();

    // The beneficiary collects everything held, to the wei.
    const before = await ethers.provider.getBalance(actors.beneficiary.address);
    let expected = ledger.sweepUpstream(child.id, NATIVE_TOKEN);
    await router.sweepUpstream(child.id, NATIVE_TOKEN);
    for (const entry of claimsOf(child.id, 0, child.registration.contributors)) {
      expected += ledger.settle(child.id, NATIVE_TOKEN, 0, entry.cumulativeBefore, entry.weightPpm);
      await router.sweepContributor(NATIVE_TOKEN, entry);
    }
    expected += ledger.settle(child.id, NATIVE_TOKEN, 1, 0, 1_000_000);
    await router.claim(NATIVE_TOKEN, [beneficiaryClaim(child.id, 1, actors.beneficiary.address)]);
    expect(await ethers.provider.getBalance(actors.beneficiary.address)).to.equal(before + expected);
    await check();

    // Nothing of the revoked model is left in the router.
    expect(await router.pendingUpstream(child.id, NATIVE_TOKEN)).to.equal(0n);
    for (const entry of claimsOf(child.id, 0, child.registration.contributors)) {
      expect(await router.claimable(NATIVE_TOKEN, entry)).to.equal(0n);
    }
  });
});
