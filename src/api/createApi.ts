import { createServer, type Server } from "node:http";

import DataLoader from "dataloader";
import type { Abi, Address, Hex } from "viem";
import { createSchema, createYoga, type Plugin } from "graphql-yoga";

import { NATIVE_TOKEN } from "../core/constants.js";
import { UnknownModelError } from "../core/errors.js";
import type { Store } from "../indexer/store/types.js";
import { createLedgerReplica, type LedgerReplica } from "./createLedgerReplica.js";
import { eventsPage, type EventsPage } from "./eventQueries.js";
import { followBalances, followEvents } from "./subscriptions.js";
import { childIds, edgesAmong, lineage } from "./lineageQueries.js";
import { aliasLimitRule, depthLimitRule } from "./queryLimits.js";
import {
  MODEL_COLUMNS,
  STATUS,
  modelsPage,
  type ModelFilter,
  type ModelOrderBy,
  type ModelRow,
} from "./modelQueries.js";
import { AddressScalar, BigIntScalar, Bytes32Scalar, badInput } from "./scalars.js";
import { typeDefs } from "./typeDefs.js";

type ParentRow = { model_id: string; position: number; parent_id: string; relation: number; weight_ppm: number };
type ContributorRow = { model_id: string; epoch: number; account: string; role: number; weight_ppm: number };
type TotalRow = { model_id: string; token: string; received: string; kept: string; upstream: string; pushed: string };

/** Per request: batched loads, so a page of models with parents and contributors costs a handful of queries. */
type Loaders = {
  models: DataLoader<string, ModelRow | null>;
  parents: DataLoader<string, ParentRow[]>;
  contributors: DataLoader<string, ContributorRow[]>;
  revenue: DataLoader<string, TotalRow[]>;
};

const groupBy = <Row, Key>(rows: readonly Row[], keyOf: (row: Row) => Key) => {
  const groups = new Map<Key, Row[]>();
  for (const row of rows) groups.set(keyOf(row), [...(groups.get(keyOf(row)) ?? []), row]);
  return groups;
};

type Context = Loaders & { store: Store; replica: LedgerReplica; abi: Abi };

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

function loaders(store: Store): Loaders {
  return {
    models: new DataLoader(async (ids) => {
      const rows = await store.query<ModelRow>(`SELECT ${MODEL_COLUMNS} FROM models WHERE id = ANY($1)`, [[...ids]]);
      const byId = new Map(rows.map((r) => [r.id, r]));
      return ids.map((id) => byId.get(id) ?? null);
    }),
    parents: new DataLoader(async (ids) => {
      const rows = await store.query<ParentRow>(
        "SELECT model_id, position, parent_id, relation, weight_ppm FROM model_parents WHERE model_id = ANY($1) ORDER BY model_id, position",
        [[...ids]],
      );
      const groups = groupBy(rows, (r) => r.model_id);
      return ids.map((id) => groups.get(id) ?? []);
    }),
    // Keyed by "modelId|epoch".
    contributors: new DataLoader(async (keys) => {
      const pairs = keys.map((k) => k.split("|") as [string, string]);
      const rows = await store.query<ContributorRow>(
        `SELECT c.model_id, c.epoch, c.account, c.role, c.weight_ppm FROM contributors c
         JOIN unnest($1::text[], $2::int[]) AS k(model_id, epoch) ON c.model_id = k.model_id AND c.epoch = k.epoch
         ORDER BY c.model_id, c.epoch, c.position`,
        [pairs.map((p) => p[0]), pairs.map((p) => Number(p[1]))],
      );
      const groups = groupBy(rows, (r) => `${r.model_id}|${r.epoch}`);
      return keys.map((k) => groups.get(k) ?? []);
    }),
    revenue: new DataLoader(async (ids) => {
      const rows = await store.query<TotalRow>(
        "SELECT model_id, token, received, kept, upstream, pushed FROM model_token_totals WHERE model_id = ANY($1) ORDER BY model_id, token",
        [[...ids]],
      );
      const groups = groupBy(rows, (r) => r.model_id);
      return ids.map((id) => groups.get(id) ?? []);
    }),
  };
}

const enumValues = (names: readonly string[]) => Object.fromEntries(names.map((name, index) => [name, index]));

const resolvers = {
  BigInt: BigIntScalar,
  Address: AddressScalar,
  Bytes32: Bytes32Scalar,
  ModelStatus: STATUS,
  Relation: enumValues(["FINETUNE", "ADAPTER", "QUANTIZED", "MERGE", "DISTILL", "OTHER"]),
  Role: enumValues([
    "PRETRAINING_COMPUTE",
    "DATA_CURATION",
    "FINETUNING",
    "ALIGNMENT",
    "EVALUATION_REDTEAM",
    "QUANTIZATION",
    "MAINTENANCE",
    "TOOLING",
    "DOCUMENTATION",
    "FUNDING",
    "OTHER",
  ]),
  Query: {
    _meta: async (_: unknown, __: unknown, { store }: Context) => {
      const [row] = await store.query<{
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
    model: async (_: unknown, args: { id?: string | null; key?: string | null }, context: Context) => {
      if ((args.id == null) === (args.key == null)) throw badInput("Give model either id or key, not both.");
      if (args.id != null) return context.models.load(args.id);
      const [row] = await context.store.query<ModelRow>(`SELECT ${MODEL_COLUMNS} FROM models WHERE key = $1`, [
        args.key,
      ]);
      return row ?? null;
    },
    account: (_: unknown, args: { address: Address }) => ({ address: args.address }),
    attributionGraph: async (_: unknown, args: { root: string; depth: number }, { store, models }: Context) => {
      if (!(await models.load(args.root))) throw badInput(`No model has id ${args.root}.`);
      const nodes = [
        { id: args.root, depth: 0 },
        ...(await lineage(store, args.root, "up", args.depth)),
        ...(await lineage(store, args.root, "down", args.depth)),
      ];
      const ids = [...new Set(nodes.map((n) => n.id))];
      return { nodes, edges: await edgesAmong(store, ids) };
    },
    effectiveShares: async (_: unknown, args: { model: string }, { store, models }: Context) => {
      if (!(await models.load(args.model))) throw badInput(`No model has id ${args.model}.`);
      const rows = await store.query<{
        kind: string;
        party: string;
        role: number;
        numerator: string;
        denominator: string;
        ppm: number;
      }>(
        "SELECT kind, party, role, numerator, denominator, ppm FROM effective_shares WHERE model_id = $1 ORDER BY ppm DESC, kind, party, role",
        [args.model],
      );
      return rows.map((r) => ({ ...r, role: r.role < 0 ? null : r.role }));
    },
    simulateRevenue: async (_: unknown, args: { model: Hex; token: Address; amount: bigint }, { replica }: Context) => {
      if (args.amount <= 0n) throw badInput("amount must be positive: the router refuses a payment of 0.");
      const ledger = await replica.current();
      if (args.token !== NATIVE_TOKEN && !ledger.tokens().includes(args.token)) {
        throw badInput(
          `Token ${args.token} has never been paid into Stemma: simulate with ETH (${NATIVE_TOKEN}) or a token models have received.`,
        );
      }
      try {
        const preview = ledger.previewPay(args.model, args.token, args.amount);
        const byAmount = <K>(map: ReadonlyMap<K, bigint>) =>
          [...map].filter(([, amount]) => amount > 0n).sort((a, b) => (a[1] === b[1] ? 0 : a[1] > b[1] ? -1 : 1));
        return {
          model: args.model,
          token: args.token,
          amount: args.amount,
          fee: preview.fee,
          net: preview.net,
          accounts: byAmount(preview.accounts).map(([account, amount]) => ({ account, amount })),
          escrow: byAmount(preview.escrow).map(([model, amount]) => ({ model, amount })),
          heldUpstream: byAmount(preview.heldUpstream).map(([model, amount]) => ({ model, amount })),
        };
      } catch (error) {
        if (error instanceof UnknownModelError) throw badInput(`No model has id ${args.model}.`);
        throw error;
      }
    },
    models: async (
      _: unknown,
      args: {
        first: number;
        after?: string | null;
        where?: ModelFilter | null;
        orderBy: ModelOrderBy;
        orderDirection: "ASC" | "DESC";
      },
      { store }: Context,
    ) => {
      const page = await modelsPage(store, args);
      return {
        edges: page.rows.map((node, i) => ({ node, cursor: page.cursors[i] })),
        pageInfo: {
          hasNextPage: page.hasNextPage,
          hasPreviousPage: page.hasPreviousPage,
          startCursor: page.cursors[0] ?? null,
          endCursor: page.cursors[page.cursors.length - 1] ?? null,
        },
        totalCount: page.totalCount,
      };
    },
  },
  Subscription: {
    paymentReceived: {
      subscribe: (_: unknown, args: { model: Hex }, { store, abi }: Context) =>
        followEvents(store, abi, ["Paid"], { index: 1, value: args.model }),
      resolve: (e: { event: object; blockNumber: bigint; transactionHash: Hex; logIndex: number }) => ({
        ...e.event,
        block: e.blockNumber,
        transactionHash: e.transactionHash,
        logIndex: e.logIndex,
      }),
    },
    modelRegistered: {
      subscribe: (_: unknown, __: unknown, { store, abi }: Context) =>
        followEvents(store, abi, ["ModelRegistered", "PlaceholderRegistered"]),
      resolve: (e: { event: { id: string } }, _: unknown, { models }: Context) => models.load(e.event.id),
    },
    claimableChanged: {
      subscribe: (_: unknown, args: { account: Address }, { store }: Context) => followBalances(store, args.account),
      resolve: (balances: unknown) => balances,
    },
  },
  Model: {
    upstreamPpm: (m: ModelRow) => m.upstream_ppm,
    registeredBlock: (m: ModelRow) => m.registered_block,
    parents: async (m: ModelRow, _: unknown, context: Context) =>
      (await context.parents.load(m.id)).map((p) => ({
        parentId: p.parent_id,
        relation: p.relation,
        weightPpm: p.weight_ppm,
      })),
    contributors: async (m: ModelRow, args: { epoch?: number }, context: Context) => {
      const epoch = args.epoch ?? m.epoch;
      if (!Number.isInteger(epoch) || epoch < 0 || epoch > m.epoch) {
        throw badInput(`epoch must be between 0 and the model's current epoch ${m.epoch}, not ${epoch}.`);
      }
      return (await context.contributors.load(`${m.id}|${epoch}`)).map((c) => ({
        account: c.account,
        role: c.role,
        weightPpm: c.weight_ppm,
        epoch: c.epoch,
      }));
    },
    revenue: (m: ModelRow, _: unknown, context: Context) => context.revenue.load(m.id),
    payments: async (m: ModelRow, args: { first: number; after?: string | null }, { store, abi }: Context) =>
      eventConnection(await eventsPage(store, abi, { type: "Paid", topic: 1, value: m.id as Hex, ...args })),
    children: async (m: ModelRow, _: unknown, { store, models }: Context) =>
      models.loadMany(await childIds(store, m.id)),
    ancestors: (m: ModelRow, args: { maxDepth: number }, { store }: Context) =>
      lineage(store, m.id, "up", args.maxDepth),
    descendants: (m: ModelRow, args: { maxDepth: number }, { store }: Context) =>
      lineage(store, m.id, "down", args.maxDepth),
  },
  LineageNode: {
    model: (node: { id: string }, _: unknown, { models }: Context) => models.load(node.id),
  },
  Account: {
    contributions: async ({ address }: { address: Address }, _: unknown, { store }: Context) => {
      const rows = await store.query<{ model_id: string; role: number; weight_ppm: number; epoch: number }>(
        `SELECT c.model_id, c.role, c.weight_ppm, c.epoch FROM contributors c JOIN models m ON m.id = c.model_id
         WHERE lower(c.account) = lower($1) AND c.epoch = m.epoch ORDER BY m.key, c.position`,
        [address],
      );
      return rows.map((r) => ({ modelId: r.model_id, role: r.role, weightPpm: r.weight_ppm, epoch: r.epoch }));
    },
    claims: async (
      { address }: { address: Address },
      args: { first: number; after?: string | null },
      { store, abi }: Context,
    ) => {
      const topic = `0x${address.slice(2).toLowerCase().padStart(64, "0")}` as Hex;
      return eventConnection(await eventsPage(store, abi, { type: "Claimed", topic: 3, value: topic, ...args }));
    },
    balances: async ({ address }: { address: Address }, _: unknown, { store }: Context) => {
      const rows = await store.query<{ token: string; claimable: string; owed_after_propagation: string }>(
        "SELECT token, claimable, owed_after_propagation FROM account_balances WHERE lower(account) = lower($1) ORDER BY token",
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
    parent: (link: { parentId: string }, _: unknown, context: Context) => context.models.load(link.parentId),
  },
  TokenRevenue: {
    token: (row: TotalRow) => row.token,
  },
};

/** Adds the depth and alias limits to GraphQL's own validation, so a hostile query is refused before it runs. */
const limitsPlugin: Plugin = {
  onValidate({ addValidationRule }) {
    addValidationRule(depthLimitRule);
    addValidationRule(aliasLimitRule);
  },
};

export type CreateApiParameters = {
  store: Store;
  /** The registry's and router's ABIs together (to replay stored events for simulations). */
  abi: Abi;
};

/** The GraphQL handler over an indexer's store: GraphiQL and queries at `/graphql`, errors masked but for bad input. */
export function createApi({ store, abi }: CreateApiParameters) {
  const replica = createLedgerReplica(store, abi);
  return createYoga({
    schema: createSchema<Context>({ typeDefs, resolvers }),
    context: () => ({ store, replica, abi, ...loaders(store) }),
    graphqlEndpoint: "/graphql",
    maskedErrors: true,
    landingPage: false,
    plugins: [limitsPlugin],
  });
}

/**
 * An HTTP server: `/graphql`, `/health` (200 while the process serves), `/ready` (200 once the indexer's backfill is
 * done, 503 before) and `/metrics` (Prometheus).
 */
/** The largest request body accepted, in bytes; larger ones get 413 before anything is parsed. */
export const MAX_BODY_BYTES = 64 * 1024;
/** Milliseconds a request may take before the server gives up on it. */
export const REQUEST_TIMEOUT_MS = 10_000;

export function createApiServer(parameters: CreateApiParameters): Server {
  const { store } = parameters;
  const yoga = createApi(parameters);
  const requests = new Map<string, number>();
  const server = createServer(async (request, response) => {
    response.once("finish", () => {
      const route = (request.url ?? "").split("?")[0];
      const key = `route="${["/graphql", "/health", "/ready", "/metrics"].includes(route!) ? route : "other"}",status="${response.statusCode}"`;
      requests.set(key, (requests.get(key) ?? 0) + 1);
    });
    if (request.url === "/metrics") {
      response.writeHead(200, { "content-type": "text/plain; version=0.0.4" }).end(await metrics(store, requests));
      return;
    }
    if (Number(request.headers["content-length"] ?? 0) > MAX_BODY_BYTES) {
      response.writeHead(413, { "content-type": "application/json", connection: "close" }).end(
        JSON.stringify({
          errors: [
            { message: `The request body is over ${MAX_BODY_BYTES} bytes.`, extensions: { code: "PAYLOAD_TOO_LARGE" } },
          ],
        }),
      );
      request.destroy();
      return;
    }
    if (request.url === "/health") {
      response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ status: "ok" }));
      return;
    }
    if (request.url === "/ready") {
      const [row] = await store
        .query<{ backfill_done: boolean }>("SELECT backfill_done FROM indexer_checkpoint WHERE id = 1")
        .catch(() => []);
      const ready = row?.backfill_done === true;
      response.writeHead(ready ? 200 : 503, { "content-type": "application/json" }).end(JSON.stringify({ ready }));
      return;
    }
    await yoga(request, response);
  });
  server.requestTimeout = REQUEST_TIMEOUT_MS;
  return server;
}

/** Prometheus text: requests served by route and status, and how far the store has indexed. */
async function metrics(store: Store, requests: ReadonlyMap<string, number>): Promise<string> {
  const [row] = await store
    .query<{ block_number: string; block_timestamp: string }>(
      "SELECT block_number, block_timestamp FROM indexer_checkpoint WHERE id = 1",
    )
    .catch(() => []);
  const lines = [
    "# HELP stemma_api_requests_total HTTP requests served, by route and status.",
    "# TYPE stemma_api_requests_total counter",
    ...[...requests].map(([labels, count]) => `stemma_api_requests_total{${labels}} ${count}`),
    "# HELP stemma_indexed_block The newest block the store reflects.",
    "# TYPE stemma_indexed_block gauge",
    `stemma_indexed_block ${row?.block_number ?? 0}`,
    "# HELP stemma_index_lag_seconds Seconds between the indexed block's timestamp and now.",
    "# TYPE stemma_index_lag_seconds gauge",
    `stemma_index_lag_seconds ${row ? Math.max(0, Math.floor(Date.now() / 1000) - Number(row.block_timestamp)) : 0}`,
  ];
  return `${lines.join("\n")}\n`;
}
