/**
 * What the API serves beyond the ledger's balances, checked against the chain after random activity on a real
 * `hardhat node`: each model's license, model card and weights digest (from its registration and later metadata
 * updates), every contributor epoch (root, set, block), disputes (against the registry's `dispute` view), and
 * children in pages (against the registered parent edges), with the `parent` filter.
 */
import assert from "node:assert/strict";

import { keccak256, stringToHex, type Hex } from "viem";

import { ModelStatus } from "../../src/core/constants.js";
import { type Api, indexedApi, queryApi } from "../helpers/api.js";
import { send } from "../property/harness.js";
import { startScenario, type Scenario } from "../indexer/scenario.js";

describe("GraphQL API: metadata, contributor history, disputes and children", function () {
  let scenario: Scenario;
  let dispose: () => Promise<void>;
  let api: Api;

  const query = async <T>(text: string, variables: Record<string, unknown> = {}): Promise<T> => {
    const json = await queryApi(api, text, variables);
    assert.equal(json.errors, undefined, JSON.stringify(json.errors));
    return json.data as T;
  };

  before(async function () {
    scenario = await startScenario(47, 12);
    await scenario.act(60);
    // A metadata update on the first model its steward still holds (the registry refuses one while disputed or
    // revoked).
    const model = scenario.world.models.find((m) => m.steward !== null && m.status === ModelStatus.ACTIVE)!;
    await send(scenario.d, model.steward!, scenario.d.registry.address, scenario.d.registryAbi, "setMetadata", [
      model.id,
      keccak256(stringToHex("weights v2")),
      "ipfs://model-card-v2",
      "MIT OR Apache-2.0",
    ]);
    ({ api, dispose } = await indexedApi(scenario));
  });

  after(async function () {
    await dispose?.();
    await scenario?.stop();
  });

  it("serves each model's license, model card and weights digest as last set on chain", async function () {
    const { publicClient, registry, registryAbi } = scenario.d;
    const logs = await publicClient.getContractEvents({
      address: registry.address,
      abi: registryAbi,
      fromBlock: scenario.d.fromBlock,
    });
    const expected = new Map<string, { license: string; metadataURI: string; weightsDigest: string }>();
    for (const log of logs) {
      if (log.eventName !== "ModelRegistered" && log.eventName !== "MetadataUpdated") continue;
      const args = log.args as { id: Hex; license: string; metadataURI: string; weightsDigest: Hex };
      expected.set(args.id, {
        license: args.license,
        metadataURI: args.metadataURI,
        weightsDigest: args.weightsDigest,
      });
    }
    assert.ok(logs.some((l) => l.eventName === "MetadataUpdated"));
    const data = await query<{
      models: { edges: { node: { id: string; license: string; metadataURI: string; weightsDigest: string } }[] };
    }>("{ models(first: 100) { edges { node { id license metadataURI weightsDigest } } } }");
    assert.equal(data.models.edges.length, scenario.world.models.length);
    for (const { node } of data.models.edges) {
      const want = expected.get(node.id) ?? { license: null, metadataURI: null, weightsDigest: null };
      assert.deepEqual(
        { license: node.license, metadataURI: node.metadataURI, weightsDigest: node.weightsDigest },
        want,
      );
      const onChain = (await registry.read.model([node.id as Hex])) as { weightsDigest: Hex };
      if (want.weightsDigest) assert.equal(node.weightsDigest, onChain.weightsDigest);
    }
  });

  it("lists every contributor epoch with the router's root and the set the world registered", async function () {
    let epochs = 0;
    for (const model of scenario.world.models) {
      const data = await query<{
        model: {
          epoch: number;
          contributorHistory: {
            epoch: number;
            root: string;
            block: string;
            contributors: { account: string; role: string; weightPpm: number }[];
          }[];
        };
      }>(
        "query ($id: Bytes32) { model(id: $id) { epoch contributorHistory { epoch root block contributors { account weightPpm } } } }",
        {
          id: model.id,
        },
      );
      const history = data.model.contributorHistory;
      const withSets = model.sets.flatMap((set, epoch) => (set ? [epoch] : []));
      assert.deepEqual(
        history.map((e) => e.epoch),
        withSets.reverse(),
        `epochs of ${model.plan.key}`,
      );
      for (const entry of history) {
        epochs++;
        assert.equal(entry.root, await scenario.d.router.read.epochRoot([model.id, entry.epoch]));
        assert.deepEqual(
          entry.contributors.map((c) => [c.account, c.weightPpm]),
          model.sets[entry.epoch]!.map((c) => [c.account, c.weightPpm]),
        );
        assert.ok(BigInt(entry.block) >= scenario.d.fromBlock);
      }
    }
    assert.ok(epochs > scenario.world.models.length / 2, `only ${epochs} epochs`);
  });

  it("serves every dispute as the registry's dispute view has it, by id and on its model", async function () {
    assert.ok(scenario.world.disputes.length > 0, "the scenario raised no dispute: pick another seed");
    const outcomes = ["PENDING", "DISMISSED", "UPHELD"];
    for (const { id } of scenario.world.disputes) {
      const onChain = (await scenario.d.registry.read.dispute([id])) as {
        modelId: Hex;
        disputer: string;
        evidenceHash: Hex;
        bond: bigint;
        outcome: number;
        bondWithdrawn: boolean;
      };
      const data = await query<{
        dispute: {
          id: string;
          model: { id: string; disputes: { id: string }[] };
          disputer: string;
          evidenceHash: string;
          bond: string;
          outcome: string;
          resolvedBlock: string | null;
          bondRecipient: string | null;
        };
      }>(
        "query ($id: BigInt!) { dispute(id: $id) { id model { id disputes { id } } disputer evidenceHash bond outcome resolvedBlock bondRecipient } }",
        { id: id.toString() },
      );
      const d = data.dispute;
      assert.equal(d.model.id, onChain.modelId);
      assert.equal(d.disputer, onChain.disputer);
      assert.equal(d.evidenceHash, onChain.evidenceHash);
      assert.equal(d.bond, onChain.bond.toString());
      assert.equal(d.outcome, outcomes[onChain.outcome]);
      assert.equal(d.resolvedBlock === null, onChain.outcome === 0);
      assert.equal(d.bondRecipient !== null, onChain.bondWithdrawn);
      assert.ok(d.model.disputes.some((x) => x.id === id.toString()));
    }
    assert.deepEqual(await queryApi(api, '{ dispute(id: "999999") { id } }'), { data: { dispute: null } });
  });

  it("pages through a model's children one at a time, matching the registered parent edges", async function () {
    const childrenOf = new Map<string, string[]>();
    for (const m of scenario.world.models) {
      for (const { parentId } of m.parents) childrenOf.set(parentId, [...(childrenOf.get(parentId) ?? []), m.id]);
    }
    const [parentId, expected] = [...childrenOf].sort((a, b) => b[1].length - a[1].length)[0]!;
    assert.ok(expected.length >= 2, "the lineage has no model with two children");
    const seen: string[] = [];
    let after: string | null = null;
    for (;;) {
      const data: {
        model: {
          children: {
            totalCount: number;
            edges: { node: { id: string } }[];
            pageInfo: { hasNextPage: boolean; endCursor: string };
          };
        };
      } = await query(
        "query ($id: Bytes32, $after: String) { model(id: $id) { children(first: 1, after: $after) { totalCount edges { node { id } } pageInfo { hasNextPage endCursor } } } }",
        { id: parentId, after },
      );
      const page = data.model.children;
      assert.equal(page.totalCount, new Set(expected).size);
      assert.ok(page.edges.length <= 1);
      seen.push(...page.edges.map((e) => e.node.id));
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    assert.deepEqual([...seen].sort(), [...new Set(expected)].sort());
    const filtered = await query<{ models: { totalCount: number } }>(
      "query ($id: Bytes32) { models(where: { parent: $id }) { totalCount } }",
      { id: parentId },
    );
    assert.equal(filtered.models.totalCount, new Set(expected).size);
  });
});
