import type { Address, Hex } from "viem";

import { MAX_LIFETIME_AMOUNT, NATIVE_TOKEN } from "../core/constants.js";
import { InvalidAmountError, UnknownModelError } from "../core/errors.js";
import type { LedgerReplica } from "./createLedgerReplica.js";
import { badInput } from "./scalars.js";

export type SimulateRevenueArgs = { model: Hex; token: Address; amount: bigint };

/** A change and what it belongs to (an account or a model), as the GraphQL lists give them. */
type Change<K extends string> = [key: K, amount: bigint];

/** Largest first, so negative changes come last; equal amounts by address or id, in lowercase. */
function largestFirst<K extends string>(changes: ReadonlyMap<K, bigint>): Change<K>[] {
  const key = (k: string) => k.toLowerCase();
  return [...changes].sort(([ka, a], [kb, b]) => (a !== b ? (a > b ? -1 : 1) : key(ka) < key(kb) ? -1 : 1));
}

/**
 * The `simulateRevenue` query: what paying `amount` of `token` to `model` would change once everything propagates,
 * from the engine replica (src/core/paymentPreview.ts). Every change is listed, signed (a middle contributor's slice
 * can shrink by a wei), zero changes omitted; accounts, escrow and held upstream add up to `net` exactly. An amount
 * the router would refuse is bad input.
 */
export async function simulateRevenue(replica: LedgerReplica, args: SimulateRevenueArgs) {
  if (args.amount <= 0n) throw badInput("amount must be positive: the router refuses a payment of 0.");
  if (args.amount > MAX_LIFETIME_AMOUNT)
    throw badInput(
      `amount must be below 2^112, at most ${MAX_LIFETIME_AMOUNT}: the router refuses larger payments (RevenueRouterAmountTooLarge).`,
    );
  const ledger = await replica.current();
  if (args.token !== NATIVE_TOKEN && !ledger.tokens().includes(args.token)) {
    throw badInput(
      `Token ${args.token} has never been paid into Stemma: simulate with ETH (${NATIVE_TOKEN}) or a token models have received.`,
    );
  }
  try {
    const preview = ledger.previewPay(args.model, args.token, args.amount);
    return {
      model: args.model,
      token: args.token,
      amount: args.amount,
      fee: preview.fee,
      net: preview.net,
      accounts: largestFirst(preview.accounts).map(([account, amount]) => ({ account, amount })),
      escrow: largestFirst(preview.escrow).map(([model, amount]) => ({ model, amount })),
      heldUpstream: largestFirst(preview.heldUpstream).map(([model, amount]) => ({ model, amount })),
    };
  } catch (error) {
    if (error instanceof UnknownModelError) throw badInput(`No model has id ${args.model}.`);
    // The model's lifetime total, or an ancestor's once propagated, would pass the router's 112-bit cap.
    if (error instanceof InvalidAmountError) throw badInput(error.shortMessage);
    throw error;
  }
}
