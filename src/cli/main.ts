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
  attest     (attesters) signs that a model's repository names its steward: stemma attest hf:org/name --cards DIR
  verify     (stewards) what the repository must name; submits attestations: registers verified, verifies, claims
  update     changes a model you steward: contributors, terms, metadata, stewardship
  pay        pays revenue to a model: stemma pay hf:org/name 1.5 ETH
  propagate  pushes upstream revenue to parents: one model, or --all
  claim      claims everything you are owed, one transaction per token (--to: paid to another address)
  dispute    raises a dispute on a model, with evidence and the bond; guardians dismiss one (--dismiss)
  show       a model or an account as readable tables
  index      the indexer alone: follows a deployment into PGlite or PostgreSQL (same as npm run index)
  serve      the GraphQL API alone over the indexer's store (same as npm run serve)
  simulate   runs a revenue-split scenario on local testnets and writes a report (docs/SIMULATE.md)
  reconcile  checks the indexer's mirror against the chain, to the wei (same as npm run reconcile)
`;

type Command = (argv: string[]) => Promise<number>;

/**
 * The commands. Each takes its arguments and resolves with an exit code; user errors are thrown as CliError (index,
 * serve and reconcile print their own, pointing at `npm run <command> -- --help`, which they are too). A command is
 * the function of its name in the module of its name (`index` lives in indexer.ts), loaded when it runs: `npm run
 * index` does not load the registration code.
 */
const COMMANDS = new Set(
  "dev deploy register attest verify update pay propagate claim dispute show index serve simulate reconcile".split(" "),
);

async function loadCommand(command: string): Promise<Command> {
  const module = (await import(`./${command === "index" ? "indexer" : command}.js`)) as Record<string, Command>;
  return module[command]!;
}

// Killed with its parent (the launcher, tsx, npm) even when that dies by SIGKILL: a server must not run on as an orphan.
exitWithParent();
const [command, ...rest] = process.argv.slice(2);
try {
  if (command === undefined || command === "--help" || command === "-h" || command === "help") {
    process.stdout.write(HELP);
  } else if (COMMANDS.has(command)) {
    process.exitCode = await (await loadCommand(command))(rest);
  } else {
    process.stderr.write(`error: unknown command "${command}": stemma --help lists the commands.\n`);
    process.exitCode = 1;
  }
} catch (error) {
  process.stderr.write(`error: ${describeError(error, `stemma ${command} --help`)}\n`);
  process.exitCode = 1;
}
