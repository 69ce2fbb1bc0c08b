import type { Address } from "viem";

import type { Terms } from "../../core/types.js";

/**
 * A simulation scenario once read and checked (parseScenario): every generator expanded into concrete models,
 * every share in ppm, every amount in its token's base units. docs/SIMULATE.md describes the file format.
 */
export type Scenario = {
  name: string;
  description: string;
  /** Seeds every random choice: generated lineage, payment draws. The same seed gives the same run. */
  seed: number;
  tokens: SimToken[];
  /** Every model in registration order (parents before children). */
  models: SimModel[];
  /** Group (tier) names in the order they first appear. */
  groups: string[];
  revenue: RevenueStream[];
  keeper: KeeperPolicy;
  duration: { steps: number; stepSeconds: number };
  /** At least one; each runs on a fresh chain with the same payments. */
  policies: Policy[];
};

export type SimToken = {
  symbol: string;
  /** ETH itself (the ERC-7528 sentinel), or a test ERC-20 the simulation deploys. */
  native: boolean;
  decimals: number;
  /** The price of one whole token in micro-USD: only for charts, which add tokens up in USD. */
  priceMicroUsd: bigint;
};

/** A contributor by label: its address is derived from the label (accountAddress) unless given as 0x... */
export type SimContributor = { label: string; account: Address; role: number; weightPpm: number };

export type SimParent = { key: string; relation: number; weightPpm: number };

export type SimModel = {
  key: string;
  group: string;
  upstreamPpm: number;
  parents: SimParent[];
  contributors: SimContributor[];
  terms: Terms;
  license: string;
};

/** How a payment's amount is drawn, in base units (random draws are quantized to 1e-6 of a token). */
export type AmountDistribution =
  | { kind: "fixed"; amount: bigint }
  | { kind: "uniform"; min: bigint; max: bigint }
  | { kind: "lognormal"; median: bigint; sigma: number };

export type RevenueStream = {
  /** The keys of the models that earn. */
  models: string[];
  token: string;
  /** Runs on steps 1, 1 + every, 1 + 2 * every, ... */
  every: number;
  /** Each model earns on a running step with this probability, in ppm. */
  probabilityPpm: number;
  amount: AmountDistribution;
};

export type KeeperPolicy = {
  /** Propagate every N steps (null: never on a schedule). */
  propagateEvery: number | null;
  /** Per token symbol: propagate that token once the pending upstream of all models together exceeds this. */
  propagateThreshold: Map<string, bigint>;
  /** Claim for every contributor every M steps (null: never). */
  claimEvery: number | null;
};

/** One variant of the ecosystem: overrides by group name or model key. */
export type Policy = {
  name: string;
  description: string;
  upstreamPpm: Map<string, number>;
  minDerivativePpm: Map<string, number>;
};
