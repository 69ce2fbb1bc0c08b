/**
 * `npx tsx bench/previewPay.bench.ts`: times the engine's `previewPay` (what `simulateRevenue` computes) on the API
 * benchmark's ecosystem (bench/apiEcosystem.ts), without a store or a server: the ledger is built from the same
 * events `buildStore` writes (the fee, every registration with its contributor set, the payments, the propagations
 * of the paid models children first). It prints the time to build the ledger, the first preview after an event (which
 * computes what full propagation would leave, once per token until the next event) and then p50/p99/max of previews
 * of the deep models (as the API bench asks) and of random models, each a payment of 1 ETH.
 *
 * Environment: STEMMA_BENCH_MODELS (default 10,000), STEMMA_BENCH_PREVIEWS (default 2,000 per kind).
 */

import { NATIVE_TOKEN, ZERO_ADDRESS } from "../src/core/constants.js";
import { contributorTree } from "../src/core/contributorTree.js";
import { createLedger, type Ledger } from "../src/core/ledger.js";
import { feeOf } from "../src/core/splitMath.js";
import { Rng } from "../test/property/rng.js";
import { FEE_PPM, PAYER, planEcosystem, registration, type Ecosystem } from "./apiEcosystem.js";

const MODELS = Number(process.env.STEMMA_BENCH_MODELS ?? 10_000);
const PREVIEWS = Number(process.env.STEMMA_BENCH_PREVIEWS ?? 2_000);
const ONE_ETH = 10n ** 18n;

/** The engine after the events `buildStore` writes for `ecosystem`, in the same order and with the same amounts. */
function ecosystemLedger(ecosystem: Ecosystem): Ledger {
  const ledger = createLedger();
  ledger.apply({ type: "FeeUpdated", feePpm: FEE_PPM });
  for (const m of ecosystem.models) {
    ledger.apply({ type: "ModelRegistered", ...registration(m) });
    const root = contributorTree(m.contributors).root;
    ledger.apply({ type: "ContributorsSet", id: m.id, epoch: 0, root, contributors: m.contributors });
  }
  const rng = new Rng(7);
  ecosystem.paidModels.forEach((modelId, k) => {
    const amount = BigInt(rng.range(1, 1_000)) * 10n ** 15n + BigInt(k);
    ledger.apply({
      type: "Paid",
      modelId,
      token: NATIVE_TOKEN,
      payer: PAYER,
      amount,
      fee: feeOf(amount, BigInt(FEE_PPM)),
    });
  });
  const order = new Map(ecosystem.models.map((m, i) => [m.id, i]));
  for (const modelId of [...ecosystem.paidModels].sort((a, b) => order.get(b)! - order.get(a)!)) {
    const amount = ledger.pendingUpstream(modelId, NATIVE_TOKEN);
    if (amount === 0n) continue;
    const pushedTotal = ledger.modelBalance(modelId, NATIVE_TOKEN).upstream;
    ledger.apply({ type: "Propagated", modelId, token: NATIVE_TOKEN, amount, pushedTotal });
  }
  return ledger;
}

const quantile = (sorted: readonly number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;

function time(label: string, previews: number, pick: (i: number) => `0x${string}`, ledger: Ledger): void {
  const times: number[] = [];
  let entries = 0;
  for (let i = 0; i < previews; i++) {
    const started = performance.now();
    const preview = ledger.previewPay(pick(i), NATIVE_TOKEN, ONE_ETH);
    times.push(performance.now() - started);
    entries += preview.accounts.size;
  }
  times.sort((a, b) => a - b);
  console.log(
    `${label}: ${previews} previews, p50 ${quantile(times, 0.5).toFixed(3)} ms, p99 ${quantile(times, 0.99).toFixed(3)} ms, ` +
      `max ${times[times.length - 1]!.toFixed(3)} ms, ${(entries / previews).toFixed(0)} accounts per answer`,
  );
}

const ecosystem = planEcosystem(MODELS);
let started = performance.now();
const ledger = ecosystemLedger(ecosystem);
console.log(`ledger of ${ecosystem.models.length} models built in ${(performance.now() - started).toFixed(0)} ms`);

started = performance.now();
ledger.previewPay(ecosystem.deepModels[0]!, NATIVE_TOKEN, ONE_ETH);
console.log(`first preview (after the last event): ${(performance.now() - started).toFixed(1)} ms`);

// An event empties what the engine keeps per token: time the first preview after one again.
ledger.apply({
  type: "Paid",
  modelId: ecosystem.models[0]!.id,
  token: NATIVE_TOKEN,
  payer: ZERO_ADDRESS,
  amount: 100n,
  fee: 1n,
});
started = performance.now();
ledger.previewPay(ecosystem.deepModels[1]!, NATIVE_TOKEN, ONE_ETH);
console.log(`first preview after one more payment: ${(performance.now() - started).toFixed(1)} ms`);

const deep = ecosystem.deepModels;
time("deep models (depth 30)", PREVIEWS, (i) => deep[i % deep.length]!, ledger);
const rng = new Rng(99);
time("random models", PREVIEWS, () => rng.pick(ecosystem.models).id, ledger);
