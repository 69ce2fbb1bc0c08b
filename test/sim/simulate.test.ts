/**
 * `stemma simulate`: a small scenario (5 models, 4 steps, two policies) end to end on real hardhat nodes with the
 * real deployment, the report's files and figures checked against the engine and the payments; scenario errors
 * naming their field; the shipped scenarios; and the command itself (a bad file, popular-base for two steps, Ctrl-C).
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

import { modelId } from "../../src/core/modelId.js";
import { feeOf } from "../../src/core/splitMath.js";
import { planPayments } from "../../src/sim/planPayments.js";
import { parseScenario } from "../../src/sim/scenario/parseScenario.js";
import { simulateScenario, type SimulateScenarioReturnType } from "../../src/sim/simulateScenario.js";
import { simChainOpener } from "../../scripts/sim/openSimChain.js";
import { allElements, parseXml } from "../helpers/parseXml.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const SMALL = join(ROOT, "test", "sim", "fixtures", "small.yaml");
const STEMMA = join(ROOT, "bin", "stemma.cjs");

/** Rows of a CSV without quoted commas (the report quotes nothing the tests read). */
const parseCsv = (text: string) => {
  const [header, ...rows] = text
    .trim()
    .split("\n")
    .map((line) => line.split(","));
  return rows.map((row) => Object.fromEntries(header!.map((name, i) => [name, row[i]!])));
};

/** Runs `stemma` with the project's Node; resolves with its exit code and output. */
async function stemma(args: string[], { onStderr }: { onStderr?: (text: string, pid: number) => void } = {}) {
  const child = spawn(process.execPath, [STEMMA, ...args], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
    onStderr?.(stderr, child.pid!);
  });
  const [code] = (await once(child, "exit")) as [number | null];
  return { code, stdout, stderr };
}

/** `hardhat node` processes started from this checkout (other checkouts' nodes are not ours to count). */
async function hardhatNodes(): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const command = (await readFile(`/proc/${entry}/cmdline`, "utf8").catch(() => "")).split("\0");
    const hardhat = command.findIndex((part) => part.startsWith(ROOT) && part.includes("hardhat"));
    if (hardhat >= 0 && command[hardhat + 1] === "node") found.push(`${entry}: ${command.join(" ")}`);
  }
  return found;
}

describe("stemma simulate", function () {
  this.timeout(240_000);
  let folder = "";

  before(async function () {
    folder = await mkdtemp(join(tmpdir(), "stemma-simulate-"));
  });
  after(async function () {
    await rm(folder, { recursive: true, force: true });
  });

  describe("a small scenario with two policies, each on a fresh hardhat node", function () {
    const scenarioText = () => readFile(SMALL, "utf8");
    let result: SimulateScenarioReturnType;
    let out = "";
    const notes: string[] = [];

    before(async function () {
      out = join(folder, "small");
      const scenario = parseScenario(await scenarioText());
      const { open, description } = simChainOpener({});
      result = await simulateScenario({
        scenario,
        scenarioFile: "test/sim/fixtures/small.yaml",
        openChain: open,
        out,
        chainDescription: description,
        signal: new AbortController().signal,
        progress: { update: () => undefined, note: (line) => notes.push(line), finish: () => undefined },
      });
    });

    it("writes every file of the report", async function () {
      const expected = [
        "charts/base-vs-derivatives.svg",
        "charts/earnings-by-role.baseline.svg",
        "charts/earnings-by-role.generous.svg",
        "charts/propagation-gas.baseline.svg",
        "charts/propagation-gas.generous.svg",
        "earnings.csv",
        "models.csv",
        "policies.csv",
        "steps.csv",
        "summary.md",
      ];
      assert.deepEqual(result.files, expected);
      const written = [...(await readdir(out)), ...(await readdir(join(out, "charts"))).map((f) => `charts/${f}`)];
      for (const file of expected) assert.ok(written.includes(file), `${file} is missing`);
      assert.ok(notes.some((line) => line.includes("registering 5 models")));
    });

    it("reconciles the engine with the chain with 0 differences, for both policies", async function () {
      assert.equal(result.differences, 0);
      assert.equal(result.runs.length, 2);
      for (const run of result.runs) {
        assert.deepEqual(run.reconcile.differences, []);
        // 5 models x 2 tokens x (4 balance fields + pending + their entries) + fees and holdings per token
        assert.ok(run.reconcile.checked > 60, `only ${run.reconcile.checked} figures checked`);
        assert.equal(run.interrupted, false);
      }
      const summary = await readFile(join(out, "summary.md"), "utf8");
      assert.match(summary, /^reconcile: 0 differences$/m);
      assert.match(summary, /\| baseline \| as written \|/);
      assert.match(summary, /upstream quantized 70%/);
    });

    it("has earnings that equal the engine's and sum exactly to revenue minus fees", async function () {
      const scenario = parseScenario(await scenarioText());
      const rows = parseCsv(await readFile(join(out, "earnings.csv"), "utf8"));
      // Revenue from the seeded plan, fees at the deployment's rate, computed here independently.
      const plan = planPayments(scenario).flat();
      for (const run of result.runs) {
        const feePpm = run.ledger.feePpm();
        assert.equal(feePpm, 10_000n);
        for (const token of scenario.tokens) {
          const payments = plan.filter((p) => p.token === token.symbol);
          assert.ok(payments.length > 0);
          const net: bigint = payments.reduce((sum: bigint, p) => sum + p.amount - feeOf(p.amount, feePpm), 0n);

          // The last cumulative figure of every account-in-role, and the increments, from the CSV.
          const final = new Map<string, bigint>();
          let increments = 0n;
          for (const row of rows.filter((r) => r.policy === run.policy.name && r.token === token.symbol)) {
            final.set(`${row.account}|${row.role}`, BigInt(row.cumulative_wei!));
            increments += BigInt(row.earned_wei!);
          }
          const total = [...final.values()].reduce((sum, v) => sum + v, 0n);
          assert.equal(total, net, `${run.policy.name} ${token.symbol}: earnings ${total} != revenue - fees ${net}`);
          assert.equal(increments, total);

          // The engine's view per account: unclaimed entitlements plus what its entries claimed.
          const address = run.tokenAddresses.get(token.symbol)!;
          const owed = run.ledger.owed(address).accounts;
          const perAccount = new Map<string, bigint>();
          for (const [key, value] of final) {
            const account = key.split("|")[0]!;
            perAccount.set(account, (perAccount.get(account) ?? 0n) + value);
          }
          for (const [account, value] of perAccount) {
            let claimed = 0n;
            for (const model of run.models) {
              const id = modelId(model.key);
              for (const entry of run.ledger.contributorSet(id, 0)!.entries) {
                if (entry.account === account) claimed += run.ledger.claimed(id, address, 0, entry.cumulativeBefore);
              }
            }
            assert.equal(value, (owed.get(account as `0x${string}`) ?? 0n) + claimed, `${account} ${token.symbol}`);
          }
        }
      }
    });

    it("has per-policy and per-model tables that add up, and the policies differ as configured", async function () {
      const policies = parseCsv(await readFile(join(out, "policies.csv"), "utf8"));
      const models = parseCsv(await readFile(join(out, "models.csv"), "utf8"));
      assert.equal(policies.length, 4); // 2 policies x 2 tokens
      for (const row of policies) {
        const parts = ["fees_wei", "base_kept_wei", "derivatives_kept_wei", "pending_upstream_wei", "escrow_wei"];
        const sum = parts.reduce((total, field) => total + BigInt(row[field]!), 0n);
        assert.equal(sum, BigInt(row.paid_wei!), `${row.policy} ${row.token}: the parts do not add up to the revenue`);
        assert.equal(BigInt(row.contributors_wei!), BigInt(row.base_kept_wei!) + BigInt(row.derivatives_kept_wei!));
        const kept = models
          .filter((m) => m.policy === row.policy && m.token === row.token)
          .reduce((total, m) => total + BigInt(m.kept_wei!), 0n);
        assert.equal(kept, BigInt(row.contributors_wei!));
      }
      const baseKept = (policy: string) =>
        BigInt(policies.find((r) => r.policy === policy && r.token === "ETH")!.base_kept_wei!);
      assert.ok(baseKept("generous") > baseKept("baseline"), "more upstream should bring more to the base model");
      const quantized = models.find((m) => m.policy === "generous" && m.model === "hf:test/ft-1-gguf")!;
      assert.equal(quantized.upstream_share, "70%");
    });

    it("draws SVG charts that parse as XML, with axes, a legend and the expected series", async function () {
      const series = async (file: string) => {
        const root = parseXml(await readFile(join(out, file), "utf8"));
        assert.equal(root.name, "svg");
        const elements = allElements(root);
        assert.ok(
          elements.some((e) => e.attributes.class?.includes("x-axis")),
          `${file} has no x axis`,
        );
        assert.ok(
          elements.some((e) => e.attributes.class?.includes("y-axis")),
          `${file} has no y axis`,
        );
        assert.ok(
          elements.some((e) => e.attributes.class === "legend"),
          `${file} has no legend`,
        );
        return elements.filter((e) => e.attributes.class === "series");
      };
      const roles = (await series("charts/earnings-by-role.baseline.svg")).map((e) => e.attributes["data-series"]);
      for (const role of ["PRETRAINING_COMPUTE", "DATA_CURATION", "FINETUNING", "EVALUATION_REDTEAM", "QUANTIZATION"]) {
        assert.ok(roles.includes(role), `no ${role} series in ${roles.join(", ")}`);
      }
      const bars = await series("charts/base-vs-derivatives.svg");
      assert.deepEqual(
        bars.map((e) => e.attributes["data-series"]),
        ["base models", "derivatives"],
      );
      for (const bar of bars) assert.equal(bar.children.filter((e) => e.name === "rect").length, 2);
      const gas = await series("charts/propagation-gas.generous.svg");
      assert.deepEqual(
        gas.map((e) => e.attributes["data-series"]),
        ["gas spent on propagation", "revenue moved upstream"],
      );
      assert.ok(gas.every((e) => e.children[0]!.attributes.points!.split(" ").length === 4)); // one point per step
    });
  });

  describe("scenario files", function () {
    const small = () => readFile(SMALL, "utf8");
    const broken = async (edit: (text: string) => string, field: RegExp) => {
      const text = edit(await small());
      assert.notEqual(text, await small(), "the edit changed nothing");
      assert.throws(
        () => parseScenario(text),
        (error: Error) => {
          assert.match(error.message, field);
          return true;
        },
      );
    };

    it("names the field of a bad value", async function () {
      await broken(
        (t) => t.replace("relation: FINETUNE", "relation: FINE_TUNE"),
        /^models\[1\]\.parents\[0\]\.relation: expected one of FINETUNE/,
      );
      await broken(
        (t) => t.replace('weight: "30%"', 'weight: "20%"'),
        /^models\[0\]\.contributors: the weights add up to 90%, not 100%/,
      );
      await broken(
        (t) => t.replace('upstream: "50%"', 'upstream: "12,5%"'),
        /^models\[2\]\.upstream: .*"12,5%" is not a percentage/,
      );
      await broken(
        (t) => t.replace("models: finetunes", "models: fine-tunes"),
        /^revenue\[1\]\.models: no group or model "fine-tunes"/,
      );
      await broken(
        (t) => t.replace("from: base,", "from: quantized,"),
        /^models\[1\]\.parents\[0\]\.from: no group or model "quantized" is defined before/,
      );
      await broken((t) => t.replace("propagateEvery: 2", "propagateEvry: 2"), /^keeper: unknown field "propagateEvry"/);
      await broken((t) => t.replace("token: ETH", "token: DAI"), /^revenue\[0\]\.token: "DAI" is not in tokens/);
      await broken((t) => t.replace('min: "10"', 'min: "1000"'), /^revenue\[1\]\.amount\.uniform: min is above max/);
      await broken((t) => t.replace("steps: 4,", "steps: 0,"), /^duration\.steps: expected a whole number from 1/);
    });

    it("names the policy whose shares break a parent's minimum, and the share that would work", async function () {
      await broken(
        (t) => t.replace('minDerivative: { base: "20%" }', 'minDerivative: { base: "50%" }'),
        /^policies\[1\] \(generous\): hf:test\/ft-\d sends its parent hf:test\/base 40% upstream x 100% edge weight, below the parent's minimum derivative share 50%: raise the finetunes upstream share to at least 50%/,
      );
      await broken(
        (t) => t.replace("upstream: { quantized", "upstream: { quantised"),
        /^policies\[1\]\.upstream\.quantised: no group or model/,
      );
    });

    it("reads the shipped scenarios: popular-base's ecosystem and the policy comparison", async function () {
      const popular = parseScenario(await readFile(join(ROOT, "scenarios", "popular-base.yaml"), "utf8"));
      const count = (group: string) => popular.models.filter((m) => m.group === group).length;
      assert.deepEqual(
        popular.groups.map((g) => [g, count(g)]),
        [
          ["base", 1],
          ["finetunes", 20],
          ["merges", 5],
          ["quantized", 40],
        ],
      );
      assert.ok(popular.models.filter((m) => m.group === "merges").every((m) => m.parents.length === 2));
      const roles = new Set(popular.models.flatMap((m) => m.contributors.map((c) => c.role)));
      assert.ok(roles.size >= 7, `only ${roles.size} roles`);
      const comparison = parseScenario(await readFile(join(ROOT, "scenarios", "policy-comparison.yaml"), "utf8"));
      assert.deepEqual(
        comparison.policies.map((p) => p.name),
        ["low-upstream", "current", "high-upstream"],
      );
      // The same ecosystem, the same seed: the same generated lineage.
      assert.deepEqual(comparison.models, popular.models);
    });
  });

  describe("the command", function () {
    it("prints the field of a bad scenario on one line and exits 1", async function () {
      const bad = join(folder, "bad.yaml");
      await writeFile(bad, (await readFile(SMALL, "utf8")).replace("role: QUANTIZATION", "role: QUANTISATION"));
      const { code, stderr } = await stemma(["simulate", "--scenario", bad]);
      assert.equal(code, 1);
      assert.match(
        stderr,
        /^error: .*bad\.yaml: models\[2\]\.contributors\[0\]\.role: expected one of PRETRAINING_COMPUTE/m,
      );
      assert.equal(
        stderr
          .trim()
          .split("\n")
          .filter((line) => line.startsWith("error:")).length,
        1,
      );
    });

    it("runs popular-base for two steps and ends with reconcile: 0 differences", async function () {
      const out = join(folder, "popular");
      const { code, stdout, stderr } = await stemma([
        "simulate",
        "--scenario",
        "scenarios/popular-base.yaml",
        "--steps",
        "2",
        "--out",
        out,
      ]);
      assert.equal(code, 0, stderr);
      assert.match(stdout, /^reconcile: 0 differences$/m);
      assert.match(stderr, /registering 66 models/);
      assert.match(stderr, /step 2\/2/);
      const summary = await readFile(join(out, "summary.md"), "utf8");
      assert.match(summary, /66 models \(base 1, finetunes 20, merges 5, quantized 40\)/);
      assert.deepEqual(await hardhatNodes(), []);
    });

    it("stops on Ctrl-C after the transaction in flight, writes the report so far and leaves no node running", async function () {
      const out = join(folder, "interrupted");
      let sent = false;
      const { code, stdout, stderr } = await stemma(
        ["simulate", "--scenario", "scenarios/popular-base.yaml", "--out", out],
        {
          onStderr: (text, pid) => {
            if (!sent && /step \d+\/60/.test(text)) {
              sent = true;
              process.kill(pid, "SIGINT");
            }
          },
        },
      );
      assert.ok(sent, "the run never showed progress");
      assert.equal(code, 130, stderr);
      assert.match(stdout, /^reconcile: 0 differences$/m);
      const summary = await readFile(join(out, "summary.md"), "utf8");
      assert.match(summary, /Interrupted \(Ctrl-C\)/);
      assert.deepEqual(await hardhatNodes(), []);
    });
  });
});
