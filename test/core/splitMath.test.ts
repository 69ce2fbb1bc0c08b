import { expect } from "chai";
import { readFileSync } from "node:fs";
import { PPM } from "../../src/core/constants.js";
import { InvalidAmountError, InvalidWeightsError } from "../../src/core/errors.js";
import { feeOf, keptOf, shareOf, sliceOf, splitCumulative, splitTree, upstreamOf } from "../../src/core/splitMath.js";
import { mulberry32 } from "../helpers/mulberry32.js";
import { buildSplitVectors, SPLIT_VECTORS_PATH, type SplitVectorFile } from "./splitVectors.js";

const MAX_112 = 2n ** 112n - 1n;
const sum = (values: readonly bigint[]): bigint => values.reduce((a, b) => a + b, 0n);

/** `count` positive weights summing to PPM. */
function randomWeights(random: () => number, count: number): bigint[] {
  const cuts = new Set<number>();
  while (cuts.size < count - 1) cuts.add(1 + Math.floor(random() * (Number(PPM) - 1)));
  const points = [0, ...[...cuts].sort((a, b) => a - b), Number(PPM)];
  return points.slice(1).map((point, i) => BigInt(point - points[i]!));
}

describe("splitMath", () => {
  describe("sliceOf", () => {
    it("is the difference of two running floors", () => {
      expect(sliceOf(10n, 0n, 333_333n)).to.equal(3n);
      expect(sliceOf(10n, 333_333n, 333_333n)).to.equal(3n);
      expect(sliceOf(10n, 666_666n, 333_334n)).to.equal(4n);
    });

    it("gives the whole total to a single full weight", () => {
      for (const total of [0n, 1n, 999_999n, MAX_112]) expect(sliceOf(total, 0n, PPM)).to.equal(total);
    });

    it("honours a custom denominator", () => {
      expect(sliceOf(10n, 0n, 1n, 3n)).to.equal(3n);
      expect(sliceOf(10n, 1n, 2n, 3n)).to.equal(7n);
    });

    it("is not monotone in the total for a middle entry, which is why splitTree and shareOf exist", () => {
      // Weights 30/10/60%: the middle slice is 1 of 3 wei and 0 of 4. Paying "slice of the new lifetime total
      // minus slice of the old" would be negative here.
      expect(sliceOf(3n, 300_000n, 100_000n)).to.equal(1n);
      expect(sliceOf(4n, 300_000n, 100_000n)).to.equal(0n);
    });

    it("rejects negative inputs and out-of-range weights, saying which", () => {
      expect(() => sliceOf(-1n, 0n, PPM)).to.throw(InvalidAmountError, /total -1/);
      expect(() => sliceOf(1n, -1n, 1n)).to.throw(InvalidWeightsError, /cumulativeBefore is -1/);
      expect(() => sliceOf(1n, 0n, -1n)).to.throw(InvalidWeightsError, /weight is -1/);
      expect(() => sliceOf(1n, 1n, PPM)).to.throw(InvalidWeightsError, /above the denominator/);
      expect(() => sliceOf(1n, 0n, 0n, 0n)).to.throw(InvalidWeightsError, /denominator is 0/);
    });
  });

  describe("shareOf", () => {
    it("is the floor of the pro-rata share, monotone, and never above the entry's slice", () => {
      expect(shareOf(3n, 100_000n)).to.equal(0n);
      expect(shareOf(10n, 333_333n)).to.equal(3n);
      const random = mulberry32(7);
      for (let run = 0; run < 300; run++) {
        const weights = randomWeights(random, 1 + Math.floor(random() * 12));
        const total = BigInt(Math.floor(random() * 1_000_000_000));
        let cumulative = 0n;
        for (const w of weights) {
          expect(shareOf(total, w) <= sliceOf(total, cumulative, w)).to.be.true;
          expect(shareOf(total + 1n, w) >= shareOf(total, w)).to.be.true;
          cumulative += w;
        }
      }
    });

    it("rejects a negative total and a weight outside 0..denominator", () => {
      expect(() => shareOf(-1n, 1n)).to.throw(InvalidAmountError);
      expect(() => shareOf(1n, PPM + 1n)).to.throw(InvalidWeightsError, /outside/);
    });
  });

  describe("splitTree", () => {
    it("splits the first ceil(n/2) entries off the rest, recursively", () => {
      expect(splitTree(4n, [300_000n, 100_000n, 600_000n])).to.deep.equal([0n, 1n, 3n]);
      expect(splitTree(3n, [300_000n, 100_000n, 600_000n])).to.deep.equal([0n, 1n, 2n]);
      expect(splitTree(10n, [PPM])).to.deep.equal([10n]);
      // Two entries: the same as cumulative rounding.
      expect(splitTree(7n, [500_000n, 500_000n])).to.deep.equal(splitCumulative(7n, [500_000n, 500_000n]));
    });

    it("adds up exactly, never shrinks a part as the total grows, and stays within ceil(log2 n) of pro rata", () => {
      const random = mulberry32(11);
      for (let run = 0; run < 300; run++) {
        const count = 1 + Math.floor(random() * 16);
        const weights = randomWeights(random, count);
        const early = BigInt(Math.floor(random() * 1_000_000));
        const late = early + BigInt(Math.floor(random() * 50));
        const before = splitTree(early, weights);
        const after = splitTree(late, weights);
        expect(sum(after)).to.equal(late);
        const bound = BigInt(Math.ceil(Math.log2(count)));
        after.forEach((part, i) => {
          expect(part >= before[i]!, `weights ${weights} totals ${early} -> ${late}`).to.be.true;
          const exact = (late * weights[i]!) / PPM;
          expect(part - exact <= bound + 1n && exact - part <= bound).to.be.true;
        });
      }
    });

    it("rejects an empty list and non-positive weights", () => {
      expect(() => splitTree(1n, [])).to.throw(InvalidWeightsError, /empty/);
      expect(() => splitTree(1n, [PPM, 0n])).to.throw(InvalidWeightsError, /not positive/);
    });
  });

  describe("splitCumulative", () => {
    it("sums exactly to the total on edge cases", () => {
      const cases: [bigint, bigint[]][] = [
        [0n, [PPM]],
        [1n, [PPM]],
        [1n, [1n, 999_999n]],
        [1n, [999_999n, 1n]],
        [MAX_112, [1n, 999_999n]],
        [MAX_112, Array.from({ length: 16 }, () => 62_500n)],
        [2n ** 112n, [3n, 999_997n]],
      ];
      for (const [total, weights] of cases) {
        const slices = splitCumulative(total, weights);
        expect(slices).to.have.length(weights.length);
        expect(sum(slices)).to.equal(total);
      }
    });

    it("gives the rounding dust to the later recipients", () => {
      expect(splitCumulative(1n, [1n, 999_999n])).to.deep.equal([0n, 1n]);
      expect(splitCumulative(1n, [999_999n, 1n])).to.deep.equal([0n, 1n]);
      expect(splitCumulative(1_000_000n, [1n, 999_999n])).to.deep.equal([1n, 999_999n]);
      expect(splitCumulative(999_999n, [1n, 999_999n])).to.deep.equal([0n, 999_999n]);
      expect(splitCumulative(3n, [333_333n, 333_333n, 333_334n])).to.deep.equal([0n, 1n, 2n]);
      expect(splitCumulative(MAX_112, [1n, 999_999n])).to.deep.equal([MAX_112 / PPM, MAX_112 - MAX_112 / PPM]);
    });

    it("matches sliceOf entry by entry", () => {
      const weights = [123_456n, 1n, 876_543n];
      const slices = splitCumulative(987_654_321_987n, weights);
      let cumulative = 0n;
      weights.forEach((w, i) => {
        expect(slices[i]).to.equal(sliceOf(987_654_321_987n, cumulative, w));
        cumulative += w;
      });
    });

    it("sums exactly on random inputs", () => {
      let seed = 0x1234_5678n;
      const next = (): bigint => (seed = (seed * 6364136223846793005n + 1442695040888963407n) % 2n ** 64n);
      for (let round = 0; round < 300; round++) {
        const n = Number(next() % 16n) + 1;
        const weights: bigint[] = [];
        let left = PPM;
        for (let i = 0; i < n - 1; i++) {
          const w = left > 1n ? (next() % (left - 1n)) + 1n : 0n;
          weights.push(w);
          left -= w;
        }
        weights.push(left);
        const total = (next() * next()) % (MAX_112 + 1n);
        expect(sum(splitCumulative(total, weights))).to.equal(total);
      }
    });

    it("rejects weights that do not sum to the denominator, an empty list and negatives", () => {
      expect(() => splitCumulative(1n, [1n, 2n])).to.throw(
        InvalidWeightsError,
        /sum to 3, not to the denominator 1000000/,
      );
      expect(() => splitCumulative(1n, [])).to.throw(InvalidWeightsError, /empty/);
      expect(() => splitCumulative(1n, [PPM + 1n, -1n])).to.throw(InvalidWeightsError, /weight 1 is -1/);
      expect(() => splitCumulative(-5n, [PPM])).to.throw(InvalidAmountError, /total -5/);
      expect(splitCumulative(5n, [1n, 2n], 3n)).to.deep.equal([1n, 4n]);
    });
  });

  describe("upstreamOf / keptOf / feeOf", () => {
    it("round the upstream down and leave the dust with the model", () => {
      expect(upstreamOf(1_000n, 333_333n)).to.equal(333n);
      expect(keptOf(1_000n, 333_333n)).to.equal(667n);
      expect(upstreamOf(1n, 999_999n)).to.equal(0n);
      expect(keptOf(1n, 999_999n)).to.equal(1n);
      expect(upstreamOf(MAX_112, PPM)).to.equal(MAX_112);
      expect(keptOf(MAX_112, 0n)).to.equal(MAX_112);
    });

    it("round the fee up, so that splitting a payment never pays less fee than paying it whole", () => {
      expect(feeOf(1_000_000n, 25_000n)).to.equal(25_000n);
      expect(feeOf(1n, 25_000n)).to.equal(1n);
      expect(feeOf(39n, 25_000n)).to.equal(1n);
      expect(feeOf(40n, 25_000n)).to.equal(1n);
      expect(feeOf(41n, 25_000n)).to.equal(2n);
      expect(feeOf(0n, 25_000n)).to.equal(0n);
      expect(feeOf(MAX_112, 0n)).to.equal(0n);
      const random = mulberry32(13);
      for (let i = 0; i < 500; i++) {
        const feePpm = BigInt(Math.floor(random() * 100_001));
        const a = BigInt(Math.floor(random() * 1_000_000));
        const b = BigInt(Math.floor(random() * 1_000_000));
        expect(feeOf(a, feePpm) + feeOf(b, feePpm) >= feeOf(a + b, feePpm), `${a} + ${b} at ${feePpm}`).to.equal(true);
      }
    });

    it("reject negative amounts and shares outside 0..PPM", () => {
      expect(() => upstreamOf(-1n, 0n)).to.throw(InvalidAmountError, /received -1/);
      expect(() => upstreamOf(1n, PPM + 1n)).to.throw(InvalidWeightsError, /upstreamPpm is 1000001/);
      expect(() => keptOf(1n, -1n)).to.throw(InvalidWeightsError, /upstreamPpm is -1/);
      expect(() => feeOf(-2n, 0n)).to.throw(InvalidAmountError, /amount -2/);
      expect(() => feeOf(2n, -1n)).to.throw(InvalidWeightsError, /feePpm is -1/);
    });
  });

  describe("shared vectors (test/helpers/vectors/splits.json)", () => {
    const file = JSON.parse(readFileSync(SPLIT_VECTORS_PATH, "utf8")) as SplitVectorFile;

    it("are what the engine computes now (regenerate with `npx tsx test/core/splitVectors.ts`)", () => {
      expect(file).to.deep.equal(buildSplitVectors());
      expect(file.count).to.equal(file.vectors.length);
      expect(file.count).to.be.at.least(30);
    });

    it("each sums exactly to its total", () => {
      for (const vector of file.vectors) {
        expect(sum(vector.slices.map(BigInt))).to.equal(BigInt(vector.total));
        expect(sum(vector.tree.map(BigInt))).to.equal(BigInt(vector.total));
        vector.shares.forEach((share, i) => expect(BigInt(share) <= BigInt(vector.slices[i]!)).to.be.true);
        expect(vector.weights.reduce((a, b) => a + b, 0)).to.equal(Number(PPM));
        expect(splitCumulative(BigInt(vector.total), vector.weights.map(BigInt)).map(String)).to.deep.equal(
          vector.slices,
        );
      }
    });
  });
});
