/**
 * `npm run bench:indexer`: seeds a local `hardhat node` with at least 100,000 ledger events (registrations,
 * payments, propagations, claims), then measures a cold backfill on PGlite and on PostgreSQL, and live latency
 * (transaction mined to its effect visible in the database) over 200 transactions. Backfill figures are the median
 * of three runs into an empty database. Prints a table and writes
 * bench/results/indexer.json: { events, backfill: { pglite: { seconds, eventsPerSec }, postgres: {...} },
 * live: { medianMs, p99Ms } }. STEMMA_BENCH_EVENTS sets another event count (for a quick run).
 */
import { mkdirSync, writeFileSync } from "node:fs";

import { keccak256, parseEther, toHex, type Address, type Hex } from "viem";

import { NATIVE_TOKEN, Relation } from "../src/core/constants.js";
import { contributorClaim } from "../src/core/contributorClaim.js";
import { contributorTree } from "../src/core/contributorTree.js";
import { modelId } from "../src/core/modelId.js";
import type { Contributor, ContributorTree, ParentEdge } from "../src/core/types.js";
import { ledgerAbi } from "../src/contracts/abis.js";
import { createLogger } from "../src/internal/logger.js";
import { createRpcClient } from "../src/chain/rpc/createRpcClient.js";
import type { Store } from "../src/store/types.js";
import { createIndexer } from "../src/indexer/sync/createIndexer.js";
import { stopTestPostgres } from "../test/helpers/postgres.js";
import { freshStore, ledgerOnlyRecord } from "../test/indexer/scenario.js";
import { sleep } from "../src/internal/sleep.js";
import { deployBenchLedger } from "./benchLedger.js";

const TARGET_EVENTS = Number(process.env.STEMMA_BENCH_EVENTS ?? 100_000);
const MODELS = 200;
const CONTRIBUTORS_PER_MODEL = 5;
const PAYS_PER_TX = 150;
const LIVE_TRANSACTIONS = 200;

const log = (line: string) => process.stderr.write(`${line}\n`);

// ---------------------------------------------------------------- chain and seed

const { node, connection, publicClient, admin, payer, router, registry, bulk, startBlock } = await deployBenchLedger();
const ledgerAddresses = new Set([router.address.toLowerCase(), registry.address.toLowerCase()]);

let events = 0;
async function mined(hash: Hex) {
  const receipt = await publicClient.waitForTransactionReceipt({ hash });
  if (receipt.status !== "success") throw new Error(`transaction ${hash} reverted`);
  events += receipt.logs.filter((l) => ledgerAddresses.has(l.address.toLowerCase())).length;
  return receipt;
}

const accounts: Address[] = Array.from(
  { length: 60 },
  (_, i) => `0x${keccak256(toHex(`bench-account-${i}`)).slice(26)}` as Address,
);
type Model = { id: Hex; parents: ParentEdge[]; tree: ContributorTree };
const models: Model[] = [];
log(`seeding ${TARGET_EVENTS} ledger events on ${node.url}...`);
for (let i = 0; i < MODELS; i++) {
  const key = `bench:model-${i}`;
  const parentCount = i < 20 ? 0 : 1 + (i % 2);
  const parents: ParentEdge[] = Array.from({ length: parentCount }, (_, p) => ({
    parentId: models[(i * 7 + p * 13) % models.length]!.id,
    relation: p === 0 ? Relation.FINETUNE : Relation.MERGE,
    weightPpm: parentCount === 1 ? 1_000_000 : 500_000,
  }));
  const contributors: Contributor[] = Array.from({ length: CONTRIBUTORS_PER_MODEL }, (_, c) => ({
    account: accounts[(i * 3 + c * 11) % accounts.length]!,
    role: c % 11,
    weightPpm: 200_000,
  }));
  await mined(
    await registry.write.register([
      {
        key,
        steward: admin.account.address,
        upstreamPpm: parentCount === 0 ? 0 : 150_000 + (i % 5) * 50_000,
        parents,
        expectedParentTerms: parents.map(() => ({ derivativesAllowed: true, minDerivativePpm: 0 })),
        contributors,
        terms: { derivativesAllowed: true, minDerivativePpm: 0 },
        weightsDigest: keccak256(toHex(key)),
        metadataURI: "",
        license: "Apache-2.0",
      },
    ]),
  );
  models.push({ id: modelId(key), parents, tree: contributorTree(contributors) });
}

const derived = models.filter((m) => m.parents.length > 0);
const payRound = async (round: number) => {
  const ids = Array.from({ length: PAYS_PER_TX }, (_, k) => models[(round * 31 + k * 17) % models.length]!.id);
  const each = parseEther("0.001") + BigInt(round);
  await mined(await bulk.write.payMany([ids, each], { account: payer.account, value: each * BigInt(ids.length) }));
};
const propagateRound = async () => {
  for (let k = 0; k < derived.length; k += 40) {
    const steps = derived.slice(k, k + 40).map((m) => ({ modelId: m.id, token: NATIVE_TOKEN, parents: m.parents }));
    await mined(await router.write.propagateBatch([steps], { account: payer.account }));
  }
};
const claimRound = async () => {
  for (const account of accounts.slice(0, 30)) {
    const entries = models.flatMap((m) =>
      m.tree.entries
        .filter((e) => e.account.toLowerCase() === account.toLowerCase())
        .map((e) => contributorClaim({ ...e, modelId: m.id, epoch: 0 })),
    );
    if (entries.length) await mined(await router.write.claim([NATIVE_TOKEN, entries], { account: payer.account }));
  }
};
let round = 0;
const seedStart = Date.now();
while (events < TARGET_EVENTS) {
  await payRound(round++);
  if (round % 10 === 0) await propagateRound();
  if (round % 60 === 0) await claimRound();
  if (round % 50 === 0) log(`  ${events} events after ${round} payment rounds`);
}
await propagateRound();
await claimRound();
const head = await publicClient.getBlockNumber();
log(`seeded ${events} events in ${head} blocks (${((Date.now() - seedStart) / 1000).toFixed(0)} s)`);

const record = ledgerOnlyRecord({
  chainId: await publicClient.getChainId(),
  startBlock,
  deployer: admin.account.address,
  router: router.address,
  registry: registry.address,
});
const abi = ledgerAbi;

const indexerOn = (store: Store) =>
  createIndexer({
    rpc: createRpcClient({ url: node.url }),
    store,
    deployment: record,
    abi,
    logger: createLogger({ level: "warn" }),
  });

// ---------------------------------------------------------------- cold backfill

// Each store backfills BACKFILL_RUNS times into an empty database; the median run is reported (shared machine).
const BACKFILL_RUNS = 3;
const backfill: Record<string, { seconds: number; eventsPerSec: number }> = {};
let indexedEvents = 0;
for (const kind of ["pglite", "postgres"] as const) {
  const runs: number[] = [];
  for (let run = 0; run < BACKFILL_RUNS; run++) {
    const { store, dispose } = await freshStore(kind);
    const started = performance.now();
    await indexerOn(store).catchUp();
    const seconds = (performance.now() - started) / 1000;
    const [row] = await store.query<{ count: string }>("SELECT count(*) AS count FROM ledger_events");
    indexedEvents = Number(row!.count);
    runs.push(seconds);
    log(`backfill ${kind} run ${run + 1}: ${indexedEvents} events in ${seconds.toFixed(2)} s`);
    await dispose();
  }
  const seconds = runs.sort((a, b) => a - b)[Math.floor(runs.length / 2)]!;
  backfill[kind] = { seconds: Number(seconds.toFixed(3)), eventsPerSec: Math.round(indexedEvents / seconds) };
}
await stopTestPostgres();

// ---------------------------------------------------------------- live latency (PGlite, the default store)

const { store, dispose } = await freshStore("pglite");
const indexer = indexerOn(store);
await indexer.catchUp();
const stop = new AbortController();
const running = indexer.run(stop.signal);
const latencies: number[] = [];
for (let i = 0; i < LIVE_TRANSACTIONS; i++) {
  const target = models[i % models.length]!.id;
  const hash = await router.write.pay([target, NATIVE_TOKEN, 1_000n + BigInt(i)], {
    account: payer.account,
    value: 1_000n + BigInt(i),
  });
  const receipt = await publicClient.waitForTransactionReceipt({ hash, pollingInterval: 1 });
  const minedAt = performance.now();
  for (;;) {
    const [row] = await store.query<{ block_number: string }>("SELECT block_number FROM indexer_checkpoint");
    if (BigInt(row!.block_number) >= receipt.blockNumber) break;
    await sleep(2);
  }
  latencies.push(performance.now() - minedAt);
}
stop.abort();
await running;
await dispose();
latencies.sort((a, b) => a - b);
const percentile = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))]!;
const live = { medianMs: Number(percentile(0.5).toFixed(1)), p99Ms: Number(percentile(0.99).toFixed(1)) };

await connection.close();
await node.stop();

// ---------------------------------------------------------------- report

const ANCHOR = { pglite: 6_700, postgres: 8_300 };
const TARGET = { pglite: 25_000, postgres: 40_000 };
console.log(`\nindexer benchmark: ${indexedEvents} ledger events, local hardhat node over JSON-RPC\n`);
console.log("figure                      ours       target    Ponder 0.16 (anchor)");
for (const kind of ["pglite", "postgres"] as const) {
  const { eventsPerSec, seconds } = backfill[kind]!;
  console.log(
    `cold backfill ${kind.padEnd(9)} ${String(eventsPerSec).padStart(7)} ev/s ${String(TARGET[kind]).padStart(7)}    ${ANCHOR[kind]} ev/s   (${seconds} s)`,
  );
}
console.log(`live latency median        ${String(live.medianMs).padStart(7)} ms   ${"250".padStart(7)}    982 ms`);
console.log(`live latency p99           ${String(live.p99Ms).padStart(7)} ms`);

mkdirSync("bench/results", { recursive: true });
writeFileSync("bench/results/indexer.json", `${JSON.stringify({ events: indexedEvents, backfill, live }, null, 2)}\n`);
console.log("wrote bench/results/indexer.json");
