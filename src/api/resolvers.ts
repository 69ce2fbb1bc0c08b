import type { GraphQLResolveInfo } from "graphql";
import type { IncomingMessage } from "node:http";

import type { Abi, Address, Hex } from "viem";

import { canonicalKey } from "../core/canonicalKey.js";
import { ModelStatus, Relation, Role } from "../core/constants.js";
import type { Sql, Store } from "../store/types.js";
import type { LedgerReplica } from "./createLedgerReplica.js";
import { eventsPage, type EventsPage } from "./eventQueries.js";
import { checkDepth, edgesAmong, lineage, lineageKey, type LineageRow } from "./lineageQueries.js";
import {
  DISPUTE_COLUMNS,
  type ContributorRow,
  type DisputeRow,
  type EpochRow,
  type HistoryRow,
  type Loaders,
  type TotalRow,
} from "./loaders.js";
import { modelsPage, type ModelFilter, type ModelOrderBy, type ModelRow, type ModelsPage } from "./modelQueries.js";
import { ifCovers, modelPrefetch, modelSelectList, primeModel, selectedFields } from "./prefetch.js";
import { sharesPage } from "./shareQueries.js";
import { AddressScalar, BigIntScalar, Bytes32Scalar, badInput } from "./scalars.js";
import { simulateRevenue, type SimulateRevenueArgs } from "./simulateRevenue.js";
import { clientOf, type Registration, type SubscriptionHub } from "./subscriptionHub.js";
import { claimRedirectionsPage } from "./trustQueries.js";

/** The registry's `MAX_BOND_DOUBLINGS`. */
const MAX_BOND_DOUBLINGS = 8;

/** Where a history row happened, as the GraphQL types name it. */
const at = (row: Pick<HistoryRow, "block_number" | "transaction_hash">) => ({
  block: row.block_number,
  transactionHash: row.transaction_hash,
});

type AppointmentRow = { account: string; block_number: string; transaction_hash: string };
const appointment = (row: AppointmentRow) => ({ account: row.account, ...at(row) });
const appointments = (sql: Sql, table: "attesters" | "guardians") =>
  sql.query<AppointmentRow>(`SELECT account, block_number, transaction_hash FROM ${table} ORDER BY lower(account)`);

/**
 * What every resolver sees: `sql` reads one snapshot of the store for the whole request (and the loaders read
 * through it); `store` itself; the hub that serves subscriptions from the indexer's commits; the engine replica; the
 * ledger ABI; over HTTP, the request (subscriptions count against its remote address).
 */
export type Context = Loaders & {
  sql: Sql;
  store: Store;
  subscriptions: SubscriptionHub;
  req?: IncomingMessage;
  replica: LedgerReplica;
  abi: Abi;
  /** Set by the HTTP server when it may cache the response (src/api/responseCache.ts). */
  cacheHints?: CacheHints;
};

/**
 * What a request tells the response cache: `executedCleanly` once execution ended without errors (createApi.ts);
 * `readsClock` when a resolver's answer depends on the time (it must not be replayed).
 */
export type CacheHints = { executedCleanly: boolean; readsClock: boolean };

/** A page of stored events as a Relay connection of their decoded fields and positions. */
const eventConnection = (page: EventsPage) => ({
  edges: page.events.map((e, i) => ({
    cursor: page.cursors[i],
    node: { ...e.event, block: e.blockNumber, transactionHash: e.transactionHash, logIndex: e.logIndex },
  })),
  pageInfo: {
    hasNextPage: page.hasNextPage,
    hasPreviousPage: false,
    startCursor: page.cursors[0] ?? null,
    endCursor: page.cursors[page.cursors.length - 1] ?? null,
  },
});

/** A page of models as a Relay connection. */
const modelConnection = (page: ModelsPage) => ({
  edges: page.rows.map((node, i) => ({ node, cursor: page.cursors[i] })),
  pageInfo: {
    hasNextPage: page.hasNextPage,
    hasPreviousPage: page.hasPreviousPage,
    startCursor: page.cursors[0] ?? null,
    endCursor: page.cursors[page.cursors.length - 1] ?? null,
  },
  totalCount: page.totalCount,
});

/**
 * For a connection of models: the select list that reads what the selection asks of each node (src/api/prefetch.ts),
 * and a `prime` that the page's rows go through.
 */
function prefetchedSelect(info: GraphQLResolveInfo, loaders: Loaders) {
  const edges = selectedFields(info, info.fieldNodes).get("edges") ?? [];
  const nodes = selectedFields(info, edges).get("node") ?? [];
  const prefetch = modelPrefetch(info, nodes);
  const params: unknown[] = [];
  const list = modelSelectList("m", prefetch, params);
  return { list, params, prime: (row: ModelRow) => primeModel(row, prefetch, loaders) };
}

type PageArgs = { first: number; after?: string | null; orderBy: ModelOrderBy; orderDirection: "ASC" | "DESC" };

/**
 * The GraphQL `ModelStatus` values: core's table without `NONE`, which means "no such model" and is no model's
 * status. Like `Relation` and `Role`, the numbers are core's (the Solidity enums'), never listed again here.
 */
const { NONE: _none, ...modelStatusValues } = ModelStatus;

/** The resolvers of typeDefs.ts. */
export const resolvers = {
  BigInt: BigIntScalar,
  Address: AddressScalar,
  Bytes32: Bytes32Scalar,
  ModelStatus: modelStatusValues,
  DisputeOutcome: { PENDING: 0, DISMISSED: 1, UPHELD: 2 },
  TokenPolicy: { NONE: 0, ALLOWED: 1, BLOCKED: 2 },
  Relation,
  Role,
  Query: {
    _meta: async (_: unknown, __: unknown, { sql, cacheHints }: Context) => {
      // lagSeconds is measured against the clock.
      if (cacheHints) cacheHints.readsClock = true;
      const [row] = await sql.query<{
        chain_id: string;
        block_number: string;
        block_hash: string;
        block_timestamp: string;
        finalized_block: string;
        backfill_done: boolean;
      }>(
        "SELECT chain_id, block_number, block_hash, block_timestamp, finalized_block, backfill_done FROM indexer_checkpoint WHERE id = 1",
      );
      if (!row) return { chainId: 0, block: null, finalizedBlock: null, backfillDone: false, lagSeconds: null };
      return {
        chainId: Number(row.chain_id),
        block: { number: row.block_number, hash: row.block_hash, timestamp: row.block_timestamp },
        finalizedBlock: row.finalized_block,
        backfillDone: row.backfill_done,
        lagSeconds: Math.max(0, Math.floor(Date.now() / 1000) - Number(row.block_timestamp)),
      };
    },
    model: async (
      _: unknown,
      args: { id?: string | null; key?: string | null },
      context: Context,
      info: GraphQLResolveInfo,
    ) => {
      if ((args.id == null) === (args.key == null)) throw badInput("Give model either id or key, not both.");
      // One statement reads the model and what the selection asks of it (src/api/prefetch.ts).
      const prefetch = modelPrefetch(info, info.fieldNodes);
      const params: unknown[] = [];
      const list = modelSelectList("m", prefetch, params);
      // A key as a user types it (`HF:Meta-Llama/...`) finds the model under its one canonical form.
      params.push(args.id ?? canonicalKey(args.key!));
      const [row] = await context.sql.query<ModelRow>(
        `SELECT ${list} FROM models m WHERE m.${args.id != null ? "id" : "key"} = $${params.length}`,
        params,
      );
      return row ? primeModel(row, prefetch, context) : null;
    },
    dispute: async (_: unknown, args: { id: bigint }, { sql }: Context) => {
      const [row] = await sql.query<DisputeRow>(`SELECT ${DISPUTE_COLUMNS} FROM disputes WHERE id = $1`, [
        args.id.toString(),
      ]);
      return row ?? null;
    },
    account: (_: unknown, args: { address: Address }) => ({ address: args.address }),
    attributionGraph: async (_: unknown, args: { root: string; depth: number }, { sql, models }: Context) => {
      if (!(await models.load(args.root))) throw badInput(`No model has id ${args.root}.`);
      const nodes = [
        { id: args.root, depth: 0 },
        ...(await lineage(sql, args.root, "up", args.depth)),
        ...(await lineage(sql, args.root, "down", args.depth)),
      ];
      const ids = [...new Set(nodes.map((n) => n.id))];
      return { nodes, edges: await edgesAmong(sql, ids) };
    },
    effectiveShares: async (
      _: unknown,
      args: { model: string; first: number; after?: string | null; minPpm: number },
      { sql }: Context,
    ) => {
      const page = await sharesPage(sql, args);
      if (!page) throw badInput(`No model has id ${args.model}.`);
      return {
        totalCount: page.totalCount,
        edges: page.rows.map((node, i) => ({ node, cursor: page.cursors[i] })),
        pageInfo: {
          hasNextPage: page.hasNextPage,
          hasPreviousPage: args.after != null,
          startCursor: page.cursors[0] ?? null,
          endCursor: page.cursors[page.cursors.length - 1] ?? null,
        },
      };
    },
    simulateRevenue: (_: unknown, args: SimulateRevenueArgs, { replica }: Context) => simulateRevenue(replica, args),
    models: async (
      _: unknown,
      args: PageArgs & { where?: ModelFilter | null },
      context: Context,
      info: GraphQLResolveInfo,
    ) => modelConnection(await modelsPage(context.sql, args, prefetchedSelect(info, context))),
    attesters: async (_: unknown, __: unknown, { sql, settings }: Context) => ({
      threshold: (await settings.load("settings"))?.attester_threshold ?? 0,
      attesters: (await appointments(sql, "attesters")).map(appointment),
    }),
    guardians: async (_: unknown, __: unknown, { sql }: Context) =>
      (await appointments(sql, "guardians")).map(appointment),
    trustSettings: async (_: unknown, __: unknown, { settings }: Context) => {
      const row = await settings.load("settings");
      return (
        row && {
          attesterThreshold: row.attester_threshold,
          disputeBond: row.dispute_bond,
          provisionalPeriod: row.provisional_period,
          disputeCooldown: row.dispute_cooldown,
          epochRenewal: row.epoch_renewal,
          allowlistOnly: row.allowlist_only,
        }
      );
    },
    tokenPolicies: async (_: unknown, __: unknown, { sql, settings }: Context) => {
      const rows = await sql.query<{ token: string; policy: number; block_number: string; transaction_hash: string }>(
        "SELECT token, policy, block_number, transaction_hash FROM token_policies ORDER BY lower(token)",
      );
      return {
        allowlistOnly: (await settings.load("settings"))?.allowlist_only ?? false,
        tokens: rows.map((r) => ({ token: r.token, policy: r.policy, ...at(r) })),
      };
    },
    claimRedirections: (
      _: unknown,
      args: { account?: Address | null; recipient?: Address | null; first: number; after?: string | null },
      { sql }: Context,
    ) => claimRedirectionsPage(sql, args),
  },
  Subscription: {
    paymentReceived: {
      subscribe: (_: unknown, args: { model: Hex }, { subscriptions, req }: Context) =>
        subscriptions.payments(args.model, clientOf(req)),
      resolve: (e: { event: object; blockNumber: bigint; transactionHash: Hex; logIndex: number }) => ({
        ...e.event,
        block: e.blockNumber,
        transactionHash: e.transactionHash,
        logIndex: e.logIndex,
      }),
    },
    modelRegistered: {
      subscribe: (_: unknown, __: unknown, { subscriptions, req }: Context) =>
        subscriptions.registrations(clientOf(req)),
      resolve: (registration: Registration) => registration.model,
    },
    claimableChanged: {
      subscribe: (_: unknown, args: { account: Address }, { subscriptions, req }: Context) =>
        subscriptions.balances(args.account, clientOf(req)),
      resolve: (balances: unknown) => balances,
    },
  },
  Model: {
    upstreamPpm: (m: ModelRow) => m.upstream_ppm,
    registeredBlock: (m: ModelRow) => m.registered_block,
    metadataURI: (m: ModelRow) => m.metadata_uri,
    weightsDigest: (m: ModelRow) => m.weights_digest,
    provisional: (m: ModelRow) => m.provisional_until !== null,
    provisionalUntil: (m: ModelRow) => m.provisional_until,
    disputeCooldownUntil: (m: ModelRow) => m.dispute_cooldown_until,
    dismissedDisputes: (m: ModelRow) => m.dismissed_disputes,
    nextDisputeBond: async (m: ModelRow, _: unknown, { settings }: Context) =>
      BigInt((await settings.load("settings"))?.dispute_bond ?? 0) <<
      BigInt(Math.min(m.dismissed_disputes, MAX_BOND_DOUBLINGS)),
    attestations: async (m: ModelRow, _: unknown, context: Context) =>
      (await context.attestations.load(m.id)).map((r) => ({
        steward: r.steward,
        revision: r.revision,
        nonce: Number(r.nonce),
        ...at(r),
      })),
    lineageCorrections: async (m: ModelRow, _: unknown, context: Context) =>
      (await context.lineageCorrections.load(m.id)).map((r) => ({
        upstreamPpm: r.upstream_ppm,
        parents: r.parents,
        ...at(r),
      })),
    reassignments: async (m: ModelRow, _: unknown, context: Context) =>
      (await context.reassignments.load(m.id)).map((r) => ({ steward: r.steward, ...at(r) })),
    beneficiaryReplacements: async (m: ModelRow, _: unknown, context: Context) =>
      (await context.beneficiaryReplacements.load(m.id)).map((r) => ({
        previous: r.previous,
        beneficiary: r.beneficiary,
        ...at(r),
      })),
    parents: async (m: ModelRow, _: unknown, context: Context) =>
      (await context.parents.load(m.id)).map((p) => ({
        parentId: p.parent_id,
        relation: p.relation,
        weightPpm: p.weight_ppm,
        parentRow: p.parent ?? { id: p.parent_id },
      })),
    contributors: async (m: ModelRow, args: { epoch?: number }, context: Context) => {
      const epoch = args.epoch ?? m.epoch;
      if (!Number.isInteger(epoch) || epoch < 0 || epoch > m.epoch) {
        throw badInput(`epoch must be between 0 and the model's current epoch ${m.epoch}, not ${epoch}.`);
      }
      return context.contributors.load(`${m.id}|${epoch}`);
    },
    contributorHistory: async (m: ModelRow, _: unknown, context: Context) =>
      (await context.epochs.load(m.id)).map((e: EpochRow) => ({
        modelId: m.id,
        epoch: e.epoch,
        root: e.root,
        block: e.block_number,
        transactionHash: e.transaction_hash,
      })),
    disputes: (m: ModelRow, _: unknown, context: Context) => context.disputes.load(m.id),
    revenue: (m: ModelRow, _: unknown, context: Context) => context.revenue.load(m.id),
    payments: async (m: ModelRow, args: { first: number; after?: string | null }, { sql, abi }: Context) =>
      eventConnection(await eventsPage(sql, abi, { type: "Paid", value: m.id as Hex, ...args })),
    children: async (m: ModelRow, args: PageArgs, context: Context, info: GraphQLResolveInfo) =>
      modelConnection(
        await modelsPage(context.sql, { ...args, where: { parent: m.id } }, prefetchedSelect(info, context)),
      ),
    ancestors: (m: ModelRow, args: { maxDepth: number }, { lineage }: Context) =>
      lineage.load(lineageKey(m.id, "up", checkDepth(args.maxDepth))),
    descendants: (m: ModelRow, args: { maxDepth: number }, { lineage }: Context) =>
      lineage.load(lineageKey(m.id, "down", checkDepth(args.maxDepth))),
  },
  ContributorEpoch: {
    contributors: (e: { modelId: string; epoch: number }, _: unknown, context: Context) =>
      context.contributors.load(`${e.modelId}|${e.epoch}`),
  },
  Contributor: {
    weightPpm: (c: ContributorRow) => c.weight_ppm,
  },
  Dispute: {
    model: (d: DisputeRow, _: unknown, { models }: Context) => models.load(d.model_id),
    evidenceHash: (d: DisputeRow) => d.evidence_hash,
    raisedBlock: (d: DisputeRow) => d.raised_block,
    raisedTransaction: (d: DisputeRow) => d.raised_transaction,
    resolvedBlock: (d: DisputeRow) => d.resolved_block,
    bondRecipient: (d: DisputeRow) => d.bond_recipient,
  },
  LineageNode: {
    model: (node: LineageRow, _: unknown, { models }: Context, info: GraphQLResolveInfo) =>
      ifCovers(node.model ?? { id: node.id }, info) ?? models.load(node.id),
  },
  Account: {
    contributions: async ({ address }: { address: Address }, _: unknown, { sql }: Context) => {
      const rows = await sql.query<{ model_id: string; role: number; weight_ppm: number; epoch: number }>(
        `SELECT c.model_id, c.role, c.weight_ppm, c.epoch FROM contributors c JOIN models m ON m.id = c.model_id
         WHERE c.account = $1 AND c.epoch = m.epoch ORDER BY m.key, c.position`,
        [address],
      );
      return rows.map((r) => ({ modelId: r.model_id, role: r.role, weightPpm: r.weight_ppm, epoch: r.epoch }));
    },
    claims: async (
      { address }: { address: Address },
      args: { first: number; after?: string | null },
      { sql, abi }: Context,
    ) => {
      const topic = `0x${address.slice(2).toLowerCase().padStart(64, "0")}` as Hex;
      return eventConnection(await eventsPage(sql, abi, { type: "Claimed", value: topic, ...args }));
    },
    balances: async ({ address }: { address: Address }, _: unknown, { sql }: Context) => {
      const rows = await sql.query<{ token: string; claimable: string; owed_after_propagation: string }>(
        "SELECT token, claimable, owed_after_propagation FROM account_balances WHERE account = $1 ORDER BY token",
        [address],
      );
      return rows.map((r) => ({
        token: r.token,
        claimable: r.claimable,
        owedAfterPropagation: r.owed_after_propagation,
      }));
    },
  },
  Claim: {
    model: (c: { modelId: string }, _: unknown, { models }: Context) => models.load(c.modelId),
  },
  Contribution: {
    model: (c: { modelId: string }, _: unknown, { models }: Context) => models.load(c.modelId),
  },
  ParentLink: {
    parent: (
      link: { parentId: string; parentRow: Partial<ModelRow> },
      _: unknown,
      context: Context,
      info: GraphQLResolveInfo,
    ) => ifCovers(link.parentRow, info) ?? context.models.load(link.parentId),
  },
  TokenRevenue: {
    token: (row: TotalRow) => row.token,
  },
};
