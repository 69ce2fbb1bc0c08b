import { rm } from "node:fs/promises";
import { parseArgs, type ParseArgsConfig } from "node:util";

import { deploymentRecordPath } from "../chain/deploymentRecord.js";

/** The flags `npm run index` and `npm run reconcile` share, with their defaults. */
export const SHARED_OPTIONS = {
  rpc: { type: "string", default: process.env.STEMMA_RPC_URL ?? "http://127.0.0.1:8545" },
  deployment: { type: "string", default: deploymentRecordPath("localhost") },
  database: { type: "string", default: process.env.DATABASE_URL ?? "" },
  "data-dir": { type: "string", default: process.env.STEMMA_DATA_DIR ?? ".stemma/pglite" },
  "log-format": { type: "string", default: "pretty" },
  "log-level": { type: "string", default: "info" },
  help: { type: "boolean", default: false },
} as const;

export const SHARED_HELP = `  --rpc URL            JSON-RPC endpoint (env STEMMA_RPC_URL)            [http://127.0.0.1:8545]
  --deployment FILE    deployment record written by npm run deploy       [deployments/localhost.json]
  --database URL       PostgreSQL URL (env DATABASE_URL); without it, PGlite embedded
  --data-dir DIR       PGlite data folder (env STEMMA_DATA_DIR)          [.stemma/pglite]
  --log-format FORMAT  pretty | json                                     [pretty]
  --log-level LEVEL    debug | info | warn | error                       [info]
  --help               this text`;

/** Parses `argv` with the shared flags plus `extra`; unknown flags are an error that names them. */
export function parseOptions<const Extra extends NonNullable<ParseArgsConfig["options"]>>(
  argv: string[],
  extra: Extra,
) {
  return parseArgs({ args: argv, options: { ...SHARED_OPTIONS, ...extra }, strict: true, allowPositionals: false })
    .values;
}

/** Deletes an embedded database folder (for --reset; the caller holds the folder lock). */
export async function removeDataDir(dataDir: string): Promise<void> {
  await rm(dataDir, { recursive: true, force: true });
}
