import { parseArgs, type ParseArgsConfig } from "node:util";

/** The flags every chain command shares: where the chain is, which deployment, who signs. */
export const CHAIN_FLAGS = {
  rpc: { type: "string" },
  deployment: { type: "string" },
  network: { type: "string" },
  account: { type: "string" },
  keystore: { type: "string" },
  "keystore-dev": { type: "boolean", default: false },
  help: { type: "boolean", default: false },
} as const satisfies NonNullable<ParseArgsConfig["options"]>;

export const CHAIN_HELP = `Chain flags (every command):
  --rpc URL           JSON-RPC endpoint (env STEMMA_RPC_URL)                       [http://127.0.0.1:8545]
  --deployment FILE   the deployment record; without it, the record in deployments/ (or .stemma/dev/, written by
                      stemma dev) whose chain id is the node's
  --network NAME      shorthand for --deployment deployments/NAME.json
Signer (commands that send transactions), first that applies:
  env STEMMA_PRIVATE_KEY   a 0x-prefixed private key
  --keystore NAME          the private key stored as NAME in Hardhat's keystore (npx hardhat keystore set NAME);
                           asks for the keystore's password. --keystore-dev reads Hardhat's development keystore
  --account N              on the local chain (31337) only: the node's unlocked account N               [0]
  --help                   this text`;

export type ChainFlagValues = {
  rpc?: string | undefined;
  deployment?: string | undefined;
  network?: string | undefined;
  account?: string | undefined;
  keystore?: string | undefined;
  "keystore-dev"?: boolean | undefined;
};

/**
 * Parses a command's arguments: the chain flags plus its own. Unknown flags and missing values are errors that name
 * them (the `stemma` command adds where the flags are listed).
 */
export function parseCommand<const Extra extends NonNullable<ParseArgsConfig["options"]>>(
  argv: string[],
  extra: Extra,
) {
  return parseArgs({ args: argv, options: { ...CHAIN_FLAGS, ...extra }, strict: true, allowPositionals: true });
}
