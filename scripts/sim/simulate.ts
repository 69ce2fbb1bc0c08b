/**
 * `stemma simulate`'s run, started by the CLI (src/cli/simulate.ts) as `hardhat run scripts/sim/simulate.ts` with
 * its resolved flags in STEMMA_SIMULATE (JSON: scenario, out, steps, rpc). Hardhat-dependent (the Ignition
 * deployment), so it lives in scripts/; the simulation itself is src/sim/simulateScenario.ts.
 *
 * Exit codes: 0 when the reconcile found no difference, 1 on an error or a difference, 130 when stopped by Ctrl-C.
 */
import { readFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { formatUnits } from "viem";

import { policyTotals } from "../../src/sim/report/reportFigures.js";
import { parseScenario } from "../../src/sim/scenario/parseScenario.js";
import { ScenarioError } from "../../src/sim/scenario/scenarioError.js";
import { simulateScenario } from "../../src/sim/simulateScenario.js";
import { simChainOpener } from "./openSimChain.js";

type Options = { scenario: string; out: string | null; steps: number | null; rpc: string | null; cwd: string };

const stop = new AbortController();
const onSignal = () => {
  if (stop.signal.aborted) return;
  process.stderr.write("\nStopping after the transaction in flight; the report will cover the steps that ran...\n");
  stop.abort();
};
process.on("SIGINT", onSignal);
process.on("SIGTERM", onSignal);

try {
  const options = JSON.parse(process.env.STEMMA_SIMULATE ?? "null") as Options | null;
  if (!options) throw new Error("run this through `stemma simulate --scenario FILE` (STEMMA_SIMULATE is not set)");
  const text = await readFile(options.scenario, "utf8").catch((error: NodeJS.ErrnoException) => {
    throw new Error(`cannot read the scenario ${options.scenario} (${error.code ?? error.message}): check the path`);
  });
  const scenario = (() => {
    try {
      return parseScenario(text, options.steps === null ? {} : { steps: options.steps });
    } catch (error) {
      if (error instanceof ScenarioError)
        throw new Error(`${relative(options.cwd, options.scenario)}: ${error.message}`, { cause: error });
      throw error;
    }
  })();
  const stamp = new Date()
    .toISOString()
    .replace(/\.\d+Z$/, "")
    .replaceAll(":", "-");
  const out = options.out ?? join(options.cwd, "reports", `${scenario.name}-${stamp}`);
  const { open, description } = simChainOpener({ rpcUrl: options.rpc ?? undefined });
  process.stderr.write(
    `Simulating "${scenario.name}": ${scenario.models.length} models, ${scenario.duration.steps} steps, ` +
      `${scenario.policies.length} polic${scenario.policies.length === 1 ? "y" : "ies"} on ${description}\n`,
  );
  const result = await simulateScenario({
    scenario,
    scenarioFile: relative(options.cwd, options.scenario) || options.scenario,
    openChain: open,
    out,
    chainDescription: description,
    signal: stop.signal,
  });

  const say = (line = "") => process.stdout.write(`${line}\n`);
  say();
  for (const run of result.runs) {
    const totals = scenario.tokens.map((token) => {
      const t = policyTotals(run, token);
      return `${formatUnits(t.paid, token.decimals)} ${token.symbol}`;
    });
    say(
      `  ${run.policy.name.padEnd(24)} revenue ${totals.join(" + ")}  ${run.steps.at(-1)?.transactions ?? 0} tx  ` +
        `reconcile: ${run.reconcile.differences.length} differences (${run.reconcile.checked} figures)`,
    );
  }
  say();
  const shown = relative(options.cwd, out);
  say(`Report: ${shown && !shown.startsWith("..") ? shown : out}/summary.md (${result.files.length} files)`);
  if (result.differences > 0) {
    for (const run of result.runs) {
      for (const d of run.reconcile.differences)
        say(`  ${run.policy.name}: ${d.what}: engine ${d.engine}, chain ${d.chain}`);
    }
  }
  say(`reconcile: ${result.differences} differences`);
  process.exitCode = result.differences > 0 ? 1 : result.interrupted ? 130 : 0;
} catch (error) {
  process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = stop.signal.aborted ? 130 : 1;
}
