import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import { expect } from "chai";
import type { ContractTransactionResponse } from "ethers";
import { TypedDataEncoder, recoverAddress } from "ethers";
import { network } from "hardhat";

import { ModelStatus, NATIVE_TOKEN, Relation, Role } from "../../src/core/constants.js";
import { ATTESTATION_TYPES, REVISION, attest, attestationDomain, signAttestation } from "../helpers/attest.js";
import { claimsOf, rootOf } from "../helpers/claims.js";
import { raiseDispute } from "../helpers/disputes.js";
import { NO_TRUST_PERIODS, type Stemma, deployStemma, pay } from "../helpers/fixtures.js";
import { sharesOf, slicesOf, upstreamOf } from "../helpers/math.js";
import {
  type ContributorInput,
  type RegisteredModel,
  contributors,
  lineage,
  modelIdOf,
  parentsHashOf,
  registerModel,
  registration,
  tuple,
} from "../helpers/models.js";

const { ethers, networkHelpers } = await network.create();

/** The key the attacks target: Meta's model, which Meta has not registered yet. */
const KEY = "hf:meta-llama/llama-3.1-8b";
const ID = modelIdOf(KEY);
/** The provisional window the tests turn on: 30 days. */
const WINDOW = 30n * 24n * 3600n;
/** A lineage that leaves a model's as it is (`correctLineage` false), or declares a root. */
const NO_LINEAGE = { upstreamPpm: 0, parents: [], expectedParentTerms: [] };
/** A placeholder's provisional window: it never ends by time. */
const FOREVER = 2n ** 40n - 1n;

/** Amounts whose 1% fee is exact, so the expectations below do not depend on the fee's rounding. */
const DIRECT = 1_000_000n;
const TO_CHILD = 2_000_300n;
const netOf = (amount: bigint) => amount - amount / 100n;

describe("Identity (F1 key squatting, F2 placeholder squatting)", function () {
  let f: Stemma;
  /** Meta's steward, the key's rightful owner. */
  let meta: HardhatEthersSigner;
  /** The squatter. */
  let mallory: HardhatEthersSigner;

  beforeEach(async function () {
    f = await networkHelpers.loadFixture(deployStemma);
    meta = f.actors.steward;
    mallory = f.actors.stranger;
  });

  /** Turns the provisional window on, as governance would (the admin holds IDENTITY_MANAGER_ROLE here). */
  const openWindow = () => f.registry.setTrustPeriods({ ...NO_TRUST_PERIODS, provisional: WINDOW });
  /** The attester's proof that `steward` stewards `id` now. */
  const proofFor = (id: string, steward: { address: string }) => attest(f.registry, [f.actors.attester], id, steward);
  const timestampOf = async (tx: Promise<ContractTransactionResponse> | ContractTransactionResponse) => {
    const receipt = await (await tx).wait();
    return BigInt((await receipt!.getBlock()).timestamp);
  };
  /** The registry's event names in a transaction, in order. */
  async function registryEvents(tx: Promise<ContractTransactionResponse>): Promise<string[]> {
    const receipt = await (await tx).wait();
    const registry = await f.registry.getAddress();
    return receipt!.logs
      .filter((log) => log.address === registry)
      .map((log) => f.registry.interface.parseLog(log)!.name);
  }

  /** Meta's own contributors. */
  const metaSet = (): ContributorInput[] =>
    contributors([f.actors.alice, 600_000, Role.PRETRAINING_COMPUTE], [f.actors.bob, 400_000, Role.DATA_CURATION]);

  describe("attestations", function () {
    it("are signed over the EIP-712 digest the registry computes", async function () {
      const attestation = { modelId: ID, steward: meta.address, revision: REVISION, nonce: 7n, deadline: 123_456n };
      const digest = TypedDataEncoder.hash(await attestationDomain(f.registry), ATTESTATION_TYPES, attestation);
      expect(await f.registry.attestationDigest(ID, meta.address, REVISION, 7, 123_456)).to.equal(digest);
      const [signature] = (await signAttestation(f.registry, [f.actors.attester], attestation)).signatures;
      expect(recoverAddress(digest, signature!)).to.equal(f.actors.attester.address);
    });

    describe("a proof the registry refuses", function () {
      let id: string;
      let second: HardhatEthersSigner;

      beforeEach(async function () {
        await openWindow();
        ({ id } = await registerModel(f.registry, meta, { key: KEY, contributors: metaSet() }));
        second = (await ethers.getSigners())[12]!;
      });

      it("after its deadline (ModelRegistryAttestationExpired), and not a second before", async function () {
        const now = BigInt((await ethers.provider.getBlock("latest"))!.timestamp);
        const deadline = now + 100n;
        const proof = await attest(f.registry, [f.actors.attester], id, meta, { deadline });
        await networkHelpers.time.setNextBlockTimestamp(deadline + 1n);
        await expect(f.registry.verify(id, proof))
          .to.be.revertedWithCustomError(f.registry, "ModelRegistryAttestationExpired")
          .withArgs(deadline);
        await networkHelpers.time.setNextBlockTimestamp(deadline);
        await expect(f.registry.verify(id, proof)).to.emit(f.registry, "ModelVerified");
      });

      it("below the threshold (ModelRegistryNotEnoughAttestations)", async function () {
        await f.registry.setAttester(second.address, true);
        await f.registry.setAttesterThreshold(2);
        await expect(f.registry.verify(id, await proofFor(id, meta)))
          .to.be.revertedWithCustomError(f.registry, "ModelRegistryNotEnoughAttestations")
          .withArgs(1, 2);
        await expect(f.registry.verify(id, await attest(f.registry, [second, f.actors.attester], id, meta))).to.emit(
          f.registry,
          "ModelVerified",
        );
      });

      it("when no attester is appointed (ModelRegistryNotEnoughAttestations, threshold 0)", async function () {
        const proof = await proofFor(id, meta);
        await expect(f.registry.setAttester(f.actors.attester.address, false))
          .to.emit(f.registry, "AttesterThresholdUpdated")
          .withArgs(0);
        await expect(f.registry.verify(id, proof))
          .to.be.revertedWithCustomError(f.registry, "ModelRegistryNotEnoughAttestations")
          .withArgs(1, 0);
      });

      it("with one attester's signature twice (ModelRegistryInvalidAttestation at the duplicate)", async function () {
        await f.registry.setAttester(second.address, true);
        await f.registry.setAttesterThreshold(2);
        const proof = await proofFor(id, meta);
        const doubled = { ...proof, signatures: [proof.signatures[0]!, proof.signatures[0]!] };
        await expect(f.registry.verify(id, doubled))
          .to.be.revertedWithCustomError(f.registry, "ModelRegistryInvalidAttestation")
          .withArgs(1);
      });

      it("with signers out of ascending order (ModelRegistryInvalidAttestation)", async function () {
        await f.registry.setAttester(second.address, true);
        await f.registry.setAttesterThreshold(2);
        const sorted = await attest(f.registry, [second, f.actors.attester], id, meta);
        const reversed = { ...sorted, signatures: [...sorted.signatures].reverse() };
        await expect(f.registry.verify(id, reversed))
          .to.be.revertedWithCustomError(f.registry, "ModelRegistryInvalidAttestation")
          .withArgs(1);
      });

      it("signed by an account that is not an attester (ModelRegistryInvalidAttestation)", async function () {
        await expect(f.registry.verify(id, await attest(f.registry, [mallory], id, meta)))
          .to.be.revertedWithCustomError(f.registry, "ModelRegistryInvalidAttestation")
          .withArgs(0);
      });

      it("that is malformed, or names another steward (ModelRegistryInvalidAttestation)", async function () {
        const proof = await proofFor(id, meta);
        const short = { ...proof, signatures: [proof.signatures[0]!.slice(0, -2)] };
        await expect(f.registry.verify(id, short))
          .to.be.revertedWithCustomError(f.registry, "ModelRegistryInvalidAttestation")
          .withArgs(0);
        await expect(f.registry.verify(id, await proofFor(id, mallory)))
          .to.be.revertedWithCustomError(f.registry, "ModelRegistryInvalidAttestation")
          .withArgs(0);
      });

      it("used a second time: each verification uses the nonce up (replay)", async function () {
        const proof = await proofFor(id, meta);
        await expect(f.registry.connect(mallory).verify(id, proof))
          .to.emit(f.registry, "ModelVerified")
          .withArgs(id, meta.address, REVISION, 0);
        expect((await f.registry.identity(id)).nonce).to.equal(1n);
        await expect(f.registry.verify(id, proof))
          .to.be.revertedWithCustomError(f.registry, "ModelRegistryInvalidAttestation")
          .withArgs(0);
        await expect(f.registry.connect(meta).claimModel(id, metaSet(), false, NO_LINEAGE, proof))
          .to.be.revertedWithCustomError(f.registry, "ModelRegistryInvalidAttestation")
          .withArgs(0);
      });
    });
  });

  describe("verify", function () {
    it("lets anyone submit an attestation of the current steward: verified, and the provisional window ends", async function () {
      await openWindow();
      const { id, tx } = await registerModel(f.registry, meta, { key: KEY, contributors: metaSet() });
      const until = (await timestampOf(tx)) + WINDOW;
      await expect(tx).to.emit(f.registry, "ModelProvisional").withArgs(id, until);
      expect((await f.registry.identity(id)).provisionalUntil).to.equal(until);
      expect((await f.router.flow(id)).provisional).to.equal(true);

      const verified = f.registry.connect(f.actors.payer).verify(id, await proofFor(id, meta));
      await expect(verified).to.emit(f.registry, "ModelVerified").withArgs(id, meta.address, REVISION, 0);
      await expect(verified).to.emit(f.router, "ProvisionCleared").withArgs(id);
      const identity = await f.registry.identity(id);
      expect([identity.verified, identity.provisionalUntil, identity.nonce]).to.deep.equal([true, 0n, 1n]);
      expect((await f.router.flow(id)).provisional).to.equal(false);
    });

    it("verifies a model that is not provisional without touching the router", async function () {
      const { id } = await registerModel(f.registry, meta, { key: KEY, contributors: metaSet() });
      const verified = f.registry.verify(id, await proofFor(id, meta));
      await expect(verified).to.emit(f.registry, "ModelVerified");
      await expect(verified).not.to.emit(f.router, "ProvisionCleared");
    });

    it("has no steward to verify on a placeholder (ModelRegistryStewardMismatch)", async function () {
      await f.registry.registerPlaceholder(KEY);
      await expect(f.registry.verify(ID, await proofFor(ID, meta)))
        .to.be.revertedWithCustomError(f.registry, "ModelRegistryStewardMismatch")
        .withArgs(ID, ethers.ZeroAddress);
    });

    it("refuses a disputed model (ModelRegistryModelNotActive)", async function () {
      const { id } = await registerModel(f.registry, meta, { key: KEY, contributors: metaSet() });
      await raiseDispute(f.registry, f.actors.disputer, id);
      await expect(f.registry.verify(id, await proofFor(id, meta)))
        .to.be.revertedWithCustomError(f.registry, "ModelRegistryModelNotActive")
        .withArgs(id, ModelStatus.DISPUTED);
    });
  });

  describe("registerVerified", function () {
    it("registers a verified model that is never provisional, even with the window on", async function () {
      await openWindow();
      const fields = registration({ key: KEY, steward: meta.address, contributors: metaSet() });
      const tx = f.registry.connect(meta).registerVerified(fields, [], await proofFor(ID, meta));
      await expect(tx).to.emit(f.registry, "ModelVerified").withArgs(ID, meta.address, REVISION, 0);
      await expect(tx).not.to.emit(f.registry, "ModelProvisional");
      expect(await registryEvents(tx)).to.deep.equal(["ModelRegistered", "ContributorsSet", "ModelVerified"]);
      const identity = await f.registry.identity(ID);
      expect([identity.verified, identity.provisionalUntil, identity.nonce]).to.deep.equal([true, 0n, 1n]);
      expect((await f.router.flow(ID)).provisional).to.equal(false);
    });
  });

  describe("F1: a squatter who registers a key first", function () {
    /** Mallory's own model, which she names as the squatted key's only parent. */
    let malloryBase: RegisteredModel;
    let squat: RegisteredModel;
    let until: bigint;
    /** A verified derivative of the squatted key: 20% upstream to it. */
    let child: RegisteredModel;
    /** Everything that arrived in the squatted model, net of fees. */
    let arrived: bigint;

    beforeEach(async function () {
      const mine = contributors([mallory, 1_000_000]);
      malloryBase = await registerModel(f.registry, mallory, { key: "hf:mallory/base", contributors: mine });
      await openWindow();
      squat = await registerModel(f.registry, mallory, {
        key: KEY,
        upstreamPpm: 1_000_000,
        ...(await lineage(f.registry, [[malloryBase.id, 1_000_000, Relation.FINETUNE]])),
        contributors: mine,
      });
      until = (await timestampOf(squat.tx)) + WINDOW;
      const childFields = registration({
        key: "hf:someone/llama-3.1-8b-instruct",
        steward: f.actors.otherSteward.address,
        upstreamPpm: 200_000,
        ...(await lineage(f.registry, [[squat.id, 1_000_000, Relation.FINETUNE]])),
        contributors: contributors([f.actors.carol, 1_000_000]),
      });
      const childId = modelIdOf(childFields.key);
      const childTx = await f.registry
        .connect(f.actors.otherSteward)
        .registerVerified(childFields, [], await proofFor(childId, f.actors.otherSteward));
      child = { id: childId, registration: childFields, tx: childTx };

      await pay(f.router, f.actors.payer, squat.id, NATIVE_TOKEN, DIRECT);
      await pay(f.router, f.actors.payer, child.id, NATIVE_TOKEN, TO_CHILD);
      await f.router.propagate(child.id, NATIVE_TOKEN, child.registration.parents);
      arrived = netOf(DIRECT) + upstreamOf(netOf(TO_CHILD), 200_000n);
    });

    it("cannot extract a wei while provisional: no claim, no propagation, no new set, and the views say so", async function () {
      expect((await f.router.modelBalance(squat.id, NATIVE_TOKEN)).received).to.equal(arrived);
      const [entry] = claimsOf(squat.id, 0, squat.registration.contributors);
      await expect(f.router.connect(mallory).claim(NATIVE_TOKEN, [entry!]))
        .to.be.revertedWithCustomError(f.router, "RevenueRouterModelProvisional")
        .withArgs(squat.id);
      expect(await f.router.claimable(NATIVE_TOKEN, entry!)).to.equal(0n);
      await expect(f.router.connect(mallory).propagate(squat.id, NATIVE_TOKEN, squat.registration.parents))
        .to.be.revertedWithCustomError(f.router, "RevenueRouterModelProvisional")
        .withArgs(squat.id);
      expect(await f.router.previewPropagate(squat.id, NATIVE_TOKEN, squat.registration.parents)).to.deep.equal([0n]);
      await expect(f.registry.connect(mallory).setContributors(squat.id, contributors([f.actors.disputer, 1_000_000])))
        .to.be.revertedWithCustomError(f.registry, "ModelRegistryProvisional")
        .withArgs(squat.id, until);
      await expect(f.registry.connect(mallory).endProvisional(squat.id))
        .to.be.revertedWithCustomError(f.registry, "ModelRegistryNotEndable")
        .withArgs(squat.id, until);
      expect((await f.router.modelBalance(malloryBase.id, NATIVE_TOKEN)).received).to.equal(0n);
    });

    it("loses the key to Meta's attested claim: Meta's contributors get everything that arrived, her parent nothing", async function () {
      const set = metaSet();
      const root = rootOf(set);
      const tx = f.registry.connect(meta).claimModel(squat.id, set, true, NO_LINEAGE, await proofFor(squat.id, meta));
      await expect(tx).to.emit(f.registry, "StewardshipTransferred").withArgs(squat.id, mallory.address, meta.address);
      await expect(tx).to.emit(f.registry, "LineageCorrected").withArgs(squat.id, 0, []);
      await expect(tx).to.emit(f.registry, "ContributorsSet").withArgs(squat.id, 0, root, set.map(tuple.contributor));
      await expect(tx).to.emit(f.registry, "ModelVerified").withArgs(squat.id, meta.address, REVISION, 0);
      await expect(tx).to.emit(f.router, "FlowConfigured").withArgs(squat.id, 0, parentsHashOf([]), root);
      await expect(tx).to.emit(f.router, "EpochRootSet").withArgs(squat.id, 0, root);
      await expect(tx).to.emit(f.router, "ProvisionCleared").withArgs(squat.id);
      expect(await registryEvents(tx)).to.deep.equal([
        "StewardshipTransferred",
        "LineageCorrected",
        "ContributorsSet",
        "ModelVerified",
      ]);
      const stored = await f.registry.model(squat.id);
      expect([stored.steward, stored.upstreamPpm]).to.deep.equal([meta.address, 0n]);
      expect(await f.router.parentsHash(squat.id)).to.equal(parentsHashOf([]));

      // Nothing had moved, so everything that arrived is the kept revenue of the current epoch, for Meta's set.
      expect(await f.router.keptInEpoch(squat.id, NATIVE_TOKEN, 0)).to.equal(arrived);
      const entries = claimsOf(squat.id, 0, set);
      const shares = sharesOf(arrived, [600_000, 400_000]);
      for (const [i, entry] of entries.entries()) {
        expect(await f.router.claimable(NATIVE_TOKEN, entry)).to.equal(shares[i]);
      }
      // Meta closes the epoch (the same set again): the exact slices, which add up to everything that arrived.
      await f.registry.connect(meta).setContributors(squat.id, set);
      const slices = slicesOf(arrived, [600_000, 400_000]);
      expect(slices[0]! + slices[1]!).to.equal(arrived);
      for (const [i, entry] of entries.entries()) {
        await expect(f.router.connect(mallory).claim(NATIVE_TOKEN, [entry])).to.changeEtherBalances(
          ethers,
          [entry.account, f.router],
          [slices[i]!, -slices[i]!],
        );
      }

      // Mallory's set and parent are gone from the model: her entry has no proof, her parent never received.
      const [mine] = claimsOf(squat.id, 0, squat.registration.contributors);
      await expect(f.router.claim(NATIVE_TOKEN, [mine!])).to.be.revertedWithCustomError(
        f.router,
        "RevenueRouterInvalidProof",
      );
      await expect(f.router.propagate(squat.id, NATIVE_TOKEN, squat.registration.parents))
        .to.be.revertedWithCustomError(f.router, "RevenueRouterParentsMismatch")
        .withArgs(squat.id);
      expect(await f.router.propagate.staticCall(squat.id, NATIVE_TOKEN, [])).to.equal(0n);
      expect((await f.router.modelBalance(malloryBase.id, NATIVE_TOKEN)).received).to.equal(0n);
    });

    it("cannot correct the lineage to a parent registered after the model, or to itself (ModelRegistryParentNotOlder)", async function () {
      const proof = await proofFor(squat.id, meta);
      for (const parentId of [child.id, squat.id]) {
        const correction = { upstreamPpm: 100_000, ...(await lineage(f.registry, [[parentId, 1_000_000]])) };
        await expect(f.registry.connect(meta).claimModel(squat.id, metaSet(), true, correction, proof))
          .to.be.revertedWithCustomError(f.registry, "ModelRegistryParentNotOlder")
          .withArgs(parentId);
      }
      // A parent registered before the model is accepted.
      const correction = { upstreamPpm: 100_000, ...(await lineage(f.registry, [[malloryBase.id, 1_000_000]])) };
      await expect(f.registry.connect(meta).claimModel(squat.id, metaSet(), true, correction, proof))
        .to.emit(f.registry, "LineageCorrected")
        .withArgs(squat.id, 100_000, correction.parents.map(tuple.edge));
    });

    it("can end the window only once it has passed; a later claim starts a new epoch and keeps the lineage", async function () {
      await networkHelpers.time.setNextBlockTimestamp(until - 1n);
      await expect(f.registry.endProvisional(squat.id))
        .to.be.revertedWithCustomError(f.registry, "ModelRegistryNotEndable")
        .withArgs(squat.id, until);
      await networkHelpers.time.setNextBlockTimestamp(until);
      const ended = f.registry.connect(f.actors.payer).endProvisional(squat.id);
      await expect(ended).to.emit(f.registry, "ProvisionEnded").withArgs(squat.id);
      await expect(ended).to.emit(f.router, "ProvisionCleared").withArgs(squat.id);
      await expect(f.registry.endProvisional(squat.id))
        .to.be.revertedWithCustomError(f.registry, "ModelRegistryNotEndable")
        .withArgs(squat.id, 0);

      const proof = await proofFor(squat.id, meta);
      await expect(f.registry.connect(meta).claimModel(squat.id, metaSet(), true, NO_LINEAGE, proof))
        .to.be.revertedWithCustomError(f.registry, "ModelRegistryLineageLocked")
        .withArgs(squat.id);
      const claimed = f.registry.connect(meta).claimModel(squat.id, metaSet(), false, NO_LINEAGE, proof);
      await expect(claimed)
        .to.emit(f.registry, "ContributorsSet")
        .withArgs(squat.id, 1, rootOf(metaSet()), metaSet().map(tuple.contributor));
      await expect(claimed).not.to.emit(f.registry, "LineageCorrected");
      expect((await f.registry.model(squat.id)).upstreamPpm).to.equal(1_000_000n);
    });

    it("cannot run the window out behind a dispute of her own: it lasts through the dismissal's cool-down", async function () {
      const cooldown = 7n * 24n * 3600n;
      await f.registry.setTrustPeriods({ ...NO_TRUST_PERIODS, provisional: WINDOW, disputeCooldown: cooldown });
      const disputeId = await raiseDispute(f.registry, f.actors.disputer, squat.id); // a sock puppet's
      const proof = await proofFor(squat.id, meta);
      await expect(f.registry.connect(meta).claimModel(squat.id, metaSet(), true, NO_LINEAGE, proof))
        .to.be.revertedWithCustomError(f.registry, "ModelRegistryModelNotActive")
        .withArgs(squat.id, ModelStatus.DISPUTED);
      await networkHelpers.time.increaseTo(until + 1n);
      await expect(f.registry.endProvisional(squat.id))
        .to.be.revertedWithCustomError(f.registry, "ModelRegistryModelNotActive")
        .withArgs(squat.id, ModelStatus.DISPUTED);

      const dismissal = f.registry.resolveDispute(disputeId, false, ethers.ZeroAddress);
      const extendedTo = (await timestampOf(await dismissal)) + cooldown;
      await expect(dismissal).to.emit(f.registry, "ModelProvisional").withArgs(squat.id, extendedTo);
      expect((await f.registry.identity(squat.id)).provisionalUntil).to.equal(extendedTo);
      await expect(f.registry.endProvisional(squat.id))
        .to.be.revertedWithCustomError(f.registry, "ModelRegistryNotEndable")
        .withArgs(squat.id, extendedTo);
      const fresh = await proofFor(squat.id, meta);
      await f.registry.connect(meta).claimModel(squat.id, metaSet(), true, NO_LINEAGE, fresh);
      expect((await f.router.modelBalance(malloryBase.id, NATIVE_TOKEN)).received).to.equal(0n);
    });
  });

  describe("F1: a squatter who front-runs Meta's registration", function () {
    /** Meta's registration, and the attestation it carries. */
    const metaRegistration = () => registration({ key: KEY, steward: meta.address, contributors: metaSet() });

    it("cannot copy Meta's registerVerified call from her own account (ModelRegistryNotAttestedSteward)", async function () {
      const proof = await proofFor(ID, meta);
      await expect(f.registry.connect(mallory).registerVerified(metaRegistration(), [], proof))
        .to.be.revertedWithCustomError(f.registry, "ModelRegistryNotAttestedSteward")
        .withArgs(meta.address, mallory.address);
      // Naming herself as steward, the attestation no longer matches.
      const hers = registration({
        key: KEY,
        steward: mallory.address,
        contributors: contributors([mallory, 1_000_000]),
      });
      await expect(f.registry.connect(mallory).registerVerified(hers, [], proof))
        .to.be.revertedWithCustomError(f.registry, "ModelRegistryInvalidAttestation")
        .withArgs(0);
      await f.registry.connect(meta).registerVerified(metaRegistration(), [], proof);
      expect((await f.registry.model(ID)).steward).to.equal(meta.address);
    });

    it("registers first with plain register, and Meta takes the key with the same attestation", async function () {
      await openWindow();
      const proof = await proofFor(ID, meta);
      const hers = registration({
        key: KEY,
        steward: mallory.address,
        contributors: contributors([mallory, 1_000_000]),
      });
      await f.registry.connect(mallory).register(hers);
      await pay(f.router, f.actors.payer, ID, NATIVE_TOKEN, DIRECT);
      await expect(f.registry.connect(meta).registerVerified(metaRegistration(), [], proof))
        .to.be.revertedWithCustomError(f.registry, "ModelRegistryIdTaken")
        .withArgs(ID);

      const tx = f.registry.connect(meta).claimModel(ID, metaSet(), false, NO_LINEAGE, proof);
      await expect(tx)
        .to.emit(f.registry, "ContributorsSet")
        .withArgs(ID, 0, rootOf(metaSet()), metaSet().map(tuple.contributor));
      expect(await registryEvents(tx)).to.deep.equal(["StewardshipTransferred", "ContributorsSet", "ModelVerified"]);
      expect((await f.registry.model(ID)).steward).to.equal(meta.address);
      expect(await f.router.keptInEpoch(ID, NATIVE_TOKEN, 0)).to.equal(netOf(DIRECT));
      const [alice] = claimsOf(ID, 0, metaSet());
      expect(await f.router.claimable(NATIVE_TOKEN, alice!)).to.equal(sharesOf(netOf(DIRECT), [600_000])[0]);

      // Replay: the attestation is used up.
      await expect(f.registry.connect(meta).claimModel(ID, metaSet(), false, NO_LINEAGE, proof))
        .to.be.revertedWithCustomError(f.registry, "ModelRegistryInvalidAttestation")
        .withArgs(0);
    });
  });

  describe("F2: placeholders", function () {
    const PLACEHOLDER_KEY = "hf:upstream-lab/base-7b";
    const PLACEHOLDER_ID = modelIdOf(PLACEHOLDER_KEY);
    /** A derivative of the placeholder, 25% upstream to it. */
    const derivative = () =>
      registration({
        key: "hf:someone/base-7b-instruct",
        steward: f.actors.otherSteward.address,
        upstreamPpm: 250_000,
        parents: [{ parentId: PLACEHOLDER_ID, relation: Relation.FINETUNE, weightPpm: 1_000_000 }],
        expectedParentTerms: [{ derivativesAllowed: true, minDerivativePpm: 0 }],
        contributors: contributors([f.actors.carol, 1_000_000]),
      });

    it("can be registered on its own only by governance (AccessControlUnauthorizedAccount)", async function () {
      await expect(f.registry.connect(mallory).registerPlaceholder(KEY))
        .to.be.revertedWithCustomError(f.registry, "AccessControlUnauthorizedAccount")
        .withArgs(mallory.address, f.roles.ASSIGNER);
      await expect(f.registry.registerPlaceholder(KEY))
        .to.emit(f.registry, "PlaceholderRegistered")
        .withArgs(ID, KEY, f.actors.admin.address);
    });

    it("is created with a child's registration, in the same transaction", async function () {
      const tx = f.registry.connect(f.actors.otherSteward).registerWithPlaceholders(derivative(), [PLACEHOLDER_KEY]);
      await expect(tx)
        .to.emit(f.registry, "PlaceholderRegistered")
        .withArgs(PLACEHOLDER_ID, PLACEHOLDER_KEY, f.actors.otherSteward.address);
      expect(await registryEvents(tx)).to.deep.equal(["PlaceholderRegistered", "ModelRegistered", "ContributorsSet"]);
      const identity = await f.registry.identity(PLACEHOLDER_ID);
      expect(identity.provisionalUntil).to.equal(FOREVER);
      expect((await f.router.flow(PLACEHOLDER_ID)).provisional).to.equal(true);
      await expect(f.registry.endProvisional(PLACEHOLDER_ID))
        .to.be.revertedWithCustomError(f.registry, "ModelRegistryNotEndable")
        .withArgs(PLACEHOLDER_ID, FOREVER);
    });

    it("skips a key registered meanwhile, and refuses one that is not a parent (ModelRegistryPlaceholderNotParent)", async function () {
      await f.registry.registerPlaceholder(PLACEHOLDER_KEY);
      await expect(
        f.registry.connect(f.actors.otherSteward).registerWithPlaceholders(derivative(), [PLACEHOLDER_KEY]),
      ).not.to.emit(f.registry, "PlaceholderRegistered");

      const other = registration({ ...derivative(), key: "hf:someone/other-7b" });
      await expect(f.registry.connect(mallory).registerWithPlaceholders(other, [PLACEHOLDER_KEY, KEY]))
        .to.be.revertedWithCustomError(f.registry, "ModelRegistryPlaceholderNotParent")
        .withArgs(ID);
      expect((await f.registry.model(ID)).status).to.equal(ModelStatus.NONE);
    });

    it("is not left behind by a refused registration", async function () {
      const refused = { ...derivative(), contributors: contributors([f.actors.carol, 999_999]) };
      await expect(
        f.registry.connect(f.actors.otherSteward).registerWithPlaceholders(refused, [PLACEHOLDER_KEY]),
      ).to.be.revertedWithCustomError(f.registry, "ModelRegistryWeightsSum");
      expect((await f.registry.model(PLACEHOLDER_ID)).status).to.equal(ModelStatus.NONE);
      expect((await f.router.flow(PLACEHOLDER_ID)).status).to.equal(ModelStatus.NONE);
    });

    it("is claimed by its authors with an attestation: they declare its lineage once and receive the escrow", async function () {
      // A model the placeholder's authors built on, registered before the placeholder existed.
      const base = await registerModel(f.registry, f.actors.admin, {
        key: "hf:stemma/base",
        contributors: contributors([f.actors.beneficiary, 1_000_000]),
      });
      await f.registry.connect(f.actors.otherSteward).registerWithPlaceholders(derivative(), [PLACEHOLDER_KEY]);
      const derivativeId = modelIdOf(derivative().key);
      await pay(f.router, f.actors.payer, PLACEHOLDER_ID, NATIVE_TOKEN, DIRECT);
      await pay(f.router, f.actors.payer, derivativeId, NATIVE_TOKEN, TO_CHILD);
      await f.router.propagate(derivativeId, NATIVE_TOKEN, derivative().parents);
      const escrow = netOf(DIRECT) + upstreamOf(netOf(TO_CHILD), 250_000n);
      expect(await f.router.keptInEpoch(PLACEHOLDER_ID, NATIVE_TOKEN, 0)).to.equal(escrow);

      const authors = metaSet();
      const declared = { upstreamPpm: 100_000, ...(await lineage(f.registry, [[base.id, 1_000_000]])) };
      const tx = f.registry
        .connect(meta)
        .claimModel(PLACEHOLDER_ID, authors, true, declared, await proofFor(PLACEHOLDER_ID, meta));
      await expect(tx)
        .to.emit(f.registry, "StewardshipTransferred")
        .withArgs(PLACEHOLDER_ID, ethers.ZeroAddress, meta.address);
      await expect(tx)
        .to.emit(f.registry, "LineageCorrected")
        .withArgs(PLACEHOLDER_ID, 100_000, declared.parents.map(tuple.edge));
      await expect(tx)
        .to.emit(f.registry, "ContributorsSet")
        .withArgs(PLACEHOLDER_ID, 0, rootOf(authors), authors.map(tuple.contributor));
      expect((await f.registry.identity(PLACEHOLDER_ID)).provisionalUntil).to.equal(0n);

      // The escrow is split anew under the declared lineage: 10% up to the base, the rest for the authors.
      const upstream = upstreamOf(escrow, 100_000n);
      expect(await f.router.keptInEpoch(PLACEHOLDER_ID, NATIVE_TOKEN, 0)).to.equal(escrow - upstream);
      await expect(f.router.propagate(PLACEHOLDER_ID, NATIVE_TOKEN, declared.parents))
        .to.emit(f.router, "Propagated")
        .withArgs(PLACEHOLDER_ID, NATIVE_TOKEN, upstream, upstream);
      expect((await f.router.modelBalance(base.id, NATIVE_TOKEN)).received).to.equal(upstream);
      await f.registry.connect(meta).setContributors(PLACEHOLDER_ID, authors);
      const slices = slicesOf(escrow - upstream, [600_000, 400_000]);
      for (const [i, entry] of claimsOf(PLACEHOLDER_ID, 0, authors).entries()) {
        await expect(f.router.claim(NATIVE_TOKEN, [entry])).to.changeEtherBalance(ethers, entry.account, slices[i]!);
      }

      // Declared once: a second correction is refused.
      await expect(
        f.registry
          .connect(meta)
          .claimModel(PLACEHOLDER_ID, authors, true, NO_LINEAGE, await proofFor(PLACEHOLDER_ID, meta)),
      )
        .to.be.revertedWithCustomError(f.registry, "ModelRegistryLineageLocked")
        .withArgs(PLACEHOLDER_ID);
    });
  });
});
