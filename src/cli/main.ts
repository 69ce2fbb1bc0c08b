/**
 * The `stemma` command (bin/stemma.cjs starts it on the project's Node 24 with tsx). Each subcommand has --help.
 */
import { describeError } from "../indexer/bin/options.js";
import { dev } from "./dev.js";
import { simulate } from "./simulate.js";

const HELP = `Usage: stemma <command> [flags]     (npx stemma <command> --help for its flags)

Commands:
  dev      the whole stack locally until Ctrl-C: chain, deployment, demo lineage, indexer, GraphQL API
           (what npm start runs)
  index    the indexer alone: follows a deployment into PGlite or PostgreSQL (same as npm run index)
  serve    the GraphQL API alone over the indexer's store (same as npm run serve)
  simulate runs a revenue-split scenario on a local testnet and writes a report (docs/SIMULATE.md)
`;

/** Commands that are whole scripts reading process.argv: run them as if started directly. */
const DELEGATES: Record<string, string> = {
  index: "../indexer/bin/index.js",
  serve: "../api/bin/serve.js",
};

const [command, ...rest] = process.argv.slice(2);
try {
  if (command === undefined || command === "--help" || command === "-h" || command === "help") {
    process.stdout.write(HELP);
  } else if (command === "dev") {
    process.exitCode = await dev(rest);
  } else if (command === "simulate") {
    process.exitCode = await simulate(rest);
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
