/**
 * `stemma deploy`: deploys the whole system (the stewardship DAO and the ledger) with Hardhat Ignition, the way
 * `npm run deploy` does (scripts/deploy.ts, run as a Hardhat child process), and writes the deployment record the
 * other commands read: deployments/<network>.json.
 */
import { spawn } from "node:child_process";
import { resolve } from "node:path";
import { parseArgs } from "node:util";

import { deploymentRecordPath } from "../chain/deploymentRecord.js";
import { DEFAULT_RPC_URL } from "./connect.js";
import { answersChainId, HARDHAT_BIN, hardhatEnv } from "./childProcesses.js";
import { readKeystoreKey } from "./keystore.js";
import { stdout, type Output } from "./output.js";
import { CliError, ROOT } from "./shared.js";

export const DEPLOY_HELP = `Usage: stemma deploy [flags]

Deploys the stewardship DAO (votes token, governor, timelock) and the ledger (registry, router) with Hardhat
Ignition, hands every administrative role to the timelock, and writes deployments/NETWORK.json, where the other
commands, the indexer and the API find the addresses. Rerunning against the same chain resumes the deployment
instead of deploying twice.

  --network NAME      a network of hardhat.config.ts ("localhost" is built in)                [localhost]
  --rpc URL           overrides that network's URL (env STEMMA_RPC_URL)      [http://127.0.0.1:8545 for localhost]
  --parameters SET    local, production, or a parameter file (ignition/parameters/)              [local]
  --out FILE          where to write the record                                   [deployments/NETWORK.json]
  --keystore NAME     deploy from the key stored as NAME in Hardhat's keystore (--keystore-dev: its dev keystore)
  --help              this text
The deployer is env STEMMA_PRIVATE_KEY when set, else the keystore key, else the network's first account.

  stemma deploy                                    # to a local node (npm run chain) with the local parameters
  stemma deploy --network sepolia --parameters production --keystore DEPLOYER_KEY
`;

export async function deploy(argv: string[], say: Output = stdout): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: true,
    options: {
      network: { type: "string", default: "localhost" },
      rpc: { type: "string" },
      parameters: { type: "string", default: "local" },
      out: { type: "string" },
      keystore: { type: "string" },
      "keystore-dev": { type: "boolean", default: false },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) {
    say(DEPLOY_HELP.trimEnd());
    return 0;
  }
  if (positionals.length > 0) throw new CliError(`stemma deploy takes flags only (got "${positionals[0]}").`);
  const rpc =
    values.rpc ?? process.env.STEMMA_RPC_URL ?? (values.network === "localhost" ? DEFAULT_RPC_URL : undefined);
  if (rpc && !(await answersChainId(rpc))) {
    throw new CliError(`cannot reach a JSON-RPC node at ${rpc}: start one (npm run chain) or pass --rpc URL.`);
  }
  const out = resolve(values.out ?? deploymentRecordPath(values.network, ROOT));
  const env: NodeJS.ProcessEnv = { STEMMA_PARAMETERS: values.parameters, STEMMA_DEPLOY_RECORD: out };
  if (rpc) env.STEMMA_DEPLOY_RPC_URL = rpc;
  if (!process.env.STEMMA_PRIVATE_KEY && (values.keystore || values["keystore-dev"])) {
    env.STEMMA_PRIVATE_KEY = await readKeystoreKey(values.keystore ?? "STEMMA_PRIVATE_KEY", values["keystore-dev"]);
  }

  say(
    `Deploying with Hardhat Ignition to ${values.network}${rpc ? ` (${rpc})` : ""}, "${values.parameters}" parameters`,
  );
  const child = spawn(process.execPath, [HARDHAT_BIN, "run", "--network", values.network, "scripts/deploy.ts"], {
    cwd: ROOT,
    env: hardhatEnv(env),
    stdio: ["ignore", "pipe", "pipe"],
  });
  let tail = "";
  const relay = (chunk: Buffer) => {
    const text = chunk.toString();
    tail = (tail + text).slice(-2_000);
    for (const line of text.split("\n").filter((l) => l.trim() !== "")) say(`  ${line}`);
  };
  child.stdout!.on("data", relay);
  child.stderr!.on("data", relay);
  const code = await new Promise<number | null>((done, fail) => {
    child.once("error", fail);
    child.once("exit", done);
  });
  if (code !== 0) {
    const last =
      tail
        .trim()
        .split("\n")
        .at(-1)
        ?.replace(/^error: /, "") ?? "";
    throw new CliError(`the deployment failed: ${last}`);
  }
  say(`Deployed; the record is ${out}.`);
  return 0;
}
