/**
 * The shared split vectors: inputs, and the generator of `test/helpers/vectors/splits.json` (read by the Solidity
 * tests of SplitMath.sol and by `splitVectors.test.ts`). Regenerate with:
 *   npx tsx test/core/splitVectors.ts && npx prettier --write test/helpers/vectors/splits.json
 * Importing this file has no side effects (the mocha runner loads every file under test/).
 */
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { PPM } from "../../src/core/constants.js";
import { shareOf, splitCumulative, splitTree } from "../../src/core/splitMath.js";

/** One split: cumulative-rounding `slices`, floor `shares` (an open epoch) and `tree` parts (parents), per weight. */
export type SplitVector = { total: string; weights: number[]; slices: string[]; shares: string[]; tree: string[] };
export type SplitVectorFile = { denominator: number; count: number; vectors: SplitVector[] };

export const SPLIT_VECTORS_PATH = fileURLToPath(new URL("../helpers/vectors/splits.json", import.meta.url));

const MAX_112 = 2n ** 112n - 1n;

/** A small deterministic generator (xorshift64*), so the file is reproducible. */
function prng(seed: bigint): () => bigint {
  let state = seed;
  const mask = (1n << 64n) - 1n;
  return () => {
    state ^= state >> 12n;
    state ^= (state << 25n) & mask;
    state ^= state >> 27n;
    return (state * 0x2545f4914f6cdd1dn) & mask;
  };
}

/** `n` positive weights summing to PPM. */
function randomWeights(next: () => bigint, n: number): number[] {
  // n - 1 distinct cut points in 1..PPM-1, sorted.
  const cuts = new Set<number>();
  while (cuts.size < n - 1) cuts.add(Number((next() % (PPM - 1n)) + 1n));
  const sorted = [...cuts].sort((a, b) => a - b);
  return [...sorted, Number(PPM)].map((cut, i) => cut - (i === 0 ? 0 : sorted[i - 1]!));
}

export function splitVectorInputs(): { total: bigint; weights: number[] }[] {
  const ppm = Number(PPM);
  const inputs: { total: bigint; weights: number[] }[] = [
    { total: 0n, weights: [ppm] },
    { total: 0n, weights: [1, ppm - 1] },
    { total: 1n, weights: [ppm] },
    { total: 1n, weights: [1, ppm - 1] },
    { total: 1n, weights: [ppm - 1, 1] },
    { total: 1n, weights: [500_000, 500_000] },
    { total: 2n, weights: [500_000, 500_000] },
    { total: 3n, weights: [333_333, 333_333, 333_334] },
    { total: 10n, weights: [333_333, 333_333, 333_334] },
    { total: 7n, weights: [142_857, 142_857, 142_857, 142_857, 142_857, 142_857, 142_858] },
    { total: 999_999n, weights: [1, ppm - 1] },
    { total: 1_000_000n, weights: [1, ppm - 1] },
    { total: 1_000_001n, weights: [1, ppm - 1] },
    { total: 10n ** 18n, weights: [250_000, 250_000, 500_000] },
    { total: 123_456_789n, weights: Array.from({ length: 10 }, () => 100_000) },
    { total: 10n ** 18n + 1n, weights: Array.from({ length: 100 }, () => 10_000) },
    { total: MAX_112, weights: [ppm] },
    { total: MAX_112, weights: [1, ppm - 1] },
    { total: MAX_112, weights: [ppm - 1, 1] },
    { total: MAX_112, weights: Array.from({ length: 16 }, () => 62_500) },
    { total: MAX_112 - 1n, weights: [1, 2, 3, 999_994] },
  ];
  const next = prng(0x5354454d4d41n); // "STEMMA"
  for (let i = 0; i < 10; i++) {
    const n = 1 + Number(next() % 16n);
    const total = i % 3 === 0 ? next() % 1_000_000n : ((next() << 48n) | next()) % (MAX_112 + 1n);
    inputs.push({ total, weights: randomWeights(next, n) });
  }
  return inputs;
}

export function buildSplitVectors(): SplitVectorFile {
  const vectors = splitVectorInputs().map(({ total, weights }) => {
    const bigWeights = weights.map((weight) => BigInt(weight));
    return {
      total: total.toString(),
      weights,
      slices: splitCumulative(total, bigWeights).map(String),
      shares: bigWeights.map((weight) => shareOf(total, weight).toString()),
      tree: splitTree(total, bigWeights).map(String),
    };
  });
  return { denominator: Number(PPM), count: vectors.length, vectors };
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(SPLIT_VECTORS_PATH, `${JSON.stringify(buildSplitVectors(), null, 2)}\n`);
  console.log(`wrote ${SPLIT_VECTORS_PATH}`);
}
