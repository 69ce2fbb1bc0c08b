/**
 * The API as several replicas over one PostgreSQL while a single indexer writes (what docs/API.md promises for
 * PostgreSQL): one indexer process follows a real `hardhat node` while random ledger actions mine new blocks, and two
 * API server processes answer the same queries. Whenever both report the same indexed block they answer identically,
 * neither ever answers an error or goes back in time, every block they report is the chain's, and once the chain
 * stops they reach its head and answer what the chain holds.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { getAddress, type Address, type Hex } from "viem";

import { ModelStatus } from "../../src/core/constants.js";
import type { GraphQLResponse } from "../helpers/api.js";
import { type Child, spawnEntryPoint, waitFor } from "../helpers/childProcess.js";
import { stopChild } from "../helpers/hardhatNode.js";
import { CONTRIBUTORS, sync } from "../property/harness.js";
import { freshStore, startScenario, type Scenario } from "../indexer/scenario.js";
import { sleep } from "../../src/internal/sleep.js";

/** Rounds of random actions while the replicas are queried, and actions per round (each mines one or more blocks). */
const ROUNDS = 6;
const ACTIONS_PER_ROUND = 5;

type Meta = { block: { number: string; hash: Hex } | null };
type Balance = { token: string; claimable: string; owedAfterPropagation: string };
type Answer = {
  _meta: Meta;
  models: { totalCount: number; edges: { node: { id: Hex; key: string; status: string; epoch: number } }[] };
} & Record<string, { balances: Balance[] }>;

/** One fixed query: the indexed block, every model, and the balances of every contributor account (aliased). */
function fixedQuery(accounts: readonly Address[]) {
  const variables = Object.fromEntries(accounts.map((a, i) => [`a${i}`, a]));
  const declarations = accounts.map((_, i) => `$a${i}: Address!`).join(", ");
  const balances = accounts
    .map((_, i) => `a${i}: account(address: $a${i}) { balances { token claimable owedAfterPropagation } }`)
    .join("\n");
  const query = `query (${declarations}) {
    _meta { block { number hash } }
    models(first: 100) { totalCount edges { node { id key status epoch } } }
    ${balances}
  }`;
  return { query, variables };
}

const STATUS_NAMES: Record<number, string> = {
  [ModelStatus.ACTIVE]: "ACTIVE",
  [ModelStatus.DISPUTED]: "DISPUTED",
  [ModelStatus.REVOKED]: "REVOKED",
};

describe("GraphQL API: two replicas over one PostgreSQL while one indexer writes", function () {
  let scenario: Scenario;
  let dir: string;
  let database: Awaited<ReturnType<typeof freshStore>> | undefined;
  const children: Child[] = [];

  before(async function () {
    scenario = await startScenario(71, 8);
    await scenario.act(10);
    dir = await mkdtemp(join(tmpdir(), "stemma-replicas-"));
  });

  after(async function () {
    // Children first (they hold connections to the database), then the database, then the chain.
    await Promise.all(children.map((c) => stopChild(c.process)));
    await database?.dispose();
    await scenario?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("answer identically at the same block, never fail while it writes, and reach the chain's head and truth", async function () {
    database = await freshStore("postgres");
    // The children open the database themselves.
    await database.store.close();
    const databaseUrl = (database.options as { databaseUrl: string }).databaseUrl;
    const recordPath = join(dir, "deployment.json");
    await writeFile(recordPath, JSON.stringify(scenario.record));

    const indexer = spawnEntryPoint("indexer", "src/cli/main.ts", [
      "index",
      ...["--rpc", scenario.node.url, "--deployment", recordPath, "--database", databaseUrl],
      ...["--poll-ms", "20", "--log-level", "info"],
    ]);
    children.push(indexer);
    const servers = ["replica A", "replica B"].map((name) =>
      spawnEntryPoint(name, "src/cli/main.ts", ["serve", "--database", databaseUrl, "--port", "0"]),
    );
    children.push(...servers);
    const urls = await Promise.all(
      servers.map((server) =>
        waitFor(`${server.name}'s listening line`, children, async () => {
          const match = /GraphQL API at (http:\/\/127\.0\.0\.1:\d+)\/graphql/.exec(server.output());
          return match?.[1];
        }),
      ),
    );
    await Promise.all(
      urls.map((url, i) =>
        waitFor(`200 from ${servers[i]!.name}'s /ready (the backfill done)`, children, async () => {
          const response = await fetch(`${url}/ready`, { signal: AbortSignal.timeout(2_000) });
          return response.status === 200 ? true : undefined;
        }),
      ),
    );

    const accounts = CONTRIBUTORS.map((i) => scenario.d.accounts[i]!);
    const fixed = fixedQuery(accounts);
    /** Everything that went wrong in a response; must stay empty. */
    const problems: string[] = [];
    /** Every (number, hash) any replica reported, to check against the chain. */
    const reported = new Map<string, Hex>();
    /** Per replica: the answer at each block hash, from samples where the block did not move during the query. */
    const answers = urls.map(() => new Map<Hex, string>());
    /** Per replica: the block numbers it reported, in order. */
    const numbers: bigint[][] = urls.map(() => []);
    let requests = 0;

    const post = async (replica: number, body: { query: string; variables?: object }) => {
      requests++;
      try {
        const response = await fetch(`${urls[replica]}/graphql`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(10_000),
        });
        const text = await response.text();
        const json = JSON.parse(text) as GraphQLResponse;
        if (response.status !== 200 || json.errors !== undefined || json.data == null) {
          problems.push(`${servers[replica]!.name}: HTTP ${response.status} ${text.slice(0, 500)}`);
          return undefined;
        }
        return json.data;
      } catch (error) {
        problems.push(`${servers[replica]!.name}: ${String(error)}`);
        return undefined;
      }
    };
    const note = (replica: number, meta: Meta) => {
      if (meta.block === null) return problems.push(`${servers[replica]!.name}: no indexed block after /ready`);
      numbers[replica]!.push(BigInt(meta.block.number));
      const known = reported.get(meta.block.number);
      if (known !== undefined && known !== meta.block.hash)
        problems.push(`block ${meta.block.number} reported as ${known} and as ${meta.block.hash}`);
      reported.set(meta.block.number, meta.block.hash);
    };
    const meta = async (replica: number) => {
      const data = (await post(replica, { query: "{ _meta { block { number hash } } }" })) as
        { _meta: Meta } | undefined;
      if (data) note(replica, data._meta);
      return data?._meta.block?.hash;
    };
    /**
     * One sample: the fixed query between two `_meta` queries. A request's fields are separate statements (no
     * snapshot), so only when all three report the same block is the answer known to be that block's.
     */
    const sample = async (replica: number) => {
      const before = await meta(replica);
      const answer = (await post(replica, fixed)) as Answer | undefined;
      if (answer) note(replica, answer._meta);
      const after = await meta(replica);
      if (!answer || before === undefined || before !== after || answer._meta.block?.hash !== before) return;
      const text = JSON.stringify(answer);
      const earlier = answers[replica]!.get(before);
      if (earlier !== undefined && earlier !== text)
        problems.push(`${servers[replica]!.name} answered twice differently at block ${before}`);
      answers[replica]!.set(before, text);
    };

    /**
     * Asserts that `text`, an answer at the chain's current head, is the chain's truth: the head block, every model
     * registered with its status and epoch, and each account's balances as the engine (fed every ledger event of the
     * chain, as the property test proves equal to the contracts) computes them.
     */
    const expectChainTruth = (text: string, head: { number: bigint; hash: Hex }) => {
      const answer = JSON.parse(text) as Answer;
      assert.deepEqual(answer._meta.block, { number: head.number.toString(), hash: head.hash });
      const { ledger } = scenario.d;
      assert.equal(answer.models.totalCount, scenario.world.models.length);
      const byId = (a: { id: Hex }, b: { id: Hex }) => a.id.localeCompare(b.id);
      assert.deepEqual(
        answer.models.edges.map((e) => e.node).sort(byId),
        scenario.world.models
          .map(({ id, plan }) => {
            const { status, epoch } = ledger.model(id);
            return { id, key: plan.key, status: STATUS_NAMES[status], epoch };
          })
          .sort(byId),
        `models at block ${head.number}`,
      );
      const owed = new Map(
        scenario.d.tokens.map((t) => [t.address, ledger.owedAfterFullPropagation(t.address).accounts]),
      );
      for (const [i, account] of accounts.entries()) {
        const served = new Map(answer[`a${i}`]!.balances.map((b) => [getAddress(b.token), b]));
        for (const token of scenario.d.tokens) {
          const row = served.get(getAddress(token.address));
          const what = `${account} ${token.symbol} at block ${head.number}`;
          assert.equal(BigInt(row?.claimable ?? 0), ledger.claimable(account, token.address), `${what}: claimable`);
          assert.equal(
            BigInt(row?.owedAfterPropagation ?? 0),
            owed.get(token.address)!.get(getAddress(account)) ?? 0n,
            `${what}: owed after propagation`,
          );
        }
      }
      return answer;
    };

    // Both replicas sample continuously while the chain moves. After each round of actions, both must reach the new
    // head (a block both answered at, so the comparison below is never empty) and answer the chain's truth there.
    let sampling = true;
    const loops = urls.map(async (_, replica) => {
      while (sampling) {
        await sample(replica);
        await sleep(20);
      }
    });
    let final: Answer;
    try {
      const startedAt = await scenario.d.publicClient.getBlockNumber();
      for (let round = 0; round < ROUNDS; round++) {
        await scenario.act(ACTIONS_PER_ROUND);
        await sync(scenario.d);
        const block = await scenario.d.publicClient.getBlock();
        const head = { number: block.number, hash: block.hash };
        await waitFor(
          `both replicas answering at the head after round ${round} (block ${head.number})`,
          children,
          async () => (answers.every((a) => a.has(head.hash)) ? true : undefined),
        );
        final = expectChainTruth(answers[0]!.get(head.hash)!, head);
      }
      const mined = (await scenario.d.publicClient.getBlockNumber()) - startedAt;
      assert.ok(mined >= BigInt(ROUNDS * ACTIONS_PER_ROUND), `only ${mined} blocks mined`);
    } finally {
      sampling = false;
      await Promise.all(loops);
    }

    assert.deepEqual(problems, [], `${problems.length} of ${requests} responses went wrong`);
    // Neither replica went back in time (the scenario has no reorgs).
    for (const [replica, seen] of numbers.entries()) {
      const back = seen.findIndex((n, i) => i > 0 && n < seen[i - 1]!);
      assert.equal(back, -1, `${servers[replica]!.name} went from block ${seen[back - 1]} back to ${seen[back]}`);
    }
    // Every block reported, also in the middle of a round, is the chain's block at that number.
    for (const [number, hash] of reported) {
      const block = await scenario.d.publicClient.getBlock({ blockNumber: BigInt(number) });
      assert.equal(hash, block.hash, `block ${number}`);
    }
    // Wherever both answered at the same block, they answered the same.
    const shared = [...answers[0]!.keys()].filter((hash) => answers[1]!.has(hash));
    for (const hash of shared) assert.equal(answers[1]!.get(hash), answers[0]!.get(hash), `answers at ${hash}`);
    assert.ok(shared.length >= ROUNDS, `both replicas answered at only ${shared.length} common blocks`);
    assert.ok(reported.size > ROUNDS, `the replicas reported only ${reported.size} distinct blocks`);
    // The run changed what the query shows, so a stale answer would have been caught.
    assert.ok(
      final!.models.edges.some((e) => e.node.status !== "ACTIVE" || e.node.epoch > 0),
      "no model changed status or epoch",
    );
    const nonZero = accounts.flatMap((_, i) => final[`a${i}`]!.balances).filter((b) => b.claimable !== "0");
    assert.ok(nonZero.length >= 3, `only ${nonZero.length} non-zero balances`);
  });
});
