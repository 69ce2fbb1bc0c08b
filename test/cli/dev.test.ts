/**
 * The README's main command, end to end: clones the repository (its committed files) into a temporary folder, runs
 * `npm start` there (the whole local stack: `stemma dev`), waits for it to be ready, asks the GraphQL API about the
 * demo lineage, then presses Ctrl-C and checks that everything stops cleanly: exit code 0, the chain's port free
 * again, no `hardhat node` left behind. Then, on a chain the test runs itself, `stemma dev --rpc` twice: the second
 * run reuses the first one's deployment and index and catches up on a payment made in between.
 */
import assert from "node:assert/strict";
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { once } from "node:events";
import { realpathSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm, symlink } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

import { answersChainId } from "../../src/cli/childProcesses.js";
import { freePort, startHardhatNode, type HardhatNode } from "../helpers/hardhatNode.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
/** A fresh clone compiles every contract before deploying: allow for it. */
const READY_MS = 240_000;
const STOP_MS = 30_000;

const BASE = "hf:meta-llama/llama-3.1-8b";
const PLACEHOLDER = "hf:mistralai/mistral-7b-v0.3";
const MERGE = "hf:stemma-demo/medical-mistral-merge-7b";

/** Pids of processes whose command line mentions `hardhat` and `node` and the given port. */
async function hardhatNodesOn(port: number): Promise<number[]> {
  const found: number[] = [];
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const command = (await readFile(`/proc/${entry}/cmdline`, "utf8").catch(() => "")).split("\0");
    if (command.some((part) => part.includes("hardhat")) && command.includes("node") && command.includes(String(port)))
      found.push(Number(entry));
  }
  return found;
}

/** Pids of processes whose command line mentions the folder (npm's script, the launcher, stemma, hardhat). */
async function processesIn(folder: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    const command = (await readFile(`/proc/${entry}/cmdline`, "utf8").catch(() => "")).replaceAll("\0", " ");
    if (command.includes(folder)) found.push(`${entry}: ${command}`);
  }
  return found;
}

async function portIsFree(port: number): Promise<boolean> {
  const server = createServer();
  const free = await new Promise<boolean>((resolve) => {
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => resolve(true));
  });
  if (free) await new Promise((resolve) => server.close(resolve));
  return free;
}

/** As a user's shell would be: without what `hardhat test` exports (HARDHAT_CONFIG names this checkout's config). */
const userEnv = () =>
  Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith("HARDHAT_") && key !== "HH_TEST"));

describe("stemma dev (npm start) from a fresh clone", function () {
  this.timeout(READY_MS + STOP_MS + 60_000);
  let folder = "";
  let child: ChildProcess | undefined;
  let chainPort = 0;
  let output = "";

  before(async function () {
    folder = await mkdtemp(join(tmpdir(), "stemma-dev-"));
    execFileSync("git", ["clone", "--quiet", ROOT, folder]);
    // The installed tree is shared. Only when its install stamp matches the clone's package-lock.json: otherwise the
    // clone's bootstrap would run `npm ci` through the link and replace this checkout's node_modules.
    const stamp = await readFile(join(ROOT, "node_modules", ".stemma-install-stamp"), "utf8").catch(() => "{}");
    const lockHash = createHash("sha256")
      .update(await readFile(join(folder, "package-lock.json")))
      .digest("hex");
    assert.equal(
      (JSON.parse(stamp) as { lockHash?: string }).lockHash,
      lockHash,
      "node_modules has no install stamp for this package-lock.json: run npm test (its bootstrap installs first)",
    );
    await symlink(realpathSync(join(ROOT, "node_modules")), join(folder, "node_modules"));
  });

  let chain: HardhatNode | undefined;

  after(async function () {
    await chain?.stop();
    if (child && child.exitCode === null && child.signalCode === null && child.pid) {
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {
        // gone
      }
    }
    for (const pid of chainPort ? await hardhatNodesOn(chainPort) : []) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // gone
      }
    }
    if (folder) await rm(folder, { recursive: true, force: true });
  });

  it("serves the demo lineage over GraphQL and stops cleanly on Ctrl-C", async function () {
    chainPort = await freePort();
    let apiPort = await freePort();
    while (apiPort === chainPort) apiPort = await freePort();
    const started = Date.now();
    // Its own process group, so the test can press "Ctrl-C" the way a terminal does: SIGINT to the whole group.
    child = spawn("npm", ["start", "--", "--port", String(chainPort), "--api-port", String(apiPort)], {
      cwd: folder,
      env: userEnv(),
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    const exited = once(child, "exit") as Promise<[number | null, NodeJS.Signals | null]>;
    const ready = new Promise<void>((resolve, reject) => {
      const keep = (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes("Stemma is ready")) resolve();
      };
      child!.stdout!.on("data", keep);
      child!.stderr!.on("data", keep);
      void exited.then(([code, signal]) => reject(new Error(`npm start exited (${code ?? signal}):\n${output}`)));
      setTimeout(() => reject(new Error(`not ready within ${READY_MS} ms:\n${output}`)), READY_MS).unref();
    });
    await ready;
    console.log(`      ready after ${((Date.now() - started) / 1000).toFixed(1)} s`);

    const query = async (text: string) => {
      const response = await fetch(`http://127.0.0.1:${apiPort}/graphql`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ query: text }),
      });
      const body = (await response.json()) as { data?: Record<string, unknown>; errors?: unknown };
      assert.equal(body.errors, undefined, JSON.stringify(body.errors));
      return body.data!;
    };
    const answer = (await query(
      `{ _meta { backfillDone } model(key: "${MERGE}") { id ancestors { depth model { key } } } }`,
    )) as {
      _meta: { backfillDone: boolean };
      model: { id: string; ancestors: { depth: number; model: { key: string } }[] };
    };
    assert.equal(answer._meta.backfillDone, true);
    // Every demo model was verified from its card in the run's card folder, by the local attester.
    assert.match(output, /Verified: 6 of 6 models/);
    const card = await readFile(
      join(folder, ".stemma", "dev", "cards", ...MERGE.slice(3).split("/"), "README.md"),
      "utf8",
    );
    assert.match(card, /stemma:\n {2}steward: "0x[0-9a-fA-F]{40}"/);
    const ancestors = answer.model.ancestors.map((a) => a.model.key);
    assert.ok(ancestors.includes(BASE), `the merge's ancestors include the base model: ${ancestors}`);
    assert.ok(ancestors.includes(PLACEHOLDER), `the merge's ancestors include the placeholder: ${ancestors}`);
    const { effectiveShares } = (await query(
      `{ effectiveShares(model: "${answer.model.id}") { totalCount edges { node { kind numerator denominator } } } }`,
    )) as {
      effectiveShares: {
        totalCount: number;
        edges: { node: { kind: string; numerator: string; denominator: string } }[];
      };
    };
    assert.equal(effectiveShares.edges.length, effectiveShares.totalCount, "the demo's shares fit on one page");
    // An ancestor's row is what reaches it: its parts follow.
    const shares = effectiveShares.edges.map((e) => e.node).filter((s) => s.kind !== "ancestor");
    // Contributors, escrows and beneficiaries add up to exactly one: sum n_i / d_i == 1 over a common denominator.
    const denominator = shares.reduce((product, s) => product * BigInt(s.denominator), 1n);
    const numerator = shares.reduce((sum, s) => sum + (BigInt(s.numerator) * denominator) / BigInt(s.denominator), 0n);
    assert.equal(numerator, denominator);
    assert.equal((await fetch(`http://127.0.0.1:${apiPort}/ready`)).status, 200);

    const stopping = Date.now();
    // `close`: npm, the launcher and stemma have all exited (they hold the pipes), not just npm.
    const closed = once(child, "close");
    process.kill(-child.pid!, "SIGINT");
    await Promise.race([
      closed,
      new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error(`still running ${STOP_MS} ms after Ctrl-C:\n${output}`)), STOP_MS).unref(),
      ),
    ]);
    const [code, signal] = await exited;
    console.log(`      stopped ${((Date.now() - stopping) / 1000).toFixed(1)} s after Ctrl-C`);
    // npm re-raises a Ctrl-C it received itself once its script has exited (a shell shows 130); stemma exits 0.
    assert.ok(code === 0 || signal === "SIGINT", `exit ${code ?? signal}:\n${output.slice(-2_000)}`);
    assert.deepEqual(await processesIn(folder), [], "no process of the clone is left");
    assert.match(output, /Stopped: the chain, the indexer and the API are down/);
    assert.deepEqual(await hardhatNodesOn(chainPort), []);
    assert.equal(await portIsFree(chainPort), true);
    assert.equal(await portIsFree(apiPort), true);
  });

  it("with --rpc, keeps the deployment and the index from one run to the next on the same chain", async function () {
    chain = await startHardhatNode();
    const apiPort = await freePort();
    /** Runs `stemma dev --rpc` in the clone until ready, asks `query`, then Ctrl-C; returns its output and answer. */
    const run = async (query: string) => {
      const dev = spawn(
        process.execPath,
        ["bin/stemma.cjs", "dev", "--rpc", chain!.url, "--api-port", String(apiPort)],
        { cwd: folder, env: userEnv(), detached: true, stdio: ["ignore", "pipe", "pipe"] },
      );
      child = dev;
      let text = "";
      const closed = once(dev, "close");
      await new Promise<void>((resolve, reject) => {
        const keep = (chunk: Buffer) => {
          text += chunk.toString();
          if (text.includes("Stemma is ready")) resolve();
        };
        dev.stdout!.on("data", keep);
        dev.stderr!.on("data", keep);
        void closed.then(() => reject(new Error(`stemma dev exited early:\n${text}`)));
        setTimeout(() => reject(new Error(`not ready within ${READY_MS} ms:\n${text}`)), READY_MS).unref();
      });
      const response = await fetch(`http://127.0.0.1:${apiPort}/graphql`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ query }),
      });
      const answer = (await response.json()) as { data: Record<string, unknown> };
      process.kill(-dev.pid!, "SIGINT");
      await closed;
      return { output: text, data: answer.data };
    };
    const revenueQuery = `{ model(key: "${MERGE}") { revenue { token received } } }`;
    const ethReceived = (data: Record<string, unknown>) =>
      BigInt(
        (data.model as { revenue: { token: string; received: string }[] }).revenue.find((r) => /^0xeeee/i.test(r.token))
          ?.received ?? "0",
      );

    const first = await run(revenueQuery);
    assert.match(first.output, /Deploying the system and seeding the demo lineage/);
    assert.match(first.output, /the chain at .* keeps running/);
    assert.equal(await answersChainId(chain.url), true, "Ctrl-C leaves a chain it did not start running");
    const record = await readFile(join(folder, ".stemma", "dev", "deployment.json"), "utf8");

    // A payment between the runs, with the CLI against the same chain.
    execFileSync(process.execPath, ["bin/stemma.cjs", "pay", MERGE, "1", "ETH", "--rpc", chain.url], {
      cwd: folder,
      env: userEnv(),
      stdio: "pipe",
    });

    const second = await run(revenueQuery);
    assert.match(second.output, /Reusing the previous run's deployment, demo lineage and index/);
    assert.doesNotMatch(second.output, /Deploying the system/);
    assert.equal(await readFile(join(folder, ".stemma", "dev", "deployment.json"), "utf8"), record);
    assert.ok(
      ethReceived(second.data) > ethReceived(first.data),
      `the reused index caught up on the payment: ${ethReceived(first.data)} -> ${ethReceived(second.data)}`,
    );
  });

  it("refuses --fresh without --rpc, saying why", function () {
    let failure: { status: number; stderr: Buffer } | undefined;
    try {
      execFileSync(process.execPath, ["bin/stemma.cjs", "dev", "--fresh"], {
        cwd: folder,
        env: userEnv(),
        stdio: "pipe",
      });
    } catch (error) {
      failure = error as { status: number; stderr: Buffer };
    }
    assert.equal(failure?.status, 1);
    assert.match(failure!.stderr.toString(), /--fresh goes with --rpc/);
  });
});
