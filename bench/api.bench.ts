/**
 * `npm run bench:api`: the GraphQL API under load, in three phases (STEMMA_BENCH_PHASES, default all three):
 *
 * - `queries`: builds a store holding a synthetic ecosystem of 10,000 models (families up to 5 hops deep with merges,
 *   four lineages 30 hops deep, 5-50 contributors per model, a few hundred ETH payments and propagations; see
 *   bench/apiEcosystem.ts), on PGlite and then on PostgreSQL. For each store it starts the API server (`stemma serve`)
 *   and the load generator (bench/apiLoad.ts) as two separate processes, and measures p50 and p99 latency and
 *   requests per second at a fixed concurrency over keep-alive connections for: one model with its parents and
 *   contributors (rotating over 2,000 models), the ancestors of a depth-30 model, the first 100 effective shares of a
 *   depth-30 model, simulateRevenue on a depth-30 model, and a page of 100 models with their parents (walking the
 *   first 20 pages); once with the server's response cache (the default, `cache: "on"`), once without (`"off"`: every
 *   request computed).
 * - `mixed` (PostgreSQL): the five queries mixed (MIX weights) over models drawn by a Zipf law from all of them, with
 *   the response cache on, while this process commits a new block of payments every second into the store as the
 *   indexer commits (events, derived rows, checkpoint: the commit announcement empties the cache, as in production).
 *   Reports req/s, p50/p99 overall and per query, and the cache's hit rate (from the server's /metrics).
 * - `scaling` (PostgreSQL): single-model and ancestors p99 with the cache off on stores of other sizes
 *   (STEMMA_BENCH_SCALING, default "1000,100000"; 10,000 comes from the `queries` phase), and each store's build time.
 * - `subscriptions`: bench/apiSubscriptions.ts on one replica that indexes and serves in one process (as `stemma dev`),
 *   on each store of STEMMA_BENCH_STORES: indexing lag, single-model p99 and idle CPU with no subscribers and with
 *   5,000 idle SSE subscribers, then how many of them get their event after a payment.
 *
 * Every answer is checked (HTTP 200, data, no errors); any failure fails the benchmark. Prints tables and writes
 * bench/results/api.json: { models, queries: [{ name, store, cache, p50Ms, p99Ms, rps }], mixed: [{ store, rps, p50Ms,
 * p99Ms, hitRate, perQuery: [{ name, p50Ms, p99Ms }] }], scaling: [{ models, name, store, p99Ms, buildSeconds }],
 * subscriptions: { store, subscribers, lagMsBefore, lagMsDuring, modelP99MsBefore, modelP99MsDuring, idleCpuPct,
 * delivered, ... } (PGlite's, as `stemma dev` runs; `subscriptionsByStore` has every store's), setup, stores }. A run of some phases keeps the other phases' figures from the file.
 *
 * Environment: STEMMA_BENCH_MODELS (default 10,000), STEMMA_BENCH_CONCURRENCY (default 8), STEMMA_BENCH_DURATION_MS
 * (default 5,000 per query, after a 1,000 ms warm-up; the mixed phase runs 3x as long), STEMMA_BENCH_STORES (default
 * "pglite,postgres"), STEMMA_BENCH_ANALYZE=0 to skip the ANALYZE run after a build (see below).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";

import type { Hex } from "viem";

import { freePort } from "../src/cli/childProcesses.js";
import { NATIVE_TOKEN } from "../src/core/constants.js";
import { ledgerAbi } from "../src/contracts/abis.js";
import { sleep } from "../src/internal/sleep.js";
import type { Store } from "../src/store/types.js";
import { stopTestPostgres } from "../test/helpers/postgres.js";
import { freshStore, type StoreKind, type StoreOptions } from "../test/indexer/scenario.js";
import {
  buildStore,
  DEEP,
  planEcosystem,
  type BlockCommitter,
  type BuildStats,
  type Ecosystem,
} from "./apiEcosystem.js";
import type { LoadPlan, LoadResult, MixPlan, MixResult } from "./apiLoad.js";
import { benchSubscriptions, type SubscriptionsResult } from "./apiSubscriptions.js";

const MODELS = Number(process.env.STEMMA_BENCH_MODELS ?? 10_000);
const CONCURRENCY = Number(process.env.STEMMA_BENCH_CONCURRENCY ?? 8);
const DURATION_MS = Number(process.env.STEMMA_BENCH_DURATION_MS ?? 5_000);
const WARMUP_MS = 1_000;
const MIN_REQUESTS = 200;
const ANALYZE = process.env.STEMMA_BENCH_ANALYZE !== "0";
const STORES = (process.env.STEMMA_BENCH_STORES ?? "pglite,postgres").split(",") as StoreKind[];
const PHASES = new Set((process.env.STEMMA_BENCH_PHASES ?? "queries,mixed,scaling,subscriptions").split(","));
const SCALING_SIZES = (process.env.STEMMA_BENCH_SCALING ?? "1000,100000").split(",").map(Number);
/** How often the mixed phase commits a block, and how many payments each block holds. */
const BLOCK_MS = 1_000;
const PAYMENTS_PER_BLOCK = 5;
/** The mixed phase's share of each query: an explorer mostly shows models and pages, less often the money views. */
const MIX = { model: 40, modelsPage: 15, ancestors: 20, effectiveShares: 15, simulateRevenue: 10 };
const ZIPF_EXPONENT = 1;
const TARGET = {
  p99Ms: { model: 25, ancestors: 25, effectiveShares: 25, modelsPage: 50, simulateRevenue: 50 } as Record<
    string,
    number
  >,
  modelRps: 2_000,
  mixed: { p99Ms: 25, rps: 1_000 },
};

const log = (line: string) => process.stderr.write(`${line}\n`);
// ---------------------------------------------------------------- child processes

const children = new Set<ChildProcess>();
const killChildren = () => {
  for (const child of children) if (child.exitCode === null) child.kill("SIGKILL");
};
process.on("exit", killChildren);
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    killChildren();
    process.exit(130);
  });
}

function node(args: string[]): ChildProcess {
  const child = spawn(process.execPath, ["--import", "tsx", ...args], { stdio: ["ignore", "pipe", "pipe"] });
  children.add(child);
  child.once("exit", () => children.delete(child));
  return child;
}

const exited = (child: ChildProcess) =>
  new Promise<number | null>((resolve) => {
    if (child.exitCode !== null) resolve(child.exitCode);
    else child.once("exit", (code) => resolve(code));
  });

/** Starts the API server on the store and waits for /ready. */
async function startServer(options: { dataDir: string } | { databaseUrl: string }, extraArgs: string[] = []) {
  const port = await freePort();
  const storeArgs = "dataDir" in options ? ["--data-dir", options.dataDir] : ["--database", options.databaseUrl];
  const child = node(["src/cli/main.ts", "serve", "--port", String(port), ...storeArgs, ...extraArgs]);
  let stderr = "";
  child.stderr!.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
    for (const line of chunk.toString().trimEnd().split("\n")) log(`  [serve] ${line}`);
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the API server exited with ${child.exitCode}: ${stderr}`);
    if (Date.now() > deadline) throw new Error(`the API server was not ready within 60 s: ${stderr}`);
    if (stderr.includes("GraphQL API at")) {
      const ready = await fetch(`${url}/ready`).catch(() => null);
      if (ready?.status === 200) break;
    }
    await sleep(100);
  }
  return { child, url };
}

async function stopServer(server: ChildProcess) {
  if (server.exitCode !== null) return;
  server.kill("SIGTERM");
  const stopped = exited(server);
  const timeout = setTimeout(() => server.kill("SIGKILL"), 10_000);
  await stopped;
  clearTimeout(timeout);
}

async function graphql<T>(url: string, query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const response = await fetch(`${url}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ query, variables }),
  });
  const json = (await response.json()) as { data?: T; errors?: unknown };
  if (response.status !== 200 || json.errors || !json.data) throw new Error(`GraphQL failed: ${JSON.stringify(json)}`);
  return json.data;
}

// ---------------------------------------------------------------- the queries

const QUERIES = {
  model: `query Model($id: Bytes32!) { model(id: $id) { id key steward status upstreamPpm
    parents { relation weightPpm parent { id key } } contributors { account role weightPpm } } }`,
  ancestors: `query Ancestors($id: Bytes32!) { model(id: $id) { ancestors(maxDepth: ${DEEP}) { depth model { id key } } } }`,
  effectiveShares: `query Shares($id: Bytes32!) { effectiveShares(model: $id, first: 100) {
    totalCount edges { node { kind party role numerator denominator ppm } } } }`,
  simulateRevenue: `query Simulate($id: Bytes32!, $token: Address!, $amount: BigInt!) {
    simulateRevenue(model: $id, token: $token, amount: $amount) { fee net accounts { account amount } } }`,
  modelsPage: `query Page($after: String) { models(first: 100, after: $after) {
    edges { node { id key parents { weightPpm parent { id } } } } pageInfo { endCursor } } }`,
};
type QueryName = keyof typeof QUERIES;

const body = (query: string, variables: Record<string, unknown>) => JSON.stringify({ query, variables });
const modelBody = (name: Exclude<QueryName, "modelsPage">, id: Hex) =>
  body(QUERIES[name], name === "simulateRevenue" ? { id, token: NATIVE_TOKEN, amount: "1000000000000000000" } : { id });

/** The single-model bodies, over about 2,000 models spread through the ecosystem. */
function modelRotation({ models }: Ecosystem): string[] {
  const stride = Math.max(1, Math.floor(models.length / 2_000));
  return models.filter((_, i) => i % stride === 0).map((m) => modelBody("model", m.id));
}

/** A plan that runs `queries` one after the other at the bench's concurrency, warm-up and duration. */
const queryPlan = (url: string, queries: LoadPlan["queries"]): LoadPlan => ({
  url: `${url}/graphql`,
  concurrency: CONCURRENCY,
  warmupMs: WARMUP_MS,
  durationMs: DURATION_MS,
  minRequests: MIN_REQUESTS,
  queries,
});

/** The cursors of the first `pages` pages of models (null: the first page). */
async function pageCursors(url: string, pages: number): Promise<(string | null)[]> {
  const cursors: (string | null)[] = [null];
  while (cursors.length < pages) {
    const data = await graphql<{ models: { pageInfo: { endCursor: string | null } } }>(url, QUERIES.modelsPage, {
      after: cursors[cursors.length - 1],
    });
    if (!data.models.pageInfo.endCursor) break;
    cursors.push(data.models.pageInfo.endCursor);
  }
  return cursors;
}

/** Runs the load generator on `plan` in its own process; fails on any failed request. */
async function runLoad<Result extends LoadResult>(work: string, plan: LoadPlan | MixPlan): Promise<Result[]> {
  const planFile = join(work, "plan.json");
  writeFileSync(planFile, JSON.stringify(plan));
  const generator = node(["bench/apiLoad.ts", planFile]);
  let stdout = "";
  generator.stdout!.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  generator.stderr!.on("data", (chunk: Buffer) => process.stderr.write(chunk));
  const code = await exited(generator);
  if (code !== 0) throw new Error(`the load generator exited with ${code}`);
  const measured = JSON.parse(stdout) as Result[];
  for (const r of measured) {
    if (r.failures > 0) throw new Error(`${r.name}: ${r.failures} failed requests, first: ${r.firstFailure}`);
  }
  return measured;
}

/** A fresh store of `kind` holding `ecosystem`, with planner statistics; its figures; a committer of new blocks. */
async function builtStore(kind: StoreKind, ecosystem: Ecosystem) {
  log(`\n${kind}: building a store of ${ecosystem.models.length} models...`);
  const fresh = await freshStore(kind);
  const { stats, commitBlock } = await buildStore(fresh.store, ledgerAbi, ecosystem, log);
  // Planner statistics, as PostgreSQL's autovacuum gathers them soon after a backfill. PGlite has no autovacuum
  // and the indexer never runs ANALYZE: without this, the recursive ancestors query hash-joins a sequential scan
  // of model_parents at every hop (about 50x slower at depth 30). STEMMA_BENCH_ANALYZE=0 measures that state.
  if (ANALYZE) await fresh.store.exec("ANALYZE");
  log(
    `${kind}: ${stats.models} models, ${stats.events} events, ${stats.effectiveShares} effective_shares rows ` +
      `in ${stats.seconds.toFixed(1)} s`,
  );
  return { ...fresh, stats, commitBlock };
}

/** Cache lookups so far, from the server's /metrics. */
async function cacheLookups(url: string): Promise<{ hits: number; misses: number }> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const count = (result: string) =>
    Number(new RegExp(`stemma_api_cache_lookups_total\\{result="${result}"\\} (\\d+)`).exec(text)?.[1] ?? 0);
  return { hits: count("hit"), misses: count("miss") };
}

/**
 * Commits a block of PAYMENTS_PER_BLOCK payments to models drawn from `models` every BLOCK_MS until stopped;
 * resolves with how many blocks it committed.
 */
function commitEverySecond(commitBlock: BlockCommitter, models: readonly Hex[]) {
  let stopped = false;
  let blocks = 0;
  const running = (async () => {
    let draw = 0;
    while (!stopped) {
      const started = performance.now();
      const paid = Array.from({ length: PAYMENTS_PER_BLOCK }, () => models[(draw++ * 7_919) % models.length]!);
      await commitBlock(paid);
      blocks++;
      await sleep(Math.max(0, BLOCK_MS - (performance.now() - started)));
    }
    return blocks;
  })();
  return {
    stop() {
      stopped = true;
      return running;
    },
  };
}

// ---------------------------------------------------------------- the phases

type QueryRow = { name: string; store: StoreKind; cache: "on" | "off"; p50Ms: number; p99Ms: number; rps: number };
type MixedRow = {
  store: StoreKind;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  hitRate: number;
  blocks: number;
  perQuery: { name: string; p50Ms: number; p99Ms: number }[];
};
type ScalingRow = { models: number; name: string; store: StoreKind; p99Ms: number; buildSeconds: number };
type StoreFigures = BuildStats & { deepModelShares: number; deepModelAncestors: number };

/** The five queries, with the response cache on and then off. */
async function queriesPhase(
  kind: StoreKind,
  options: StoreOptions,
  ecosystem: Ecosystem,
  work: string,
): Promise<QueryRow[]> {
  const rows: QueryRow[] = [];
  for (const cache of ["on", "off"] as const) {
    const server = await startServer(options, cache === "on" ? [] : ["--cache-mb", "0"]);
    try {
      const cursors = await pageCursors(server.url, 20);
      log(
        `${kind}, cache ${cache}: load at concurrency ${CONCURRENCY}, ${DURATION_MS} ms per query after a ${WARMUP_MS} ms warm-up`,
      );
      const measured = await runLoad(
        work,
        queryPlan(server.url, [
          { name: "model", bodies: modelRotation(ecosystem) },
          ...(["ancestors", "effectiveShares", "simulateRevenue"] as const).map((name) => ({
            name,
            bodies: ecosystem.deepModels.map((id) => modelBody(name, id)),
          })),
          { name: "modelsPage", bodies: cursors.map((after) => body(QUERIES.modelsPage, { after })) },
        ]),
      );
      rows.push(...measured.map(({ name, p50Ms, p99Ms, rps }) => ({ name, store: kind, cache, p50Ms, p99Ms, rps })));
    } finally {
      await stopServer(server.child);
    }
  }
  return rows;
}

/** The Zipf mix with the cache on, while blocks are committed every second. */
async function mixedPhase(
  kind: StoreKind,
  options: StoreOptions,
  ecosystem: Ecosystem,
  commitBlock: BlockCommitter,
  work: string,
): Promise<MixedRow> {
  // Popularity: a seeded shuffle of all models, the same order for every query.
  const order = [...ecosystem.models.map((m) => m.id)];
  let seed = 12_345;
  for (let i = order.length - 1; i > 0; i--) {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    const j = seed % (i + 1);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const server = await startServer(options);
  try {
    const cursors = await pageCursors(server.url, Math.ceil(ecosystem.models.length / 100));
    const before = await cacheLookups(server.url);
    const committer = commitEverySecond(commitBlock, order);
    const durationMs = DURATION_MS * 3;
    log(
      `${kind}, mixed: ${Object.entries(MIX)
        .map(([name, weight]) => `${name} ${weight}%`)
        .join(", ")}; Zipf over ${order.length} models; a block every ${BLOCK_MS} ms; ${durationMs} ms`,
    );
    let result: MixResult;
    let blocks: number;
    try {
      [result] = (await runLoad<MixResult>(work, {
        url: `${server.url}/graphql`,
        concurrency: CONCURRENCY,
        warmupMs: WARMUP_MS,
        durationMs,
        seed: 1,
        zipfExponent: ZIPF_EXPONENT,
        mix: (Object.keys(MIX) as QueryName[]).map((name) => ({
          name,
          weight: MIX[name],
          bodies:
            name === "modelsPage"
              ? cursors.map((after) => body(QUERIES.modelsPage, { after }))
              : order.map((id) => modelBody(name, id)),
        })),
      })) as [MixResult];
    } finally {
      blocks = await committer.stop();
    }
    const after = await cacheLookups(server.url);
    const hits = after.hits - before.hits;
    const lookups = hits + after.misses - before.misses;
    return {
      store: kind,
      rps: result.rps,
      p50Ms: result.p50Ms,
      p99Ms: result.p99Ms,
      hitRate: Number((lookups ? hits / lookups : 0).toFixed(3)),
      blocks,
      perQuery: result.perQuery.map(({ name, p50Ms, p99Ms }) => ({ name, p50Ms, p99Ms })),
    };
  } finally {
    await stopServer(server.child);
  }
}

/** Single-model and ancestors p99, cache off, on a store built by the caller. */
async function scalingPhase(
  kind: StoreKind,
  options: StoreOptions,
  ecosystem: Ecosystem,
  buildSeconds: number,
  work: string,
): Promise<ScalingRow[]> {
  const server = await startServer(options, ["--cache-mb", "0"]);
  try {
    const measured = await runLoad(
      work,
      queryPlan(server.url, [
        { name: "model", bodies: modelRotation(ecosystem) },
        { name: "ancestors", bodies: ecosystem.deepModels.map((id) => modelBody("ancestors", id)) },
      ]),
    );
    return measured.map(({ name, p99Ms }) => ({
      models: ecosystem.models.length,
      name,
      store: kind,
      p99Ms,
      buildSeconds: Number(buildSeconds.toFixed(1)),
    }));
  } finally {
    await stopServer(server.child);
  }
}

// ---------------------------------------------------------------- run

if (!Number.isSafeInteger(MODELS) || MODELS < 200) throw new Error("STEMMA_BENCH_MODELS must be at least 200");
const ecosystem = planEcosystem(MODELS);
const deepest = Math.max(...ecosystem.models.map((m) => m.depth));
const contributorCounts = ecosystem.models.map((m) => m.contributors.length);
log(
  `ecosystem: ${ecosystem.models.length} models, ${ecosystem.models.filter((m) => m.parents.length > 1).length} merges, ` +
    `depth up to ${deepest}, ${Math.min(...contributorCounts)}-${Math.max(...contributorCounts)} contributors each ` +
    `(${contributorCounts.reduce((a, b) => a + b, 0)} entries)`,
);

const RESULTS = "bench/results/api.json";
const previous = existsSync(RESULTS)
  ? (JSON.parse(readFileSync(RESULTS, "utf8")) as {
      queries?: QueryRow[];
      mixed?: MixedRow[];
      scaling?: ScalingRow[];
      subscriptionsByStore?: SubscriptionsResult[];
      stores?: Record<string, StoreFigures>;
    })
  : {};
const queries: QueryRow[] = PHASES.has("queries") ? [] : (previous.queries ?? []);
const mixed: MixedRow[] = PHASES.has("mixed") ? [] : (previous.mixed ?? []);
let scaling: ScalingRow[] = PHASES.has("scaling") ? [] : (previous.scaling ?? []);
let subscriptionsByStore: SubscriptionsResult[] = PHASES.has("subscriptions")
  ? []
  : (previous.subscriptionsByStore ?? []);
const stores: Record<string, StoreFigures> = PHASES.has("queries") ? {} : (previous.stores ?? {});
const work = mkdtempSync(join(tmpdir(), "stemma-bench-api-"));

try {
  for (const kind of STORES) {
    const wantsMixed = PHASES.has("mixed") && kind === "postgres";
    const wantsScaling = PHASES.has("scaling") && kind === "postgres";
    if (!PHASES.has("queries") && !wantsMixed && !wantsScaling) continue;
    const built = await builtStore(kind, ecosystem);
    try {
      const figures = await deepModelFigures(built.store, ecosystem);
      stores[kind] = { ...built.stats, seconds: Number(built.stats.seconds.toFixed(1)), ...figures };
      // PGlite is one process's: the server opens it once the builder let it go. The PostgreSQL store stays open
      // for the mixed phase's commits.
      if (kind === "pglite") await built.store.close();
      if (PHASES.has("queries")) queries.push(...(await queriesPhase(kind, built.options, ecosystem, work)));
      if (wantsMixed) mixed.push(await mixedPhase(kind, built.options, ecosystem, built.commitBlock, work));
      if (wantsScaling) {
        const tenThousand = await scalingPhase(kind, built.options, ecosystem, built.stats.seconds, work);
        scaling.push(...tenThousand);
      }
    } finally {
      await built.dispose();
    }
  }
  if (PHASES.has("scaling")) {
    for (const size of SCALING_SIZES.filter((n) => n !== MODELS)) {
      const sized = planEcosystem(size);
      const built = await builtStore("postgres", sized);
      try {
        scaling.push(...(await scalingPhase("postgres", built.options, sized, built.stats.seconds, work)));
      } finally {
        await built.dispose();
      }
    }
    scaling = scaling.sort((a, b) => a.models - b.models || a.name.localeCompare(b.name));
  }
  if (PHASES.has("subscriptions")) {
    log("\nsubscriptions: one replica indexing and serving, with 5,000 idle SSE subscribers");
    subscriptionsByStore = await benchSubscriptions({ stores: STORES, subscribers: 5_000 });
  }
} finally {
  rmSync(work, { recursive: true, force: true });
  await stopTestPostgres();
}

/** How many effective shares and ancestors the first deep model has. */
async function deepModelFigures(store: Store, { deepModels }: Ecosystem) {
  const [shares] = await store.query<{ count: string }>(
    "SELECT count(*) AS count FROM effective_shares WHERE model_id = $1",
    [deepModels[0]],
  );
  const [ancestors] = await store.query<{ count: string }>(
    `WITH RECURSIVE walk(id) AS (SELECT parent_id FROM model_parents WHERE model_id = $1
       UNION SELECT p.parent_id FROM model_parents p JOIN walk ON p.model_id = walk.id)
     SELECT count(*) AS count FROM walk`,
    [deepModels[0]],
  );
  return { deepModelShares: Number(shares!.count), deepModelAncestors: Number(ancestors!.count) };
}

// ---------------------------------------------------------------- report

const met = (ok: boolean) => (ok ? "yes" : "NO");
console.log(
  `\nAPI benchmark: ${MODELS} models, concurrency ${CONCURRENCY}, ${DURATION_MS / 1000} s per query, ` +
    `server and load generator in separate processes\n`,
);
if (queries.length) {
  console.log(
    `${"query".padEnd(16)} ${"store".padEnd(9)} cache ${"p50 ms".padStart(8)} ${"p99 ms".padStart(8)} ${"req/s".padStart(7)}  target (cache off)`,
  );
  for (const r of queries) {
    const p99Target = TARGET.p99Ms[r.name]!;
    const target =
      r.cache === "off"
        ? `p99 <= ${p99Target} ms${r.name === "model" ? `, >= ${TARGET.modelRps} req/s` : ""}: ${met(r.p99Ms <= p99Target && (r.name !== "model" || r.rps >= TARGET.modelRps))}`
        : "";
    console.log(
      `${r.name.padEnd(16)} ${r.store.padEnd(9)} ${r.cache.padEnd(5)} ${r.p50Ms.toFixed(2).padStart(8)} ${r.p99Ms.toFixed(2).padStart(8)} ${String(r.rps).padStart(7)}  ${target}`,
    );
  }
}
for (const m of mixed) {
  console.log(
    `\nmixed (${m.store}, cache on, a block per second: ${m.blocks} blocks): ${m.rps} req/s, p50 ${m.p50Ms} ms, ` +
      `p99 ${m.p99Ms} ms, cache hit rate ${(m.hitRate * 100).toFixed(1)}%; target p99 <= ${TARGET.mixed.p99Ms} ms at ` +
      `>= ${TARGET.mixed.rps} req/s: ${met(m.p99Ms <= TARGET.mixed.p99Ms && m.rps >= TARGET.mixed.rps)}`,
  );
  for (const q of m.perQuery) console.log(`  ${q.name.padEnd(16)} p50 ${q.p50Ms} ms, p99 ${q.p99Ms} ms`);
}
if (scaling.length) {
  console.log("\nscaling (cache off):");
  for (const s of scaling) {
    console.log(
      `  ${String(s.models).padStart(7)} models ${s.store.padEnd(9)} ${s.name.padEnd(10)} p99 ${s.p99Ms} ms (store built in ${s.buildSeconds} s)`,
    );
  }
}
for (const r of subscriptionsByStore) {
  console.log(
    `\nsubscriptions (${r.store}, indexer and API in one process): ${r.subscribers} idle subscribers; lag median ` +
      `${r.lagMsBefore} -> ${r.lagMsDuring} ms, model p99 ${r.modelP99MsBefore} -> ${r.modelP99MsDuring} ms, idle CPU ` +
      `${r.idleCpuPct}%, ${r.delivered} of ${r.subscribers} got their event`,
  );
}
for (const [kind, s] of Object.entries(stores)) {
  console.log(
    `\n${kind}: built in ${s.seconds} s: ${s.models} models, ${s.events} events, ${s.effectiveShares} effective_shares ` +
      `rows; a depth-${DEEP} model has ${s.deepModelAncestors} ancestors and ${s.deepModelShares} effective shares`,
  );
}

mkdirSync("bench/results", { recursive: true });
writeFileSync(
  RESULTS,
  `${JSON.stringify(
    {
      models: MODELS,
      queries,
      mixed,
      scaling,
      subscriptions: subscriptionsByStore.find((r) => r.store === "pglite") ?? subscriptionsByStore[0] ?? null,
      subscriptionsByStore,
      setup: {
        analyze: ANALYZE,
        concurrency: CONCURRENCY,
        responseCache: '64 MB per replica (the default) for rows with cache "on"; --cache-mb 0 for "off"',
        mix: MIX,
        zipfExponent: ZIPF_EXPONENT,
        blockEveryMs: BLOCK_MS,
        paymentsPerBlock: PAYMENTS_PER_BLOCK,
        warmupMs: WARMUP_MS,
        durationMs: DURATION_MS,
        cpus: cpus().length,
      },
      stores,
    },
    null,
    2,
  )}\n`,
);
console.log(`wrote ${RESULTS}`);
