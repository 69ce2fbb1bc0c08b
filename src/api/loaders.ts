import DataLoader from "dataloader";

import type { Sql } from "../store/types.js";
import { lineage, type LineageRow } from "./lineageQueries.js";
import { MODEL_COLUMNS, type ModelRow } from "./modelQueries.js";

export type ParentRow = {
  model_id: string;
  position: number;
  parent_id: string;
  relation: number;
  weight_ppm: number;
  /** Some columns of the parent's row, when a prefetch read them (src/api/prefetch.ts). */
  parent?: Partial<ModelRow>;
};
export type ContributorRow = { model_id: string; epoch: number; account: string; role: number; weight_ppm: number };
export type TotalRow = {
  model_id: string;
  token: string;
  received: string;
  kept: string;
  upstream: string;
  pushed: string;
};

export type EpochRow = {
  model_id: string;
  epoch: number;
  root: string;
  block_number: string;
  transaction_hash: string;
};
export type DisputeRow = {
  id: string;
  model_id: string;
  disputer: string;
  evidence_hash: string;
  bond: string;
  outcome: number;
  raised_block: string;
  raised_transaction: string;
  resolved_block: string | null;
  beneficiary: string | null;
  bond_recipient: string | null;
};
export const DISPUTE_COLUMNS =
  "id, model_id, disputer, evidence_hash, bond, outcome, raised_block, raised_transaction, resolved_block, beneficiary, bond_recipient";

/** A row of one of the trust histories (attestations, lineage_corrections, ...), as stored. */
export type HistoryRow = Record<string, unknown> & {
  block_number: string;
  log_index: number;
  transaction_hash: string;
};

/** The governed settings row (trust_settings). */
export type SettingsRow = {
  attester_threshold: number;
  dispute_bond: string;
  provisional_period: string;
  dispute_cooldown: string;
  epoch_renewal: string;
  allowlist_only: boolean;
};

/** Per request: batched loads, so a page of models with parents and contributors costs a handful of queries. */
export type Loaders = {
  models: DataLoader<string, ModelRow | null>;
  parents: DataLoader<string, ParentRow[]>;
  contributors: DataLoader<string, ContributorRow[]>;
  revenue: DataLoader<string, TotalRow[]>;
  /** A model's contributor epochs, newest first. */
  epochs: DataLoader<string, EpochRow[]>;
  /** A model's disputes, newest first. */
  disputes: DataLoader<string, DisputeRow[]>;
  /** Per model, oldest first. */
  attestations: DataLoader<string, HistoryRow[]>;
  lineageCorrections: DataLoader<string, HistoryRow[]>;
  reassignments: DataLoader<string, HistoryRow[]>;
  beneficiaryReplacements: DataLoader<string, HistoryRow[]>;
  /** The governed settings (one key: they are one row); null before the registry's deployment is indexed. */
  settings: DataLoader<"settings", SettingsRow | null>;
  /** A model's ancestors or descendants, keyed by lineageQueries.ts `lineageKey` (primed by src/api/prefetch.ts). */
  lineage: DataLoader<string, LineageRow[]>;
};

const groupBy = <Row, Key>(rows: readonly Row[], keyOf: (row: Row) => Key) => {
  const groups = new Map<Key, Row[]>();
  for (const row of rows) {
    const group = groups.get(keyOf(row));
    if (group) group.push(row);
    else groups.set(keyOf(row), [row]);
  }
  return groups;
};

/** Fresh loaders for one request (their caches must not outlive it). */
export function createLoaders(store: Sql): Loaders {
  const history = (table: string) =>
    new DataLoader<string, HistoryRow[]>(async (ids) => {
      const rows = await store.query<HistoryRow & { model_id: string }>(
        `SELECT * FROM ${table} WHERE model_id = ANY($1) ORDER BY model_id, block_number, log_index`,
        [[...ids]],
      );
      const groups = groupBy(rows, (r) => r.model_id);
      return ids.map((id) => groups.get(id) ?? []);
    });
  return {
    attestations: history("attestations"),
    lineageCorrections: history("lineage_corrections"),
    reassignments: history("model_reassignments"),
    beneficiaryReplacements: history("beneficiary_replacements"),
    settings: new DataLoader(async (keys) => {
      const [row] = await store.query<SettingsRow>(
        "SELECT attester_threshold, dispute_bond, provisional_period, dispute_cooldown, epoch_renewal, allowlist_only FROM trust_settings WHERE id = 1",
      );
      return keys.map(() => row ?? null);
    }),
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
    epochs: new DataLoader(async (ids) => {
      const rows = await store.query<EpochRow>(
        "SELECT model_id, epoch, root, block_number, transaction_hash FROM contributor_epochs WHERE model_id = ANY($1) ORDER BY model_id, epoch DESC",
        [[...ids]],
      );
      const groups = groupBy(rows, (r) => r.model_id);
      return ids.map((id) => groups.get(id) ?? []);
    }),
    lineage: new DataLoader((keys) =>
      Promise.all(
        keys.map((key) => {
          const [id, direction, maxDepth] = key.split("|") as [string, "up" | "down", string];
          return lineage(store, id, direction, Number(maxDepth));
        }),
      ),
    ),
    disputes: new DataLoader(async (ids) => {
      const rows = await store.query<DisputeRow>(
        `SELECT ${DISPUTE_COLUMNS} FROM disputes WHERE model_id = ANY($1) ORDER BY model_id, id DESC`,
        [[...ids]],
      );
      const groups = groupBy(rows, (r) => r.model_id);
      return ids.map((id) => groups.get(id) ?? []);
    }),
  };
}
