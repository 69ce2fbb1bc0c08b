import { createRandom, type Random } from "./random.js";
import type { AmountDistribution, Scenario } from "./scenario/types.js";

/** One payment of the revenue process: `amount` base units of `token` (a symbol) paid to model `key`. */
export type PlannedPayment = { key: string; token: string; amount: bigint };

/**
 * Draws the whole revenue process up front from the scenario's seed: per step (index 0 is step 1), the payments
 * in the order they are sent. Every policy of a scenario replays the same plan, so policies differ only in how
 * the same money is split.
 *
 * @example
 * import { planPayments } from "./planPayments.js";
 * const plan = planPayments(scenario); // plan[0]: step 1's payments
 */
export function planPayments(scenario: Scenario): PlannedPayment[][] {
  const random = createRandom(scenario.seed, "payments");
  const decimals = new Map(scenario.tokens.map((t) => [t.symbol, t.decimals]));
  const plan: PlannedPayment[][] = [];
  for (let step = 1; step <= scenario.duration.steps; step++) {
    const payments: PlannedPayment[] = [];
    for (const stream of scenario.revenue) {
      if ((step - 1) % stream.every !== 0) continue;
      for (const key of stream.models) {
        if (!random.chance(stream.probabilityPpm)) continue;
        const amount = draw(stream.amount, decimals.get(stream.token)!, random);
        if (amount > 0n) payments.push({ key, token: stream.token, amount });
      }
    }
    plan.push(payments);
  }
  return plan;
}

/** A draw in base units; random draws are quantized to a millionth of a token (or one unit, if coarser). */
function draw(distribution: AmountDistribution, decimals: number, random: Random): bigint {
  const unit = 10n ** BigInt(Math.max(decimals - 6, 0));
  switch (distribution.kind) {
    case "fixed":
      return distribution.amount;
    case "uniform": {
      const steps = (distribution.max - distribution.min) / unit;
      return distribution.min + BigInt(Math.floor(random.next() * (Number(steps) + 1))) * unit;
    }
    case "lognormal": {
      const median = Number(distribution.median / unit);
      const units = Math.round(median * Math.exp(distribution.sigma * random.normal()));
      return BigInt(Math.max(units, 1)) * unit;
    }
  }
}
