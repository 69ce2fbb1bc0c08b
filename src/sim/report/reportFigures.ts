import type { Address } from "viem";

import { Role } from "../../core/constants.js";
import { modelId } from "../../core/modelId.js";
import type { PolicyRun } from "../runPolicy.js";
import type { Scenario, SimToken } from "../scenario/types.js";

export const ROLE_NAMES: Readonly<Record<number, string>> = Object.fromEntries(
  Object.entries(Role).map(([name, value]) => [value, name]),
);

/** `amount` base units of `token` in micro-USD, at the scenario's price (charts only). */
export const microUsd = (amount: bigint, token: SimToken) =>
  (amount * token.priceMicroUsd) / 10n ** BigInt(token.decimals);

/** Micro-USD as a plot coordinate in USD. */
export const usd = (micro: bigint) => Number(micro) / 1e6;

/** One policy's totals in one token, exact. */
export type PolicyTotals = {
  paid: bigint;
  fees: bigint;
  /** Everything contributors are entitled to (claimed or not): the sum of the earnings table. */
  contributors: bigint;
  /** What base models (no parents) kept, and what derivatives kept. */
  base: bigint;
  derivatives: bigint;
  pendingUpstream: bigint;
  /** Kept by epochs without a contributor set (none in a simulation, listed so the sum is complete). */
  escrow: bigint;
  claimed: bigint;
};

/** A policy's exact totals in `token`, from its engine: paid = fees + base + derivatives + pending + escrow. */
export function policyTotals(run: PolicyRun, token: SimToken): PolicyTotals {
  const address = run.tokenAddresses.get(token.symbol)! as Address;
  const { ledger } = run;
  let base = 0n;
  let derivatives = 0n;
  let pendingUpstream = 0n;
  for (const model of run.models) {
    const balance = ledger.modelBalance(modelId(model.key), address);
    if (model.parents.length === 0) base += balance.kept;
    else derivatives += balance.kept;
    pendingUpstream += balance.upstream - balance.pushed;
  }
  let paid = 0n;
  let fees = 0n;
  for (const [key, total] of run.paidTo) {
    if (!key.endsWith(`|${token.symbol}`)) continue;
    paid += total.amount;
    fees += total.fee;
  }
  let contributors = 0n;
  for (const [key, amount] of run.earnings) if (key.endsWith(`|${token.symbol}`)) contributors += amount;
  const claimed = run.steps.reduce((sum, step) => sum + (step.claimed.get(token.symbol) ?? 0n), 0n);
  const escrow = [...ledger.owed(address).escrow.values()].reduce((sum, v) => sum + v, 0n);
  return { paid, fees, contributors, base, derivatives, pendingUpstream, escrow, claimed };
}

/** Per role name and token symbol: the final entitlement of every account in that role. */
export function roleTotals(run: PolicyRun): Map<string, Map<string, bigint>> {
  const out = new Map<string, Map<string, bigint>>();
  for (const [key, amount] of run.earnings) {
    const [, role, symbol] = key.split("|") as [string, string, string];
    const name = ROLE_NAMES[Number(role)]!;
    const row = out.get(name) ?? new Map<string, bigint>();
    row.set(symbol, (row.get(symbol) ?? 0n) + amount);
    out.set(name, row);
  }
  return out;
}

/** Per group (tier) and token symbol: paid directly to its models, and what its models kept. */
export function tierTotals(run: PolicyRun, scenario: Scenario) {
  const out = new Map<string, Map<string, { paid: bigint; kept: bigint }>>();
  for (const group of scenario.groups) out.set(group, new Map());
  for (const model of run.models) {
    for (const token of scenario.tokens) {
      const row = out.get(model.group)!;
      const cell = row.get(token.symbol) ?? { paid: 0n, kept: 0n };
      cell.paid += run.paidTo.get(`${model.key}|${token.symbol}`)?.amount ?? 0n;
      cell.kept += run.ledger.modelBalance(modelId(model.key), run.tokenAddresses.get(token.symbol)!).kept;
      row.set(token.symbol, cell);
    }
  }
  return out;
}
