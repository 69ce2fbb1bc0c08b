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

import { startApi, type StartApiReturnType } from "../api/startApi.js";
import { readDeploymentRecord, type DeploymentRecord } from "../chain/deploymentRecord.js";
import { modelId } from "../core/modelId.js";
import { startIndexer, type StartIndexerReturnType } from "../indexer/startIndexer.js";
import type { Logger } from "../internal/logger.js";
import { sleep } from "../internal/sleep.js";
import type { Store } from "../store/types.js";
import {
  answersChainId,
  EXIT_WITH_PARENT_FLAGS,
  HARDHAT_BIN,
  hardhatEnv,
  rpcCall,
  stopChild,
} from "./childProcesses.js";
import { CliError, ROOT } from "./shared.js";

export const DEV_HELP = `Usage: stemma dev [flags]        (npm start runs it with no flags)

Runs the whole stack locally until Ctrl-C:
  1. a local chain: hardhat node on 127.0.0.1:PORT (chain 31337)
  2. compiles the contracts and deploys the DAO and the ledger with Hardhat Ignition (local parameters)
  3. seeds a demo lineage: a base model, a fine-tune, an adapter, a quantized build, a merge with an unclaimed
     placeholder parent (Mistral), contributors in their roles, each model verified: its card (in the local card
     folder .stemma/dev/cards) names its steward and the local attester (account #9) signs what it says; pays ETH
     and a test stablecoin (TUSD), propagates, lets the placeholder's authors claim it by attestation, and has the
     DAO appoint a guardian by proposal
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
const PID_FILE = join(STATE_DIR, "node.pid");
const RECORD_FILE = join(STATE_DIR, "deployment.json");
const REPORT_FILE = join(STATE_DIR, "demo.json");
/** The local stand-in for the hub: the demo models' cards, which the attester reads (stemma attest --cards). */
const CARDS_DIR = join(STATE_DIR, "cards");
/** The genesis hash of the chain given with --rpc that the state describes. */
const CHAIN_FILE = join(STATE_DIR, "chain.json");
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
  const child = spawn(process.execPath, [...EXIT_WITH_PARENT_FLAGS, HARDHAT_BIN, ...args], {
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
  verified: Record<string, boolean>;
};

/** `stemma dev`'s flags, checked. `external`: the chain given with --rpc, when it does not start one. */
type DevFlags = { port: number; apiPort: number; external: string | undefined; fresh: boolean };

/** What a run has started so far; {stopInOrder} stops it, the API first and the chain last. */
type Started = {
  /** Hardhat commands running to completion (compile, deploy and seed). */
  children: Set<ChildProcess>;
  /** The `hardhat node` this run started (none with --rpc). */
  chain?: ChildProcess;
  indexer?: StartIndexerReturnType;
  api?: StartApiReturnType;
};

/** Runs `stemma dev`; resolves with the exit code once everything stopped. */
export async function dev(argv: string[]): Promise<number> {
  const flags = parseDevFlags(argv);
  if (flags === undefined) {
    process.stdout.write(DEV_HELP);
    return 0;
  }
  const rpcUrl = flags.external ?? `http://${HOST}:${flags.port}`;
  const apiUrl = `http://${HOST}:${flags.apiPort}`;
  const startedAt = Date.now();
  const stop = stopOnCtrlC();
  /** Resolves to `what` unless Ctrl-C came first (then to undefined). */
  const unlessStopped = <T>(what: Promise<T>) => Promise.race([what, stop.stopped.then(() => undefined)]);
  const started: Started = { children: new Set() };

  let exitCode = 0;
  try {
    const reuse = await prepareState(flags, rpcUrl);
    if (flags.external === undefined) started.chain = await startChain(flags.port, rpcUrl);
    if (!reuse) {
      step("Compiling the contracts (hardhat build)");
      await unlessStopped(runHardhat(["build", "--quiet"], {}, started.children));
    }
    if (started.chain) await waitForChain(started.chain, rpcUrl, stop.signal);
    if (stop.signal.aborted) return exitCode;
    step(`The chain answers on ${rpcUrl} (chain 31337)`);

    if (!reuse) {
      step("Deploying the system and seeding the demo lineage (scripts/dev/seed.ts)");
      await unlessStopped(deployAndSeed(rpcUrl, flags.external !== undefined, started.children));
      if (stop.signal.aborted) return exitCode;
    }
    const { deployment, report } = await readDemo();

    step("Indexing the chain into PGlite (.stemma/dev/pglite)");
    started.indexer = await startIndexer({
      store: { dataDir: join(STATE_DIR, "pglite") },
      rpcUrl,
      deployment,
      logger: progressLogger("indexer"),
      lockOwner: `stemma dev pid ${process.pid}`,
      retry: { signal: stop.signal },
    });
    await waitForHead(started.indexer, rpcUrl, stop.signal);
    if (stop.signal.aborted) return exitCode;

    step(`Serving GraphQL on ${apiUrl}/graphql`);
    started.api = await startServing(started.indexer.store, flags.apiPort);

    await printReady({
      store: started.indexer.store,
      report,
      rpcUrl,
      apiUrl,
      seconds: (Date.now() - startedAt) / 1_000,
    });
    await untilStoppedOrFailed(stop.stopped, started);
  } catch (error) {
    if (!stop.signal.aborted) {
      process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
      exitCode = 1;
    }
  } finally {
    if (!stop.signal.aborted && started.chain) {
      step("Stopping...");
      stop.abort();
    }
    await stopInOrder(started, flags.external);
    stop.dispose();
  }
  return exitCode;
}

/** Reads and checks the flags; undefined for --help. */
function parseDevFlags(argv: string[]): DevFlags | undefined {
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
  if (values.help) return undefined;
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
  return { port, apiPort, external, fresh: values.fresh };
}

/**
 * Stops on the first SIGINT/SIGTERM: a terminal's Ctrl-C reaches every process of the group (npm, the launcher, this
 * one), so repeated signals are expected and ignored while stopping.
 */
function stopOnCtrlC() {
  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    if (controller.signal.aborted) return;
    say();
    step(`${signal}: stopping the API, the indexer and the chain...`);
    controller.abort();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  return {
    signal: controller.signal,
    /** Resolves once stopping began. */
    stopped: new Promise<void>((resolve) => controller.signal.addEventListener("abort", () => resolve())),
    abort: () => controller.abort(),
    dispose() {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
    },
  };
}

/**
 * Makes sure the chain can be started or used and the API's port is free, then decides whether this run reuses the
 * previous one's deployment, demo lineage and index (only with --rpc, on the same chain, without --fresh). When it
 * does not, the previous run's state is deleted. Resolves with that decision.
 */
async function prepareState(flags: DevFlags, rpcUrl: string): Promise<boolean> {
  if (flags.external === undefined) {
    await stopStaleNode(PID_FILE, flags.port);
    await ensurePortFree(flags.port, "the chain", "port");
  } else if (!(await answersChainId(rpcUrl))) {
    throw new CliError(`nothing answers JSON-RPC at ${rpcUrl}: start a chain there (npm run chain) or drop --rpc.`);
  }
  await ensurePortFree(flags.apiPort, "the API", "api-port");

  let reuse = false;
  if (flags.external !== undefined) {
    const genesis = await genesisHash(rpcUrl);
    const saved = JSON.parse(await readFile(CHAIN_FILE, "utf8").catch(() => "{}")) as { genesis?: string };
    reuse = !flags.fresh && saved.genesis === genesis && (await hasFiles(RECORD_FILE, REPORT_FILE));
    if (reuse) {
      step(`Reusing the previous run's deployment, demo lineage and index on ${rpcUrl} (--fresh starts over)`);
    } else if (saved.genesis !== undefined && !flags.fresh) {
      step(`The chain at ${rpcUrl} is not the one .stemma/dev describes (a restarted node?): starting fresh`);
    }
  }
  if (!reuse) await deletePreviousState();
  return reuse;
}

/** A clean state: the previous run's chain is gone (or the user asked), so its database, record and Ignition journal are stale. */
async function deletePreviousState(): Promise<void> {
  const previous = await readDeploymentRecord(RECORD_FILE).catch(() => null);
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

/** Starts `hardhat node` on the port (its log in .stemma/dev/node.log, its pid in node.pid); does not wait for it. */
async function startChain(port: number, rpcUrl: string): Promise<ChildProcess> {
  step(`Starting a local chain (hardhat node on ${rpcUrl}, log in .stemma/dev/node.log)`);
  const log = createWriteStream(join(STATE_DIR, "node.log"));
  // Its own process group: a terminal's Ctrl-C must not kill the chain under the indexer; we stop it last. It
  // watches this process, so that it does not outlive a `stemma dev` killed before it could stop it.
  const node = spawn(
    process.execPath,
    [...EXIT_WITH_PARENT_FLAGS, HARDHAT_BIN, "node", "--hostname", HOST, "--port", String(port)],
    { cwd: ROOT, env: hardhatEnv(), detached: true, stdio: ["ignore", "pipe", "pipe"] },
  );
  node.stdout!.pipe(log);
  node.stderr!.pipe(log);
  node.once("error", () => undefined); // reported through its exit (waitForChain, untilStoppedOrFailed)
  await writeFile(PID_FILE, `${node.pid}\n`);
  return node;
}

/** Waits until the node started answers JSON-RPC (or Ctrl-C); fails if it exits or takes longer than 120 s. */
async function waitForChain(node: ChildProcess, rpcUrl: string, signal: AbortSignal): Promise<void> {
  const deadline = Date.now() + NODE_START_MS;
  while (!signal.aborted && !(await answersChainId(rpcUrl))) {
    if (node.exitCode !== null || node.signalCode !== null) {
      throw new CliError(`hardhat node exited (${node.exitCode ?? node.signalCode}); see .stemma/dev/node.log.`);
    }
    if (Date.now() > deadline) throw new CliError(`hardhat node did not answer on ${rpcUrl} within 120 s.`);
    await sleep(200);
  }
}

/** Deploys the system and seeds the demo lineage (scripts/dev/seed.ts); on a chain given with --rpc, notes which one. */
async function deployAndSeed(rpcUrl: string, external: boolean, children: Set<ChildProcess>): Promise<void> {
  await runHardhat(
    ["run", "--network", "localhost", "scripts/dev/seed.ts"],
    {
      STEMMA_DEV_RPC_URL: rpcUrl,
      STEMMA_DEV_RECORD: RECORD_FILE,
      STEMMA_DEV_REPORT: REPORT_FILE,
      STEMMA_DEV_CARDS: CARDS_DIR,
    },
    children,
  );
  if (external) await writeFile(CHAIN_FILE, `${JSON.stringify({ genesis: await genesisHash(rpcUrl) })}\n`);
}

/** The deployment record and the demo's report that the seed step wrote (this run's or a reused one). */
async function readDemo(): Promise<{ deployment: DeploymentRecord; report: DemoReportFile }> {
  const deployment = await readDeploymentRecord(RECORD_FILE);
  const report = JSON.parse(await readFile(REPORT_FILE, "utf8")) as DemoReportFile;
  return { deployment, report };
}

/**
 * Waits until the index reaches the chain's head as it is now (a reused index was done before, but not up to here),
 * or Ctrl-C; fails with the indexer's error if it fails first.
 */
async function waitForHead(indexer: StartIndexerReturnType, rpcUrl: string, signal: AbortSignal): Promise<void> {
  const head = await blockNumber(rpcUrl);
  while (!signal.aborted) {
    const [row] = await indexer.store.query<{ backfill_done: boolean; block_number: string }>(
      "SELECT backfill_done, block_number FROM indexer_checkpoint WHERE id = 1",
    );
    if (row?.backfill_done && BigInt(row.block_number) >= head) return;
    await Promise.race([indexer.closed, sleep(100)]);
  }
}

/** Serves GraphQL over the indexer's store (one process owns an embedded database) on the API's port. */
async function startServing(store: Store, apiPort: number): Promise<StartApiReturnType> {
  try {
    // Ctrl-C stops everything at once: no draining of requests (a GraphiQL subscription would never end).
    return await startApi({ store, port: apiPort, host: HOST, logger: progressLogger("API"), drainMs: 0 });
  } catch (error) {
    const { syscall, code, message } = error as NodeJS.ErrnoException;
    if (syscall !== "listen") throw error;
    throw new CliError(`cannot serve on ${HOST}:${apiPort} (${code ?? message}): pick another port with --api-port N.`);
  }
}

/** Runs until Ctrl-C, or until the chain or the indexer fails (then throws why). */
async function untilStoppedOrFailed(stopped: Promise<void>, started: Started): Promise<void> {
  const { chain, indexer } = started;
  // Never settles for a chain we did not start.
  const chainDied = chain
    ? (once(chain, "exit") as Promise<[number | null, NodeJS.Signals | null]>).then(([code, signal]) => {
        throw new CliError(`the hardhat node stopped unexpectedly (${code ?? signal}); see .stemma/dev/node.log.`);
      })
    : new Promise<never>(() => undefined);
  chainDied.catch(() => undefined);
  await Promise.race([stopped, indexer?.closed, chainDied]);
}

/** Stops what the run started, in order: the API, the indexer (then its store), the Hardhat commands, the chain. */
async function stopInOrder(started: Started, external: string | undefined): Promise<void> {
  await started.api?.stop().catch(() => undefined);
  await started.indexer?.stop();
  await Promise.all([...started.children].map((child) => stopChild(child)));
  if (started.chain) await stopChild(started.chain, true);
  if (external !== undefined) {
    step(
      `Stopped: the indexer and the API are down; the chain at ${external} keeps running, and \`stemma dev --rpc ${external}\` picks up from here.`,
    );
    return;
  }
  if (!started.chain) return; // nothing was started
  await rm(PID_FILE, { force: true });
  step("Stopped: the chain, the indexer and the API are down (state stays in .stemma/dev until the next run).");
}

/** A service's log, reduced to the indexer's progress line per backfill step and the warnings and errors. */
function progressLogger(service: "indexer" | "API"): Logger {
  const quiet = () => undefined;
  return {
    debug: quiet,
    info(message, fields = {}) {
      if (message === "backfill") {
        say(`  indexed ${fields.percent}% (block ${fields.block} of ${fields.target}, ${fields.events} events)`);
      }
    },
    warn: (message, fields) => say(`  ${service} warning: ${message} ${fields ? JSON.stringify(fields) : ""}`),
    error: (message, fields) => say(`  ${service} error: ${message} ${fields ? JSON.stringify(fields) : ""}`),
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
  say(`  cards      ${CARDS_DIR}   (the local attester is account 9)`);
  say();
  const verified = Object.entries(report.verified);
  say(
    `Verified: ${verified.filter(([, yes]) => yes).length} of ${verified.length} models (each card names its steward; stemma verify <key> --cards ${CARDS_DIR} explains)`,
  );
  say();
  say("Example queries (POST them to /graphql, or paste them into GraphiQL):");
  say();
  say(`  # the merge's lineage, the placeholder parent included`);
  say(`  { model(key: "${models.merge}") { key ancestors { depth model { key placeholder } } } }`);
  say();
  say(`  # who shares the quantized build's revenue, as exact fractions`);
  say(
    `  { effectiveShares(model: "${quantized}") { totalCount edges { node { kind party role numerator denominator ppm } } } }`,
  );
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
