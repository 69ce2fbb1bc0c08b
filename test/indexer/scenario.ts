import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { network } from "hardhat";
import { zeroAddress, type Address } from "viem";
import pg from "pg";

import type { DeploymentRecord } from "../../src/chain/deploymentRecord.js";
import { createLogger } from "../../src/internal/logger.js";
import { ledgerAbi } from "../../src/contracts/abis.js";
import { createRpcClient, type CreateRpcClientParameters } from "../../src/chain/rpc/createRpcClient.js";
import { createStore } from "../../src/store/createStore.js";
import { migrate } from "../../src/store/migrate.js";
import { migrations } from "../../src/store/migrations.js";
import type { Store } from "../../src/store/types.js";
import { createIndexer, type IndexerOptions } from "../../src/indexer/sync/createIndexer.js";
import { startHardhatNode, type HardhatNode } from "../helpers/hardhatNode.js";
import { testPostgres } from "../helpers/postgres.js";
import { deploy, type Deployment } from "../property/harness.js";
import { Rng } from "../property/rng.js";
import { planLineage, randomAction, registerLineage, type World } from "../property/world.js";

/** A `hardhat node` with the ledger deployed, a random lineage registered (none with `models` 0), and the property test's random actions. */
export type Scenario = {
  node: HardhatNode;
  d: Deployment;
  world: World;
  /** What the indexer reads: it only needs the registry, the router, the chain and the start block. */
  record: DeploymentRecord;
  /** Runs `count` random actions (payments, propagation, claims, epochs, disputes, sweeps, fees). */
  act(count: number): Promise<void>;
  stop(): Promise<void>;
};

/**
 * A deployment record for a ledger deployed on its own (router and registry, without the DAO): all the indexer reads
 * is the chain, the start block and those two addresses.
 */
export function ledgerOnlyRecord(p: {
  chainId: number;
  startBlock: number;
  deployer: Address;
  router: Address;
  registry: Address;
}): DeploymentRecord {
  const none = { address: zeroAddress, block: 0 };
  return {
    network: "test",
    chainId: p.chainId,
    startBlock: p.startBlock,
    parameterSet: "none",
    ignitionDeploymentId: "none",
    deployer: p.deployer,
    contracts: {
      StemmaToken: none,
      StemmaTimelock: none,
      StemmaGovernor: none,
      RevenueRouter: { address: p.router, block: p.startBlock },
      ModelRegistry: { address: p.registry, block: p.startBlock },
    },
  };
}

export async function startScenario(seed: number, models = 10): Promise<Scenario> {
  const node = await startHardhatNode();
  const connection = await network.create({ network: "localhost", override: { url: node.url } });
  const d = await deploy(connection, { label: `indexer seed ${seed}`, feePpm: 12_345, disputeBond: 10n ** 15n });
  const rng = new Rng(seed);
  const plans = models ? planLineage(rng, { seedLabel: `ix${seed}`, count: models, accounts: d.accounts }) : [];
  const world: World = {
    d,
    rng,
    models: await registerLineage(d, plans),
    disputes: [],
    trace: [],
    touched: new Set(),
  };
  const record = ledgerOnlyRecord({
    chainId: await d.publicClient.getChainId(),
    startBlock: Number(d.fromBlock),
    deployer: d.accounts[0]!,
    router: d.router.address,
    registry: d.registry.address,
  });
  return {
    node,
    d,
    world,
    record,
    async act(count) {
      for (let i = 0; i < count; i++) await randomAction(world);
    },
    async stop() {
      await connection.close();
      await node.stop();
    },
  };
}

/** Which store a test runs on. */
export type StoreKind = "pglite" | "postgres";

export type StoreOptions = { dataDir: string } | { databaseUrl: string };

/** A fresh, migrated, empty store: PGlite in a temporary folder, or a new PostgreSQL database. */
export async function freshStore(
  kind: StoreKind,
): Promise<{ store: Store; dispose(): Promise<void>; options: StoreOptions }> {
  const { options, drop } = kind === "pglite" ? await newDataDir() : await newDatabase();
  const store = await createStore(options);
  await migrate(store, migrations);
  return {
    store,
    options,
    async dispose() {
      await store.close().catch(() => {});
      await drop();
    },
  };
}

/** An empty PGlite data folder under the system's temporary folder, and how to delete it. */
async function newDataDir() {
  const dir = await mkdtemp(join(tmpdir(), "stemma-index-"));
  return { options: { dataDir: join(dir, "pglite") }, drop: () => rm(dir, { recursive: true, force: true }) };
}

/** An empty database on the test PostgreSQL (test/helpers/postgres.ts), and how to drop it. */
async function newDatabase() {
  const server = await testPostgres();
  const name = `stemma_ix_${process.pid}_${Math.floor(Math.random() * 1e9)}`;
  const asAdmin = async (sql: string) => {
    const admin = new pg.Client({ connectionString: server.adminUrl });
    await admin.connect();
    try {
      await admin.query(sql);
    } finally {
      await admin.end();
    }
  };
  await asAdmin(`CREATE DATABASE ${name}`);
  return {
    options: { databaseUrl: server.databaseUrl(name) },
    drop: () => asAdmin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}

/** Indexes everything up to the node's head into `store` (through `rpcUrl`, default the node). */
export async function indexAll(
  scenario: Scenario,
  store: Store,
  {
    rpcUrl = scenario.node.url,
    rpc = {},
    options = {},
  }: { rpcUrl?: string; rpc?: Partial<CreateRpcClientParameters>; options?: IndexerOptions } = {},
) {
  const indexer = createIndexer({
    rpc: createRpcClient({ baseDelayMs: 5, maxDelayMs: 100, ...rpc, url: rpcUrl }),
    store,
    deployment: scenario.record,
    abi: ledgerAbi,
    logger: createLogger({ level: "silent" }),
    options,
  });
  await indexer.catchUp();
  return indexer;
}

/** Every derived and raw table, in primary-key order, as plain JSON: two stores mirror the same chain iff equal. */
export async function dumpStore(store: Store): Promise<Record<string, unknown[]>> {
  const tables: Record<string, string> = {
    ledger_events: "block_number, log_index",
    models: "id",
    model_parents: "model_id, position",
    contributors: "model_id, epoch, position",
    model_token_totals: "model_id, token",
    account_balances: "account, token",
    effective_shares: "model_id, kind, party, role",
    token_fees: "token",
    contributor_epochs: "model_id, epoch",
    disputes: "id",
    block_times: "number",
    attestations: "block_number, log_index",
    lineage_corrections: "block_number, log_index",
    model_reassignments: "block_number, log_index",
    beneficiary_replacements: "block_number, log_index",
    claim_redirections: "block_number, log_index",
    attesters: "account",
    guardians: "account",
    token_policies: "token",
    trust_settings: "id",
  };
  const dump: Record<string, unknown[]> = {};
  for (const [table, order] of Object.entries(tables)) {
    dump[table] = await store.query(`SELECT * FROM ${table} ORDER BY ${order}`);
  }
  dump.checkpoint = await store.query(
    "SELECT chain_id, block_number, block_hash, block_timestamp FROM indexer_checkpoint",
  );
  return JSON.parse(JSON.stringify(dump)) as Record<string, unknown[]>;
}
