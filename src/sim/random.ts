/** A seeded random stream: the same seed and label always give the same sequence (sfc32 over a 128-bit state). */
export type Random = {
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [0, n). */
  below(n: number): number;
  /** True with probability ppm / 1,000,000. */
  chance(ppm: number): boolean;
  /** A standard normal draw (Box-Muller). */
  normal(): number;
};

/** FNV-1a over the text: spreads a label into a 32-bit word. */
function hash32(text: string, basis: number): number {
  let hash = basis >>> 0;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

/**
 * A random stream for one purpose (`label`) of a seeded run: separate purposes draw from separate streams, so adding
 * a payment stream does not reshuffle the generated lineage.
 *
 * @example
 * import { createRandom } from "./random.js";
 * const random = createRandom(42, "payments");
 * random.chance(250_000); // true a quarter of the time
 */
export function createRandom(seed: number, label: string): Random {
  let a = hash32(`${label}:a`, seed);
  let b = hash32(`${label}:b`, seed);
  let c = hash32(`${label}:c`, seed);
  let d = hash32(`${label}:d`, seed) | 1;
  const word = (): number => {
    const t = (((a + b) >>> 0) + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = ((c << 21) | (c >>> 11)) >>> 0;
    c = (c + t) >>> 0;
    return t;
  };
  for (let i = 0; i < 15; i++) word(); // let the seed's bits spread through the state
  const next = () => word() / 4_294_967_296;
  return {
    next,
    below: (n) => Math.floor(next() * n),
    chance: (ppm) => word() % 1_000_000 < ppm,
    normal() {
      const u = 1 - next(); // (0, 1]: log stays finite
      return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * next());
    },
  };
}
