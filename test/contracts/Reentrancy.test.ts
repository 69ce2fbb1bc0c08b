import { expect } from "chai";
import { network } from "hardhat";

import type { HookSteward, HookToken } from "../../types/ethers-contracts/index.js";
import { claimsOf } from "../helpers/claims.js";
import { type Stemma, deployStemma } from "../helpers/fixtures.js";
import { ExpectedLedger } from "../helpers/ledger.js";
import { type RegisteredModel, contributors, lineage, registerModel } from "../helpers/models.js";

const { ethers, networkHelpers } = await network.create();

// Audit finding F3: `pay` read the model's flow before pulling the token and used that stale copy after. A steward
// paying with an ERC-777-style token started a new epoch and propagated into the model from the token's hook, and
// `_arrive` then moved the balance's epoch backwards: a contributor's 500,000 entitlement fell to 0 and the router
// held 1,000,002 while 1 was owed.
describe("F3: reentrancy through a token's hooks", function () {
  let s: Stemma;
  let hook: HookToken;
  let token: string;
  let attacker: HookSteward;
  let model: RegisteredModel;
  let child: RegisteredModel;
  let ledger: ExpectedLedger;

  const firstSet = () => contributors([s.actors.alice, 500_000], [s.actors.bob, 500_000]);
  const secondSet = () => contributors([s.actors.carol, 1_000_000]);
  const routerBalance = () => hook.balanceOf(s.router);

  beforeEach(async function () {
    s = await networkHelpers.loadFixture(deployStemma);
    const { router, registry, actors } = s;
    // No fee, so that every amount below is what the old bug's proof used.
    await router.setFee(0);
    hook = await ethers.deployContract("HookToken");
    token = await hook.getAddress();
    await hook.mint(actors.payer.address, 10n ** 24n);
    await hook.connect(actors.payer).approve(router, ethers.MaxUint256);
    attacker = await ethers.deployContract("HookSteward", [registry, router]);

    model = await registerModel(registry, actors.stranger, {
      key: "hf:mallory/hooked",
      steward: await attacker.getAddress(),
      contributors: firstSet(),
    });
    child = await registerModel(registry, actors.steward, {
      key: "hf:org/hooked-child",
      upstreamPpm: 500_000,
      ...(await lineage(registry, [[model.id, 1_000_000]])),
    });
    ledger = new ExpectedLedger(0n);
    ledger.addModel(model.id);
    ledger.addModel(child.id, 500_000, child.registration.parents);
  });

  it("refuses the propagation inside pay (reentrancy guard) and counts the payment in the epoch the hook started", async function () {
    const { router, actors } = s;
    await router.connect(actors.payer).pay(model.id, token, 1_000_000n);
    ledger.pay(model.id, token, 1_000_000n);
    await router.connect(actors.payer).pay(child.id, token, 2n);
    ledger.pay(child.id, token, 2n);

    await attacker.prepare(model.id, secondSet(), child.id, child.registration.parents);
    await hook.mint(attacker, 2n);
    await attacker.payWithHook(hook, 2n);
    ledger.startEpoch(model.id);
    ledger.pay(model.id, token, 2n);

    expect(await attacker.attacked()).to.equal(true);

    // Every entitlement is exact: the closed epoch's 500,000 each, the new epoch's 2 for carol.
    const [alice, bob] = claimsOf(model.id, 0, firstSet());
    const [carol] = claimsOf(model.id, 1, secondSet());
    expect(await router.claimable(token, alice)).to.equal(500_000n);
    expect(await router.claimable(token, bob)).to.equal(500_000n);
    expect(await router.claimable(token, carol)).to.equal(2n);
    // The epoch bookkeeping: what the router holds is what it owes.
    expect((await router.flow(model.id)).epoch).to.equal(1n);
    expect(await router.keptInEpoch(model.id, token, 0)).to.equal(1_000_000n);
    expect(await router.keptInEpoch(model.id, token, 1)).to.equal(2n);
    expect(await router.pendingUpstream(child.id, token)).to.equal(1n);
    expect(await routerBalance()).to.equal(1_000_004n);
    expect(ledger.owed(token)).to.equal(1_000_004n);

    // The propagation the hook tried was refused by the reentrancy guard; it runs once pay is over.
    expect(await attacker.propagateError()).to.equal(
      router.interface.encodeErrorResult("ReentrancyGuardReentrantCall"),
    );

    // The child's upstream, pushed afterwards, arrives in the new epoch; then everything is paid out to the wei.
    await expect(router.propagate(child.id, token, child.registration.parents))
      .to.emit(router, "Propagated")
      .withArgs(child.id, token, 1n, 1n);
    ledger.propagate(child.id, token);
    const [childSteward] = claimsOf(child.id, 0, child.registration.contributors);
    for (const entry of [alice, bob, carol, childSteward]) {
      const owed = ledger.settle(entry.modelId, token, entry.epoch, entry.cumulativeBefore, entry.weightPpm);
      await expect(router.connect(actors.stranger).claim(token, [entry])).to.changeTokenBalances(
        ethers,
        hook,
        [entry.account],
        [owed],
      );
      expect(await routerBalance()).to.equal(ledger.owed(token));
    }
    expect(await hook.balanceOf(actors.alice.address)).to.equal(500_000n);
    expect(await hook.balanceOf(actors.carol.address)).to.equal(3n);
    expect(await routerBalance()).to.equal(0n);
  });
});
