/**
 * `stemma dev` (what `npm start` runs): the whole stack on this machine until Ctrl-C. A `hardhat node`, the system
 * deployed on it with the local parameters, the demo lineage seeded (scripts/dev/seed.ts), the indexer following
 * the chain into an embedded PGlite store and the GraphQL API over that store.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { createWriteStream } from "node:fs";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:net";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { formatUnits, type Address } from "viem";

import { createApiServer } from "../api/createApiServer.js";
import { createResponseCache, type ResponseCache } from "../api/responseCache.js";
import { readDeploymentRecord } from "../chain/deploymentRecord.js";
import { modelId } from "../core/modelId.js";
import { ledgerAbi } from "../contracts/abis.js";
import type { Logger } from "../internal/logger.js";
import { createRpcClient } from "../chain/rpc/createRpcClient.js";
import { acquireWriterLock } from "../store/acquireWriterLock.js";
import { createStore } from "../store/createStore.js";
import { migrate } from "../store/migrate.js";
import { migrations } from "../store/migrations.js";
import type { Store } from "../store/types.js";
import { createIndexer } from "../indexer/sync/createIndexer.js";
import { answersChainId, HARDHAT_BIN, hardhatEnv, rpcCall, stopChild } from "./childProcesses.js";
import { CliError, ROOT } from "./shared.js";
import { sleep } from "../internal/sleep.js";

export const DEV_HELP = `Usage: stemma dev [flags]        (npm start runs it with no flags)

Runs the whole stack locally until Ctrl-C:
  1. a local chain: hardhat node on 127.0.0.1:PORT (chain 31337)
  2. compiles the contracts and deploys the DAO and the ledger with Hardhat Ignition (local parameters)
  3. seeds a demo lineage: a base model, a fine-tune, an adapter, a quantized build, a merge with an unclaimed
     placeholder parent (Mistral), contributors in their roles; pays ETH and a test stablecoin (TUSD), propagates,
     and has the DAO hand the placeholder to its authors
  4. indexes the chain into an embedded PGlite store (.stemma/dev/pglite) and keeps following it
  5. serves GraphQL at http://127.0.0.1:API_PORT/graphql (with /health, /ready, /metrics)
Then it prints the URLs, example queries and who is owed what.

By default every run starts from a clean state: a restarted hardhat node is a new chain, so the previous run's
database and deployment record (.stemma/dev) cannot describe it and are deleted first. To keep state from one run
to the next, run the chain yourself (npm run chain) and pass --rpc: the first run deploys and seeds on it, and
later runs on the same chain reuse the deployment, the demo lineage and the index (catching up on whatever
happened since), until --fresh or a restart of that chain. Ctrl-C then stops the indexer and the API, not your chain.

  --port N        the chain's JSON-RPC port (when stemma dev starts the chain)   [8545]
  --rpc URL       use the chain at URL instead of starting one, and keep state across runs on it
  --fresh         with --rpc: deploy and seed again on that chain, and start a new index
  --api-port N    the GraphQL API's port      [4000]
  --help          this text
`;

const HOST = "127.0.0.1";
const STATE_DIR = join(ROOT, ".stemma", "dev");
/** How long `hardhat node` may take to answer, and how long a stopping child gets before SIGKILL. */
const NODE_START_MS = 120_000;

const say = (line = "") => process.stdout.write(`${line}\n`);
const step = (line: string) => say(`▸ ${line}`);

function portNumber(flag: string, value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > 65_535) {
    throw new CliError(`--${flag} must be a port number (1-65535), not "${value}".`);
  }
  return Number(value);
}

/** Fails with a clear line when something already listens on the port. */
async function ensurePortFree(port: number, what: string, flag: string): Promise<void> {
  const server: Server = createServer();
  const error = await new Promise<NodeJS.ErrnoException | null>((resolve) => {
    server.once("error", resolve);
    server.listen(port, HOST, () => resolve(null));
  });
  if (!error) {
    await new Promise((resolve) => server.close(resolve));
    return;
  }
  const cause =
    error.code === "EADDRINUSE" ? "is already in use (another `stemma dev` or `npm run chain`?)" : error.message;
  throw new CliError(`${HOST}:${port} for ${what} ${cause}: stop that process or pick another port with --${flag} N.`);
}

/**
 * Stops a `hardhat node` of an earlier run that was killed before it could stop it (its pid file is left), and
 * waits until its port is free again.
 */
async function stopStaleNode(pidFile: string, port: number): Promise<void> {
  const pid = Number((await readFile(pidFile, "utf8").catch(() => "")).trim());
  if (!Number.isSafeInteger(pid) || pid <= 0) return;
  const command = await readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => "");
  if (!command.includes("hardhat") || !command.includes("node")) return;
  step(`Stopping the hardhat node a previous run left behind (pid ${pid})`);
  try {
    process.kill(-pid, "SIGTERM");
  } catch {
    return;
  }
  for (let i = 0; i < 50; i++) {
    const gone = (await readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => "")) === "";
    if (
      gone &&
      (await ensurePortFree(port, "", "").then(
        () => true,
        () => false,
      ))
    )
      return;
    await sleep(100);
  }
}

/** The hash of the chain's block 0: a restarted hardhat node has a new one, so it tells one chain from another. */
async function genesisHash(rpcUrl: string): Promise<string> {
  const block = await rpcCall<{ hash?: string }>(rpcUrl, "eth_getBlockByNumber", ["0x0", false]);
  if (!block?.hash) throw new CliError(`the chain at ${rpcUrl} has no block 0: is it an Ethereum JSON-RPC endpoint?`);
  return block.hash;
}

async function blockNumber(rpcUrl: string): Promise<bigint> {
  const result = await rpcCall<string>(rpcUrl, "eth_blockNumber");
  if (result === undefined) throw new CliError(`the chain at ${rpcUrl} did not answer eth_blockNumber.`);
  return BigInt(result);
}

const hasFiles = async (...paths: string[]) =>
  (
    await Promise.all(
      paths.map((path) =>
        readFile(path).then(
          () => true,
          () => false,
        ),
      ),
    )
  ).every(Boolean);

/** Runs a Hardhat command to completion, indenting its output; rejects with its last lines on failure. */
function runHardhat(args: string[], env: NodeJS.ProcessEnv, children: Set<ChildProcess>): Promise<void> {
  const child = spawn(process.execPath, [HARDHAT_BIN, ...args], {
    cwd: ROOT,
    env: hardhatEnv(env),
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.add(child);
  let tail = "";
  const relay = (chunk: Buffer) => {
    const text = chunk.toString();
    tail = (tail + text).slice(-2_000);
    process.stdout.write(text.replace(/^(?=.)/gm, "  "));
  };
  child.stdout!.on("data", relay);
  child.stderr!.on("data", relay);
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", (code, signal) => {
      children.delete(child);
      if (code === 0) resolve();
      else {
        const last = tail.trim().split("\n").at(-1) ?? "";
        reject(new CliError(`\`hardhat ${args.join(" ")}\` failed (${code ?? signal}): ${last}`));
      }
    });
  });
}

type DemoReportFile = {
  owed: { label: string; account: Address; roles: string }[];
  tokens: { symbol: string; address: Address; decimals: number }[];
  models: Record<"base" | "finetune" | "adapter" | "quantized" | "merge" | "placeholder", string>;
};

/** Runs `stemma dev`; resolves with the exit code once everything stopped. */
export async function dev(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      port: { type: "string", default: "8545" },
      rpc: { type: "string" },
      fresh: { type: "boolean", default: false },
      "api-port": { type: "string", default: "4000" },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) {
    process.stdout.write(DEV_HELP);
    return 0;
  }
  const port = portNumber("port", values.port);
  const apiPort = portNumber("api-port", values["api-port"]);
  const external = values.rpc;
  if (external === undefined && port === apiPort) throw new CliError("--port and --api-port must differ.");
  if (external === undefined && values.fresh) {
    throw new CliError("--fresh goes with --rpc: without it every run already starts fresh on a new chain.");
  }
  if (external !== undefined && !/^https?:\/\/[^\s]+$/.test(external)) {
    throw new CliError(`--rpc must be an http(s) URL such as http://127.0.0.1:8545, not "${external}".`);
  }
  const rpcUrl = external ?? `http://${HOST}:${port}`;
  const apiUrl = `http://${HOST}:${apiPort}`;
  const startedAt = Date.now();

  // Stop on the first SIGINT/SIGTERM; a terminal's Ctrl-C reaches every process of the group (npm, the launcher,
  // this one), so repeated signals are expected and ignored while stopping.
  const stop = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    if (stop.signal.aborted) return;
    say();
    step(`${signal}: stopping the API, the indexer and the chain...`);
    stop.abort();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);

  const children = new Set<ChildProcess>();
  let node: ChildProcess | undefined;
  let store: Store | undefined;
  let release: (() => Promise<void>) | undefined;
  let server: ReturnType<typeof createApiServer> | undefined;
  let cache: ResponseCache | undefined;
  let indexing: Promise<void> | undefined;
  const aborted = new Promise<void>((resolve) => stop.signal.addEventListener("abort", () => resolve()));
  /** Resolves to `what` unless Ctrl-C came first (then to undefined). */
  const unlessStopped = <T>(what: Promise<T>) => Promise.race([what, aborted.then(() => undefined)]);

  let exitCode = 0;
  try {
    const pidFile = join(STATE_DIR, "node.pid");
    const recordPath = join(STATE_DIR, "deployment.json");
    const reportPath = join(STATE_DIR, "demo.json");
    const chainPath = join(STATE_DIR, "chain.json");
    let reuse = false;
    if (external === undefined) {
      await stopStaleNode(pidFile, port);
      await ensurePortFree(port, "the chain", "port");
    } else if (!(await answersChainId(rpcUrl))) {
      throw new CliError(`nothing answers JSON-RPC at ${rpcUrl}: start a chain there (npm run chain) or drop --rpc.`);
    }
    await ensurePortFree(apiPort, "the API", "api-port");

    if (external !== undefined) {
      const genesis = await genesisHash(rpcUrl);
      const saved = JSON.parse(await readFile(chainPath, "utf8").catch(() => "{}")) as { genesis?: string };
      reuse = !values.fresh && saved.genesis === genesis && (await hasFiles(recordPath, reportPath));
      if (reuse) {
        step(`Reusing the previous run's deployment, demo lineage and index on ${rpcUrl} (--fresh starts over)`);
      } else if (saved.genesis !== undefined && !values.fresh) {
        step(`The chain at ${rpcUrl} is not the one .stemma/dev describes (a restarted node?): starting fresh`);
      }
    }
    if (!reuse) {
      // A clean state: the previous run's chain is gone (or the user asked), so its database, record and Ignition
      // journal are stale.
      const previous = await readDeploymentRecord(recordPath).catch(() => null);
      if (previous || (await readFile(join(STATE_DIR, "node.log")).catch(() => null))) {
        step("Starting fresh: deleting the previous run's state (.stemma/dev); a new chain needs a new deployment");
      }
      if (previous?.ignitionDeploymentId.startsWith("local-")) {
        await rm(join(ROOT, "ignition", "deployments", previous.ignitionDeploymentId), {
          recursive: true,
          force: true,
        });
      }
      await rm(STATE_DIR, { recursive: true, force: true });
      await mkdir(STATE_DIR, { recursive: true });
    }

    // Never settles for a chain we did not start.
    let nodeExited: Promise<unknown[]> = new Promise(() => undefined);
    if (external === undefined) {
      step(`Starting a local chain (hardhat node on ${rpcUrl}, log in .stemma/dev/node.log)`);
      const log = createWriteStream(join(STATE_DIR, "node.log"));
      // Its own process group: a terminal's Ctrl-C must not kill the chain under the indexer; we stop it last.
      node = spawn(process.execPath, [HARDHAT_BIN, "node", "--hostname", HOST, "--port", String(port)], {
        cwd: ROOT,
        env: hardhatEnv(),
        detached: true,
        stdio: ["ignore", "pipe", "pipe"],
      });
      node.stdout!.pipe(log);
      node.stderr!.pipe(log);
      node.once("error", () => undefined); // reported through the exit below
      await writeFile(pidFile, `${node.pid}\n`);
      nodeExited = once(node, "exit");
    }

    if (!reuse) {
      step("Compiling the contracts (hardhat build)");
      await unlessStopped(runHardhat(["build", "--quiet"], {}, children));
    }
    const deadline = Date.now() + NODE_START_MS;
    while (node && !stop.signal.aborted && !(await answersChainId(rpcUrl))) {
      if (node.exitCode !== null || node.signalCode !== null) {
        throw new CliError(`hardhat node exited (${node.exitCode ?? node.signalCode}); see .stemma/dev/node.log.`);
      }
      if (Date.now() > deadline) throw new CliError(`hardhat node did not answer on ${rpcUrl} within 120 s.`);
      await sleep(200);
    }
    if (stop.signal.aborted) return exitCode;
    step(`The chain answers on ${rpcUrl} (chain 31337)`);

    if (!reuse) {
      step("Deploying the system and seeding the demo lineage (scripts/dev/seed.ts)");
      await unlessStopped(
        runHardhat(
          ["run", "--network", "localhost", "scripts/dev/seed.ts"],
          { STEMMA_DEV_RPC_URL: rpcUrl, STEMMA_DEV_RECORD: recordPath, STEMMA_DEV_REPORT: reportPath },
          children,
        ),
      );
      if (stop.signal.aborted) return exitCode;
      if (external !== undefined)
        await writeFile(chainPath, `${JSON.stringify({ genesis: await genesisHash(rpcUrl) })}\n`);
    }
    const deployment = await readDeploymentRecord(recordPath);
    const report = JSON.parse(await readFile(reportPath, "utf8")) as DemoReportFile;

    step("Indexing the chain into PGlite (.stemma/dev/pglite)");
    store = await createStore({ dataDir: join(STATE_DIR, "pglite") });
    const lock = await acquireWriterLock(store, { owner: `stemma dev pid ${process.pid}` });
    release = () => lock.release();
    await migrate(store, migrations);
    const abi = ledgerAbi;
    const indexer = createIndexer({
      rpc: createRpcClient({ url: rpcUrl }),
      store,
      deployment,
      abi,
      logger: progressLogger(),
    });
    indexing = indexer.run(stop.signal);
    const indexerFailed = indexing.then(
      () => undefined,
      (error: unknown) => {
        throw error;
      },
    );
    indexerFailed.catch(() => undefined);
    // Ready once the index reaches the head as it is now (a reused index was done before, but not up to here).
    const head = await blockNumber(rpcUrl);
    while (!stop.signal.aborted) {
      const [row] = await store.query<{ backfill_done: boolean; block_number: string }>(
        "SELECT backfill_done, block_number FROM indexer_checkpoint WHERE id = 1",
      );
      if (row?.backfill_done && BigInt(row.block_number) >= head) break;
      await Promise.race([indexerFailed, sleep(100)]);
    }
    if (stop.signal.aborted) return exitCode;

    step(`Serving GraphQL on ${apiUrl}/graphql`);
    cache = await createResponseCache({ store });
    server = createApiServer({ store, abi, cache });
    const listening = server;
    await new Promise<void>((resolve, reject) => {
      listening.once("error", (error: NodeJS.ErrnoException) =>
        reject(
          new CliError(
            `cannot serve on ${HOST}:${apiPort} (${error.code ?? error.message}): pick another port with --api-port N.`,
          ),
        ),
      );
      listening.listen(apiPort, HOST, () => resolve());
    });

    await printReady({ store, report, rpcUrl, apiUrl, seconds: (Date.now() - startedAt) / 1_000 });

    // Run until Ctrl-C, or until the chain or the indexer fails.
    const nodeDied = nodeExited.then(([code, signal]) => {
      throw new CliError(`the hardhat node stopped unexpectedly (${code ?? signal}); see .stemma/dev/node.log.`);
    });
    nodeDied.catch(() => undefined);
    await Promise.race([aborted, indexerFailed, nodeDied]);
  } catch (error) {
    if (!stop.signal.aborted) {
      process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
      exitCode = 1;
    }
  } finally {
    if (!stop.signal.aborted && node) {
      step("Stopping...");
      stop.abort();
    }
    await shutdown();
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
  return exitCode;

  async function shutdown() {
    if (server) {
      const closing = server;
      closing.closeAllConnections();
      await new Promise((resolve) => closing.close(resolve));
    }
    await indexing?.catch(() => undefined);
    await release?.().catch(() => undefined);
    await cache?.close().catch(() => undefined);
    await store?.close().catch(() => undefined);
    await Promise.all([...children].map((child) => stopChild(child)));
    if (node) await stopChild(node, true);
    if (external !== undefined) {
      step(
        `Stopped: the indexer and the API are down; the chain at ${rpcUrl} keeps running, and \`stemma dev --rpc ${rpcUrl}\` picks up from here.`,
      );
      return;
    }
    if (!node) return; // nothing was started
    await rm(join(STATE_DIR, "node.pid"), { force: true });
    step("Stopped: the chain, the indexer and the API are down (state stays in .stemma/dev until the next run).");
  }
}

/** The indexer's log, reduced to a progress line per backfill step and its warnings and errors. */
function progressLogger(): Logger {
  const quiet = () => undefined;
  return {
    debug: quiet,
    info(message, fields = {}) {
      if (message === "backfill") {
        say(`  indexed ${fields.percent}% (block ${fields.block} of ${fields.target}, ${fields.events} events)`);
      }
    },
    warn: (message, fields) => say(`  indexer warning: ${message} ${fields ? JSON.stringify(fields) : ""}`),
    error: (message, fields) => say(`  indexer error: ${message} ${fields ? JSON.stringify(fields) : ""}`),
  };
}

async function printReady({
  store,
  report,
  rpcUrl,
  apiUrl,
  seconds,
}: {
  store: Store;
  report: DemoReportFile;
  rpcUrl: string;
  apiUrl: string;
  seconds: number;
}) {
  const { models } = report;
  const merge = modelId(models.merge);
  const quantized = modelId(models.quantized);
  const tusd = report.tokens.find((t) => t.symbol === "TUSD")!;
  say();
  say(`Stemma is ready (${seconds.toFixed(1)} s). Ctrl-C stops everything.`);
  say();
  say(`  GraphQL    ${apiUrl}/graphql   (GraphiQL in a browser)`);
  say(`  health     ${apiUrl}/health   ready ${apiUrl}/ready   metrics ${apiUrl}/metrics`);
  say(`  chain      ${rpcUrl}   (chain 31337; hardhat's funded test accounts)`);
  say();
  say("Example queries (POST them to /graphql, or paste them into GraphiQL):");
  say();
  say(`  # the merge's lineage, the placeholder parent included`);
  say(`  { model(key: "${models.merge}") { key ancestors { depth model { key placeholder } } } }`);
  say();
  say(`  # who shares the quantized build's revenue, as exact fractions`);
  say(`  { effectiveShares(model: "${quantized}") { kind party role numerator denominator ppm } }`);
  say();
  say(`  # where 1,000 TUSD paid to the merge would go, to the unit`);
  say(
    `  { simulateRevenue(model: "${merge}", token: "${tusd.address}", amount: "${10n ** BigInt(tusd.decimals) * 1000n}") { fee net accounts { account amount } escrow { model amount } } }`,
  );
  say();

  const rows = await store.query<{ account: string; token: string; claimable: string }>(
    "SELECT account, token, claimable::text AS claimable FROM account_balances",
  );
  const owed = (account: Address, token: Address) =>
    BigInt(
      rows.find(
        (r) => r.account.toLowerCase() === account.toLowerCase() && r.token.toLowerCase() === token.toLowerCase(),
      )?.claimable ?? "0",
    );
  say("Who is owed what (claimable now, from the index):");
  const header = `  ${"account".padEnd(30)}${report.tokens.map((t) => t.symbol.padStart(16)).join("")}`;
  say(header);
  say(`  ${"-".repeat(header.length - 2)}`);
  for (const row of report.owed) {
    const amounts = report.tokens.map((t) => formatUnits(owed(row.account, t.address), t.decimals).padStart(16));
    say(`  ${row.label.padEnd(30)}${amounts.join("")}`);
  }
  say();
}
