/**
 * `npm run bench:api`: builds a store holding a synthetic ecosystem of at least 10,000 models (families up to 5 hops
 * deep with merges, four lineages 30 hops deep, 5-50 contributors per model, a few hundred ETH payments and
 * propagations; see bench/apiEcosystem.ts), on PGlite and then on PostgreSQL. For each store it starts the API server
 * (`stemma serve`) and the load generator (bench/apiLoad.ts) as two separate processes, and measures p50 and p99
 * latency and requests per second at a fixed concurrency (2 for simulateRevenue, see SIMULATE_CONCURRENCY) over
 * keep-alive connections for: one model with its parents and contributors (rotating over 2,000 models), the
 * ancestors of a depth-30 model, the effective shares of a depth-30 model, simulateRevenue on a depth-30 model, and a
 * page of 100 models with their parents (walking the first 20 pages), once with the server's response cache (the
 * default) and once without ("(uncached)" rows; see UNCACHED). Every answer is
 * checked (HTTP 200, data, no errors); any failure fails the benchmark. Prints a table and writes
 * bench/results/api.json: { models, queries: [{ name, store, p50Ms, p99Ms, rps }], setup, stores }.
 *
 * Environment: STEMMA_BENCH_MODELS (default 10,000) for a quicker run, STEMMA_BENCH_CONCURRENCY (default 8),
 * STEMMA_BENCH_DURATION_MS (default 5,000 per query, after a 1,000 ms warm-up), STEMMA_BENCH_STORES (default
 * "pglite,postgres"), STEMMA_BENCH_ANALYZE=0 to skip the ANALYZE run after the build (see below).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";

import { freePort } from "../src/cli/childProcesses.js";
import { NATIVE_TOKEN } from "../src/core/constants.js";
import { ledgerAbi } from "../src/contracts/abis.js";
import { stopTestPostgres } from "../test/helpers/postgres.js";
import { freshStore, type StoreKind } from "../test/indexer/scenario.js";
import { buildStore, DEEP, planEcosystem, type BuildStats } from "./apiEcosystem.js";
import type { LoadPlan, LoadResult } from "./apiLoad.js";
import { sleep } from "../src/internal/sleep.js";

const MODELS = Number(process.env.STEMMA_BENCH_MODELS ?? 10_000);
const CONCURRENCY = Number(process.env.STEMMA_BENCH_CONCURRENCY ?? 8);
const DURATION_MS = Number(process.env.STEMMA_BENCH_DURATION_MS ?? 5_000);
const WARMUP_MS = 1_000;
/**
 * simulateRevenue replays and clones the whole ledger in the server's one thread (hundreds of ms per call at 10,000
 * models). With 8 such calls queued the event loop stalls for seconds, past Node's 5 s keep-alive timeout, and the
 * server drops connections ("socket hang up"); it is measured at a concurrency of 2 instead.
 */
const SIMULATE_CONCURRENCY = Math.min(2, CONCURRENCY);
const MIN_REQUESTS = 200;
/**
 * Each query runs twice: against the server as it runs by default, whose response cache answers a query repeated
 * since the indexer's last commit from memory (the bench's store does not change, so after the warm-up's pass every
 * answer is cached), and with `--cache-mb 0`, every request computed. The second set of rows carries this suffix.
 */
const UNCACHED = " (uncached)";
const ANALYZE = process.env.STEMMA_BENCH_ANALYZE !== "0";
const STORES = (process.env.STEMMA_BENCH_STORES ?? "pglite,postgres").split(",") as StoreKind[];
const TARGET = { p99Ms: { ancestors: 25, effectiveShares: 25 } as Record<string, number>, modelRps: 1_500 };

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
  effectiveShares: `query Shares($id: Bytes32!) { effectiveShares(model: $id) { kind party role numerator denominator ppm } }`,
  simulateRevenue: `query Simulate($id: Bytes32!, $token: Address!, $amount: BigInt!) {
    simulateRevenue(model: $id, token: $token, amount: $amount) { fee net accounts { account amount } } }`,
  modelsPage: `query Page($after: String) { models(first: 100, after: $after) {
    edges { node { id key parents { weightPpm parent { id } } } } pageInfo { endCursor } } }`,
};

const body = (query: string, variables: Record<string, unknown>) => JSON.stringify({ query, variables });

// ---------------------------------------------------------------- run

if (!Number.isSafeInteger(MODELS) || MODELS < 200) throw new Error("STEMMA_BENCH_MODELS must be at least 200");
const abi = ledgerAbi;
const ecosystem = planEcosystem(MODELS);
const deepest = Math.max(...ecosystem.models.map((m) => m.depth));
const contributorCounts = ecosystem.models.map((m) => m.contributors.length);
log(
  `ecosystem: ${ecosystem.models.length} models, ${ecosystem.models.filter((m) => m.parents.length > 1).length} merges, ` +
    `depth up to ${deepest}, ${Math.min(...contributorCounts)}-${Math.max(...contributorCounts)} contributors each ` +
    `(${contributorCounts.reduce((a, b) => a + b, 0)} entries)`,
);

const stride = Math.max(1, Math.floor(ecosystem.models.length / 2_000));
const rotation = ecosystem.models.filter((_, i) => i % stride === 0).map((m) => m.id);
const deepBodies = (query: string) => ecosystem.deepModels.map((id) => body(query, { id }));

const results: (LoadResult & { store: StoreKind })[] = [];
const stores: Record<string, BuildStats & { deepModelShares: number; deepModelAncestors: number }> = {};
for (const kind of STORES) {
  log(`\n${kind}: building the store...`);
  const { store, dispose, options } = await freshStore(kind);
  const work = mkdtempSync(join(tmpdir(), "stemma-bench-api-"));
  let server: ChildProcess | undefined;
  try {
    const stats = await buildStore(store, abi, ecosystem, log);
    // Planner statistics, as PostgreSQL's autovacuum gathers them soon after a backfill. PGlite has no autovacuum
    // and the indexer never runs ANALYZE: without this, the recursive ancestors query hash-joins a sequential scan
    // of model_parents at every hop (about 50x slower at depth 30). STEMMA_BENCH_ANALYZE=0 measures that state.
    if (ANALYZE) await store.exec("ANALYZE");
    const [deep] = await store.query<{ count: string }>(
      "SELECT count(*) AS count FROM effective_shares WHERE model_id = $1",
      [ecosystem.deepModels[0]],
    );
    await store.close();
    log(
      `${kind}: ${stats.models} models, ${stats.events} events, ${stats.effectiveShares} effective_shares rows ` +
        `in ${stats.seconds.toFixed(1)} s`,
    );

    // Cursors of the first pages, for the page query to walk, and the deep model's lineage size, read once.
    let started = await startServer(options);
    server = started.child;
    const cursors: (string | null)[] = [null];
    while (cursors.length < 20) {
      const data = await graphql<{ models: { pageInfo: { endCursor: string | null } } }>(
        started.url,
        QUERIES.modelsPage,
        { after: cursors[cursors.length - 1] },
      );
      if (!data.models.pageInfo.endCursor) break;
      cursors.push(data.models.pageInfo.endCursor);
    }
    const ancestors = await graphql<{ model: { ancestors: unknown[] } }>(started.url, QUERIES.ancestors, {
      id: ecosystem.deepModels[0],
    });
    stores[kind] = {
      ...stats,
      seconds: Number(stats.seconds.toFixed(1)),
      deepModelShares: Number(deep!.count),
      deepModelAncestors: ancestors.model.ancestors.length,
    };

    // The server as it runs by default (with its response cache), then with the cache off: every request computed.
    for (const cached of [true, false]) {
      if (!cached) {
        await stopServer(server);
        started = await startServer(options, ["--cache-mb", "0"]);
        server = started.child;
      }
      const suffix = cached ? "" : UNCACHED;
      const plan: LoadPlan = {
        url: `${started.url}/graphql`,
        concurrency: CONCURRENCY,
        warmupMs: WARMUP_MS,
        durationMs: DURATION_MS,
        minRequests: MIN_REQUESTS,
        queries: [
          { name: `model${suffix}`, bodies: rotation.map((id) => body(QUERIES.model, { id })) },
          { name: `ancestors${suffix}`, bodies: deepBodies(QUERIES.ancestors) },
          { name: `effectiveShares${suffix}`, bodies: deepBodies(QUERIES.effectiveShares) },
          {
            name: `simulateRevenue${suffix}`,
            concurrency: SIMULATE_CONCURRENCY,
            bodies: ecosystem.deepModels.map((id) =>
              body(QUERIES.simulateRevenue, { id, token: NATIVE_TOKEN, amount: "1000000000000000000" }),
            ),
          },
          { name: `modelsPage${suffix}`, bodies: cursors.map((after) => body(QUERIES.modelsPage, { after })) },
        ],
      };
      const planFile = join(work, "plan.json");
      writeFileSync(planFile, JSON.stringify(plan));
      log(
        `${kind}${suffix}: load at concurrency ${CONCURRENCY}, ${DURATION_MS} ms per query after a ${WARMUP_MS} ms warm-up`,
      );
      const generator = node(["bench/apiLoad.ts", planFile]);
      let stdout = "";
      generator.stdout!.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
      generator.stderr!.on("data", (chunk: Buffer) => process.stderr.write(chunk));
      const code = await exited(generator);
      if (code !== 0) throw new Error(`the load generator exited with ${code}`);
      const measured = JSON.parse(stdout) as LoadResult[];
      for (const r of measured) {
        if (r.failures > 0)
          throw new Error(`${kind} ${r.name}: ${r.failures} failed requests, first: ${r.firstFailure}`);
        results.push({ ...r, store: kind });
      }
    }
  } finally {
    if (server) await stopServer(server);
    await dispose();
    rmSync(work, { recursive: true, force: true });
  }
}
await stopTestPostgres();

// ---------------------------------------------------------------- report

const verdict = (r: LoadResult) => {
  if (r.name in TARGET.p99Ms) return r.p99Ms <= TARGET.p99Ms[r.name]! ? "yes" : "NO";
  if (r.name === "model") return r.rps >= TARGET.modelRps ? "yes" : "NO";
  return "";
};
const target = (name: string) =>
  name in TARGET.p99Ms ? `p99 <= ${TARGET.p99Ms[name]} ms` : name === "model" ? `>= ${TARGET.modelRps} req/s` : "";
console.log(
  `\nAPI benchmark: ${MODELS} models, concurrency ${CONCURRENCY}, ${DURATION_MS / 1000} s per query, ` +
    `server and load generator in separate processes\n`,
);
console.log(
  `${"query".padEnd(28)} ${"store".padEnd(9)} ${"p50 ms".padStart(8)} ${"p99 ms".padStart(8)} ${"req/s".padStart(7)}  ${"target".padEnd(18)} met`,
);
for (const r of results) {
  console.log(
    `${r.name.padEnd(28)} ${r.store.padEnd(9)} ${r.p50Ms.toFixed(2).padStart(8)} ${r.p99Ms.toFixed(2).padStart(8)} ${String(r.rps).padStart(7)}  ${target(r.name).padEnd(18)} ${verdict(r)}`,
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
  "bench/results/api.json",
  `${JSON.stringify(
    {
      models: MODELS,
      queries: results.map(({ name, store, p50Ms, p99Ms, rps }) => ({ name, store, p50Ms, p99Ms, rps })),
      setup: {
        analyze: ANALYZE,
        concurrency: CONCURRENCY,
        responseCache: `64 MB per replica (the default); rows named "...${UNCACHED}" ran with --cache-mb 0`,
        simulateRevenueConcurrency: SIMULATE_CONCURRENCY,
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
console.log("wrote bench/results/api.json");
