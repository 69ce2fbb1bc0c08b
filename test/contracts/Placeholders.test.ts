import { expect } from "chai";
import { network } from "hardhat";
import type { NetworkConnection } from "hardhat/types/network";

import { ModelStatus, NATIVE_TOKEN, Relation, Role } from "../../src/core/constants.js";
import { beneficiaryClaim, beneficiaryRootOf, claimsOf, rootOf } from "../helpers/claims.js";
import { raiseDispute, revoke } from "../helpers/disputes.js";
import { FEE_PPM, type Family, balanceOf, deployFamily, pay } from "../helpers/fixtures.js";
import { ExpectedLedger } from "../helpers/ledger.js";
import { PPM, feeOf, keptOf, shareOf, sharesOf, slicesOf, upstreamOf } from "../helpers/math.js";
import {
  OPEN_TERMS,
  type RegisteredModel,
  contributors,
  lineage,
  modelIdOf,
  parentsHashOf,
  registerModel,
  tuple,
} from "../helpers/models.js";

const PLACEHOLDER_KEY = "hf:upstream-lab/base-7b";

type WithPlaceholder = Family & {
  /** An unclaimed placeholder, registered by governance (the admin holds PLACEHOLDER_ASSIGNER_ROLE). */
  placeholderId: string;
  /** A derivative of the placeholder: 25% upstream to it; alice 100%. */
  derivative: RegisteredModel;
};

/** The family, plus a placeholder and a derivative that names it as its only parent. */
async function deployWithPlaceholder(connection: NetworkConnection): Promise<WithPlaceholder> {
  const family = await deployFamily(connection);
  const { registry, actors } = family;
  await registry.connect(actors.admin).registerPlaceholder(PLACEHOLDER_KEY);
  const placeholderId = modelIdOf(PLACEHOLDER_KEY);
  const derivative = await registerModel(registry, actors.steward, {
    key: "hf:someone/base-7b-instruct",
    upstreamPpm: 250_000,
    ...(await lineage(registry, [[placeholderId, 1_000_000, Relation.FINETUNE]])),
    contributors: contributors([actors.alice, 1_000_000, Role.FINETUNING]),
  });
  return { ...family, placeholderId, derivative };
}

const { ethers, networkHelpers } = await network.create();

describe("Placeholders", function () {
  let f: WithPlaceholder;
  let id: string;

  beforeEach(async function () {
    f = await networkHelpers.loadFixture(deployWithPlaceholder);
    id = f.placeholderId;
  });

  /** The placeholder's authors, as the administrators assign them. */
  const authors = () => contributors([f.actors.carol, 700_000, Role.PRETRAINING_COMPUTE], [f.actors.bob, 300_000]);
  const assign = () => f.registry.assignPlaceholder(id, f.actors.otherSteward.address, authors());

  /** Pays the placeholder directly and through its derivative; returns what it kept in escrow. */
  async function fillEscrow(token: string = NATIVE_TOKEN): Promise<bigint> {
    await pay(f.router, f.actors.payer, id, token, 1_000_001n);
    await pay(f.router, f.actors.payer, f.derivative.id, token, 4_000_003n);
    await f.router.propagate(f.derivative.id, token, f.derivative.registration.parents);
    const direct = 1_000_001n - feeOf(1_000_001n, FEE_PPM);
    const throughChild = upstreamOf(4_000_003n - feeOf(4_000_003n, FEE_PPM), 250_000n);
    return direct + throughChild;
  }

  describe("registerPlaceholder", function () {
    it("lets a placeholder manager register an unclaimed, provisional placeholder, and emits every event", async function () {
      const key = "hf:mistralai/mistral-7b-v0.1";
      const newId = modelIdOf(key);
      const registry = f.registry.connect(f.actors.admin);
      expect(await registry.registerPlaceholder.staticCall(key)).to.equal(newId);
      const tx = registry.registerPlaceholder(key);
      await expect(tx).to.emit(f.registry, "PlaceholderRegistered").withArgs(newId, key, f.actors.admin.address);
      await expect(tx).to.emit(f.router, "FlowConfigured").withArgs(newId, 0, parentsHashOf([]), ethers.ZeroHash);

      expect([...(await f.registry.model(newId))]).to.deep.equal([
        ethers.ZeroAddress,
        BigInt(ModelStatus.ACTIVE),
        0n,
        [true, 0n],
        ethers.ZeroHash,
      ]);
      expect([...(await f.router.flow(newId))]).to.deep.equal([0n, 0n, 0n, BigInt(ModelStatus.ACTIVE), true]);
      expect(await f.router.epochRoot(newId, 0)).to.equal(ethers.ZeroHash);
      expect((await f.registry.identity(newId)).provisionalUntil).to.equal(2n ** 40n - 1n);
    });

    it("reverts with AccessControlUnauthorizedAccount for anyone else (F2)", async function () {
      await expect(f.registry.connect(f.actors.payer).registerPlaceholder("hf:mistralai/mistral-7b-v0.1"))
        .to.be.revertedWithCustomError(f.registry, "AccessControlUnauthorizedAccount")
        .withArgs(f.actors.payer.address, f.roles.ASSIGNER);
    });

    it("reverts with ModelRegistryIdTaken when the key already has a placeholder", async function () {
      await expect(f.registry.registerPlaceholder(PLACEHOLDER_KEY))
        .to.be.revertedWithCustomError(f.registry, "ModelRegistryIdTaken")
        .withArgs(id);
    });

    it("reverts with ModelRegistryIdTaken when the key already has a model", async function () {
      await expect(f.registry.registerPlaceholder(f.a.registration.key))
        .to.be.revertedWithCustomError(f.registry, "ModelRegistryIdTaken")
        .withArgs(f.a.id);
    });

    it("reverts with ModelRegistryInvalidKey for an invalid key", async function () {
      for (const key of ["", "x".repeat(129), "hf:tab\tname"]) {
        await expect(f.registry.registerPlaceholder(key))
          .to.be.revertedWithCustomError(f.registry, "ModelRegistryInvalidKey")
          .withArgs(key);
      }
    });

    it("can be named as a parent with open terms", async function () {
      await expect(f.derivative.tx)
        .to.emit(f.registry, "ModelRegistered")
        .withArgs(
          f.derivative.id,
          f.derivative.registration.key,
          f.actors.steward.address,
          250_000,
          f.derivative.registration.parents.map(tuple.edge),
          tuple.terms(OPEN_TERMS),
          f.derivative.registration.weightsDigest,
          f.derivative.registration.metadataURI,
          f.derivative.registration.license,
        );
    });
  });

  describe("escrow", function () {
    it("accrues the placeholder's revenue, paid directly and propagated from children", async function () {
      const escrow = await fillEscrow();
      expect(await f.router.keptInEpoch(id, NATIVE_TOKEN, 0)).to.equal(escrow);
      expect([...(await f.router.modelBalance(id, NATIVE_TOKEN))]).to.deep.equal([escrow, 0n, 0n, escrow]);
      // Provisional until claimed: nothing leaves it, and it has no upstream to leave anyway.
      await expect(f.router.propagate(id, NATIVE_TOKEN, []))
        .to.be.revertedWithCustomError(f.router, "RevenueRouterModelProvisional")
        .withArgs(id);
    });

    it("refuses claims until the placeholder is assigned (provisional, and no contributors)", async function () {
      await fillEscrow();
      const [entry] = claimsOf(id, 0, authors());
      await expect(f.router.claim(NATIVE_TOKEN, [entry]))
        .to.be.revertedWithCustomError(f.router, "RevenueRouterModelProvisional")
        .withArgs(id);
      await expect(f.router.claimable(NATIVE_TOKEN, entry))
        .to.be.revertedWithCustomError(f.router, "RevenueRouterNoContributors")
        .withArgs(id, 0);
    });

    it("cannot be swept while the placeholder is active (RevenueRouterNotSweepable)", async function () {
      const [entry] = claimsOf(id, 0, authors());
      await expect(f.router.sweepContributor(NATIVE_TOKEN, entry))
        .to.be.revertedWithCustomError(f.router, "RevenueRouterNotSweepable")
        .withArgs(id, 0);
    });
  });

  describe("assignPlaceholder", function () {
    it("gives the placeholder its steward and contributors, and emits every event", async function () {
      const root = rootOf(authors());
      const tx = assign();
      await expect(tx)
        .to.emit(f.registry, "StewardshipTransferred")
        .withArgs(id, ethers.ZeroAddress, f.actors.otherSteward.address);
      await expect(tx).to.emit(f.router, "EpochRootSet").withArgs(id, 0, root);
      await expect(tx).to.emit(f.registry, "ContributorsSet").withArgs(id, 0, root, authors().map(tuple.contributor));
      await expect(tx).to.emit(f.router, "ProvisionCleared").withArgs(id);
      expect((await f.registry.model(id)).steward).to.equal(f.actors.otherSteward.address);
      expect((await f.registry.identity(id)).provisionalUntil).to.equal(0n);
      expect((await f.router.flow(id)).provisional).to.equal(false);
      expect(await f.router.epochRoot(id, 0)).to.equal(root);
      expect((await f.router.flow(id)).epoch).to.equal(0);
    });

    it("lets the contributors claim exactly what accrued in escrow", async function () {
      const escrow = await fillEscrow();
      await assign();
      const claimAll = async (expected: bigint[]) => {
        for (const [i, entry] of claimsOf(id, 0, authors()).entries()) {
          const tx = f.router.connect(f.actors.stranger).claim(NATIVE_TOKEN, [entry]);
          if (expected[i] === 0n) await expect(tx).not.to.emit(f.router, "Claimed");
          else
            await expect(tx)
              .to.emit(f.router, "Claimed")
              .withArgs(id, NATIVE_TOKEN, entry.account, 0, entry.cumulativeBefore, expected[i]);
          await expect(tx).to.changeEtherBalances(ethers, [entry.account, f.router], [expected[i], -expected[i]]);
        }
      };
      // The escrow epoch is the assigned set's current epoch: floor shares first.
      const shares = sharesOf(escrow, [700_000, 300_000]);
      await claimAll(shares);
      // Once the steward closes it (the same set again), the rest of each slice.
      await f.registry.connect(f.actors.otherSteward).setContributors(id, authors());
      const slices = slicesOf(escrow, [700_000, 300_000]);
      await claimAll(slices.map((slice, i) => slice - shares[i]));
      expect(slices[0] + slices[1]).to.equal(escrow);
      expect(await f.router.claimed(id, NATIVE_TOKEN, 0, 0)).to.equal(slices[0]);
      expect(await f.router.claimed(id, NATIVE_TOKEN, 0, 700_000)).to.equal(slices[1]);
    });

    it("keeps later revenue in the same epoch, for the assigned set", async function () {
      const escrow = await fillEscrow();
      await assign();
      await pay(f.router, f.actors.payer, id, NATIVE_TOKEN, 2_000_000n);
      const [carol] = claimsOf(id, 0, authors());
      expect(await f.router.claimable(NATIVE_TOKEN, carol)).to.equal(shareOf(escrow + 1_980_000n, 700_000));
    });

    it("lets the assigned steward manage the model", async function () {
      await assign();
      const registry = f.registry.connect(f.actors.otherSteward);
      await expect(registry.setContributors(id, contributors([f.actors.carol, 1_000_000])))
        .to.emit(f.router, "EpochRootSet")
        .withArgs(id, 1, rootOf(contributors([f.actors.carol, 1_000_000])));
      await expect(registry.setTerms(id, { derivativesAllowed: false, minDerivativePpm: 0 })).to.emit(
        f.registry,
        "TermsUpdated",
      );
    });

    it("reverts with ModelRegistryNotPlaceholder when assigned twice", async function () {
      await assign();
      await expect(f.registry.assignPlaceholder(id, f.actors.stranger.address, authors()))
        .to.be.revertedWithCustomError(f.registry, "ModelRegistryNotPlaceholder")
        .withArgs(id);
    });

    it("reverts with ModelRegistryNotPlaceholder for a registered model", async function () {
      await expect(f.registry.assignPlaceholder(f.a.id, f.actors.stranger.address, authors()))
        .to.be.revertedWithCustomError(f.registry, "ModelRegistryNotPlaceholder")
        .withArgs(f.a.id);
    });

    it("reverts with ModelRegistryUnknownModel for an unknown id", async function () {
      const unknown = modelIdOf("hf:nobody/x");
      await expect(f.registry.assignPlaceholder(unknown, f.actors.stranger.address, authors()))
        .to.be.revertedWithCustomError(f.registry, "ModelRegistryUnknownModel")
        .withArgs(unknown);
    });

    it("reverts with ModelRegistryZeroAddress when the steward is zero", async function () {
      await expect(f.registry.assignPlaceholder(id, ethers.ZeroAddress, authors())).to.be.revertedWithCustomError(
        f.registry,
        "ModelRegistryZeroAddress",
      );
    });

    it("validates the contributor set like a registration's", async function () {
      await expect(f.registry.assignPlaceholder(id, f.actors.otherSteward.address, []))
        .to.be.revertedWithCustomError(f.registry, "ModelRegistryContributorCount")
        .withArgs(0, 1000);
      await expect(
        f.registry.assignPlaceholder(id, f.actors.otherSteward.address, contributors([ethers.ZeroAddress, 1_000_000])),
      ).to.be.revertedWithCustomError(f.registry, "ModelRegistryZeroAddress");
    });

    it("reverts with ModelRegistryModelNotActive while the placeholder is disputed", async function () {
      await raiseDispute(f.registry, f.actors.disputer, id);
      await expect(assign())
        .to.be.revertedWithCustomError(f.registry, "ModelRegistryModelNotActive")
        .withArgs(id, ModelStatus.DISPUTED);
    });

    it("reverts with AccessControlUnauthorizedAccount without PLACEHOLDER_ASSIGNER_ROLE", async function () {
      await expect(
        f.registry.connect(f.actors.otherSteward).assignPlaceholder(id, f.actors.otherSteward.address, authors()),
      )
        .to.be.revertedWithCustomError(f.registry, "AccessControlUnauthorizedAccount")
        .withArgs(f.actors.otherSteward.address, f.roles.ASSIGNER);
    });

    it("has no steward to act before it is assigned (ModelRegistryNotSteward)", async function () {
      await expect(f.registry.connect(f.actors.stranger).setTerms(id, OPEN_TERMS))
        .to.be.revertedWithCustomError(f.registry, "ModelRegistryNotSteward")
        .withArgs(id, f.actors.stranger.address);
    });
  });

  describe("revoked before it is assigned", function () {
    let escrow: bigint;

    beforeEach(async function () {
      escrow = await fillEscrow();
    });

    it("hands the escrow epoch to the beneficiary, who claims all of it", async function () {
      const beneficiary = f.actors.beneficiary.address;
      const root = beneficiaryRootOf(beneficiary);
      const disputeId = await raiseDispute(f.registry, f.actors.disputer, id);
      const tx = f.registry.resolveDispute(disputeId, true, beneficiary);
      await expect(tx).to.emit(f.router, "EpochRootSet").withArgs(id, 0, root);
      await expect(tx)
        .to.emit(f.registry, "ContributorsSet")
        .withArgs(id, 0, root, [[beneficiary, Role.OTHER, PPM]]);
      expect([...(await f.router.flow(id))]).to.deep.equal([0n, 0n, 0n, BigInt(ModelStatus.REVOKED), false]);

      const claim = f.router.connect(f.actors.stranger).claim(NATIVE_TOKEN, [beneficiaryClaim(id, 0, beneficiary)]);
      await expect(claim).to.emit(f.router, "Claimed").withArgs(id, NATIVE_TOKEN, beneficiary, 0, 0, escrow);
      await expect(claim).to.changeEtherBalances(ethers, [f.actors.beneficiary, f.router], [escrow, -escrow]);
    });

    it("has nothing to sweep: its escrow epoch is the beneficiary's (RevenueRouterNotSweepable)", async function () {
      await revoke(f.registry, f.actors, id, f.actors.beneficiary.address);
      await expect(f.router.sweepContributor(NATIVE_TOKEN, beneficiaryClaim(id, 0, f.actors.beneficiary.address)))
        .to.be.revertedWithCustomError(f.router, "RevenueRouterNotSweepable")
        .withArgs(id, 0);
    });

    it("can no longer be assigned (ModelRegistryModelNotActive)", async function () {
      await revoke(f.registry, f.actors, id, f.actors.beneficiary.address);
      await expect(assign())
        .to.be.revertedWithCustomError(f.registry, "ModelRegistryModelNotActive")
        .withArgs(id, ModelStatus.REVOKED);
    });
  });

  it("conserves the router's balance from escrow to claims, in an ERC-20", async function () {
    const token = await f.token6.getAddress();
    const ledger = new ExpectedLedger(FEE_PPM);
    ledger.addModel(id);
    ledger.addModel(f.derivative.id, 250_000, f.derivative.registration.parents);
    const check = async () => expect(await balanceOf(ethers, token, f.router)).to.equal(ledger.owed(token));

    await fillEscrow(token);
    ledger.pay(id, token, 1_000_001n);
    ledger.pay(f.derivative.id, token, 4_000_003n);
    ledger.propagate(f.derivative.id, token);
    await check();
    expect(ledger.keptInEpoch(id, token, 0)).to.equal(await f.router.keptInEpoch(id, token, 0));

    await assign();
    await pay(f.router, f.actors.payer, f.derivative.id, token, 999n);
    ledger.pay(f.derivative.id, token, 999n);
    await check();

    for (const entry of claimsOf(id, 0, authors())) {
      const expected = ledger.settle(id, token, 0, entry.cumulativeBefore, entry.weightPpm);
      await expect(f.router.claim(token, [entry]))
        .to.emit(f.router, "Claimed")
        .withArgs(id, token, entry.account, 0, entry.cumulativeBefore, expected);
      await check();
    }
    const [alice] = claimsOf(f.derivative.id, 0, f.derivative.registration.contributors);
    const expected = ledger.settle(f.derivative.id, token, 0, 0, 1_000_000);
    expect(expected).to.equal(keptOf(ledger.received(f.derivative.id, token), 250_000n));
    await f.router.claim(token, [alice]);
    await check();
  });
});
