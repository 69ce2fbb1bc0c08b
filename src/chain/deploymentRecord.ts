import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { getAddress, type Address } from "viem";

/** The contracts a Stemma deployment consists of, by the names their artifacts carry. */
export const STEMMA_CONTRACTS = [
  "StemmaToken",
  "StemmaTimelock",
  "StemmaGovernor",
  "RevenueRouter",
  "ModelRegistry",
] as const;
export type StemmaContractName = (typeof STEMMA_CONTRACTS)[number];

/** Where one contract lives. */
export type DeployedContract = {
  address: Address;
  /** The block its creation was mined in. */
  block: number;
};

/**
 * What a deployment leaves behind for the indexer and the CLI: where every contract lives and from which block to
 * read their logs. Written to `deployments/<network>.json` by `npm run deploy`.
 */
export type DeploymentRecord = {
  network: string;
  chainId: number;
  /** The first block holding any Stemma contract: indexing starts here. */
  startBlock: number;
  /** The Ignition parameter set the deployment used (`local`, `production` or a file path). */
  parameterSet: string;
  /** Ignition's deployment id (its journal lives in `ignition/deployments/<id>/`). */
  ignitionDeploymentId: string;
  deployer: Address;
  contracts: Record<StemmaContractName, DeployedContract>;
};

/** The folder deployment records are written to, relative to the project root. */
export const DEPLOYMENTS_DIR = "deployments";

/** The record file of a network: `deployments/<network>.json` under `root`. */
export function deploymentRecordPath(network: string, root = process.cwd()): string {
  return join(root, DEPLOYMENTS_DIR, `${network}.json`);
}

/** Writes a record atomically (a temporary file renamed over the old one), so a reader never sees half a file. */
export async function writeDeploymentRecord(path: string, record: DeploymentRecord): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify(record, null, 2)}\n`);
  await rename(temporary, path);
}

/** Reads and checks a record; the error says which file and field is wrong and how to get a good one. */
export async function readDeploymentRecord(path: string): Promise<DeploymentRecord> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch {
    throw new Error(`No deployment record at ${path}: deploy first (npm run deploy, see README "Governance").`);
  }
  const invalid = (what: string) =>
    new Error(`Deployment record ${path} is invalid: ${what}. Deploy again to rewrite it.`);
  let raw: Partial<DeploymentRecord>;
  try {
    raw = JSON.parse(text) as Partial<DeploymentRecord>;
  } catch {
    throw invalid("not JSON");
  }
  if (!Number.isSafeInteger(raw.chainId)) throw invalid("chainId is not an integer");
  if (!Number.isSafeInteger(raw.startBlock)) throw invalid("startBlock is not an integer");
  const contracts = {} as Record<StemmaContractName, DeployedContract>;
  for (const name of STEMMA_CONTRACTS) {
    const entry = raw.contracts?.[name];
    if (!entry || typeof entry.address !== "string" || !Number.isSafeInteger(entry.block)) {
      throw invalid(`contracts.${name} is missing or malformed`);
    }
    contracts[name] = { address: getAddress(entry.address), block: entry.block };
  }
  return { ...(raw as DeploymentRecord), contracts };
}
