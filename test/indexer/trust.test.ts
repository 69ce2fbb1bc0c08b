/**
 * The trust records of issue 13, indexed from a real `hardhat node` on PGlite and PostgreSQL: attester set and
 * threshold, guardians, trust periods and bond, token policies, provisional and verified models with their
 * attestations, a claim with a lineage correction, a guardian's dismissal (cool-down, doubled bond), a reassignment, a revocation and a beneficiary
 * replacement, and a claim redirected with claimTo. Reconciled with the registry's identity() and the router to zero
 * difference; a reorg that drops an attestation and a claim redirection leaves the mirror equal to a fresh index.
 */
import assert from "node:assert/strict";

import { getAddress, parseEther, type Address, type Hex } from "viem";

import { NATIVE_TOKEN } from "../../src/core/constants.js";
import { contributorClaim } from "../../src/core/contributorClaim.js";
import { FOREVER } from "../../src/indexer/derive/createTrustRecords.js";
import { expectEqualToFreshIndex, expectReconciled } from "../helpers/indexer.js";
import { ADMIN, PAYER, send } from "../property/harness.js";
import { dumpStore, freshStore, indexAll, startScenario, type Scenario, type StoreKind } from "./scenario.js";
import {
  ATTESTER,
  BENEFICIARY,
  CONTRIBUTOR,
  GUARDIAN,
  NEW_STEWARD,
  RECIPIENT,
  STEWARD,
  attestersOnChain,
  buildTrustChain,
  guardiansOnChain,
  verify,
} from "./trustChain.js";

const STORES: StoreKind[] = ["pglite", "postgres"];

describe("indexer: trust records (issue 13)", function () {
  let scenario: Scenario;
  let chain: Awaited<ReturnType<typeof buildTrustChain>>;

  before(async function () {
    scenario = await startScenario(31, 0);
    chain = await buildTrustChain(scenario);
  });
  after(async function () {
    await scenario?.stop();
  });

  for (const kind of STORES) {
    it(`${kind}: derives every trust record as the chain has it, reconciled to zero difference`, async function () {
      const { store, dispose } = await freshStore(kind);
      try {
        await indexAll(scenario, store, { options: { initialRange: 2, maxRange: 3, eventsPerCommit: 2 } });
        await expectReconciled(scenario, store);
        const { d } = scenario;
        const [a, b] = await store.query<{
          id: Hex;
          verified: boolean;
          provisional_until: string | null;
          dispute_cooldown_until: string | null;
          dismissed_disputes: number;
          steward: Address;
        }>(
          "SELECT id, verified, provisional_until, dispute_cooldown_until, dismissed_disputes, steward FROM models WHERE id = ANY($1) ORDER BY key",
          [[chain.a.id, chain.b.id]],
        );
        assert.equal(a!.id, chain.a.id);
        // a: registered provisional, reassigned (no longer provisional), never verified.
        assert.deepEqual([a!.verified, a!.provisional_until, a!.steward], [false, null, d.accounts[NEW_STEWARD]]);
        const identityB = (await d.registry.read.identity([b!.id])) as { disputeCooldownUntil: number };
        assert.deepEqual(
          [b!.verified, b!.provisional_until, b!.dismissed_disputes, b!.dispute_cooldown_until],
          [true, null, 1, String(identityB.disputeCooldownUntil)],
        );
        const [c] = await store.query<{ provisional_until: string | null }>(
          "SELECT provisional_until FROM models WHERE id = $1",
          [chain.c.id],
        );
        const identityC = (await d.registry.read.identity([chain.c.id])) as { provisionalUntil: number };
        assert.equal(c!.provisional_until, String(identityC.provisionalUntil));
        const attestations = await store.query<{ model_id: Hex; steward: Address; nonce: string }>(
          "SELECT model_id, steward, nonce FROM attestations ORDER BY block_number",
        );
        assert.deepEqual(attestations, [
          { model_id: chain.e.id, steward: d.accounts[NEW_STEWARD], nonce: "0" },
          { model_id: b!.id, steward: d.accounts[STEWARD], nonce: "0" },
        ]);
        assert.deepEqual(await store.query("SELECT model_id, upstream_ppm, parents FROM lineage_corrections"), [
          { model_id: chain.e.id, upstream_ppm: 100_000, parents: chain.lineage.parents },
        ]);
        // The corrected lineage replaced e's parent edges.
        assert.deepEqual(await store.query("SELECT parent_id FROM model_parents WHERE model_id = $1", [chain.e.id]), [
          { parent_id: b!.id },
        ]);
        // The whole payment but the fee (12,345 ppm, rounded up) was b's contributor's: no upstream.
        assert.deepEqual(await store.query("SELECT account, token, recipient, total FROM claim_redirections"), [
          {
            account: d.accounts[CONTRIBUTOR],
            token: NATIVE_TOKEN,
            recipient: d.accounts[RECIPIENT],
            total: (parseEther("1") - 12_345n * 10n ** 12n).toString(),
          },
        ]);
        assert.deepEqual(await store.query("SELECT model_id, steward FROM model_reassignments"), [
          { model_id: a!.id, steward: d.accounts[NEW_STEWARD] },
        ]);
        assert.deepEqual(await store.query("SELECT model_id, previous, beneficiary FROM beneficiary_replacements"), [
          { model_id: a!.id, previous: d.accounts[BENEFICIARY], beneficiary: d.accounts[RECIPIENT] },
        ]);
        assert.deepEqual(
          (await store.query<{ account: string }>("SELECT account FROM attesters ORDER BY lower(account)")).map(
            (r) => r.account,
          ),
          await attestersOnChain(scenario),
        );
        assert.ok(
          (await attestersOnChain(scenario)).includes(d.accounts[ATTESTER]!),
          "the test's attester is among them",
        );
        assert.deepEqual(
          (await store.query<{ account: string }>("SELECT account FROM guardians ORDER BY lower(account)")).map(
            (r) => r.account,
          ),
          await guardiansOnChain(scenario),
        );
        assert.ok(
          (await guardiansOnChain(scenario)).includes(d.accounts[GUARDIAN]!),
          "the test's guardian is among them",
        );
        assert.deepEqual(await store.query("SELECT token, policy FROM token_policies ORDER BY policy"), [
          { token: getAddress(d.tokens[1]!.address), policy: 1 },
          { token: getAddress(d.tokens[2]!.address), policy: 2 },
        ]);
        assert.deepEqual(
          await store.query(
            "SELECT attester_threshold, dispute_bond, provisional_period, dispute_cooldown, allowlist_only FROM trust_settings",
          ),
          [
            {
              attester_threshold: 1,
              dispute_bond: d.disputeBond.toString(),
              provisional_period: "1000000",
              dispute_cooldown: "3600",
              allowlist_only: false,
            },
          ],
        );
        await expectEqualToFreshIndex(scenario, store, kind);
      } finally {
        await dispose();
      }
    });

    it(`${kind}: a reorg that drops an attestation and a claim redirection removes them`, async function () {
      const { store, dispose } = await freshStore(kind);
      const rpc = (method: string, params: unknown[] = []) =>
        scenario.d.publicClient.request({ method, params } as never) as Promise<unknown>;
      try {
        await indexAll(scenario, store);
        const before = await dumpStore(store);
        const snapshot = await rpc("evm_snapshot");
        // Branch A: b verified again (a second attestation), and a second redirected claim.
        const { d } = scenario;
        await verify(scenario, chain.b.id, d.accounts[STEWARD]);
        await send(d, PAYER, d.router.address, d.routerAbi, "pay", [chain.b.id, NATIVE_TOKEN, 1000n], 1000n);
        await send(d, CONTRIBUTOR, d.router.address, d.routerAbi, "claimTo", [
          NATIVE_TOKEN,
          [contributorClaim({ ...chain.entry, modelId: chain.b.id, epoch: 0 })],
          d.accounts[BENEFICIARY],
        ]);
        await indexAll(scenario, store);
        const onBranchA = await dumpStore(store);
        assert.equal(onBranchA.attestations!.length, before.attestations!.length + 1);
        assert.equal(onBranchA.claim_redirections!.length, before.claim_redirections!.length + 1);

        await rpc("evm_revert", [snapshot]);
        // Branch B: longer, without either.
        for (const amount of [7n, 8n, 9n, 10n]) {
          await send(d, PAYER, d.router.address, d.routerAbi, "pay", [chain.b.id, NATIVE_TOKEN, amount], amount);
        }
        await indexAll(scenario, store);
        const after = await dumpStore(store);
        assert.deepEqual(after.attestations, before.attestations);
        assert.deepEqual(after.claim_redirections, before.claim_redirections);
        await expectReconciled(scenario, store);
        await expectEqualToFreshIndex(scenario, store, kind);
      } finally {
        await dispose();
      }
    });
  }

  it("stores a placeholder as provisional for ever", async function () {
    const key = "hf:trust/placeholder";
    await send(scenario.d, ADMIN, scenario.d.registry.address, scenario.d.registryAbi, "registerPlaceholder", [key]);
    const { store, dispose } = await freshStore("pglite");
    try {
      await indexAll(scenario, store);
      const [row] = await store.query<{ provisional_until: string }>(
        "SELECT provisional_until FROM models WHERE key = $1",
        [key],
      );
      assert.equal(row!.provisional_until, FOREVER.toString());
      await expectReconciled(scenario, store);
    } finally {
      await dispose();
    }
  });
});
