/**
 * The `stemma` command (bin/stemma.cjs starts it on the project's Node 24 with tsx). Each subcommand has --help.
 */
import { describeError } from "../internal/describeError.js";
import { exitWithParent } from "../internal/exitWithParent.js";

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

type Command = (argv: string[]) => Promise<number>;

/**
 * Commands that take their arguments and resolve with an exit code; user errors are thrown as CliError (index, serve
 * and reconcile print their own, pointing at `npm run <command> -- --help`, which they are too). Each module is
 * loaded when its command runs: `npm run index` does not load the registration code.
 */
const COMMANDS: Record<string, () => Promise<Command>> = {
  dev: async () => (await import("./dev.js")).dev,
  deploy: async () => (await import("./deploy.js")).deploy,
  register: async () => (await import("./register.js")).register,
  update: async () => (await import("./update.js")).update,
  pay: async () => (await import("./pay.js")).pay,
  propagate: async () => (await import("./propagate.js")).propagate,
  claim: async () => (await import("./claim.js")).claim,
  dispute: async () => (await import("./dispute.js")).dispute,
  show: async () => (await import("./show.js")).show,
  index: async () => (await import("./indexer.js")).index,
  serve: async () => (await import("./serve.js")).serve,
  simulate: async () => (await import("./simulate.js")).simulate,
  reconcile: async () => (await import("./reconcile.js")).reconcile,
};

// Killed with its parent (the launcher, tsx, npm) even when that dies by SIGKILL: a server must not run on as an orphan.
exitWithParent();
const [command, ...rest] = process.argv.slice(2);
try {
  if (command === undefined || command === "--help" || command === "-h" || command === "help") {
    process.stdout.write(HELP);
  } else if (Object.hasOwn(COMMANDS, command)) {
    process.exitCode = await (await COMMANDS[command]!())(rest);
  } else {
    process.stderr.write(`error: unknown command "${command}": stemma --help lists the commands.\n`);
    process.exitCode = 1;
  }
} catch (error) {
  process.stderr.write(`error: ${describeError(error, `stemma ${command} --help`)}\n`);
  process.exitCode = 1;
}
