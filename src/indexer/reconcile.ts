import {
  decodeFunctionResult,
  encodeFunctionData,
  getAddress,
  type Address,
  type ContractFunctionArgs,
  type ContractFunctionName,
  type ContractFunctionReturnType,
  type Hex,
} from "viem";

import type { DeploymentRecord } from "../chain/deploymentRecord.js";
import type { FunctionCall } from "../chain/functionCall.js";
import { modelRegistryAbi, type revenueRouterAbi } from "../contracts/abis.js";
import { contributorClaim } from "../core/contributorClaim.js";
import { contributorTree } from "../core/contributorTree.js";
import type { RpcClient } from "../chain/rpc/types.js";
import type { Sql } from "../store/types.js";

/** One figure where the mirror and the chain disagree. */
export type ReconcileDifference = { what: string; mirror: string; chain: string };

export type ReconcileReport = {
  /** The block both sides were read at: the mirror's checkpoint. */
  block: bigint;
  checked: { models: number; totals: number; entries: number; accounts: number; tokens: number };
  differences: ReconcileDifference[];
};

export type ReconcileParameters = {
  rpc: RpcClient;
  sql: Sql;
  deployment: DeploymentRecord;
  /** The router's ABI. */
  routerAbi: typeof revenueRouterAbi;
};

type RouterView = ContractFunctionName<typeof revenueRouterAbi, "view">;
type RouterViewResult<view extends RouterView> = ContractFunctionReturnType<typeof revenueRouterAbi, "view", view>;

type ContributorRow = {
  model_id: Hex;
  epoch: number;
  account: Address;
  role: number;
  weight_ppm: number;
};

/**
 * Compares the mirror in the database with the router's and registry's view functions, at the block the mirror
 * reflects: every model's flow (status, upstream share, epoch, provisional) and identity (verified, provisional
 * window, dispute cool-down, dismissals), contributor-set roots, every model and token's lifetime totals, every
 * contributor entry's claimable amount (summed per account and token, against the mirror's balances), and the fees
 * of every token. Returns every difference; an empty list means the mirror is exact to the wei.
 */
export async function reconcile({ rpc, sql, deployment, routerAbi }: ReconcileParameters): Promise<ReconcileReport> {
  const [checkpoint] = await sql.query<{ block_number: string }>(
    "SELECT block_number FROM indexer_checkpoint WHERE id = 1",
  );
  if (!checkpoint) throw new Error("The database holds no index yet: run the indexer first.");
  const block = BigInt(checkpoint.block_number);
  const router = deployment.contracts.RevenueRouter.address;
  const read = async <functionName extends RouterView>(
    functionName: functionName,
    args: ContractFunctionArgs<typeof revenueRouterAbi, "view", functionName>,
  ): Promise<RouterViewResult<functionName>> => {
    const typed: FunctionCall<typeof revenueRouterAbi, "view", functionName> = { abi: routerAbi, functionName, args };
    const call: FunctionCall = typed;
    const data = await rpc.call({ to: router, data: encodeFunctionData(call), blockNumber: block });
    // Decoded with the untyped call, the result is unknown to viem: it is what the generated ABI states for the view.
    return decodeFunctionResult({ ...call, data }) as RouterViewResult<functionName>;
  };
  const identityOf = async (id: Hex) => {
    const data = await rpc.call({
      to: deployment.contracts.ModelRegistry.address,
      data: encodeFunctionData({ abi: modelRegistryAbi, functionName: "identity", args: [id] }),
      blockNumber: block,
    });
    return decodeFunctionResult({ abi: modelRegistryAbi, functionName: "identity", data });
  };
  const differences: ReconcileDifference[] = [];
  const compare = (what: string, mirror: unknown, chain: unknown) => {
    if (String(mirror) !== String(chain)) differences.push({ what, mirror: String(mirror), chain: String(chain) });
  };

  const models = await sql.query<{
    id: Hex;
    status: number;
    upstream_ppm: number;
    epoch: number;
    verified: boolean;
    provisional_until: string | null;
    dispute_cooldown_until: string | null;
    dismissed_disputes: number;
  }>(
    `SELECT id, status, upstream_ppm, epoch, verified, provisional_until, dispute_cooldown_until, dismissed_disputes
     FROM models ORDER BY id`,
  );
  const contributors = await sql.query<ContributorRow>(
    "SELECT model_id, epoch, account, role, weight_ppm FROM contributors ORDER BY model_id, epoch, position",
  );
  const sets = new Map<string, ContributorRow[]>();
  for (const row of contributors) {
    const key = `${row.model_id}|${row.epoch}`;
    sets.set(key, [...(sets.get(key) ?? []), row]);
  }
  for (const model of models) {
    const flow = await read("flow", [model.id]);
    compare(`model ${model.id} status`, model.status, flow.status);
    compare(`model ${model.id} upstreamPpm`, model.upstream_ppm, flow.upstreamPpm);
    compare(`model ${model.id} epoch`, model.epoch, flow.epoch);
    compare(`model ${model.id} provisional`, model.provisional_until !== null, flow.provisional);
    const identity = await identityOf(model.id);
    compare(`model ${model.id} verified`, model.verified, identity.verified);
    compare(`model ${model.id} provisionalUntil`, model.provisional_until ?? 0, identity.provisionalUntil);
    compare(`model ${model.id} disputeCooldownUntil`, model.dispute_cooldown_until ?? 0, identity.disputeCooldownUntil);
    compare(`model ${model.id} dismissedDisputes`, model.dismissed_disputes, identity.dismissedDisputes);
  }

  const tokens = (await sql.query<{ token: Address; fees: string }>("SELECT token, fees FROM token_fees")).map(
    (row) => ({ ...row, token: getAddress(row.token) }),
  );
  for (const { token, fees } of tokens) compare(`fees ${token}`, fees, await read("fees", [token]));

  const totals = await sql.query<{
    model_id: Hex;
    token: Address;
    received: string;
    kept: string;
    upstream: string;
    pushed: string;
  }>("SELECT model_id, token, received, kept, upstream, pushed FROM model_token_totals ORDER BY model_id, token");
  for (const row of totals) {
    const chain = await read("modelBalance", [row.model_id, row.token]);
    for (const field of ["received", "kept", "upstream", "pushed"] as const) {
      compare(`model ${row.model_id} ${row.token} ${field}`, row[field], chain[field]);
    }
  }

  // Per account and token, the sum of the router's claimable() over the account's entries: it is 0 for an entry
  // `claim` would refuse (a provisional model, a disputed model's contested epoch, a revoked model's swept epochs).
  const claimable = new Map<string, bigint>();
  let entries = 0;
  for (const [key, rows] of sets) {
    const [modelId, epochText] = key.split("|") as [Hex, string];
    const epoch = Number(epochText);
    const tree = contributorTree(
      rows.map((r) => ({ account: getAddress(r.account), role: r.role, weightPpm: r.weight_ppm })),
    );
    const root = await read("epochRoot", [modelId, epoch]);
    compare(`model ${modelId} epoch ${epoch} root`, tree.root, root);
    for (const entry of tree.entries) {
      entries++;
      const claim = contributorClaim({ ...entry, modelId, epoch });
      for (const { token } of tokens) {
        const amount = await read("claimable", [token, claim]);
        const k = `${entry.account}|${token}`;
        claimable.set(k, (claimable.get(k) ?? 0n) + amount);
      }
    }
  }
  const balances = await sql.query<{ account: Address; token: Address; claimable: string }>(
    "SELECT account, token, claimable FROM account_balances",
  );
  const mirrored = new Map(
    balances.map((b) => [`${getAddress(b.account)}|${getAddress(b.token)}`, BigInt(b.claimable)]),
  );
  for (const k of new Set([...claimable.keys(), ...mirrored.keys()])) {
    compare(`claimable ${k.replace("|", " ")}`, mirrored.get(k) ?? 0n, claimable.get(k) ?? 0n);
  }

  return {
    block,
    checked: {
      models: models.length,
      totals: totals.length,
      entries,
      accounts: new Set([...claimable.keys()].map((k) => k.split("|")[0])).size,
      tokens: tokens.length,
    },
    differences,
  };
}
