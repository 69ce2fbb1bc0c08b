/**
 * The trust fields of issue 13 in the GraphQL API, over the indexer's store of a real `hardhat node` (PostgreSQL;
 * the indexer tests cover both stores): each model's identity against the registry's identity() and
 * disputeBondFor() views, its attestations, lineage correction, reassignment and beneficiary replacement; attesters,
 * guardians, settings and token policies; claim redirections by account and by recipient, paged; bad input refused
 * with BAD_USER_INPUT.
 */
import assert from "node:assert/strict";

import { getAddress } from "viem";

import { NATIVE_TOKEN } from "../../src/core/constants.js";
import { type Api, indexedApi, queryApi } from "../helpers/api.js";
import { startScenario, type Scenario } from "../indexer/scenario.js";
import {
  BENEFICIARY,
  CONTRIBUTOR,
  NEW_STEWARD,
  RECIPIENT,
  STEWARD,
  attestersOnChain,
  buildTrustChain,
  guardiansOnChain,
} from "../indexer/trustChain.js";

type Identity = {
  verified: boolean;
  provisionalUntil: number;
  disputeCooldownUntil: number;
  dismissedDisputes: number;
};

describe("GraphQL API: trust (verified, provisional, attestations, guardians, cool-downs, claim recipients)", function () {
  let scenario: Scenario;
  let chain: Awaited<ReturnType<typeof buildTrustChain>>;
  let dispose: () => Promise<void>;
  let api: Api;

  const query = async <T>(text: string, variables: Record<string, unknown> = {}): Promise<T> => {
    const json = await queryApi(api, text, variables);
    assert.equal(json.errors, undefined, JSON.stringify(json.errors));
    return json.data as T;
  };
  const refused = async (text: string, message: RegExp) => {
    const json = await queryApi(api, text);
    assert.equal(json.errors?.[0]?.extensions?.code, "BAD_USER_INPUT", JSON.stringify(json.errors));
    assert.match(json.errors[0]!.message, message);
  };

  before(async function () {
    scenario = await startScenario(32, 0);
    chain = await buildTrustChain(scenario);
    ({ api, dispose } = await indexedApi(scenario, "postgres"));
  });
  after(async function () {
    await dispose?.();
    await scenario?.stop();
  });

  it("serves each model's identity as the registry's views have it", async function () {
    const { registry } = scenario.d;
    for (const { id } of [chain.a, chain.b, chain.c, chain.e]) {
      const { model } = await query<{
        model: {
          verified: boolean;
          provisional: boolean;
          provisionalUntil: string | null;
          disputeCooldownUntil: string | null;
          dismissedDisputes: number;
          nextDisputeBond: string;
        };
      }>(
        "query ($id: Bytes32) { model(id: $id) { verified provisional provisionalUntil disputeCooldownUntil dismissedDisputes nextDisputeBond } }",
        { id },
      );
      const identity = (await registry.read.identity([id])) as Identity;
      const flow = (await scenario.d.router.read.flow([id])) as { provisional: boolean };
      const orNull = (n: number) => (n === 0 ? null : String(n));
      assert.deepEqual(model, {
        verified: identity.verified,
        provisional: flow.provisional,
        provisionalUntil: orNull(identity.provisionalUntil),
        disputeCooldownUntil: orNull(identity.disputeCooldownUntil),
        dismissedDisputes: identity.dismissedDisputes,
        nextDisputeBond: String(await registry.read.disputeBondFor([id])),
      });
    }
    const { models } = await query<{ models: { edges: { node: { id: string } }[] } }>(
      "{ models(where: { provisional: true }) { edges { node { id } } } }",
    );
    assert.deepEqual(
      models.edges.map((e) => e.node.id),
      [chain.c.id],
    );
  });

  it("serves attestations, lineage corrections, reassignments and beneficiary replacements", async function () {
    const { accounts } = scenario.d;
    const { model: b } = await query<{ model: { attestations: { steward: string; nonce: number }[] } }>(
      "query ($id: Bytes32) { model(id: $id) { attestations { steward nonce revision block transactionHash } } }",
      { id: chain.b.id },
    );
    assert.deepEqual(
      b.attestations.map((x) => [x.steward, x.nonce]),
      [[accounts[STEWARD], 0]],
    );
    const { model: e } = await query<{
      model: {
        attestations: { steward: string }[];
        lineageCorrections: { upstreamPpm: number; parents: { parent: { id: string }; weightPpm: number }[] }[];
        parents: { parent: { id: string } }[];
      };
    }>(
      "query ($id: Bytes32) { model(id: $id) { attestations { steward } lineageCorrections { upstreamPpm parents { parent { id } weightPpm } } parents { parent { id } } } }",
      { id: chain.e.id },
    );
    assert.deepEqual(e.attestations, [{ steward: accounts[NEW_STEWARD] }]);
    assert.deepEqual(e.lineageCorrections, [
      { upstreamPpm: 100_000, parents: [{ parent: { id: chain.b.id }, weightPpm: 1_000_000 }] },
    ]);
    assert.deepEqual(e.parents, [{ parent: { id: chain.b.id } }]);
    const { model: a } = await query<{ model: unknown }>(
      "query ($id: Bytes32) { model(id: $id) { status reassignments { steward } beneficiaryReplacements { previous beneficiary } } }",
      { id: chain.a.id },
    );
    assert.deepEqual(a, {
      status: "REVOKED",
      reassignments: [{ steward: accounts[NEW_STEWARD] }],
      beneficiaryReplacements: [{ previous: accounts[BENEFICIARY], beneficiary: accounts[RECIPIENT] }],
    });
  });

  it("serves attesters, guardians, settings and token policies", async function () {
    const { tokens, disputeBond } = scenario.d;
    const data = await query<unknown>(
      "{ attesters { threshold attesters { account } } guardians { account } trustSettings { attesterThreshold disputeBond provisionalPeriod disputeCooldown epochRenewal allowlistOnly } tokenPolicies { allowlistOnly tokens { token policy } } }",
    );
    assert.deepEqual(data, {
      attesters: { threshold: 1, attesters: (await attestersOnChain(scenario)).map((account) => ({ account })) },
      guardians: (await guardiansOnChain(scenario)).map((account) => ({ account })),
      trustSettings: {
        attesterThreshold: 1,
        disputeBond: disputeBond.toString(),
        provisionalPeriod: "1000000",
        disputeCooldown: "3600",
        epochRenewal: "0",
        allowlistOnly: false,
      },
      tokenPolicies: {
        allowlistOnly: false,
        tokens: [
          { token: getAddress(tokens[1]!.address), policy: "ALLOWED" },
          { token: getAddress(tokens[2]!.address), policy: "BLOCKED" },
        ].sort((x, y) => x.token.toLowerCase().localeCompare(y.token.toLowerCase())),
      },
    });
  });

  it("pages claim redirections by account and by recipient, and refuses bad input", async function () {
    const { accounts } = scenario.d;
    type Page = {
      claimRedirections: {
        edges: { cursor: string; node: { account: string; token: string; recipient: string; total: string } }[];
        pageInfo: { hasNextPage: boolean; endCursor: string | null };
      };
    };
    const fields = "edges { cursor node { account token recipient total } } pageInfo { hasNextPage endCursor }";
    const byAccount = await query<Page>(
      `query ($a: Address) { claimRedirections(account: $a, first: 1) { ${fields} } }`,
      { a: accounts[CONTRIBUTOR]!.toLowerCase() },
    );
    const byRecipient = await query<Page>(`query ($r: Address) { claimRedirections(recipient: $r) { ${fields} } }`, {
      r: accounts[RECIPIENT],
    });
    assert.equal(byAccount.claimRedirections.edges.length, 1);
    assert.deepEqual(byAccount.claimRedirections.edges, byRecipient.claimRedirections.edges);
    const [{ node }] = byAccount.claimRedirections.edges as [Page["claimRedirections"]["edges"][0]];
    assert.deepEqual(
      [node.account, node.token, node.recipient],
      [accounts[CONTRIBUTOR], NATIVE_TOKEN, accounts[RECIPIENT]],
    );
    assert.ok(BigInt(node.total) > 0n);
    assert.equal(byAccount.claimRedirections.pageInfo.hasNextPage, false);
    const next = await query<Page>(
      `query ($a: Address, $after: String) { claimRedirections(account: $a, after: $after) { ${fields} } }`,
      {
        a: accounts[CONTRIBUTOR],
        after: byAccount.claimRedirections.pageInfo.endCursor,
      },
    );
    assert.deepEqual(next.claimRedirections.edges, []);
    const none = await query<Page>(`query ($a: Address) { claimRedirections(account: $a) { ${fields} } }`, {
      a: accounts[STEWARD],
    });
    assert.deepEqual(none.claimRedirections.edges, []);

    await refused("{ claimRedirections { edges { cursor } } }", /either account or recipient/);
    await refused(
      `{ claimRedirections(account: "${accounts[0]}", recipient: "${accounts[1]}") { edges { cursor } } }`,
      /either account or recipient/,
    );
    await refused(`{ claimRedirections(account: "${accounts[0]}", first: 101) { edges { cursor } } }`, /first must be/);
    await refused(
      `{ claimRedirections(account: "${accounts[0]}", after: "nonsense") { edges { cursor } } }`,
      /not a cursor/,
    );
    await refused(`{ claimRedirections(account: "0x12") { edges { cursor } } }`, /address/i);
  });
});
