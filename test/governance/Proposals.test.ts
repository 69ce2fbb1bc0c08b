import { expect } from "chai";
import type { ContractTransactionResponse } from "ethers";
import { network } from "hardhat";

import { ModelStatus, NATIVE_TOKEN, Relation, Role } from "../../src/core/constants.js";
import { REVISION, attest } from "../helpers/attest.js";
import { beneficiaryClaim, beneficiaryRootOf, claimsOf, rootOf } from "../helpers/claims.js";
import {
  ProposalState,
  Vote,
  action,
  closeVoting,
  deployDao,
  execute,
  openVoting,
  passProposal,
  propose,
  queue,
  readyToExecute,
  transfer,
  waitForTimelock,
  type Dao,
} from "../helpers/dao.js";
import { EVIDENCE } from "../helpers/disputes.js";
import {
  OPEN_TERMS,
  type RegisteredModel,
  contributors,
  edges,
  lineage,
  modelIdOf,
  registerModel,
  registration,
  tuple,
} from "../helpers/models.js";

const connection = await network.create();
const { ethers, networkHelpers } = connection;

type World = Dao & {
  /** alice 60% (fine-tuning), bob 40% (alignment). */
  base: RegisteredModel;
  /** 20% upstream to `base`; carol... the stranger-free set: bob 100%. */
  child: RegisteredModel;
  /** An unclaimed Mistral base model. */
  placeholderId: string;
  /** A merge that sends 30% upstream to the placeholder. */
  merge: RegisteredModel;
};

/** The DAO plus a small lineage with a placeholder parent. */
async function deployWorld(): Promise<World> {
  const dao = await deployDao(connection);
  const { registry, steward, alice, bob } = dao;
  const base = await registerModel(registry, steward, {
    key: "hf:stemma/base-7b",
    contributors: contributors([alice, 600_000, Role.FINETUNING], [bob, 400_000, Role.ALIGNMENT]),
  });
  const child = await registerModel(registry, steward, {
    key: "hf:stemma/base-7b-instruct",
    upstreamPpm: 200_000,
    ...(await lineage(registry, [[base.id, 1_000_000, Relation.FINETUNE]])),
    contributors: contributors([bob, 1_000_000, Role.FINETUNING]),
  });
  // The merge's registration creates its parent's placeholder (anyone may, but only with a child).
  const placeholderKey = "hf:mistralai/mistral-7b-v0.1";
  const placeholderId = modelIdOf(placeholderKey);
  const mergeRegistration = registration({
    key: "hf:stemma/mistral-merge",
    steward: steward.address,
    upstreamPpm: 300_000,
    parents: edges([placeholderId, 1_000_000, Relation.MERGE]),
    expectedParentTerms: [OPEN_TERMS],
    contributors: contributors([alice, 1_000_000, Role.FINETUNING]),
  });
  const tx = await registry.connect(steward).registerWithPlaceholders(mergeRegistration, [placeholderKey]);
  const merge = { id: modelIdOf(mergeRegistration.key), registration: mergeRegistration, tx };
  return { ...dao, base, child, placeholderId, merge };
}

const USD = 10n ** 6n;

/** The timestamp of the block a transaction was mined in. */
async function timestampOf(tx: ContractTransactionResponse | Promise<ContractTransactionResponse>): Promise<bigint> {
  const receipt = await (await tx).wait();
  return BigInt((await receipt!.getBlock()).timestamp);
}

describe("Governance by proposal", function () {
  let w: World;

  beforeEach(async function () {
    w = await networkHelpers.loadFixture(deployWorld);
  });

  const payUsd = (id: string, amount: bigint) => w.router.connect(w.payer).pay(id, w.usd, amount);

  describe("a proposal's life", function () {
    it("goes Pending, Active, Succeeded, Queued, Executed, and changes nothing before execution", async function () {
      const actions = [await action(w.router, "setFee", [25_000])];
      const description = "Raise the protocol fee to 2.5% to fund red-teaming";
      const proposalId = await propose(w, actions, description);
      expect(await w.governor.state(proposalId)).to.equal(ProposalState.Pending);

      await openVoting(w, proposalId);
      expect(await w.governor.state(proposalId)).to.equal(ProposalState.Active);
      await expect(w.governor.connect(w.deployer).castVote(proposalId, Vote.For))
        .to.emit(w.governor, "VoteCast")
        .withArgs(w.deployer.address, proposalId, Vote.For, 4n * 10n ** 23n, "");
      await w.governor.connect(w.holders[2]).castVote(proposalId, Vote.Against);
      const { forVotes, againstVotes, abstainVotes } = await w.governor.proposalVotes(proposalId);
      expect([forVotes, againstVotes, abstainVotes]).to.deep.equal([4n * 10n ** 23n, 10n ** 23n, 0n]);

      await closeVoting(w, proposalId);
      expect(await w.governor.state(proposalId)).to.equal(ProposalState.Succeeded);
      await queue(w, actions, description);
      expect(await w.governor.state(proposalId)).to.equal(ProposalState.Queued);
      expect(await w.router.feePpm()).to.equal(10_000n);

      await waitForTimelock(w);
      await expect(execute(w, actions, description))
        .to.emit(w.router, "FeeUpdated")
        .withArgs(25_000n);
      expect(await w.governor.state(proposalId)).to.equal(ProposalState.Executed);
      expect(await w.router.feePpm()).to.equal(25_000n);
    });

    it("cannot be executed before the timelock's delay has passed (TimelockUnexpectedOperationState)", async function () {
      const actions = [await action(w.router, "setFee", [0])];
      const description = "No fee";
      const proposalId = await propose(w, actions, description);
      await openVoting(w, proposalId);
      await w.governor.connect(w.deployer).castVote(proposalId, Vote.For);
      await closeVoting(w, proposalId);
      await queue(w, actions, description);
      await expect(execute(w, actions, description)).to.be.revertedWithCustomError(
        w.timelock,
        "TimelockUnexpectedOperationState",
      );
      await networkHelpers.time.increase((await w.timelock.getMinDelay()) - 5n);
      await expect(execute(w, actions, description)).to.be.revertedWithCustomError(
        w.timelock,
        "TimelockUnexpectedOperationState",
      );
      await networkHelpers.time.increase(5n);
      await execute(w, actions, description);
      expect(await w.router.feePpm()).to.equal(0n);
    });

    it("is defeated without quorum and cannot be queued (GovernorUnexpectedProposalState)", async function () {
      // The stranger gets 1% of the votes: under the 4% quorum on its own.
      await w.token.connect(w.deployer).transfer(w.stranger, 10n ** 22n);
      await w.token.connect(w.stranger).delegate(w.stranger);
      const actions = [await action(w.router, "setFee", [0])];
      const description = "No fee, voted by a minority";
      const proposalId = await propose(w, actions, description, w.stranger);
      await openVoting(w, proposalId);
      await w.governor.connect(w.stranger).castVote(proposalId, Vote.For);
      await closeVoting(w, proposalId);
      expect(await w.governor.state(proposalId)).to.equal(ProposalState.Defeated);
      await expect(queue(w, actions, description)).to.be.revertedWithCustomError(
        w.governor,
        "GovernorUnexpectedProposalState",
      );
    });

    it("is defeated when Against outweighs For, even past quorum", async function () {
      const actions = [await action(w.router, "setFee", [0])];
      const description = "No fee, opposed";
      const proposalId = await propose(w, actions, description);
      await openVoting(w, proposalId);
      await w.governor.connect(w.holders[0]).castVote(proposalId, Vote.For); // 30%
      await w.governor.connect(w.deployer).castVote(proposalId, Vote.Against); // 40%
      await closeVoting(w, proposalId);
      expect(await w.governor.state(proposalId)).to.equal(ProposalState.Defeated);
    });

    it("counts only delegated votes, at the proposal's snapshot", async function () {
      // Votes delegated after the snapshot do not count for that proposal.
      await w.token.connect(w.deployer).transfer(w.stranger, 10n ** 23n);
      const actions = [await action(w.router, "setFee", [0])];
      const description = "Snapshot check";
      const proposalId = await propose(w, actions, description);
      await openVoting(w, proposalId);
      await w.token.connect(w.stranger).delegate(w.stranger);
      await expect(w.governor.connect(w.stranger).castVote(proposalId, Vote.For))
        .to.emit(w.governor, "VoteCast")
        .withArgs(w.stranger.address, proposalId, Vote.For, 0n, "");
    });

    it("stays open for the late-quorum extension when quorum arrives in its last block", async function () {
      const actions = [await action(w.router, "setFee", [0])];
      const description = "Last-minute vote";
      const proposalId = await propose(w, actions, description);
      const deadline = await w.governor.proposalDeadline(proposalId);
      // Mine up to the block before the deadline: the vote then lands in the deadline block itself.
      await networkHelpers.mine(deadline - BigInt(await ethers.provider.getBlockNumber()) - 1n);
      const extended = deadline + 1n + (await w.governor.lateQuorumVoteExtension()) - 1n;
      await expect(w.governor.connect(w.holders[0]).castVote(proposalId, Vote.For))
        .to.emit(w.governor, "ProposalExtended")
        .withArgs(proposalId, deadline + (await w.governor.lateQuorumVoteExtension()));
      expect(await w.governor.proposalDeadline(proposalId)).to.equal(extended);
      await networkHelpers.mine(1);
      expect(await w.governor.state(proposalId)).to.equal(ProposalState.Active);
      // The opposition now has time to answer.
      await w.governor.connect(w.deployer).castVote(proposalId, Vote.Against);
      await closeVoting(w, proposalId);
      expect(await w.governor.state(proposalId)).to.equal(ProposalState.Defeated);
    });
  });

  describe("disputes", function () {
    it("sets the bond a dispute needs", async function () {
      const { executed } = await passProposal(
        w,
        [await action(w.registry, "setDisputeBond", [10n ** 18n])],
        "Bond 1 ETH",
      );
      await expect(executed)
        .to.emit(w.registry, "DisputeBondUpdated")
        .withArgs(10n ** 18n);
      await expect(w.registry.connect(w.disputer).raiseDispute(w.child.id, EVIDENCE, { value: 10n ** 17n }))
        .to.be.revertedWithCustomError(w.registry, "ModelRegistryWrongBond")
        .withArgs(10n ** 17n, 10n ** 18n);
    });

    it("dismisses a dispute: the model is active again, what it held is released to the same people", async function () {
      const bond = await w.registry.disputeBond();
      await payUsd(w.child.id, 1_000n * USD);
      await w.registry.connect(w.disputer).raiseDispute(w.child.id, EVIDENCE, { value: bond });
      const disputeId = await w.registry.activeDispute(w.child.id);
      await payUsd(w.child.id, 333n * USD + 7n); // still accepted while disputed
      const [bobEntry] = claimsOf(w.child.id, 0, w.child.registration.contributors);
      // The dispute holds the contested epoch only: its claims wait (and the view says 0), upstream still flows.
      expect(await w.router.claimable(w.usd, bobEntry!)).to.equal(0n);
      await expect(w.router.connect(w.bob).claim(w.usd, [bobEntry!]))
        .to.be.revertedWithCustomError(w.router, "RevenueRouterModelFrozen")
        .withArgs(w.child.id);
      const upstream = await w.router.pendingUpstream(w.child.id, w.usd);
      await expect(w.router.propagate(w.child.id, w.usd, w.child.registration.parents))
        .to.emit(w.router, "Propagated")
        .withArgs(w.child.id, await w.usd.getAddress(), upstream, upstream);

      const { executed } = await passProposal(
        w,
        [await action(w.registry, "resolveDispute", [disputeId, false, ethers.ZeroAddress])],
        "Dismiss dispute 1: the weights are an original fine-tune",
      );
      await expect(executed)
        .to.emit(w.registry, "DisputeResolved")
        .withArgs(disputeId, w.child.id, false, ethers.ZeroAddress);
      expect((await w.registry.model(w.child.id)).status).to.equal(ModelStatus.ACTIVE);
      const dismissedAt = await timestampOf(executed);
      const identity = await w.registry.identity(w.child.id);
      expect(identity.disputeCooldownUntil).to.equal(dismissedAt + BigInt(w.parameters.trustPeriods.disputeCooldown));
      expect(identity.dismissedDisputes).to.equal(1n);
      expect(await w.registry.disputeBondFor(w.child.id)).to.equal(2n * bond);

      // Bob is the only contributor: the whole kept revenue of epoch 0.
      const kept = await w.router.keptInEpoch(w.child.id, w.usd, 0);
      await expect(w.router.connect(w.bob).claim(w.usd, [bobEntry!])).to.changeTokenBalance(ethers, w.usd, w.bob, kept);
      // The DAO's rule for a dismissed dispute: the bond goes to the treasury, which is the timelock.
      await expect(w.registry.withdrawBond(disputeId)).to.changeEtherBalances(ethers, [w.timelock], [bond]);
    });

    it("upholds a dispute: the beneficiary receives the contested epoch and later kept revenue, the parent its upstream", async function () {
      const bond = await w.registry.disputeBond();
      await payUsd(w.child.id, 1_000n * USD + 1n);
      await w.registry.connect(w.disputer).raiseDispute(w.child.id, EVIDENCE, { value: bond });
      const disputeId = await w.registry.activeDispute(w.child.id);
      await payUsd(w.child.id, 250n * USD + 3n);
      const oldEntries = claimsOf(w.child.id, 0, w.child.registration.contributors);
      const contested = await w.router.keptInEpoch(w.child.id, w.usd, 0);

      const { executed } = await passProposal(
        w,
        [await action(w.registry, "resolveDispute", [disputeId, true, w.beneficiary.address])],
        "Uphold dispute 1: the model is a copy of another; route its revenue to the original authors",
      );
      await expect(executed)
        .to.emit(w.registry, "DisputeResolved")
        .withArgs(disputeId, w.child.id, true, w.beneficiary.address);
      expect((await w.registry.model(w.child.id)).status).to.equal(ModelStatus.REVOKED);

      // The contested epoch's entitlements are swept to the beneficiary; its contributors can no longer claim them.
      await expect(w.router.connect(w.bob).claim(w.usd, [oldEntries[0]!]))
        .to.be.revertedWithCustomError(w.router, "RevenueRouterModelRevoked")
        .withArgs(w.child.id);
      const before = await w.usd.balanceOf(w.beneficiary);
      for (const entry of oldEntries) await w.router.sweepContributor(w.usd, entry);
      expect((await w.usd.balanceOf(w.beneficiary)) - before).to.equal(contested);

      // Upstream is not what the dispute contested: it still flows to the parent.
      const upstream = await w.router.pendingUpstream(w.child.id, w.usd);
      expect(upstream).to.be.greaterThan(0n);
      await w.router.propagate(w.child.id, w.usd, w.child.registration.parents);
      expect((await w.router.modelBalance(w.base.id, w.usd)).received).to.equal(upstream);

      // Later revenue: what the model keeps goes to the beneficiary's own epoch, its upstream to the parent.
      await payUsd(w.child.id, 100n * USD);
      const net = (await w.router.previewPay(100n * USD)).net;
      const laterUpstream = await w.router.pendingUpstream(w.child.id, w.usd);
      expect(laterUpstream).to.equal((net * 200_000n) / 1_000_000n);
      await expect(
        w.router.claim(w.usd, [beneficiaryClaim(w.child.id, 1, w.beneficiary.address)]),
      ).to.changeTokenBalance(ethers, w.usd, w.beneficiary, net - laterUpstream);
      // An upheld dispute's bond goes back to the disputer.
      await expect(w.registry.withdrawBond(disputeId)).to.changeEtherBalances(ethers, [w.disputer], [bond]);
    });

    it("keeps derivatives of a revoked model working: what they owe it follows the same routing", async function () {
      const bond = await w.registry.disputeBond();
      await w.registry.connect(w.disputer).raiseDispute(w.base.id, EVIDENCE, { value: bond });
      const disputeId = await w.registry.activeDispute(w.base.id);
      await passProposal(
        w,
        [await action(w.registry, "resolveDispute", [disputeId, true, w.beneficiary.address])],
        "Uphold dispute on the base model",
      ).then(({ executed }) => executed);

      await payUsd(w.child.id, 1_000n * USD);
      const upstream = await w.router.pendingUpstream(w.child.id, w.usd);
      await w.router.propagate(w.child.id, w.usd, w.child.registration.parents);
      const [bobEntry] = claimsOf(w.child.id, 0, w.child.registration.contributors);
      await expect(w.router.connect(w.bob).claim(w.usd, [bobEntry!])).to.changeTokenBalance(
        ethers,
        w.usd,
        w.bob,
        (await w.router.modelBalance(w.child.id, w.usd)).received - upstream,
      );
      await expect(
        w.router.claim(w.usd, [beneficiaryClaim(w.base.id, 1, w.beneficiary.address)]),
      ).to.changeTokenBalance(ethers, w.usd, w.beneficiary, upstream);
    });

    it("lets a placeholder be disputed, and upholding it hands its escrow to the beneficiary", async function () {
      await payUsd(w.merge.id, 2_000n * USD + 9n);
      await w.router.propagate(w.merge.id, w.usd, w.merge.registration.parents);
      await payUsd(w.placeholderId, 500n * USD);
      const escrow = await w.router.keptInEpoch(w.placeholderId, w.usd, 0);
      expect(escrow).to.be.greaterThan(0n);

      await w.registry
        .connect(w.disputer)
        .raiseDispute(w.placeholderId, EVIDENCE, { value: await w.registry.disputeBond() });
      const disputeId = await w.registry.activeDispute(w.placeholderId);
      await passProposal(
        w,
        [await action(w.registry, "resolveDispute", [disputeId, true, w.beneficiary.address])],
        "The placeholder names a model that does not exist; send its escrow to the grants fund",
      ).then(({ executed }) => executed);
      await expect(
        w.router.claim(w.usd, [beneficiaryClaim(w.placeholderId, 0, w.beneficiary.address)]),
      ).to.changeTokenBalance(ethers, w.usd, w.beneficiary, escrow);
    });

    it("refuses a second dispute on a disputed model and any dispute on a revoked one", async function () {
      const bond = await w.registry.disputeBond();
      await w.registry.connect(w.disputer).raiseDispute(w.child.id, EVIDENCE, { value: bond });
      await expect(w.registry.connect(w.stranger).raiseDispute(w.child.id, EVIDENCE, { value: bond }))
        .to.be.revertedWithCustomError(w.registry, "ModelRegistryModelNotActive")
        .withArgs(w.child.id, ModelStatus.DISPUTED);
      const disputeId = await w.registry.activeDispute(w.child.id);
      await passProposal(
        w,
        [await action(w.registry, "resolveDispute", [disputeId, true, w.beneficiary.address])],
        "Uphold",
      ).then(({ executed }) => executed);
      await expect(w.registry.connect(w.stranger).raiseDispute(w.child.id, EVIDENCE, { value: bond }))
        .to.be.revertedWithCustomError(w.registry, "ModelRegistryModelNotActive")
        .withArgs(w.child.id, ModelStatus.REVOKED);
    });

    it("makes a proposal to resolve an already resolved dispute fail at execution, and stay queued", async function () {
      const bond = await w.registry.disputeBond();
      await w.registry.connect(w.disputer).raiseDispute(w.child.id, EVIDENCE, { value: bond });
      const disputeId = await w.registry.activeDispute(w.child.id);
      const dismiss = [await action(w.registry, "resolveDispute", [disputeId, false, ethers.ZeroAddress])];
      const uphold = [await action(w.registry, "resolveDispute", [disputeId, true, w.beneficiary.address])];
      await readyToExecute(w, dismiss, "Dismiss");
      const upholdId = await readyToExecute(w, uphold, "Uphold");
      await execute(w, dismiss, "Dismiss");
      await expect(execute(w, uphold, "Uphold"))
        .to.be.revertedWithCustomError(w.registry, "ModelRegistryDisputeState")
        .withArgs(disputeId, 1n);
      expect(await w.governor.state(upholdId)).to.equal(ProposalState.Queued);
      expect((await w.registry.model(w.child.id)).status).to.equal(ModelStatus.ACTIVE);
    });
  });

  describe("guardians", function () {
    it("are appointed by the DAO, dismiss a dispute at once, and can never uphold one", async function () {
      const GUARDIAN = await w.registry.GUARDIAN_ROLE();
      const council = w.holders[2]!;
      const { executed } = await passProposal(
        w,
        [await action(w.registry, "grantRole", [GUARDIAN, council.address])],
        "Appoint the security council as guardian",
      );
      await expect(executed)
        .to.emit(w.registry, "RoleGranted")
        .withArgs(GUARDIAN, council.address, await w.timelock.getAddress());

      const bond = await w.registry.disputeBond();
      await w.registry.connect(w.disputer).raiseDispute(w.child.id, EVIDENCE, { value: bond });
      const disputeId = await w.registry.activeDispute(w.child.id);
      await expect(w.registry.connect(council).resolveDispute(disputeId, true, council.address))
        .to.be.revertedWithCustomError(w.registry, "AccessControlUnauthorizedAccount")
        .withArgs(council.address, await w.registry.DISPUTE_MANAGER_ROLE());
      await expect(w.registry.connect(w.stranger).dismissDispute(disputeId))
        .to.be.revertedWithCustomError(w.registry, "AccessControlUnauthorizedAccount")
        .withArgs(w.stranger.address, GUARDIAN);

      const dismissed = w.registry.connect(council).dismissDispute(disputeId);
      await expect(dismissed)
        .to.emit(w.registry, "DisputeResolved")
        .withArgs(disputeId, w.child.id, false, ethers.ZeroAddress);
      expect((await w.registry.model(w.child.id)).status).to.equal(ModelStatus.ACTIVE);
      // A cool-down follows, then a dispute needs twice the bond; the dismissed bond went to the treasury.
      const until = (await timestampOf(dismissed)) + BigInt(w.parameters.trustPeriods.disputeCooldown);
      await expect(w.registry.connect(w.disputer).raiseDispute(w.child.id, EVIDENCE, { value: 2n * bond }))
        .to.be.revertedWithCustomError(w.registry, "ModelRegistryDisputeCooldown")
        .withArgs(w.child.id, until);
      await networkHelpers.time.increaseTo(until);
      await expect(w.registry.connect(w.disputer).raiseDispute(w.child.id, EVIDENCE, { value: bond }))
        .to.be.revertedWithCustomError(w.registry, "ModelRegistryWrongBond")
        .withArgs(bond, 2n * bond);
      await w.registry.connect(w.disputer).raiseDispute(w.child.id, EVIDENCE, { value: 2n * bond });
      await expect(w.registry.withdrawBond(disputeId)).to.changeEtherBalances(ethers, [w.timelock], [bond]);
    });
  });

  describe("identity", function () {
    it("appoints an attester and raises the threshold: a verification then needs both signatures", async function () {
      const second = (await ethers.getSigners())[12]!;
      const { executed } = await passProposal(
        w,
        [
          await action(w.registry, "setAttester", [second.address, true]),
          await action(w.registry, "setAttesterThreshold", [2]),
        ],
        "Appoint a second attester; verifications need both",
      );
      await expect(executed).to.emit(w.registry, "AttesterUpdated").withArgs(second.address, true);
      await expect(executed).to.emit(w.registry, "AttesterThresholdUpdated").withArgs(2);
      expect(await w.registry.isAttester(second.address)).to.equal(true);
      expect(await w.registry.attesterThreshold()).to.equal(2n);

      await expect(w.registry.verify(w.base.id, await attest(w.registry, [w.attester], w.base.id, w.steward)))
        .to.be.revertedWithCustomError(w.registry, "ModelRegistryNotEnoughAttestations")
        .withArgs(1, 2);
      await expect(w.registry.verify(w.base.id, await attest(w.registry, [w.attester, second], w.base.id, w.steward)))
        .to.emit(w.registry, "ModelVerified")
        .withArgs(w.base.id, w.steward.address, REVISION, 0);
    });

    it("sets the time windows: registrations are provisional from then on", async function () {
      const periods = { provisional: 7 * 86_400, disputeCooldown: 3 * 86_400, epochRenewal: 90 * 86_400 };
      const { executed } = await passProposal(
        w,
        [await action(w.registry, "setTrustPeriods", [periods])],
        "A week for rightful owners to claim a key",
      );
      await expect(executed)
        .to.emit(w.registry, "TrustPeriodsUpdated")
        .withArgs([periods.provisional, periods.disputeCooldown, periods.epochRenewal]);
      const { id, tx } = await registerModel(w.registry, w.stranger, { key: "hf:meta-llama/llama-3.1-8b" });
      await expect(tx)
        .to.emit(w.registry, "ModelProvisional")
        .withArgs(id, (await timestampOf(tx)) + BigInt(periods.provisional));
      expect((await w.router.flow(id)).provisional).to.equal(true);
    });
  });

  describe("remedies short of and after revocation", function () {
    it("reassigns a disputed model: the dispute is upheld (bond to the disputer) and a new steward and set take over", async function () {
      const bond = await w.registry.disputeBond();
      await payUsd(w.child.id, 1_000n * USD);
      await w.registry.connect(w.disputer).raiseDispute(w.child.id, EVIDENCE, { value: bond });
      const disputeId = await w.registry.activeDispute(w.child.id);
      const set = contributors([w.alice, 1_000_000, Role.FINETUNING]);
      const { executed } = await passProposal(
        w,
        [await action(w.registry, "reassign", [w.child.id, w.alice.address, set])],
        "Reassign base-7b-instruct to its real fine-tuner",
      );
      await expect(executed)
        .to.emit(w.registry, "DisputeResolved")
        .withArgs(disputeId, w.child.id, true, ethers.ZeroAddress);
      await expect(executed)
        .to.emit(w.registry, "StewardshipTransferred")
        .withArgs(w.child.id, w.steward.address, w.alice.address);
      await expect(executed).to.emit(w.registry, "ModelReassigned").withArgs(w.child.id, w.alice.address);
      await expect(executed)
        .to.emit(w.registry, "ContributorsSet")
        .withArgs(w.child.id, 1, rootOf(set), set.map(tuple.contributor));
      await expect(executed)
        .to.emit(w.router, "StatusUpdated")
        .withArgs(w.child.id, ModelStatus.ACTIVE, ethers.ZeroAddress);
      const stored = await w.registry.model(w.child.id);
      expect([stored.steward, stored.status]).to.deep.equal([w.alice.address, BigInt(ModelStatus.ACTIVE)]);
      expect(await w.registry.activeDispute(w.child.id)).to.equal(0n);
      await expect(w.registry.withdrawBond(disputeId)).to.changeEtherBalances(ethers, [w.disputer], [bond]);

      // Revenue from now on is the new set's; the new steward manages the model.
      await payUsd(w.child.id, 500n * USD);
      const [aliceEntry] = claimsOf(w.child.id, 1, set);
      const kept = await w.router.keptInEpoch(w.child.id, w.usd, 1);
      await expect(w.router.claim(w.usd, [aliceEntry!])).to.changeTokenBalance(ethers, w.usd, w.alice, kept);
      await expect(w.registry.connect(w.alice).setMetadata(w.child.id, ethers.ZeroHash, "", "")).to.emit(
        w.registry,
        "MetadataUpdated",
      );
    });

    it("replaces a revoked model's beneficiary: the new one sweeps what the old one left and gets what comes later", async function () {
      const bond = await w.registry.disputeBond();
      await w.registry.connect(w.disputer).raiseDispute(w.child.id, EVIDENCE, { value: bond });
      const disputeId = await w.registry.activeDispute(w.child.id);
      await passProposal(
        w,
        [await action(w.registry, "resolveDispute", [disputeId, true, w.beneficiary.address])],
        "Uphold: revenue to the grants fund",
      ).then(({ executed }) => executed);
      await payUsd(w.child.id, 400n * USD + 1n);
      const leftBehind = await w.router.keptInEpoch(w.child.id, w.usd, 1);

      const fund = w.holders[1]!.address;
      const { executed } = await passProposal(
        w,
        [await action(w.registry, "replaceBeneficiary", [w.child.id, fund])],
        "The grants fund moved: replace the beneficiary",
      );
      await expect(executed)
        .to.emit(w.registry, "BeneficiaryReplaced")
        .withArgs(w.child.id, w.beneficiary.address, fund);
      await expect(executed).to.emit(w.router, "StatusUpdated").withArgs(w.child.id, ModelStatus.REVOKED, fund);
      await expect(executed)
        .to.emit(w.registry, "ContributorsSet")
        .withArgs(w.child.id, 2, beneficiaryRootOf(fund), [[fund, Role.OTHER, 1_000_000]]);
      expect(await w.router.beneficiary(w.child.id)).to.equal(fund);

      // The old beneficiary's epoch is swept to the new one, who claims its own epoch from now on.
      const oldEpoch = beneficiaryClaim(w.child.id, 1, w.beneficiary.address);
      await expect(w.router.connect(w.beneficiary).claim(w.usd, [oldEpoch]))
        .to.be.revertedWithCustomError(w.router, "RevenueRouterModelRevoked")
        .withArgs(w.child.id);
      await expect(w.router.sweepContributor(w.usd, oldEpoch)).to.changeTokenBalance(ethers, w.usd, fund, leftBehind);
      await payUsd(w.child.id, 100n * USD);
      await expect(w.router.claim(w.usd, [beneficiaryClaim(w.child.id, 2, fund)])).to.changeTokenBalance(
        ethers,
        w.usd,
        fund,
        await w.router.keptInEpoch(w.child.id, w.usd, 2),
      );
    });
  });

  describe("placeholders", function () {
    it("assigns a steward and contributors, who then claim exactly the escrow that accrued", async function () {
      await payUsd(w.merge.id, 3_000n * USD + 1n);
      await w.router.propagate(w.merge.id, w.usd, w.merge.registration.parents);
      await payUsd(w.placeholderId, 700n * USD + 5n);
      const escrow = await w.router.keptInEpoch(w.placeholderId, w.usd, 0);
      const set = contributors([w.alice, 700_000, Role.PRETRAINING_COMPUTE], [w.bob, 300_000, Role.DATA_CURATION]);

      const { executed } = await passProposal(
        w,
        [await action(w.registry, "assignPlaceholder", [w.placeholderId, w.steward.address, set])],
        "Hand Mistral-7B-v0.1 to its authors",
      );
      await expect(executed)
        .to.emit(w.registry, "StewardshipTransferred")
        .withArgs(w.placeholderId, ethers.ZeroAddress, w.steward.address);
      expect((await w.registry.model(w.placeholderId)).steward).to.equal(w.steward.address);

      const entries = claimsOf(w.placeholderId, 0, set);
      const before = [await w.usd.balanceOf(w.alice), await w.usd.balanceOf(w.bob)];
      await w.router.claim(w.usd, [entries[0]!]);
      await w.router.claim(w.usd, [entries[1]!]);
      // While the epoch is open each entry is paid the floor of its share (docs/ACCOUNTING.md); the steward's next
      // contributor set closes it, and the last entry's rounding wei follows.
      await w.registry.connect(w.steward).setContributors(w.placeholderId, contributors([w.alice, 1_000_000]));
      await w.router.claim(w.usd, [entries[1]!]);
      const received = [(await w.usd.balanceOf(w.alice)) - before[0]!, (await w.usd.balanceOf(w.bob)) - before[1]!];
      expect(received[0]! + received[1]!).to.equal(escrow);
      expect(received[0]).to.equal((escrow * 700_000n) / 1_000_000n);
    });

    it("can delegate assignment to a committee by granting it the role, and take it back", async function () {
      const ASSIGNER = await w.registry.PLACEHOLDER_ASSIGNER_ROLE();
      const committee = w.holders[2]!;
      await passProposal(w, [await action(w.registry, "grantRole", [ASSIGNER, committee.address])], "Committee").then(
        ({ executed }) => executed,
      );
      const set = contributors([w.alice, 1_000_000]);
      await w.registry.connect(committee).assignPlaceholder(w.placeholderId, w.steward.address, set);
      await passProposal(
        w,
        [await action(w.registry, "revokeRole", [ASSIGNER, committee.address])],
        "No committee",
      ).then(({ executed }) => executed);
      expect(await w.registry.hasRole(ASSIGNER, committee)).to.equal(false);
    });
  });

  describe("fees and the treasury", function () {
    it("sets the fee, and a fee over the contract's cap fails at execution (RevenueRouterFeeTooHigh)", async function () {
      const { executed } = await passProposal(w, [await action(w.router, "setFee", [50_000])], "Fee 5%");
      await expect(executed).to.emit(w.router, "FeeUpdated").withArgs(50_000n);
      const tooHigh = [await action(w.router, "setFee", [100_001])];
      const proposalId = await readyToExecute(w, tooHigh, "Fee 10.0001%");
      await expect(execute(w, tooHigh, "Fee 10.0001%"))
        .to.be.revertedWithCustomError(w.router, "RevenueRouterFeeTooHigh")
        .withArgs(100_001n, 100_000n);
      expect(await w.governor.state(proposalId)).to.equal(ProposalState.Queued);
      expect(await w.router.feePpm()).to.equal(50_000n);
    });

    it("pays a red-teaming bounty from accrued fees, in a token and in ETH", async function () {
      await payUsd(w.child.id, 10_000n * USD);
      await w.router.connect(w.payer).pay(w.child.id, NATIVE_TOKEN, 10n ** 18n, { value: 10n ** 18n });
      const usdFees = await w.router.fees(w.usd);
      const ethFees = await w.router.fees(NATIVE_TOKEN);
      const redTeamer = w.holders[1]!.address;
      const { executed } = await passProposal(
        w,
        [
          await action(w.router, "withdrawFees", [await w.usd.getAddress(), redTeamer, 60n * USD]),
          await action(w.router, "withdrawFees", [NATIVE_TOKEN, redTeamer, ethFees]),
        ],
        "Bounty: red-teaming report on base-7b-instruct",
      );
      await expect(executed).to.changeTokenBalance(ethers, w.usd, redTeamer, 60n * USD);
      expect(await w.router.fees(w.usd)).to.equal(usdFees - 60n * USD);
      expect(await w.router.fees(NATIVE_TOKEN)).to.equal(0n);
    });

    it("refuses a grant larger than the accrued fees at execution (RevenueRouterInsufficientFees)", async function () {
      await payUsd(w.child.id, 100n * USD);
      const fees = await w.router.fees(w.usd);
      const grant = [await action(w.router, "withdrawFees", [await w.usd.getAddress(), w.alice.address, fees + 1n])];
      await readyToExecute(w, grant, "Too large");
      await expect(execute(w, grant, "Too large"))
        .to.be.revertedWithCustomError(w.router, "RevenueRouterInsufficientFees")
        .withArgs(await w.usd.getAddress(), fees + 1n, fees);
    });

    it("pays a grant from the timelock's own ETH (dismissed dispute bonds)", async function () {
      const bond = await w.registry.disputeBond();
      await w.registry.connect(w.disputer).raiseDispute(w.child.id, EVIDENCE, { value: bond });
      const disputeId = await w.registry.activeDispute(w.child.id);
      await passProposal(
        w,
        [await action(w.registry, "resolveDispute", [disputeId, false, ethers.ZeroAddress])],
        "Dismiss",
      ).then(({ executed }) => executed);
      await w.registry.withdrawBond(disputeId);
      const { executed } = await passProposal(w, [transfer(w.alice.address, bond)], "Grant: evaluation harness");
      await expect(executed).to.changeEtherBalances(ethers, [w.timelock, w.alice], [-bond, bond]);
    });

    it("moves the treasury and blocks a token", async function () {
      const multisig = w.holders[2]!.address;
      const { executed } = await passProposal(
        w,
        [
          await action(w.router, "setTreasury", [multisig]),
          await action(w.router, "setTokenBlocked", [await w.usd.getAddress(), true]),
        ],
        "Treasury to the grants multisig; block TUSD",
      );
      await expect(executed).to.emit(w.router, "TreasuryUpdated").withArgs(multisig);
      expect(await w.router.treasury()).to.equal(multisig);
      await expect(payUsd(w.child.id, USD))
        .to.be.revertedWithCustomError(w.router, "RevenueRouterTokenBlocked")
        .withArgs(await w.usd.getAddress());
    });
  });

  describe("the DAO's own settings", function () {
    it("changes voting period, quorum, late-quorum extension and the timelock delay by proposal", async function () {
      const { executed } = await passProposal(
        w,
        [
          await action(w.governor, "setVotingPeriod", [20]),
          await action(w.governor, "updateQuorumNumerator", [10]),
          await action(w.governor, "setLateQuorumVoteExtension", [8]),
          await action(w.timelock, "updateDelay", [120]),
        ],
        "Slower, stricter governance",
      );
      await expect(executed).to.emit(w.timelock, "MinDelayChange").withArgs(60n, 120n);
      expect(await w.governor.votingPeriod()).to.equal(20n);
      expect(await w.governor["quorumNumerator()"]()).to.equal(10n);
      expect(await w.governor.lateQuorumVoteExtension()).to.equal(8n);
      expect(await w.timelock.getMinDelay()).to.equal(120n);
    });
  });
});
