import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { formatUnits, type Address } from "viem";

import { PPM } from "../../core/constants.js";
import { formatPercent } from "../../core/percent.js";
import { modelId } from "../../core/modelId.js";
import type { PolicyRun } from "../runPolicy.js";
import type { Scenario, SimToken } from "../scenario/types.js";
import { microUsd, policyTotals, ROLE_NAMES, roleTotals, tierTotals, usd } from "./reportFigures.js";
import { barChart, compactNumber, lineChart, type Series } from "./svg.js";

export type WriteReportParameters = {
  scenario: Scenario;
  /** Where the scenario came from (shown in the summary). */
  scenarioFile: string;
  runs: readonly PolicyRun[];
  out: string;
  /** Where the chains ran, e.g. "a local hardhat node per policy". */
  chainDescription: string;
  seconds: number;
};

/** The files a report holds, relative to its folder. */
export type ReportFiles = string[];

const csvCell = (value: string | number | bigint) => {
  const text = String(value);
  return /[",\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
};
const csv = (header: string[], rows: (string | number | bigint)[][]) =>
  [header, ...rows].map((row) => row.map(csvCell).join(",")).join("\n") + "\n";

/** `policy` as a file-name part: policy names are already limited to letters, digits, ".", "_" and "-". */
export const earningsChartFile = (policy: string) => `charts/earnings-by-role.${policy}.svg`;
export const gasChartFile = (policy: string) => `charts/propagation-gas.${policy}.svg`;
export const SHARE_CHART_FILE = "charts/base-vs-derivatives.svg";

/**
 * Writes a simulation's report folder: `summary.md`, the CSV tables (`earnings.csv`, `models.csv`, `policies.csv`,
 * `steps.csv`; exact wei next to human units) and the SVG charts. Returns the files written.
 *
 * @example
 * import { writeReport } from "./writeReport.js";
 * const files = await writeReport({ scenario, scenarioFile, runs, out: "reports/x", chainDescription, seconds });
 */
export async function writeReport({
  scenario,
  scenarioFile,
  runs,
  out,
  chainDescription,
  seconds,
}: WriteReportParameters): Promise<ReportFiles> {
  await mkdir(join(out, "charts"), { recursive: true });
  const files: Record<string, string> = {};
  const tokens = scenario.tokens;
  const human = (amount: bigint, token: SimToken) => formatUnits(amount, token.decimals);
  const tokenBySymbol = new Map(tokens.map((t) => [t.symbol, t]));
  const labels = new Map<Address, string>();
  for (const model of scenario.models) for (const c of model.contributors) labels.set(c.account, c.label);

  // ---- earnings.csv: per policy, step and account-in-role, the entitlement earned that step and so far
  const earningRows: (string | number | bigint)[][] = [];
  for (const run of runs) {
    const cumulative = new Map<string, bigint>();
    for (const step of run.steps) {
      for (const [key, value] of step.earnings) {
        const [account, role, symbol] = key.split("|") as [Address, string, string];
        const token = tokenBySymbol.get(symbol)!;
        const earned = value - (cumulative.get(key) ?? 0n);
        cumulative.set(key, value);
        earningRows.push([
          run.policy.name,
          step.step,
          step.chainSeconds,
          account,
          labels.get(account) ?? "",
          ROLE_NAMES[Number(role)]!,
          symbol,
          earned,
          human(earned, token),
          value,
          human(value, token),
        ]);
      }
    }
  }
  files["earnings.csv"] = csv(
    [
      "policy",
      "step",
      "chain_seconds",
      "account",
      "label",
      "role",
      "token",
      "earned_wei",
      "earned",
      "cumulative_wei",
      "cumulative",
    ],
    earningRows,
  );

  // ---- models.csv
  const modelRows: (string | number | bigint)[][] = [];
  for (const run of runs) {
    for (const model of run.models) {
      for (const token of tokens) {
        const balance = run.ledger.modelBalance(modelId(model.key), run.tokenAddresses.get(token.symbol)!);
        const direct = run.paidTo.get(`${model.key}|${token.symbol}`) ?? { amount: 0n, fee: 0n };
        modelRows.push([
          run.policy.name,
          model.key,
          model.group,
          model.parents.length ? "derivative" : "base",
          formatPercent(model.upstreamPpm),
          token.symbol,
          direct.amount,
          human(direct.amount, token),
          direct.fee,
          balance.received,
          human(balance.received, token),
          balance.upstream,
          balance.pushed,
          balance.kept,
          human(balance.kept, token),
        ]);
      }
    }
  }
  files["models.csv"] = csv(
    [
      "policy",
      "model",
      "group",
      "tier",
      "upstream_share",
      "token",
      "paid_directly_wei",
      "paid_directly",
      "fee_wei",
      "received_wei",
      "received",
      "upstream_wei",
      "pushed_wei",
      "kept_wei",
      "kept",
    ],
    modelRows,
  );

  // ---- policies.csv
  const policyRows: (string | number | bigint)[][] = [];
  for (const run of runs) {
    for (const token of tokens) {
      const t = policyTotals(run, token);
      const net = t.paid - t.fees;
      const share = (part: bigint) => (net === 0n ? "0%" : formatPercent((part * PPM) / net));
      policyRows.push([
        run.policy.name,
        token.symbol,
        t.paid,
        human(t.paid, token),
        t.fees,
        t.contributors,
        human(t.contributors, token),
        t.base,
        share(t.base),
        t.derivatives,
        share(t.derivatives),
        t.pendingUpstream,
        t.escrow,
        t.claimed,
        run.gas.propagate.transactions,
        run.gas.propagate.gas,
        run.gas.propagate.costWei,
        run.gas.claim.transactions,
        run.gas.claim.gas,
        run.reconcile.differences.length,
      ]);
    }
  }
  files["policies.csv"] = csv(
    [
      "policy",
      "token",
      "paid_wei",
      "paid",
      "fees_wei",
      "contributors_wei",
      "contributors",
      "base_kept_wei",
      "base_share_of_net",
      "derivatives_kept_wei",
      "derivatives_share_of_net",
      "pending_upstream_wei",
      "escrow_wei",
      "claimed_wei",
      "propagation_txs",
      "propagation_gas",
      "propagation_cost_wei",
      "claim_txs",
      "claim_gas",
      "reconcile_differences",
    ],
    policyRows,
  );

  // ---- steps.csv
  const stepRows: (string | number | bigint)[][] = [];
  for (const run of runs) {
    for (const step of run.steps) {
      for (const token of tokens) {
        const get = (map: Map<string, bigint>) => map.get(token.symbol) ?? 0n;
        stepRows.push([
          run.policy.name,
          step.step,
          step.chainSeconds,
          token.symbol,
          get(step.paid),
          get(step.fees),
          get(step.moved),
          get(step.claimed),
          step.propagation.transactions,
          step.propagation.gas,
          step.propagation.costWei,
          step.transactions,
        ]);
      }
    }
  }
  files["steps.csv"] = csv(
    [
      "policy",
      "step",
      "chain_seconds",
      "token",
      "paid_wei",
      "fees_wei",
      "propagated_wei",
      "claimed_wei",
      "propagation_txs",
      "propagation_gas",
      "propagation_cost_wei",
      "transactions_so_far",
    ],
    stepRows,
  );

  // ---- charts
  const eth = tokens.find((t) => t.native);
  const usdLabel = (v: number) => `$${compactNumber(v)}`;
  for (const run of runs) {
    const perRole = new Map<string, [number, number][]>();
    const current = new Map<string, bigint>();
    for (const step of run.steps) {
      for (const [key, value] of step.earnings) current.set(key, value);
      const byRole = new Map<string, bigint>();
      for (const [key, value] of current) {
        const [, role, symbol] = key.split("|") as [string, string, string];
        const name = ROLE_NAMES[Number(role)]!;
        byRole.set(name, (byRole.get(name) ?? 0n) + microUsd(value, tokenBySymbol.get(symbol)!));
      }
      for (const [name, micro] of byRole) {
        if (!perRole.has(name))
          perRole.set(
            name,
            run.steps.slice(0, run.steps.indexOf(step)).map((s) => [s.step, 0]),
          );
        perRole.get(name)!.push([step.step, usd(micro)]);
      }
    }
    files[earningsChartFile(run.policy.name)] = lineChart({
      title: `Earnings over time by contributor role (${run.policy.name})`,
      xLabel: `step (${scenario.duration.stepSeconds} s of chain time each)`,
      yLabel: "cumulative earnings (USD at the scenario's prices)",
      stacked: true,
      series: [...perRole].map(([name, points]) => ({ name, points })),
      format: usdLabel,
    });

    let gasSoFar = 0n;
    let movedSoFar = 0n;
    const gasPoints: [number, number][] = [];
    const movedPoints: [number, number][] = [];
    for (const step of run.steps) {
      gasSoFar += step.propagation.costWei;
      for (const token of tokens) movedSoFar += microUsd(step.moved.get(token.symbol) ?? 0n, token);
      gasPoints.push([step.step, eth ? usd(microUsd(gasSoFar, eth)) : Number(gasSoFar)]);
      movedPoints.push([step.step, usd(movedSoFar)]);
    }
    const series: Series[] = [
      { name: "gas spent on propagation", points: gasPoints },
      { name: "revenue moved upstream", points: movedPoints, right: true },
    ];
    files[gasChartFile(run.policy.name)] = lineChart({
      title: `Gas spent on propagation vs revenue moved (${run.policy.name})`,
      xLabel: "step",
      yLabel: eth ? "propagation gas, cumulative (USD)" : "propagation gas, cumulative (wei)",
      series,
      rightAxis: { label: "revenue moved upstream, cumulative (USD)", format: usdLabel },
      format: eth ? usdLabel : compactNumber,
    });
  }
  const shareGroups = runs.map((run) => {
    let net = 0n;
    let base = 0n;
    let derivatives = 0n;
    for (const token of tokens) {
      const t = policyTotals(run, token);
      net += microUsd(t.paid - t.fees, token);
      base += microUsd(t.base, token);
      derivatives += microUsd(t.derivatives, token);
    }
    const percent = (part: bigint) => (net === 0n ? 0 : Number((part * PPM) / net) / 10_000);
    return { label: run.policy.name, values: [percent(base), percent(derivatives)] };
  });
  files[SHARE_CHART_FILE] = barChart({
    title: "Share of revenue (after fees) that reaches base models vs derivatives",
    xLabel: "policy",
    yLabel: "% of revenue after fees (USD at the scenario's prices)",
    series: ["base models", "derivatives"],
    groups: shareGroups,
    max: 100,
    format: (v) => `${+v.toFixed(2)}%`,
  });

  files["summary.md"] = summary({ scenario, scenarioFile, runs, chainDescription, seconds, shareGroups });
  for (const [name, content] of Object.entries(files)) await writeFile(join(out, name), content);
  return Object.keys(files).sort();
}

function summary({
  scenario,
  scenarioFile,
  runs,
  chainDescription,
  seconds,
  shareGroups,
}: Omit<WriteReportParameters, "out"> & { shareGroups: { label: string; values: number[] }[] }): string {
  const lines: string[] = [];
  const say = (line = "") => lines.push(line);
  const tokens = scenario.tokens;
  const human = (amount: bigint, token: SimToken) => `${formatUnits(amount, token.decimals)} ${token.symbol}`;
  const table = (header: string[], rows: string[][]) => {
    say(`| ${header.join(" | ")} |`);
    say(`| ${header.map((_, i) => (i === 0 ? "---" : "---:")).join(" | ")} |`);
    for (const row of rows) say(`| ${row.join(" | ")} |`);
    say();
  };
  const groupSizes = scenario.groups.map(
    (group) => `${group} ${scenario.models.filter((m) => m.group === group).length}`,
  );
  const totalTx = runs.reduce((sum, run) => sum + (run.steps.at(-1)?.transactions ?? 0), 0);
  const differences = runs.reduce((sum, run) => sum + run.reconcile.differences.length, 0);
  const interrupted = runs.some((run) => run.interrupted) || runs.length < scenario.policies.length;

  say(`# Simulation report: ${scenario.name}`);
  say();
  if (scenario.description) say(`${scenario.description.trim()}\n`);
  if (interrupted)
    say("**Interrupted (Ctrl-C): the figures cover the steps that ran; nothing was settled at the end.**\n");
  say(`- scenario: \`${scenarioFile}\`, seed ${scenario.seed}`);
  say(
    `- ecosystem: ${scenario.models.length} models (${groupSizes.join(", ")}), ${new Set(scenario.models.flatMap((m) => m.contributors.map((c) => c.account))).size} contributor accounts`,
  );
  say(
    `- tokens: ${tokens.map((t) => `${t.symbol} (${t.decimals} decimals, ${Number(t.priceMicroUsd) / 1e6} USD for charts)`).join(", ")}`,
  );
  for (const [i, stream] of scenario.revenue.entries()) {
    say(
      `- revenue ${i + 1}: ${stream.models.length} model(s) earn ${stream.token} every ${stream.every} step(s) with probability ${formatPercent(stream.probabilityPpm)}, amount ${describeAmount(
        stream.amount,
        tokens.find((t) => t.symbol === stream.token)!,
      )}`,
    );
  }
  const k = scenario.keeper;
  const thresholds = [...k.propagateThreshold].map(([s, a]) =>
    human(
      a,
      tokens.find((t) => t.symbol === s)!,
    ),
  );
  say(
    `- keeper: propagate ${k.propagateEvery ? `every ${k.propagateEvery} steps` : "on no schedule"}${thresholds.length ? `, or when pending upstream exceeds ${thresholds.join(" / ")}` : ""}; claim ${k.claimEvery ? `every ${k.claimEvery} steps` : "never"}; everything pending is propagated after the last step`,
  );
  say(`- duration: ${scenario.duration.steps} steps of ${scenario.duration.stepSeconds} s of chain time`);
  say(`- ran on ${chainDescription}: ${totalTx} transactions in ${seconds.toFixed(1)} s`);
  say();

  say("## Policies compared");
  say();
  const policyHeader = [
    "policy",
    "overrides",
    ...tokens.map((t) => `revenue ${t.symbol}`),
    "fees",
    "base models keep",
    "derivatives keep",
    "propagation tx / gas",
    "claim tx",
    "reconcile",
  ];
  table(
    policyHeader,
    runs.map((run, i) => {
      const p = run.policy;
      const overrides = [
        ...[...p.upstreamPpm].map(([t, v]) => `upstream ${t} ${formatPercent(v)}`),
        ...[...p.minDerivativePpm].map(([t, v]) => `min ${t} ${formatPercent(v)}`),
      ];
      const totals = tokens.map((t) => policyTotals(run, t));
      return [
        p.name,
        overrides.join(", ") || "as written",
        ...totals.map((t, j) => human(t.paid, tokens[j]!)),
        totals.map((t, j) => human(t.fees, tokens[j]!)).join(", "),
        `${shareGroups[i]!.values[0]!.toFixed(2)}%`,
        `${shareGroups[i]!.values[1]!.toFixed(2)}%`,
        `${run.gas.propagate.transactions} / ${run.gas.propagate.gas}`,
        String(run.gas.claim.transactions),
        run.reconcile.differences.length === 0 ? "0 differences" : `${run.reconcile.differences.length} differences`,
      ];
    }),
  );
  say(
    "Shares are of the revenue after fees, in USD at the scenario's prices; exact per-token figures are in policies.csv.",
  );
  say();

  say("## Totals per contributor role");
  say();
  const roles = [...new Set(runs.flatMap((run) => [...roleTotals(run).keys()]))].sort();
  for (const token of tokens) {
    const perRun = runs.map((run) => roleTotals(run));
    table(
      [`role (${token.symbol})`, ...runs.map((r) => r.policy.name)],
      roles.map((role) => [
        role,
        ...perRun.map((t) => formatUnits(t.get(role)?.get(token.symbol) ?? 0n, token.decimals)),
      ]),
    );
  }

  say("## Totals per model tier");
  say();
  say("Paid directly to the tier's models / kept by them (what their contributors share) after propagation.");
  say();
  for (const token of tokens) {
    const perRun = runs.map((run) => tierTotals(run, scenario));
    table(
      [`tier (${token.symbol})`, ...runs.map((r) => r.policy.name)],
      scenario.groups.map((group) => [
        group,
        ...perRun.map((t) => {
          const cell = t.get(group)!.get(token.symbol)!;
          return `${formatUnits(cell.paid, token.decimals)} / ${formatUnits(cell.kept, token.decimals)}`;
        }),
      ]),
    );
  }

  say("## Charts");
  say();
  say(`![share of revenue reaching base models vs derivatives](${SHARE_CHART_FILE})`);
  say();
  for (const run of runs) {
    say(`![earnings by role, ${run.policy.name}](${earningsChartFile(run.policy.name)})`);
    say();
    say(`![propagation gas vs revenue moved, ${run.policy.name}](${gasChartFile(run.policy.name)})`);
    say();
  }

  say("## Reconcile");
  say();
  say(
    "Per policy, the TypeScript engine rebuilt from every registry and router event against the router's views: each model's lifetime totals and pending upstream, each contributor entry's claimable amount, the fees, and the router's balance, per token, to the wei.",
  );
  say();
  for (const run of runs) {
    const { checked, differences: diffs } = run.reconcile;
    say(`- ${run.policy.name}: ${checked} figures checked, ${diffs.length} differences`);
    for (const d of diffs.slice(0, 20)) say(`  - ${d.what}: engine ${d.engine}, chain ${d.chain}`);
  }
  say();
  say(`reconcile: ${differences} differences`);
  say();
  say("## Files");
  say();
  say(
    "- `earnings.csv`: per policy, step, account and role, what the account earned that step and so far (its contributor entries' share of what their models kept, claimed or not)",
  );
  say("- `models.csv`: per policy, model and token, the model's lifetime totals after the run");
  say("- `policies.csv`: per policy and token, revenue, fees, where it went, gas and the reconcile result");
  say("- `steps.csv`: per policy, step and token, what was paid, propagated and claimed, and the propagation gas");
  say("- `charts/`: the SVG charts above");
  return `${lines.join("\n")}\n`;
}

function describeAmount(amount: Scenario["revenue"][number]["amount"], token: SimToken): string {
  const h = (v: bigint) => `${formatUnits(v, token.decimals)} ${token.symbol}`;
  switch (amount.kind) {
    case "fixed":
      return h(amount.amount);
    case "uniform":
      return `uniform ${h(amount.min)} to ${h(amount.max)}`;
    case "lognormal":
      return `lognormal, median ${h(amount.median)}, sigma ${amount.sigma}`;
  }
}
