/**
 * The API benchmark's load generator, run by bench/api.bench.ts as its own process (so that generating load does not
 * share an event loop with the server or the orchestrator): `node --import tsx bench/apiLoad.ts PLAN.json`.
 *
 * For each query of the plan, in order: one request alone (a cold path such as the simulation's first replay is
 * not measured), a warm-up of `warmupMs` and at least one pass over the query's bodies, then `concurrency` keep-alive connections each sending the next request as
 * soon as its previous answer is in (a query may set its own concurrency), for `durationMs` and at least `minRequests` requests. The request bodies of a
 * query are used in turn. Every answer must be HTTP 200 with `data` and no `errors` (see failureOf); failures are counted.
 * Prints one JSON array to stdout: per query, p50 and p99 latency (ms, from the sorted latencies) and requests per
 * second (completed / elapsed).
 *
 * A plan with `mix` instead runs one mixed load after a warm-up: each request picks a query by its weight, then one
 * of its bodies by a Zipf law over their order (the first body is the most asked for: a popular model), from a
 * seeded generator. It prints one result whose `perQuery` gives each query's share of the latencies.
 */
import { readFileSync } from "node:fs";
import { Agent, request } from "node:http";

import { mulberry32 } from "../test/helpers/mulberry32.js";

export type LoadPlan = {
  url: string;
  concurrency: number;
  warmupMs: number;
  durationMs: number;
  minRequests: number;
  /** `concurrency` overrides the plan's for one query. */
  queries: { name: string; bodies: string[]; concurrency?: number }[];
};

/** A mixed load: `bodies` of each query in the order of popularity, the same model at the same rank in each. */
export type MixPlan = {
  url: string;
  concurrency: number;
  warmupMs: number;
  durationMs: number;
  seed: number;
  /** The Zipf law's exponent: rank k is asked for in proportion to 1 / k^exponent. */
  zipfExponent: number;
  mix: { name: string; weight: number; bodies: string[] }[];
};

export type MixResult = LoadResult & { perQuery: { name: string; requests: number; p50Ms: number; p99Ms: number }[] };

export type LoadResult = {
  name: string;
  requests: number;
  failures: number;
  firstFailure: string | null;
  p50Ms: number;
  p99Ms: number;
  rps: number;
};

const plan = JSON.parse(readFileSync(process.argv[2]!, "utf8")) as LoadPlan | MixPlan;
const url = new URL(plan.url);
/** One POST; resolves with the status and body (never rejects: a network error is a failure with status 0). */
/** An answer: its status and body bytes (decoded only to report a failure). */
type Answer = { status: number; body: Buffer };

function post(agent: Agent, body: string): Promise<Answer> {
  return new Promise((resolve) => {
    const req = request(
      {
        agent,
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: "POST",
        headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
        res.on("error", (error) => resolve({ status: 0, body: Buffer.from(String(error)) }));
      },
    );
    req.on("error", (error) => resolve({ status: 0, body: Buffer.from(String(error)) }));
    req.end(body);
  });
}

const DATA_START = Buffer.from('{"data":{');
const ERRORS_KEY = Buffer.from('"errors":');
const CLOSING_BRACE = "}".charCodeAt(0);

/**
 * Why an answer is not a success, or null. It reads the answer's shape in its bytes, not the whole JSON: parsing (or
 * even decoding) every answer (400 KB for the effective shares of a deep model) would spend the machine's CPU on the
 * load generator rather than on the server being measured. A GraphQL error always comes as an `errors` key.
 */
function failureOf({ status, body }: Answer): string | null {
  const excerpt = (from = 0) => body.subarray(from, from + 300).toString("utf8");
  if (status !== 200) return `HTTP ${status}: ${excerpt()}`;
  if (!body.subarray(0, DATA_START.length).equals(DATA_START) || body[body.length - 1] !== CLOSING_BRACE)
    return `not a GraphQL result with data: ${excerpt()}`;
  const errors = body.indexOf(ERRORS_KEY);
  if (errors >= 0) return `errors: ${excerpt(errors)}`;
  return null;
}

/** Runs `concurrency` loops until `until()` says stop; returns each latency (ms) and the elapsed time. */
async function load(
  bodies: readonly string[],
  concurrency: number,
  until: (done: number, elapsedMs: number) => boolean,
) {
  let next = 0;
  return loadOf(() => ({ body: bodies[next++ % bodies.length]!, label: 0 }), concurrency, until);
}

/** As {load}, with `pick` choosing each request's body; `labels` holds each latency's label, in the same order. */
async function loadOf(
  pick: () => { body: string; label: number },
  concurrency: number,
  until: (done: number, elapsedMs: number) => boolean,
) {
  // Fresh connections for each phase: a connection left idle by an earlier phase (or while the server was busy with
  // a cold first request) may be closed by the server's keep-alive timeout just as it is reused.
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const latencies: number[] = [];
  const labels: number[] = [];
  let failures = 0;
  let firstFailure: string | null = null;
  const started = performance.now();
  const worker = async () => {
    while (!until(latencies.length, performance.now() - started)) {
      const { body, label } = pick();
      const sent = performance.now();
      const answer = await post(agent, body);
      latencies.push(performance.now() - sent);
      labels.push(label);
      const failure = failureOf(answer);
      if (failure) {
        failures++;
        firstFailure ??= failure;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  agent.destroy();
  return { latencies, labels, failures, firstFailure, elapsedMs: performance.now() - started };
}

/** The value at quantile `p` of sorted latencies, rounded to 0.01 ms. */
function quantile(sorted: readonly number[], p: number): number {
  return Number(sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]!.toFixed(2));
}

/** A sampler of ranks 0..n-1 by a Zipf law (rank k drawn in proportion to 1 / (k + 1)^exponent). */
function zipf(n: number, exponent: number, random: () => number): () => number {
  const cumulative: number[] = [];
  let total = 0;
  for (let k = 1; k <= n; k++) cumulative.push((total += 1 / k ** exponent));
  return () => {
    const target = random() * total;
    let low = 0;
    let high = n - 1;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (cumulative[middle]! < target) low = middle + 1;
      else high = middle;
    }
    return low;
  };
}

async function runMix(plan: MixPlan): Promise<MixResult> {
  // Seeded, so that every run asks the same sequence.
  const random = mulberry32(plan.seed);
  const totalWeight = plan.mix.reduce((sum, q) => sum + q.weight, 0);
  const ranks = plan.mix.map((q) => zipf(q.bodies.length, plan.zipfExponent, random));
  const pick = () => {
    let roll = random() * totalWeight;
    let label = 0;
    while (roll >= plan.mix[label]!.weight && label < plan.mix.length - 1) roll -= plan.mix[label++]!.weight;
    return { body: plan.mix[label]!.bodies[ranks[label]!()]!, label };
  };
  const warm = await loadOf(pick, plan.concurrency, (_, elapsed) => elapsed >= plan.warmupMs);
  const run = await loadOf(pick, plan.concurrency, (_, elapsed) => elapsed >= plan.durationMs);
  const sorted = [...run.latencies].sort((a, b) => a - b);
  return {
    name: "mixed",
    requests: sorted.length,
    failures: warm.failures + run.failures,
    firstFailure: warm.firstFailure ?? run.firstFailure,
    p50Ms: quantile(sorted, 0.5),
    p99Ms: quantile(sorted, 0.99),
    rps: Math.round(sorted.length / (run.elapsedMs / 1000)),
    perQuery: plan.mix.map((q, label) => {
      const own = run.latencies.filter((_, i) => run.labels[i] === label).sort((a, b) => a - b);
      return { name: q.name, requests: own.length, p50Ms: quantile(own, 0.5), p99Ms: quantile(own, 0.99) };
    }),
  };
}

if ("mix" in plan) {
  const result = await runMix(plan);
  process.stderr.write(
    `    mixed: ${result.requests} requests at concurrency ${plan.concurrency}, p50 ${result.p50Ms} ms, p99 ${result.p99Ms} ms, ${result.rps} req/s\n`,
  );
  process.stdout.write(`${JSON.stringify([result])}\n`);
  process.exit(0);
}

const results: LoadResult[] = [];
for (const query of plan.queries) {
  const alone = new Agent({ keepAlive: false });
  const first = failureOf(await post(alone, query.bodies[0]!));
  alone.destroy();
  if (first) throw new Error(`${query.name}: the first request failed: ${first}`);
  const concurrency = query.concurrency ?? plan.concurrency;
  // Warm up for warmupMs and at least one pass over the bodies, so that the measured phase sees the server's steady
  // state (for a server with a response cache: every body answered once since the last commit).
  const warm = await load(
    query.bodies,
    concurrency,
    (done, elapsed) => elapsed >= plan.warmupMs && done >= query.bodies.length,
  );
  const run = await load(
    query.bodies,
    concurrency,
    (done, elapsed) => elapsed >= plan.durationMs && done >= plan.minRequests,
  );
  const sorted = [...run.latencies].sort((a, b) => a - b);
  const result = {
    name: query.name,
    requests: sorted.length,
    failures: warm.failures + run.failures,
    firstFailure: warm.firstFailure ?? run.firstFailure,
    p50Ms: quantile(sorted, 0.5),
    p99Ms: quantile(sorted, 0.99),
    rps: Math.round(sorted.length / (run.elapsedMs / 1000)),
  };
  results.push(result);
  process.stderr.write(
    `    ${query.name}: ${sorted.length} requests at concurrency ${concurrency}, p50 ${result.p50Ms} ms, p99 ${result.p99Ms} ms\n`,
  );
}
process.stdout.write(`${JSON.stringify(results)}\n`);
