import { expect } from "chai";
import { network } from "hardhat";

import { ModelStatus, NATIVE_TOKEN, Relation, Role } from "../../src/core/constants.js";
import { validateKey } from "../../src/core/validateKey.js";
import { claimsFor, claimsOf, rootOf } from "../helpers/claims.js";
import { raiseDispute, revoke } from "../helpers/disputes.js";
import { DISPUTE_BOND, type Family, NO_TRUST_PERIODS, deployFamily, pay } from "../helpers/fixtures.js";
import {
  OPEN_TERMS,
  type Registration,
  type TermsInput,
  contributors,
  edges,
  lineage,
  modelIdOf,
  parentsHashOf,
  registerModel,
  registration,
  tuple,
} from "../helpers/models.js";
import { PPM, keptOf, shareOf, sliceOf } from "../helpers/math.js";

const { ethers, networkHelpers } = await network.create();

describe("ModelRegistry", function () {
  let f: Family;

  beforeEach(async function () {
    f = await networkHelpers.loadFixture(deployFamily);
  });

  /** Registers `fields` as the steward. */
  const register = (fields: Partial<Registration> & Pick<Registration, "key">) =>
    f.registry.connect(f.actors.steward).register(registration({ steward: f.actors.steward.address, ...fields }));

  describe("constructor", function () {
    /** The constructor's arguments with the fixture's values, and `changes` on top. */
    const args = (changes: Partial<Record<"admin" | "router" | "bond" | "attesters" | "threshold", unknown>> = {}) => {
      const values = {
        admin: f.actors.admin.address,
        router: f.router,
        bond: DISPUTE_BOND,
        attesters: [f.actors.attester.address],
        threshold: 1,
        ...changes,
      };
      return [values.admin, values.router, values.bond, values.attesters, values.threshold, NO_TRUST_PERIODS];
    };

    it("grants every role but the guardian's to the admin and stores the router and the bond", async function () {
      const { registry, router, actors, roles } = f;
      for (const role of [roles.DEFAULT_ADMIN, roles.DISPUTE_MANAGER, roles.ASSIGNER, roles.IDENTITY_MANAGER]) {
        expect(await registry.hasRole(role, actors.admin.address)).to.equal(true);
      }
      expect(await registry.hasRole(roles.GUARDIAN, actors.admin.address)).to.equal(false);
      expect(await registry.router()).to.equal(await router.getAddress());
      expect(await registry.disputeBond()).to.equal(DISPUTE_BOND);
    });

    it("stores the attesters, the threshold and the time windows, and emits their events", async function () {
      const periods = { provisional: 100, disputeCooldown: 200, epochRenewal: 300 };
      const second = f.actors.carol;
      const registry = await ethers.deployContract("ModelRegistry", [
        f.actors.admin.address,
        f.router,
        7n,
        [f.actors.attester.address, second.address],
        2,
        periods,
      ]);
      const deployment = registry.deploymentTransaction();
      await expect(deployment).to.emit(registry, "DisputeBondUpdated").withArgs(7n);
      await expect(deployment).to.emit(registry, "AttesterUpdated").withArgs(f.actors.attester.address, true);
      await expect(deployment).to.emit(registry, "AttesterUpdated").withArgs(second.address, true);
      await expect(deployment).to.emit(registry, "AttesterThresholdUpdated").withArgs(2);
      await expect(deployment).to.emit(registry, "TrustPeriodsUpdated").withArgs([100, 200, 300]);
      expect(await registry.isAttester(second.address)).to.equal(true);
      expect(await registry.isAttester(f.actors.stranger.address)).to.equal(false);
      expect(await registry.attesterThreshold()).to.equal(2n);
      expect([...(await registry.trustPeriods())]).to.deep.equal([100n, 200n, 300n]);
    });

    it("accepts no attesters with threshold 0 (verification off until governance appoints some)", async function () {
      const registry = await ethers.deployContract("ModelRegistry", args({ attesters: [], threshold: 0 }));
      expect(await registry.attesterThreshold()).to.equal(0n);
    });

    it("reverts with ModelRegistryInvalidThreshold for a threshold above the attesters, or 0 with attesters", async function () {
      for (const [attesters, threshold] of [
        [[f.actors.attester.address], 2],
        [[f.actors.attester.address], 0],
        [[], 1],
      ] as const) {
        await expect(ethers.deployContract("ModelRegistry", args({ attesters, threshold })))
          .to.be.revertedWithCustomError(f.registry, "ModelRegistryInvalidThreshold")
          .withArgs(threshold, attesters.length);
      }
    });

    it("reverts with ModelRegistryZeroAddress when the admin, the router or an attester is zero", async function () {
      for (const changes of [
        { admin: ethers.ZeroAddress },
        { router: ethers.ZeroAddress },
        { attesters: [ethers.ZeroAddress] },
      ]) {
        await expect(ethers.deployContract("ModelRegistry", args(changes))).to.be.revertedWithCustomError(
          f.registry,
          "ModelRegistryZeroAddress",
        );
      }
    });

    it("reverts with ModelRegistryBondTooLarge when the bond does not fit in 96 bits", async function () {
      await expect(ethers.deployContract("ModelRegistry", args({ bond: 2n ** 96n })))
        .to.be.revertedWithCustomError(f.registry, "ModelRegistryBondTooLarge")
        .withArgs(2n ** 96n);
    });
  });

  describe("register", function () {
    it("stores a root model and emits ModelRegistered, ContributorsSet and the router's FlowConfigured", async function () {
      const { registry, router, actors } = f;
      const fields = registration({
        key: "hf:meta-llama/llama-3.1-8b",
        steward: actors.steward.address,
        contributors: contributors([actors.alice, 700_000], [actors.bob, 300_000, Role.DATA_CURATION]),
        terms: { derivativesAllowed: true, minDerivativePpm: 20_000 },
        license: "LicenseRef-Llama-3.1",
      });
      const id = modelIdOf(fields.key);
      const root = rootOf(fields.contributors);
      expect(await registry.connect(actors.stranger).register.staticCall(fields)).to.equal(id);

      const tx = registry.connect(actors.stranger).register(fields);
      await expect(tx)
        .to.emit(registry, "ModelRegistered")
        .withArgs(
          id,
          fields.key,
          actors.steward.address,
          0,
          [],
          [true, 20_000],
          fields.weightsDigest,
          fields.metadataURI,
          "LicenseRef-Llama-3.1",
        );
      await expect(tx)
        .to.emit(registry, "ContributorsSet")
        .withArgs(id, 0, root, fields.contributors.map(tuple.contributor));
      await expect(tx).to.emit(router, "FlowConfigured").withArgs(id, 0, parentsHashOf([]), root);

      const stored = await registry.model(id);
      expect(stored.steward).to.equal(actors.steward.address);
      expect(stored.status).to.equal(ModelStatus.ACTIVE);
      expect(stored.upstreamPpm).to.equal(0);
      expect([...stored.terms]).to.deep.equal([true, 20_000n]);
      expect(stored.weightsDigest).to.equal(fields.weightsDigest);
      expect(await router.epochRoot(id, 0)).to.equal(root);
    });

    it("stores a derivative's upstream share and parents hash in the router", async function () {
      const { registry, router, child } = f;
      const { parents, upstreamPpm } = child.registration;
      await expect(child.tx)
        .to.emit(registry, "ModelRegistered")
        .withArgs(
          child.id,
          child.registration.key,
          f.actors.steward.address,
          upstreamPpm,
          parents.map(tuple.edge),
          tuple.terms(OPEN_TERMS),
          child.registration.weightsDigest,
          child.registration.metadataURI,
          child.registration.license,
        );
      await expect(child.tx)
        .to.emit(router, "FlowConfigured")
        .withArgs(child.id, upstreamPpm, parentsHashOf(parents), rootOf(child.registration.contributors));
      expect((await registry.model(child.id)).upstreamPpm).to.equal(300_000);
      expect(await router.parentsHash(child.id)).to.equal(parentsHashOf(parents));
    });

    it("accepts a parent that is disputed (only revoked parents are refused)", async function () {
      await raiseDispute(f.registry, f.actors.disputer, f.a.id);
      await expect(
        register({
          key: "hf:org/child-of-disputed",
          upstreamPpm: 1,
          ...(await lineage(f.registry, [[f.a.id, 1_000_000]])),
        }),
      ).to.emit(f.registry, "ModelRegistered");
    });

    describe("key validation", function () {
      const printable = Array.from({ length: 0x7e - 0x20 + 1 }, (_, i) => String.fromCharCode(0x20 + i)).join("");

      for (const [name, key] of [
        ["is empty", ""],
        ["is 129 bytes long", `hf:${"a".repeat(126)}`],
        ["holds a control character (0x1f)", "hf:org/name\x1f"],
        ["holds a newline", "hf:org/\nname"],
        ["holds DEL (0x7f)", "hf:org/name\x7f"],
        ["holds a non-ASCII byte", "hf:org/café"],
      ] as const) {
        it(`reverts with ModelRegistryInvalidKey when the key ${name}`, async function () {
          await expect(register({ key }))
            .to.be.revertedWithCustomError(f.registry, "ModelRegistryInvalidKey")
            .withArgs(key);
        });
      }

      it("accepts a key of exactly 128 bytes", async function () {
        const key = `hf:${"a".repeat(125)}`;
        await register({ key });
        expect((await f.registry.model(modelIdOf(key))).status).to.equal(ModelStatus.ACTIVE);
      });

      it("accepts every printable ASCII byte, from space (0x20) to tilde (0x7e), inside a key outside hf:", async function () {
        await expect(register({ key: `gh:${printable}` })).to.emit(f.registry, "ModelRegistered");
      });

      it("treats keys outside hf: as case-sensitive", async function () {
        await register({ key: "gh:Org/Name" });
        await expect(register({ key: "gh:org/name" })).to.emit(f.registry, "ModelRegistered");
      });
    });

    /**
     * Registrations `register` refuses: `[error, when, fields, args]` runs the test "reverts with `error` `when`",
     * registering `fields()` ("hf:org/x" unless they name a key) and expecting `error`, with `args()` when given.
     * `fields` may first change the chain, as the case needs.
     */
    type Refusal = [
      error: string,
      when: string,
      fields: () => Promise<Partial<Registration>> | Partial<Registration>,
      args?: () => unknown[],
    ];

    function itRefuses(refusals: Refusal[]) {
      for (const [error, when, fields, args] of refusals) {
        it(`reverts with ${error} ${when}`, async function () {
          const refused = expect(register({ key: "hf:org/x", ...(await fields()) })).to.be.revertedWithCustomError(
            f.registry,
            error,
          );
          await (args ? refused.withArgs(...args()) : refused);
        });
      }
    }

    /** A derivative sending `upstreamPpm` to the parents of `entries`, with the terms they ask now. */
    const derivative = async (
      upstreamPpm: number,
      ...entries: [parentId: string, weightPpm: number, relation?: number][]
    ) => ({ upstreamPpm, ...(await lineage(f.registry, entries)) });

    itRefuses([
      ["ModelRegistryIdTaken", "when a model has the key", () => ({ key: f.a.registration.key }), () => [f.a.id]],
      [
        "ModelRegistryIdTaken",
        "when a placeholder has the key",
        async () => {
          await f.registry.connect(f.actors.admin).registerPlaceholder("hf:someone/else");
          return { key: "hf:someone/else" };
        },
        () => [modelIdOf("hf:someone/else")],
      ],
      [
        "ModelRegistryZeroAddress",
        "when the steward is zero",
        () => ({ steward: ethers.ZeroAddress, contributors: contributors([f.actors.alice, 1_000_000]) }),
      ],
    ]);

    describe("lineage", function () {
      itRefuses([
        [
          "ModelRegistryTooManyParents",
          "when 17 parents are named",
          () => {
            // The count is checked first: the parents need not exist.
            const seventeen = edges(
              ...Array.from({ length: 17 }, (_, i) => [modelIdOf(`hf:p/${i}`), 1] as [string, number]),
            );
            return {
              key: "hf:org/many",
              upstreamPpm: 100_000,
              parents: seventeen,
              expectedParentTerms: seventeen.map(() => OPEN_TERMS),
            };
          },
          () => [17, 16],
        ],
      ]);

      it("accepts exactly 16 parents", async function () {
        const parents: [string, number][] = [];
        for (let i = 0; i < 16; i++) {
          const key = `hf:p/${i}`;
          await registerModel(f.registry, f.actors.steward, { key });
          parents.push([modelIdOf(key), 62_500]);
        }
        const id = modelIdOf("hf:org/sixteen");
        await expect(register({ key: "hf:org/sixteen", upstreamPpm: 160_000, ...(await lineage(f.registry, parents)) }))
          .to.emit(f.router, "FlowConfigured")
          .withArgs(id, 160_000, parentsHashOf(edges(...parents)), rootOf(contributors([f.actors.steward, 1_000_000])));
      });

      itRefuses([
        [
          "ModelRegistryShareTooHigh",
          "when the upstream share is above PPM",
          () => derivative(1_000_001, [f.a.id, 1_000_000]),
          () => [1_000_001, PPM],
        ],
      ]);

      it("accepts an upstream share of exactly PPM (the model keeps nothing)", async function () {
        await expect(register({ key: "hf:org/x", ...(await derivative(1_000_000, [f.a.id, 1_000_000])) })).to.emit(
          f.registry,
          "ModelRegistered",
        );
      });

      itRefuses([
        [
          "ModelRegistryUpstreamWithoutParents",
          "when a root declares an upstream share",
          () => ({ upstreamPpm: 100_000 }),
          () => [100_000],
        ],
        [
          "ModelRegistryParentTermsLength",
          "when expectedParentTerms is not one per parent",
          async () => {
            const { parents, expectedParentTerms } = await derivative(100_000, [f.a.id, 500_000], [f.b.id, 500_000]);
            return { upstreamPpm: 100_000, parents, expectedParentTerms: expectedParentTerms.slice(1) };
          },
          () => [2, 1],
        ],
        [
          "ModelRegistryParentTermsLength",
          "when a root states terms for parents it does not have",
          () => ({ upstreamPpm: 0, expectedParentTerms: [OPEN_TERMS] }),
          () => [0, 1],
        ],
        [
          "ModelRegistryZeroWeight",
          "when an edge weighs nothing",
          () => derivative(100_000, [f.a.id, 1_000_000], [f.b.id, 0]),
          () => [1],
        ],
        [
          "ModelRegistryDuplicateParent",
          "when a parent is listed twice",
          () => derivative(100_000, [f.a.id, 500_000], [f.a.id, 500_000, Relation.MERGE]),
          () => [f.a.id],
        ],
        [
          "ModelRegistryUnknownParent",
          "when a parent is not registered",
          () => ({
            upstreamPpm: 100_000,
            parents: edges([modelIdOf("hf:nobody/unregistered"), 1_000_000]),
            expectedParentTerms: [OPEN_TERMS],
          }),
          () => [modelIdOf("hf:nobody/unregistered")],
        ],
        [
          "ModelRegistryParentRevoked",
          "when a parent has been revoked",
          async () => {
            const expected = await derivative(100_000, [f.a.id, 1_000_000]);
            await revoke(f.registry, f.actors, f.a.id, f.actors.beneficiary.address);
            return expected;
          },
          () => [f.a.id],
        ],
        [
          "ModelRegistryDerivativesNotAllowed",
          "when a parent forbids derivatives",
          async () => {
            await f.registry
              .connect(f.actors.steward)
              .setTerms(f.a.id, { derivativesAllowed: false, minDerivativePpm: 0 });
            return derivative(100_000, [f.a.id, 1_000_000]);
          },
          () => [f.a.id],
        ],
      ]);

      describe("front-running guard", function () {
        /** The child reads its parents' terms from `entries`, then `parent` changes its terms to `terms`. */
        const readThenChange = async (entries: [string, number][], parent: string, terms: TermsInput) => {
          const read = await derivative(100_000, ...entries);
          await f.registry.connect(f.actors.steward).setTerms(parent, terms);
          return read;
        };

        itRefuses([
          [
            "ModelRegistryParentTermsChanged",
            "when a parent raises its minimum after the child read it",
            () =>
              readThenChange([[f.a.id, 1_000_000]], f.a.id, { derivativesAllowed: true, minDerivativePpm: 200_000 }),
            () => [f.a.id],
          ],
          [
            "ModelRegistryParentTermsChanged",
            "when a parent lowers its minimum after the child read it",
            () =>
              readThenChange(
                [
                  [f.a.id, 500_000],
                  [f.c.id, 500_000],
                ],
                f.c.id,
                OPEN_TERMS,
              ),
            () => [f.c.id],
          ],
          [
            "ModelRegistryParentTermsChanged",
            "when a parent stops allowing derivatives after the child read it",
            () => readThenChange([[f.a.id, 1_000_000]], f.a.id, { derivativesAllowed: false, minDerivativePpm: 0 }),
            () => [f.a.id],
          ],
        ]);

        it("reverts when the parent's change is mined first in the same block as the child's registration", async function () {
          const read = await lineage(f.registry, [[f.a.id, 1_000_000]]);
          await networkHelpers.mine(); // a clean block boundary
          await ethers.provider.send("evm_setAutomine", [false]);
          try {
            const change = await f.registry.connect(f.actors.steward).setTerms(f.a.id, {
              derivativesAllowed: true,
              minDerivativePpm: 500_000,
            });
            const child = await f.registry
              .connect(f.actors.alice)
              .register(
                registration({ key: "hf:org/late", steward: f.actors.alice.address, upstreamPpm: 100_000, ...read }),
                { gasLimit: 3_000_000 },
              );
            await networkHelpers.mine();
            expect((await change.wait())?.status).to.equal(1);
            const receipt = await ethers.provider.getTransactionReceipt(child.hash);
            expect(receipt?.status).to.equal(0);
            expect(receipt?.blockNumber).to.equal((await change.wait())?.blockNumber);
          } finally {
            await ethers.provider.send("evm_setAutomine", [true]);
          }
          expect((await f.registry.model(modelIdOf("hf:org/late"))).status).to.equal(ModelStatus.NONE);
          // Replayed on the resulting state, the child's registration fails on the guard.
          await expect(
            f.registry
              .connect(f.actors.alice)
              .register.staticCall(
                registration({ key: "hf:org/late", steward: f.actors.alice.address, upstreamPpm: 100_000, ...read }),
              ),
          )
            .to.be.revertedWithCustomError(f.registry, "ModelRegistryParentTermsChanged")
            .withArgs(f.a.id);
        });
      });

      describe("parent terms", function () {
        it("accepts a share that meets a parent's minimum exactly (upstream * weight == min * PPM)", async function () {
          // c asks 5%: 10% upstream with half the weight gives c exactly 5%.
          await expect(
            register({ key: "hf:org/x", ...(await derivative(100_000, [f.a.id, 500_000], [f.c.id, 500_000])) }),
          ).to.emit(f.registry, "ModelRegistered");
        });

        itRefuses([
          [
            "ModelRegistryParentTermsViolated",
            "one part below a parent's minimum",
            () => derivative(100_000, [f.a.id, 500_001], [f.c.id, 499_999]),
            () => [f.c.id, 100_000n * 499_999n, 50_000n * PPM],
          ],
        ]);
      });

      itRefuses([
        [
          "ModelRegistryWeightsSum",
          "when the edge weights sum below PPM",
          () => derivative(100_000, [f.a.id, 500_000], [f.b.id, 499_999]),
          () => [999_999, PPM],
        ],
        [
          "ModelRegistryWeightsSum",
          "when the edge weights sum above PPM",
          () => derivative(100_000, [f.a.id, 500_000], [f.b.id, 500_001]),
          () => [1_000_001, PPM],
        ],
      ]);
    });

    itRefuses([
      [
        "ModelRegistryShareTooHigh",
        "when the model's own minimum is above PPM",
        () => ({ terms: { derivativesAllowed: true, minDerivativePpm: 1_000_001 } }),
        () => [1_000_001, PPM],
      ],
    ]);

    describe("contributors", function () {
      itRefuses([
        ["ModelRegistryContributorCount", "when the set is empty", () => ({ contributors: [] }), () => [0, 1000]],
        [
          "ModelRegistryContributorCount",
          "when the set has 1001 entries",
          () => ({ contributors: manyContributors(1001) }),
          () => [1001, 1000],
        ],
      ]);

      it("accepts 1000 entries, and the last one can claim its share with its proof", async function () {
        const set = manyContributors(1000);
        const key = "hf:org/crowd";
        const id = modelIdOf(key);
        await expect(register({ key, contributors: set }))
          .to.emit(f.router, "FlowConfigured")
          .withArgs(id, 0, parentsHashOf([]), rootOf(set));
        await pay(f.router, f.actors.payer, id, NATIVE_TOKEN, 10n ** 18n);
        const [last] = claimsFor(set[999].account, id, 0, set);
        const kept = keptOf(10n ** 18n - 10n ** 16n, 0n);
        expect(await f.router.claimable(NATIVE_TOKEN, last)).to.equal(shareOf(kept, 1_000));
      });

      it("roots sets of 1 to 9 entries so that every entry's proof verifies (odd nodes move up unchanged)", async function () {
        for (let size = 1; size <= 9; size++) {
          const set = manyContributors(size);
          const key = `hf:org/shape-${size}`;
          await register({ key, contributors: set });
          expect(await f.router.epochRoot(modelIdOf(key), 0)).to.equal(rootOf(set));
          for (const entry of claimsOf(modelIdOf(key), 0, set)) {
            expect(await f.router.claimable(NATIVE_TOKEN, entry)).to.equal(0n);
          }
        }
      });

      itRefuses([
        [
          "ModelRegistryZeroAddress",
          "when an account is zero",
          () => ({ contributors: contributors([f.actors.alice, 500_000], [ethers.ZeroAddress, 500_000]) }),
        ],
        [
          "ModelRegistryZeroWeight",
          "when an entry weighs nothing",
          () => ({ contributors: contributors([f.actors.alice, 1_000_000], [f.actors.bob, 0]) }),
          () => [1],
        ],
        [
          "ModelRegistryWeightsSum",
          "at the entry that takes the sum above PPM",
          () => ({
            contributors: contributors([f.actors.alice, 600_000], [f.actors.bob, 500_000], [f.actors.carol, 1]),
          }),
          () => [1_100_000, PPM],
        ],
        [
          "ModelRegistryWeightsSum",
          "when the weights sum below PPM",
          () => ({ contributors: contributors([f.actors.alice, 600_000], [f.actors.bob, 399_999]) }),
          () => [999_999, PPM],
        ],
      ]);

      it("accepts the same account twice (two entries, two slices)", async function () {
        const set = contributors([f.actors.alice, 300_000], [f.actors.bob, 400_000], [f.actors.alice, 300_000]);
        await expect(register({ key: "hf:org/x", contributors: set }))
          .to.emit(f.registry, "ContributorsSet")
          .withArgs(modelIdOf("hf:org/x"), 0, rootOf(set), set.map(tuple.contributor));
      });
    });
  });

  describe("setContributors", function () {
    const newSet = () =>
      contributors([f.actors.carol, 400_000, Role.MAINTENANCE], [f.actors.stranger, 600_000, Role.TOOLING]);

    it("starts epoch 1 with the new root and emits ContributorsSet and the router's EpochRootSet", async function () {
      const set = newSet();
      const registry = f.registry.connect(f.actors.steward);
      expect(await registry.setContributors.staticCall(f.a.id, set)).to.equal(1);
      const tx = registry.setContributors(f.a.id, set);
      await expect(tx)
        .to.emit(f.registry, "ContributorsSet")
        .withArgs(f.a.id, 1, rootOf(set), set.map(tuple.contributor));
      await expect(tx).to.emit(f.router, "EpochRootSet").withArgs(f.a.id, 1, rootOf(set));
      expect((await f.router.flow(f.a.id)).epoch).to.equal(1);
      expect(await f.router.epochRoot(f.a.id, 1)).to.equal(rootOf(set));
      expect(await f.router.epochRoot(f.a.id, 0)).to.equal(rootOf(f.a.registration.contributors));
      expect(await registry.setContributors.staticCall(f.a.id, set)).to.equal(2);
    });

    it("leaves revenue that arrived before with the old set and gives revenue after to the new one", async function () {
      const { router, actors, a } = f;
      const oldSet = a.registration.contributors;
      const set = newSet();
      await pay(router, actors.payer, a.id, NATIVE_TOKEN, 1_000_000n);
      await f.registry.connect(actors.steward).setContributors(a.id, set);
      await pay(router, actors.payer, a.id, NATIVE_TOKEN, 3_000_001n);

      const before = 1_000_000n - 10_000n;
      const after = 3_000_001n - 30_001n; // the 1% fee rounds up
      expect(await router.keptInEpoch(a.id, NATIVE_TOKEN, 0)).to.equal(before);
      expect(await router.keptInEpoch(a.id, NATIVE_TOKEN, 1)).to.equal(after);

      const [alice0] = claimsFor(actors.alice, a.id, 0, oldSet);
      const [carol1] = claimsFor(actors.carol, a.id, 1, set);
      const [stranger1] = claimsFor(actors.stranger, a.id, 1, set);
      // Epoch 0 is closed: its exact slices. Epoch 1 is current: floor shares, the rest once it closes.
      expect(await router.claimable(NATIVE_TOKEN, alice0)).to.equal(sliceOf(before, 0n, 500_000n));
      expect(await router.claimable(NATIVE_TOKEN, carol1)).to.equal(shareOf(after, 400_000));
      expect(await router.claimable(NATIVE_TOKEN, stranger1)).to.equal(shareOf(after, 600_000));
      await f.registry.connect(actors.steward).setContributors(a.id, set);
      expect(await router.claimable(NATIVE_TOKEN, carol1)).to.equal(sliceOf(after, 0n, 400_000n));
      expect(await router.claimable(NATIVE_TOKEN, stranger1)).to.equal(sliceOf(after, 400_000n, 600_000n));

      // The old set's entries are not in epoch 1's tree.
      const [alice1] = claimsFor(actors.alice, a.id, 1, oldSet);
      await expect(router.connect(actors.alice).claim(NATIVE_TOKEN, [alice1]))
        .to.be.revertedWithCustomError(router, "RevenueRouterInvalidProof")
        .withArgs(a.id, 1, actors.alice.address);
    });

    it("reverts with ModelRegistryNotSteward when called by another account", async function () {
      await expect(f.registry.connect(f.actors.alice).setContributors(f.a.id, newSet()))
        .to.be.revertedWithCustomError(f.registry, "ModelRegistryNotSteward")
        .withArgs(f.a.id, f.actors.alice.address);
    });

    it("reverts with ModelRegistryUnknownModel for an unknown id", async function () {
      const unknown = modelIdOf("hf:nobody/x");
      await expect(f.registry.connect(f.actors.steward).setContributors(unknown, newSet()))
        .to.be.revertedWithCustomError(f.registry, "ModelRegistryUnknownModel")
        .withArgs(unknown);
    });

    it("reverts with ModelRegistryModelNotActive while the model is disputed", async function () {
      await raiseDispute(f.registry, f.actors.disputer, f.a.id);
      await expect(f.registry.connect(f.actors.steward).setContributors(f.a.id, newSet()))
        .to.be.revertedWithCustomError(f.registry, "ModelRegistryModelNotActive")
        .withArgs(f.a.id, ModelStatus.DISPUTED);
    });

    it("reverts with ModelRegistryModelNotActive once the model is revoked", async function () {
      await revoke(f.registry, f.actors, f.a.id, f.actors.beneficiary.address);
      await expect(f.registry.connect(f.actors.steward).setContributors(f.a.id, newSet()))
        .to.be.revertedWithCustomError(f.registry, "ModelRegistryModelNotActive")
        .withArgs(f.a.id, ModelStatus.REVOKED);
    });

    it("validates the new set like a registration's", async function () {
      await expect(f.registry.connect(f.actors.steward).setContributors(f.a.id, []))
        .to.be.revertedWithCustomError(f.registry, "ModelRegistryContributorCount")
        .withArgs(0, 1000);
    });
  });

  describe("setTerms", function () {
    it("stores the terms and emits TermsUpdated", async function () {
      const terms = { derivativesAllowed: true, minDerivativePpm: 150_000 };
      await expect(f.registry.connect(f.actors.steward).setTerms(f.a.id, terms))
        .to.emit(f.registry, "TermsUpdated")
        .withArgs(f.a.id, tuple.terms(terms));
      expect([...(await f.registry.model(f.a.id)).terms]).to.deep.equal([true, 150_000n]);
    });

    it("leaves existing children untouched: their flow still propagates to the parent", async function () {
      await f.registry.connect(f.actors.steward).setTerms(f.a.id, { derivativesAllowed: false, minDerivativePpm: 0 });
      await pay(f.router, f.actors.payer, f.child.id, NATIVE_TOKEN, 1_000_000n);
      await expect(f.router.propagate(f.child.id, NATIVE_TOKEN, f.child.registration.parents)).to.emit(
        f.router,
        "Propagated",
      );
    });

    it("accepts a minimum of exactly PPM", async function () {
      await expect(
        f.registry
          .connect(f.actors.steward)
          .setTerms(f.a.id, { derivativesAllowed: true, minDerivativePpm: 1_000_000 }),
      )
        .to.emit(f.registry, "TermsUpdated")
        .withArgs(f.a.id, [true, 1_000_000]);
    });

    it("reverts with ModelRegistryShareTooHigh when the minimum is above PPM", async function () {
      await expect(
        f.registry
          .connect(f.actors.steward)
          .setTerms(f.a.id, { derivativesAllowed: true, minDerivativePpm: 1_000_001 }),
      )
        .to.be.revertedWithCustomError(f.registry, "ModelRegistryShareTooHigh")
        .withArgs(1_000_001, PPM);
    });

    it("reverts with ModelRegistryNotSteward when called by another account", async function () {
      await expect(f.registry.connect(f.actors.otherSteward).setTerms(f.a.id, OPEN_TERMS))
        .to.be.revertedWithCustomError(f.registry, "ModelRegistryNotSteward")
        .withArgs(f.a.id, f.actors.otherSteward.address);
    });

    it("reverts with ModelRegistryModelNotActive while the model is disputed", async function () {
      await raiseDispute(f.registry, f.actors.disputer, f.a.id);
      await expect(f.registry.connect(f.actors.steward).setTerms(f.a.id, OPEN_TERMS))
        .to.be.revertedWithCustomError(f.registry, "ModelRegistryModelNotActive")
        .withArgs(f.a.id, ModelStatus.DISPUTED);
    });
  });

  describe("setMetadata", function () {
    const digest = ethers.id("sha256:manifest-v2");

    it("stores the digest and emits MetadataUpdated with the URI and license", async function () {
      await expect(f.registry.connect(f.actors.steward).setMetadata(f.a.id, digest, "ipfs://card/v2", "MIT"))
        .to.emit(f.registry, "MetadataUpdated")
        .withArgs(f.a.id, digest, "ipfs://card/v2", "MIT");
      expect((await f.registry.model(f.a.id)).weightsDigest).to.equal(digest);
    });

    it("reverts with ModelRegistryModelNotActive while the model is disputed, and once it is revoked (F13)", async function () {
      const disputeId = await raiseDispute(f.registry, f.actors.disputer, f.a.id);
      await expect(f.registry.connect(f.actors.steward).setMetadata(f.a.id, digest, "", ""))
        .to.be.revertedWithCustomError(f.registry, "ModelRegistryModelNotActive")
        .withArgs(f.a.id, ModelStatus.DISPUTED);
      await f.registry.resolveDispute(disputeId, true, f.actors.beneficiary.address);
      await expect(f.registry.connect(f.actors.steward).setMetadata(f.a.id, digest, "", ""))
        .to.be.revertedWithCustomError(f.registry, "ModelRegistryModelNotActive")
        .withArgs(f.a.id, ModelStatus.REVOKED);
    });

    it("reverts with ModelRegistryNotSteward when called by another account", async function () {
      await expect(f.registry.connect(f.actors.alice).setMetadata(f.a.id, digest, "", ""))
        .to.be.revertedWithCustomError(f.registry, "ModelRegistryNotSteward")
        .withArgs(f.a.id, f.actors.alice.address);
    });

    it("reverts with ModelRegistryUnknownModel for an unknown id", async function () {
      const unknown = modelIdOf("hf:nobody/x");
      await expect(f.registry.connect(f.actors.steward).setMetadata(unknown, digest, "", ""))
        .to.be.revertedWithCustomError(f.registry, "ModelRegistryUnknownModel")
        .withArgs(unknown);
    });
  });

  describe("stewardship transfer", function () {
    it("is refused while the model is disputed, offered or accepted (ModelRegistryModelNotActive, F13)", async function () {
      const { registry, actors, a } = f;
      await registry.connect(actors.steward).transferStewardship(a.id, actors.otherSteward.address);
      await raiseDispute(registry, actors.disputer, a.id);
      await expect(registry.connect(actors.steward).transferStewardship(a.id, actors.carol.address))
        .to.be.revertedWithCustomError(registry, "ModelRegistryModelNotActive")
        .withArgs(a.id, ModelStatus.DISPUTED);
      await expect(registry.connect(actors.otherSteward).acceptStewardship(a.id))
        .to.be.revertedWithCustomError(registry, "ModelRegistryModelNotActive")
        .withArgs(a.id, ModelStatus.DISPUTED);
    });

    it("offers the model with transferStewardship and hands it over on acceptStewardship", async function () {
      const { registry, actors, a } = f;
      await expect(registry.connect(actors.steward).transferStewardship(a.id, actors.otherSteward.address))
        .to.emit(registry, "StewardshipTransferStarted")
        .withArgs(a.id, actors.steward.address, actors.otherSteward.address);
      expect(await registry.pendingSteward(a.id)).to.equal(actors.otherSteward.address);
      expect((await registry.model(a.id)).steward).to.equal(actors.steward.address);

      await expect(registry.connect(actors.otherSteward).acceptStewardship(a.id))
        .to.emit(registry, "StewardshipTransferred")
        .withArgs(a.id, actors.steward.address, actors.otherSteward.address);
      expect((await registry.model(a.id)).steward).to.equal(actors.otherSteward.address);
      expect(await registry.pendingSteward(a.id)).to.equal(ethers.ZeroAddress);

      await expect(registry.connect(actors.steward).setTerms(a.id, OPEN_TERMS))
        .to.be.revertedWithCustomError(registry, "ModelRegistryNotSteward")
        .withArgs(a.id, actors.steward.address);
      await expect(registry.connect(actors.otherSteward).setTerms(a.id, OPEN_TERMS)).to.emit(registry, "TermsUpdated");
    });

    it("replaces a pending offer with a new one", async function () {
      const { registry, actors, a } = f;
      await registry.connect(actors.steward).transferStewardship(a.id, actors.alice.address);
      await registry.connect(actors.steward).transferStewardship(a.id, actors.bob.address);
      await expect(registry.connect(actors.alice).acceptStewardship(a.id))
        .to.be.revertedWithCustomError(registry, "ModelRegistryNotPendingSteward")
        .withArgs(a.id, actors.alice.address);
      await expect(registry.connect(actors.bob).acceptStewardship(a.id)).to.emit(registry, "StewardshipTransferred");
    });

    it("cancels a pending offer when the new steward is zero", async function () {
      const { registry, actors, a } = f;
      await registry.connect(actors.steward).transferStewardship(a.id, actors.otherSteward.address);
      await expect(registry.connect(actors.steward).transferStewardship(a.id, ethers.ZeroAddress))
        .to.emit(registry, "StewardshipTransferStarted")
        .withArgs(a.id, actors.steward.address, ethers.ZeroAddress);
      await expect(registry.connect(actors.otherSteward).acceptStewardship(a.id))
        .to.be.revertedWithCustomError(registry, "ModelRegistryNotPendingSteward")
        .withArgs(a.id, actors.otherSteward.address);
    });

    it("reverts with ModelRegistryNotPendingSteward when the wrong account accepts", async function () {
      await f.registry.connect(f.actors.steward).transferStewardship(f.a.id, f.actors.otherSteward.address);
      await expect(f.registry.connect(f.actors.stranger).acceptStewardship(f.a.id))
        .to.be.revertedWithCustomError(f.registry, "ModelRegistryNotPendingSteward")
        .withArgs(f.a.id, f.actors.stranger.address);
    });

    it("reverts with ModelRegistryNotPendingSteward when nothing is pending", async function () {
      await expect(f.registry.connect(f.actors.steward).acceptStewardship(f.a.id))
        .to.be.revertedWithCustomError(f.registry, "ModelRegistryNotPendingSteward")
        .withArgs(f.a.id, f.actors.steward.address);
    });

    it("reverts with ModelRegistryNotSteward when another account offers the model", async function () {
      await expect(f.registry.connect(f.actors.otherSteward).transferStewardship(f.a.id, f.actors.otherSteward.address))
        .to.be.revertedWithCustomError(f.registry, "ModelRegistryNotSteward")
        .withArgs(f.a.id, f.actors.otherSteward.address);
    });

    it("reverts with ModelRegistryUnknownModel when offering an unknown model", async function () {
      const unknown = modelIdOf("hf:nobody/x");
      await expect(f.registry.connect(f.actors.steward).transferStewardship(unknown, f.actors.alice.address))
        .to.be.revertedWithCustomError(f.registry, "ModelRegistryUnknownModel")
        .withArgs(unknown);
    });
  });

  describe("views", function () {
    it("model returns an empty record with status NONE for an unknown id", async function () {
      const stored = await f.registry.model(modelIdOf("hf:nobody/x"));
      expect(stored.steward).to.equal(ethers.ZeroAddress);
      expect(stored.status).to.equal(ModelStatus.NONE);
    });

    it("modelId returns keccak256 of the key", async function () {
      expect(await f.registry.modelId("hf:meta-llama/llama-3.1-8b")).to.equal(ethers.id("hf:meta-llama/llama-3.1-8b"));
    });

    it("modelId reverts with ModelRegistryInvalidKey for an invalid key", async function () {
      await expect(f.registry.modelId("hf:bad key\t"))
        .to.be.revertedWithCustomError(f.registry, "ModelRegistryInvalidKey")
        .withArgs("hf:bad key\t");
    });

    it("exposes the caps", async function () {
      expect(await f.registry.MAX_PARENTS()).to.equal(16);
      expect(await f.registry.MAX_CONTRIBUTORS()).to.equal(1000);
    });

    it("pendingSteward is zero when no offer is pending", async function () {
      expect(await f.registry.pendingSteward(f.a.id)).to.equal(ethers.ZeroAddress);
    });
  });

  /** `count` distinct accounts with weights summing to PPM. */
  function manyContributors(count: number) {
    const weight = Math.floor(1_000_000 / count);
    return Array.from({ length: count }, (_, i) => ({
      account: ethers.getAddress(ethers.zeroPadValue(ethers.toBeHex(i + 1), 20)),
      role: Role.OTHER,
      weightPpm: i === count - 1 ? 1_000_000 - weight * (count - 1) : weight,
    }));
  }
});

describe("canonical keys (F14)", function () {
  let f: Family;

  beforeEach(async function () {
    f = await networkHelpers.loadFixture(deployFamily);
  });

  const CANONICAL = "hf:meta-llama/llama-3.1-8b";
  /** Lookalikes of CANONICAL (and of any hf: key) that would otherwise be other models. */
  const LOOKALIKES = [
    "hf:Meta-Llama/llama-3.1-8b",
    "hf:meta-llama/llama-3.1-8b ",
    " hf:x",
    "HF:meta-llama/llama-3.1-8b",
    "hf:meta-llama/llama-3.1-8B",
    "hf:meta-llama/llama 3.1-8b",
  ];

  const register = (key: string) =>
    f.registry.connect(f.actors.steward).register(registration({ key, steward: f.actors.steward.address }));

  for (const key of LOOKALIKES) {
    it(`reverts with ModelRegistryInvalidKey when registering ${JSON.stringify(key)}`, async function () {
      await expect(register(key)).to.be.revertedWithCustomError(f.registry, "ModelRegistryInvalidKey").withArgs(key);
    });
  }

  it("refuses every lookalike of a registered key, as a model and as a placeholder", async function () {
    await expect(register(CANONICAL)).to.emit(f.registry, "ModelRegistered");
    for (const key of LOOKALIKES) {
      await expect(register(key)).to.be.revertedWithCustomError(f.registry, "ModelRegistryInvalidKey").withArgs(key);
      await expect(f.registry.connect(f.actors.admin).registerPlaceholder(key))
        .to.be.revertedWithCustomError(f.registry, "ModelRegistryInvalidKey")
        .withArgs(key);
    }
  });

  it("refuses a space first or last outside hf: too, and keeps the case of other namespaces", async function () {
    for (const key of [" gh:Org/Repo", "gh:Org/Repo "])
      await expect(register(key)).to.be.revertedWithCustomError(f.registry, "ModelRegistryInvalidKey").withArgs(key);
    await expect(register("gh:Org/Repo")).to.emit(f.registry, "ModelRegistered");
    await expect(register("gh:org/repo")).to.emit(f.registry, "ModelRegistered");
  });

  it("accepts exactly the keys src/core validateKey accepts", async function () {
    const keys = [...LOOKALIKES, CANONICAL, "hf:", "HF", "Hf:x", "hF:x", " ", "a b", "hf:a~b", "gh:A B", "hf:a\tb"];
    for (const key of keys) {
      let accepted = true;
      try {
        validateKey(key);
      } catch {
        accepted = false;
      }
      if (accepted) expect(await f.registry.modelId(key), key).to.equal(ethers.id(key));
      else
        await expect(f.registry.modelId(key), key).to.be.revertedWithCustomError(f.registry, "ModelRegistryInvalidKey");
    }
  });
});
