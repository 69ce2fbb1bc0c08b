import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { Abi } from "viem";

const ARTIFACTS = {
  ModelRegistry: "artifacts/contracts/lineage/ModelRegistry.sol/ModelRegistry.json",
  RevenueRouter: "artifacts/contracts/revenue/RevenueRouter.sol/RevenueRouter.json",
} as const;

export type LedgerAbis = { registry: Abi; router: Abi; both: Abi };

/**
 * The registry's and the router's ABIs, read from Hardhat's build output under `root` (so they never drift from the
 * deployed contracts' source). The error says how to produce them.
 */
export async function loadLedgerAbi(root = process.cwd()): Promise<LedgerAbis> {
  const read = async (path: string): Promise<Abi> => {
    try {
      return (JSON.parse(await readFile(join(root, path), "utf8")) as { abi: Abi }).abi;
    } catch {
      throw new Error(`Missing ${path}: compile the contracts first (npm run build).`);
    }
  };
  const registry = await read(ARTIFACTS.ModelRegistry);
  const router = await read(ARTIFACTS.RevenueRouter);
  return { registry, router, both: [...registry, ...router] };
}
