import { readdir } from "node:fs/promises";
import { join } from "node:path";
import {
  createPublicClient,
  defineChain,
  http,
  type Address,
  type Chain,
  type HttpTransport,
  type PublicClient,
} from "viem";

import { DEPLOYMENTS_DIR, readDeploymentRecord, type DeploymentRecord } from "../chain/deploymentRecord.js";
import { ledgerAbi, modelRegistryAbi, revenueRouterAbi } from "../contracts/abis.js";
import type { ChainFlagValues } from "./chainFlags.js";
import { CliError, ROOT } from "./shared.js";

export const DEFAULT_RPC_URL = "http://127.0.0.1:8545";
/** Where `stemma dev` leaves the record of the system it deployed on its local chain. */
export const DEV_DEPLOYMENT = join(ROOT, ".stemma", "dev", "deployment.json");

/** A connection to a Stemma deployment: the chain, where the ledger lives and its ABIs. */
export type ChainContext = {
  rpcUrl: string;
  chain: Chain;
  publicClient: PublicClient<HttpTransport, Chain>;
  deployment: DeploymentRecord;
  /** The record file the deployment was read from. */
  deploymentPath: string;
  registry: Address;
  router: Address;
  abi: typeof LEDGER_ABIS;
};

const LEDGER_ABIS = { registry: modelRegistryAbi, router: revenueRouterAbi, both: ledgerAbi } as const;

/**
 * Connects to the node at `--rpc` and finds the deployment to act on: `--deployment FILE` (or `--network NAME`) when
 * given, otherwise the record in deployments/ or .stemma/dev/ whose chain id is the node's and whose registry has
 * code there. Fails with one line saying what to fix: the node is unreachable, no record exists, the record is for
 * another chain, or the contracts are not on this chain (a restarted local node).
 */
export async function connect(flags: ChainFlagValues): Promise<ChainContext> {
  const rpcUrl = flags.rpc ?? process.env.STEMMA_RPC_URL ?? DEFAULT_RPC_URL;
  const probe = createPublicClient({ transport: http(rpcUrl, { retryCount: 0, timeout: 10_000 }) });
  let chainId: number;
  try {
    chainId = await probe.getChainId();
  } catch {
    throw new CliError(
      `cannot reach a JSON-RPC node at ${rpcUrl}: start one (stemma dev, or npm run chain) or pass --rpc URL.`,
    );
  }
  const chain = defineChain({
    id: chainId,
    name: `chain ${chainId}`,
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [rpcUrl] } },
  });
  const publicClient = createPublicClient({ chain, transport: http(rpcUrl), pollingInterval: 100 });
  const hasCode = async (address: Address) => ((await publicClient.getCode({ address })) ?? "0x") !== "0x";

  const explicit = flags.deployment ?? (flags.network ? join(ROOT, DEPLOYMENTS_DIR, `${flags.network}.json`) : null);
  let found: { path: string; record: DeploymentRecord } | undefined;
  if (explicit) {
    const record = await readRecord(explicit);
    if (record.chainId !== chainId) {
      throw new CliError(
        `wrong network: ${explicit} is a deployment on chain ${record.chainId}, but ${rpcUrl} is chain ${chainId}: pass the --rpc URL of chain ${record.chainId}, or another --deployment.`,
      );
    }
    found = { path: explicit, record };
  } else {
    const candidates = await recordFiles();
    const records = await Promise.all(
      candidates.map(async (path) => ({ path, record: await readDeploymentRecord(path).catch(() => null) })),
    );
    const readable = records.filter((r): r is { path: string; record: DeploymentRecord } => r.record !== null);
    if (readable.length === 0) {
      throw new CliError(
        `no deployment record (deployments/*.json or .stemma/dev/deployment.json): deploy first (stemma deploy, or stemma dev), or pass --deployment FILE.`,
      );
    }
    const sameChain = readable.filter(({ record }) => record.chainId === chainId);
    if (sameChain.length === 0) {
      const chains = [...new Set(readable.map(({ record }) => record.chainId))].join(", ");
      throw new CliError(
        `wrong network: ${rpcUrl} is chain ${chainId}, but the deployment records are for chain ${chains}: pass the --rpc URL of that chain, or deploy here first (stemma deploy).`,
      );
    }
    for (const candidate of sameChain) {
      if (await hasCode(candidate.record.contracts.ModelRegistry.address)) {
        found = candidate;
        break;
      }
    }
    found ??= sameChain[0]!;
  }
  const { record } = found;
  if (!(await hasCode(record.contracts.ModelRegistry.address))) {
    throw new CliError(
      `no Stemma contracts on chain ${chainId} at the addresses in ${found.path} (a restarted local node starts a new chain): deploy again (stemma deploy), or pass --rpc for the chain it was deployed on.`,
    );
  }
  return {
    rpcUrl,
    chain,
    publicClient,
    deployment: record,
    deploymentPath: found.path,
    registry: record.contracts.ModelRegistry.address,
    router: record.contracts.RevenueRouter.address,
    abi: LEDGER_ABIS,
  };
}

async function readRecord(path: string): Promise<DeploymentRecord> {
  try {
    return await readDeploymentRecord(path);
  } catch (error) {
    throw new CliError(`${(error as Error).message.replace(/\.$/, "")}, or pass another --deployment FILE.`);
  }
}

/** Every deployment record on this machine: deployments/*.json, then stemma dev's. */
async function recordFiles(): Promise<string[]> {
  const folder = join(ROOT, DEPLOYMENTS_DIR);
  const names = await readdir(folder).catch(() => [] as string[]);
  return [...names.filter((name) => name.endsWith(".json")).map((name) => join(folder, name)), DEV_DEPLOYMENT];
}
