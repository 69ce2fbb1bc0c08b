/**
 * `stemma simulate --scenario FILE`: runs a revenue-split scenario on a local testnet with the real contracts and
 * writes a report folder. The run needs Hardhat in-process (the Ignition deployment), so this command starts it as
 * `hardhat run scripts/sim/simulate.ts` and passes it the resolved flags; the simulation is src/sim.
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { resolve } from "node:path";
import { parseArgs } from "node:util";

import { HARDHAT_BIN, hardhatEnv } from "./childProcesses.js";
import { CliError, ROOT } from "./shared.js";

export const SIMULATE_HELP = `Usage: stemma simulate --scenario FILE [flags]

Runs a scenario (YAML or JSON: an ecosystem of models and contributors, a revenue process, a keeper policy, a
duration, and optionally several policies to compare) on a local testnet with the real contracts and real
transactions: a fresh hardhat node per policy, the system deployed with Ignition, the lineage registered, then
the steps (payments, propagation, claims). Shows a progress bar on stderr; Ctrl-C stops after the transaction in
flight and still writes the report for the steps that ran.

Writes a report folder: summary.md, CSV tables (earnings per account and step, per model, per policy, per step)
and SVG charts. Ends with a reconcile of the TypeScript engine against the chain's views, to the wei: prints
"reconcile: 0 differences", or the differences and exits 1. The format is in docs/SIMULATE.md; examples are in
scenarios/.

  --scenario FILE   the scenario to run (required), e.g. scenarios/popular-base.yaml
  --out DIR         the report folder            [reports/<scenario name>-<timestamp>]
  --steps N         run N steps instead of the scenario's duration.steps
  --rpc URL         use this node instead of starting hardhat nodes (a fresh deployment per policy; the node
                    must unlock its accounts, like hardhat node or anvil)
  --help            this text
`;

/** Runs `stemma simulate`; resolves with the exit code. */
export async function simulate(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      scenario: { type: "string" },
      out: { type: "string" },
      steps: { type: "string" },
      rpc: { type: "string" },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) {
    process.stdout.write(SIMULATE_HELP);
    return 0;
  }
  if (!values.scenario) {
    throw new CliError("--scenario FILE is required: e.g. stemma simulate --scenario scenarios/popular-base.yaml");
  }
  if (values.steps !== undefined && (!/^\d+$/.test(values.steps) || Number(values.steps) < 1)) {
    throw new CliError(`--steps must be a whole number of steps, 1 or more, not "${values.steps}".`);
  }
  if (values.rpc !== undefined && !/^https?:\/\/\S+$/.test(values.rpc)) {
    throw new CliError(`--rpc must be an http(s) URL such as http://127.0.0.1:8545, not "${values.rpc}".`);
  }
  const options = {
    scenario: resolve(values.scenario),
    out: values.out === undefined ? null : resolve(values.out),
    steps: values.steps === undefined ? null : Number(values.steps),
    rpc: values.rpc ?? null,
    /** The default report folder and the paths shown are relative to where the user ran the command. */
    cwd: process.cwd(),
  };

  // Its own process group: a terminal's Ctrl-C reaches this process (and the launcher, which passes it on too);
  // the run gets it from here, once is enough, and stops at its own pace.
  const child = spawn(process.execPath, [HARDHAT_BIN, "run", "scripts/sim/simulate.ts"], {
    cwd: ROOT,
    env: hardhatEnv({ STEMMA_SIMULATE: JSON.stringify(options) }),
    stdio: "inherit",
    detached: true,
  });
  const forward = (signal: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  };
  process.on("SIGINT", forward);
  process.on("SIGTERM", forward);
  try {
    const [code, signal] = (await once(child, "exit")) as [number | null, NodeJS.Signals | null];
    return code ?? (signal === "SIGINT" ? 130 : 1);
  } finally {
    process.off("SIGINT", forward);
    process.off("SIGTERM", forward);
  }
}
