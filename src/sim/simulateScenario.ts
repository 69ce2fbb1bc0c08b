import { planPayments } from "./planPayments.js";
import { createProgress, type Progress } from "./progress.js";
import { writeReport } from "./report/writeReport.js";
import { runPolicy, type PolicyRun, type SimChain } from "./runPolicy.js";
import type { Policy, Scenario } from "./scenario/types.js";

/** Opens a chain with the whole system freshly deployed, for one policy. */
export type OpenSimChain = (policy: Policy, index: number) => Promise<SimChain>;

export type SimulateScenarioParameters = {
  scenario: Scenario;
  /** The scenario's path, for the summary. */
  scenarioFile: string;
  openChain: OpenSimChain;
  /** Where the report folder goes. */
  out: string;
  /** Where the chains run, for the summary ("a fresh local hardhat node per policy"). */
  chainDescription: string;
  /** Ctrl-C: stop after the transaction in flight, then reconcile and report what ran. */
  signal: AbortSignal;
  /** @default a progress bar on stderr */
  progress?: Progress;
};

export type SimulateScenarioReturnType = {
  runs: PolicyRun[];
  /** The report's files, relative to `out`. */
  files: string[];
  /** Engine-vs-chain differences over all policies: 0 unless something is wrong. */
  differences: number;
  interrupted: boolean;
};

/**
 * Runs every policy of a scenario, each on a fresh chain with the same planned payments (runPolicy), then writes
 * the report folder (writeReport).
 *
 * @example
 * import { simulateScenario } from "./simulateScenario.js";
 * const { differences } = await simulateScenario({ scenario, scenarioFile, openChain, out, chainDescription, signal });
 */
export async function simulateScenario({
  scenario,
  scenarioFile,
  openChain,
  out,
  chainDescription,
  signal,
  progress = createProgress({ total: scenario.duration.steps * scenario.policies.length }),
}: SimulateScenarioParameters): Promise<SimulateScenarioReturnType> {
  const started = Date.now();
  const plan = planPayments(scenario);
  const runs: PolicyRun[] = [];
  for (const [index, policy] of scenario.policies.entries()) {
    if (signal.aborted) break;
    progress.note(
      `policy ${index + 1}/${scenario.policies.length} "${policy.name}": a fresh chain with the system deployed`,
    );
    const chain = await openChain(policy, index);
    try {
      runs.push(
        await runPolicy({
          scenario,
          policyIndex: index,
          plan,
          chain,
          progress,
          stepsBefore: index * scenario.duration.steps,
          signal,
        }),
      );
    } finally {
      await chain.close();
    }
  }
  progress.finish();
  const files = await writeReport({
    scenario,
    scenarioFile,
    runs,
    out,
    chainDescription,
    seconds: (Date.now() - started) / 1_000,
  });
  return {
    runs,
    files,
    differences: runs.reduce((sum, run) => sum + run.reconcile.differences.length, 0),
    interrupted: signal.aborted,
  };
}
