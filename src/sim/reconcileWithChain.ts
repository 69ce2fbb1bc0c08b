import { getContract, type Address, type PublicClient } from "viem";

import type { revenueRouterAbi, testTokenAbi } from "../contracts/abis.js";
import { NATIVE_TOKEN } from "../core/constants.js";
import { contributorClaim } from "../core/contributorClaim.js";
import type { Ledger } from "../core/ledger.js";

/** One figure where the engine and the chain disagree. */
export type ChainDifference = { what: string; engine: bigint; chain: bigint };

export type ChainReconcile = { checked: number; differences: ChainDifference[] };

export type ReconcileWithChainParameters = {
  publicClient: PublicClient;
  /** The engine, fed every registry and router event of the deployment. */
  ledger: Ledger;
  router: Address;
  routerAbi: typeof revenueRouterAbi;
  /** An ERC-20 ABI with balanceOf. */
  tokenAbi: typeof testTokenAbi;
  tokens: readonly Address[];
};

/**
 * Compares the engine with the router's views, to the wei: every model's lifetime totals and pending upstream in
 * every token, every contributor entry's claimable amount, the fees, and what the router holds (its token balance
 * against everything the engine says is owed).
 *
 * @example
 * import { reconcileWithChain } from "./reconcileWithChain.js";
 * const { differences } = await reconcileWithChain({ publicClient, ledger, router, routerAbi, tokenAbi, tokens });
 */
export async function reconcileWithChain({
  publicClient,
  ledger,
  router,
  routerAbi,
  tokenAbi,
  tokens,
}: ReconcileWithChainParameters): Promise<ChainReconcile> {
  const checks: { what: string; engine: bigint; chain: Promise<bigint> }[] = [];
  const { read: view } = getContract({ address: router, abi: routerAbi, client: publicClient });
  const check = (what: string, engine: bigint, chain: Promise<bigint>) => checks.push({ what, engine, chain });

  for (const token of tokens) {
    for (const id of ledger.models()) {
      const key = ledger.model(id).key;
      const balance = ledger.modelBalance(id, token);
      const chain = view.modelBalance([id, token]);
      for (const field of ["received", "upstream", "pushed", "kept"] as const) {
        check(
          `${key} ${field} (${token})`,
          balance[field],
          chain.then((b) => b[field]),
        );
      }
      check(`${key} pendingUpstream (${token})`, ledger.pendingUpstream(id, token), view.pendingUpstream([id, token]));
      for (let epoch = 0; epoch <= ledger.model(id).epoch; epoch++) {
        for (const entry of ledger.contributorSet(id, epoch)?.entries ?? []) {
          check(
            `${key} epoch ${epoch} claimable of ${entry.account} (${token})`,
            ledger.entryOwed(id, token, epoch, entry.cumulativeBefore),
            view.claimable([token, contributorClaim({ ...entry, modelId: id, epoch })]),
          );
        }
      }
    }
    check(`fees (${token})`, ledger.fees(token), view.fees([token]));
    const held =
      token === NATIVE_TOKEN
        ? publicClient.getBalance({ address: router })
        : publicClient.readContract({ address: token, abi: tokenAbi, functionName: "balanceOf", args: [router] });
    check(`router holds (${token})`, ledger.totalOwed(token), held);
    check(`router holds, as the events moved it (${token})`, ledger.balance(token), held);
  }

  const differences: ChainDifference[] = [];
  // The transport batches these reads into a few JSON-RPC requests.
  const values = await Promise.all(checks.map((c) => c.chain));
  checks.forEach((c, i) => {
    if (c.engine !== values[i]) differences.push({ what: c.what, engine: c.engine, chain: values[i]! });
  });
  return { checked: checks.length, differences };
}
