/**
 * The `stemma` command (bin/stemma.cjs starts it on the project's Node 24 with tsx). Each subcommand has --help.
 */
import { describeError } from "../internal/describeError.js";
import { claim } from "./claim.js";
import { deploy } from "./deploy.js";
import { dev } from "./dev.js";
import { dispute } from "./dispute.js";
import { pay } from "./pay.js";
import { propagate } from "./propagate.js";
import { register } from "./register.js";
import { show } from "./show.js";
import { simulate } from "./simulate.js";
import { update } from "./update.js";

const HELP = `Usage: stemma <command> [flags]     (npx stemma <command> --help for its flags)

Commands:
  dev        the whole stack locally until Ctrl-C: chain, deployment, demo lineage, indexer, GraphQL API
             (what npm start runs)
  deploy     deploys the DAO and the ledger with Hardhat Ignition; writes deployments/<network>.json
  register   registers a model: lineage, upstream share, contributors, terms, metadata
  update     changes a model you steward: contributors, terms, metadata, stewardship
  pay        pays revenue to a model: stemma pay hf:org/name 1.5 ETH
  propagate  pushes upstream revenue to parents: one model, or --all
  claim      claims everything you are owed, one transaction per token
  dispute    raises a dispute on a model, with evidence and the bond
  show       a model or an account as readable tables
  index      the indexer alone: follows a deployment into PGlite or PostgreSQL (same as npm run index)
  serve      the GraphQL API alone over the indexer's store (same as npm run serve)
  simulate   runs a revenue-split scenario on local testnets and writes a report (docs/SIMULATE.md)
  reconcile  checks the indexer's mirror against the chain, to the wei (same as npm run reconcile)
`;

/** Commands that take their arguments and resolve with an exit code; user errors are thrown as CliError. */
const COMMANDS: Record<string, (argv: string[]) => Promise<number>> = {
  dev,
  deploy,
  register,
  update,
  pay,
  propagate,
  claim,
  dispute,
  show,
  simulate,
};

/** Commands that are whole scripts reading process.argv: run them as if started directly. */
const DELEGATES: Record<string, string> = {
  index: "../indexer/bin/index.js",
  serve: "../api/bin/serve.js",
  reconcile: "../indexer/bin/reconcile.js",
};

const [command, ...rest] = process.argv.slice(2);
try {
  if (command === undefined || command === "--help" || command === "-h" || command === "help") {
    process.stdout.write(HELP);
  } else if (command in COMMANDS) {
    process.exitCode = await COMMANDS[command]!(rest);
  } else if (command in DELEGATES) {
    process.argv = [process.argv[0]!, command, ...rest];
    await import(DELEGATES[command]!);
  } else {
    process.stderr.write(`error: unknown command "${command}": stemma --help lists the commands.\n`);
    process.exitCode = 1;
  }
} catch (error) {
  process.stderr.write(`error: ${describeError(error, `stemma ${command} --help`)}\n`);
  process.exitCode = 1;
}
