/**
 * A small seeded pseudo-random generator for property tests (sfc32 seeded through splitmix32): the same seed always
 * gives the same sequence, on every platform, so a failing seed replays exactly.
 */

const PPM = 1_000_000;

function splitmix32(state: number): () => number {
  let s = state >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

export class Rng {
  #a: number;
  #b: number;
  #c: number;
  #d: number;

  constructor(seed: number) {
    const init = splitmix32(seed);
    this.#a = init();
    this.#b = init();
    this.#c = init();
    this.#d = init();
    for (let i = 0; i < 12; i++) this.next();
  }

  /** A uniform 32-bit unsigned integer. */
  next(): number {
    const t = (((this.#a + this.#b) >>> 0) + this.#d) >>> 0;
    this.#d = (this.#d + 1) >>> 0;
    this.#a = this.#b ^ (this.#b >>> 9);
    this.#b = (this.#c + (this.#c << 3)) >>> 0;
    this.#c = ((this.#c << 21) | (this.#c >>> 11)) >>> 0;
    this.#c = (this.#c + t) >>> 0;
    return t;
  }

  /** A float in [0, 1). */
  float(): number {
    return this.next() / 2 ** 32;
  }

  /** An integer in [0, n). */
  int(n: number): number {
    if (!Number.isSafeInteger(n) || n <= 0) throw new Error(`Rng.int: bad bound ${n}`);
    return Math.floor(this.float() * n);
  }

  /** An integer in [lo, hi]. */
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }

  chance(p: number): boolean {
    return this.float() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error("Rng.pick: empty list");
    return items[this.int(items.length)]!;
  }

  /** Picks a key of `table` with probability proportional to its weight (zero weights never win). */
  weighted<K extends string>(table: Readonly<Record<K, number>>): K {
    const entries = (Object.entries(table) as [K, number][]).filter(([, w]) => w > 0);
    const total = entries.reduce((sum, [, w]) => sum + w, 0);
    let x = this.float() * total;
    for (const [key, w] of entries) {
      if (x < w) return key;
      x -= w;
    }
    return entries[entries.length - 1]![0];
  }

  /** A shuffled copy. */
  shuffle<T>(items: readonly T[]): T[] {
    const out = [...items];
    for (let i = out.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [out[i], out[j]] = [out[j]!, out[i]!];
    }
    return out;
  }

  /** A random subset of `min..items.length` elements (at most `max`), in random order. */
  subset<T>(items: readonly T[], min = 1, max = items.length): T[] {
    const size = this.range(Math.min(min, items.length), Math.min(max, items.length));
    return this.shuffle(items).slice(0, size);
  }

  /** A uniform-enough bigint in [0, n) (modulo bias below 2^-32). */
  bigBelow(n: bigint): bigint {
    if (n <= 0n) throw new Error(`Rng.bigBelow: bad bound ${n}`);
    const words = Math.ceil(n.toString(2).length / 32) + 1;
    let x = 0n;
    for (let i = 0; i < words; i++) x = (x << 32n) | BigInt(this.next());
    return x % n;
  }

  /**
   * `n` positive integer weights summing to `total`, from one of several shapes: uniform cuts, one dominant entry
   * with the others at 1, near-equal parts (so rounding bites, e.g. 333_333/333_333/333_334), or powers of ten.
   */
  weights(n: number, total = PPM): number[] {
    if (n < 1 || n > total) throw new Error(`Rng.weights: cannot split ${total} into ${n} positive parts`);
    if (n === 1) return [total];
    switch (this.int(4)) {
      case 0: {
        const rest = total - (n - 1);
        const out = Array.from({ length: n }, () => 1);
        out[this.int(n)] = rest;
        return out;
      }
      case 1: {
        const base = Math.floor(total / n);
        const out = Array.from({ length: n }, () => base);
        out[this.chance(0.5) ? n - 1 : 0]! += total - base * n;
        return out;
      }
      default: {
        const cuts = new Set<number>();
        while (cuts.size < n - 1) cuts.add(this.range(1, total - 1));
        const sorted = [...cuts].sort((a, b) => a - b);
        return [...sorted, total].map((cut, i) => cut - (i === 0 ? 0 : sorted[i - 1]!));
      }
    }
  }

  /** A payment amount in 1..10^30: rounding-edge values (1, 3, 999_999, ...), powers of ten and random sizes. */
  amount(): bigint {
    switch (this.int(8)) {
      case 7:
        return BigInt(this.range(1, 12));
      case 0:
        return this.pick([1n, 2n, 3n, 7n, 999_999n, 1_000_000n, 1_000_001n, 3_333_333n, 999_999_999_999n]);
      case 1: {
        const p = 10n ** BigInt(this.range(0, 30));
        return this.chance(0.5) && p > 1n ? p - 1n : p;
      }
      case 2:
        return this.bigBelow(1_000_000n) + 1n;
      case 3:
        return this.bigBelow(10n ** 12n) + 1n;
      case 4:
      case 5:
        return this.bigBelow(10n ** 21n) + 1n;
      default:
        return this.bigBelow(10n ** 30n) + 1n;
    }
  }
}

/** The seeds a run uses: `STEMMA_SEED` (comma-separated integers, or `random`) or the fixed defaults. */
export function seedsFromEnv(defaults: readonly number[]): number[] {
  const raw = process.env.STEMMA_SEED?.trim();
  if (!raw) return [...defaults];
  if (raw === "random") return [(Date.now() ^ (Math.random() * 2 ** 32)) >>> 0];
  return raw.split(",").map((part) => {
    const seed = Number(part.trim());
    if (!Number.isSafeInteger(seed) || seed < 0 || seed >= 2 ** 32)
      throw new Error(`STEMMA_SEED: "${part}" is not an integer in 0..2^32-1`);
    return seed;
  });
}
