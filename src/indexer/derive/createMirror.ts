import { zeroAddress, type Address, type Hex } from "viem";

import { addShares } from "../../core/effectiveShares.js";
import { createLedger, type Ledger } from "../../core/ledger.js";
import type { Share } from "../../core/types.js";
import { LEDGER_EVENT_NAMES, type LedgerEvent } from "../../core/ledgerEvent.js";
import type { StoredIndexedEvent } from "../../store/trustEvents.js";
import type { Sql } from "../../store/types.js";
import { createRecords, type Records } from "./createRecords.js";
import { TRUST_TABLES, createTrustRecords, type TrustRecords } from "./createTrustRecords.js";
import { writeRows } from "./writeRows.js";

/** What one write changed, for logs and tests. */
export type MirrorWriteStats = { models: number; totals: number; balances: number; shares: number };

/**
 * The ledger engine fed with indexed events, and the derived tables it keeps in the database: models (with their
 * metadata), parents, contributor sets and when each took effect, per model and token totals, per account and token
 * balances (claimable now, owed after full propagation), fees, effective shares, disputes, and the trust records
 * (createTrustRecords.ts). It remembers what each event touched, so that a write rewrites only the rows that may have
 * changed; after {reset} (a rollback), the next write replaces every derived table.
 */
export type Mirror = {
  ledger(): Ledger;
  /** Block timestamps that {apply} needs (createTrustRecords.ts's `needsBlockTime`), given before the events. */
  addBlockTimes(times: Iterable<readonly [bigint, bigint]>): void;
  apply(events: readonly StoredIndexedEvent[]): void;
  write(tx: Sql): Promise<MirrorWriteStats>;
  /** Starts over with an empty engine; the next {write} rewrites every derived table from scratch. */
  reset(): void;
};

const key = (a: string, b: string) => `${a}|${b}`;

const isLedgerEvent = (event: StoredIndexedEvent["event"]): event is LedgerEvent => LEDGER_EVENT_NAMES.has(event.type);

/** Creates an empty mirror; feed it every ledger event from the deployment block on. */
export function createMirror(): Mirror {
  let ledger = createLedger();
  let records = createRecords();
  // Kept across resets: a rollback's replay needs the times of the blocks it keeps.
  const blockTimes = new Map<bigint, bigint>();
  const timeOf = (block: bigint) => {
    const time = blockTimes.get(block);
    if (time === undefined)
      throw new Error(`Block ${block}'s timestamp was not read: the indexer needs it to derive a cool-down.`);
    return time;
  };
  let trust: TrustRecords = createTrustRecords(timeOf);
  let rewriteAll = true;
  // What the events since the last write touched.
  let models = new Set<Hex>();
  let epochs = new Set<string>();
  let totals = new Set<string>();
  let tokens = new Set<Address>();
  let shares = new Set<Hex>();
  let allTokensDirty = false;
  // Lineage and accounts, for descendants and balances.
  let children = new Map<Hex, Hex[]>();
  let accounts = new Set<Address>();
  let registeredAt = new Map<Hex, bigint>();
  // What the database holds for balances, to write only changes.
  let writtenBalances = new Map<string, [bigint, bigint]>();

  const descendantsOf = (id: Hex): Hex[] => {
    const seen = new Set<Hex>([id]);
    const queue = [id];
    while (queue.length) {
      for (const child of children.get(queue.pop()!) ?? []) {
        if (!seen.has(child)) {
          seen.add(child);
          queue.push(child);
        }
      }
    }
    return [...seen];
  };

  const touch = ({ event, blockNumber }: StoredIndexedEvent) => {
    switch (event.type) {
      case "ModelRegistered":
        registeredAt.set(event.id, blockNumber);
        for (const { parentId } of event.parents) children.set(parentId, [...(children.get(parentId) ?? []), event.id]);
        models.add(event.id);
        shares.add(event.id);
        break;
      case "PlaceholderRegistered":
        registeredAt.set(event.id, blockNumber);
        models.add(event.id);
        shares.add(event.id);
        break;
      case "ContributorsSet":
        for (const { account } of event.contributors) accounts.add(account);
        models.add(event.id);
        epochs.add(key(event.id, String(event.epoch)));
        shares.add(event.id);
        allTokensDirty = true; // closing an epoch settles its last wei
        break;
      case "StatusUpdated":
        if (event.beneficiary !== zeroAddress) accounts.add(event.beneficiary);
        models.add(event.modelId);
        shares.add(event.modelId);
        allTokensDirty = true;
        break;
      case "LineageCorrected":
        // The corrected lineage replaces the model's parent edges.
        for (const [parent, kids] of children) {
          children.set(
            parent,
            kids.filter((kid) => kid !== event.id),
          );
        }
        for (const { parentId } of event.parents) children.set(parentId, [...(children.get(parentId) ?? []), event.id]);
        models.add(event.id);
        shares.add(event.id);
        allTokensDirty = true;
        break;
      case "ModelProvisional":
      case "ModelVerified":
      case "ProvisionEnded":
        // Claims and propagation of a provisional model wait.
        models.add(event.id);
        allTokensDirty = true;
        break;
      case "BeneficiaryReplaced":
        accounts.add(event.beneficiary);
        models.add(event.id);
        shares.add(event.id);
        allTokensDirty = true;
        break;
      case "StewardshipTransferred":
      case "TermsUpdated":
      case "ModelReassigned":
        models.add(event.id);
        break;
      case "DisputeResolved":
        models.add(event.modelId);
        break;
      case "Paid":
        totals.add(key(event.modelId, event.token));
        tokens.add(event.token);
        break;
      case "Propagated":
        totals.add(key(event.modelId, event.token));
        for (const { parentId } of ledger.model(event.modelId).parents) totals.add(key(parentId, event.token));
        tokens.add(event.token);
        break;
      case "Claimed":
      case "ContributorSwept":
      case "FeesWithdrawn":
        tokens.add(event.token);
        break;
      case "MetadataUpdated":
        models.add(event.id);
        break;
      default:
        break;
    }
  };

  const clearDirty = () => {
    models = new Set();
    epochs = new Set();
    totals = new Set();
    tokens = new Set();
    shares = new Set();
    allTokensDirty = false;
  };

  return {
    ledger: () => ledger,

    addBlockTimes(times) {
      for (const [block, time] of times) blockTimes.set(block, time);
    },

    apply(events) {
      for (const indexed of events) {
        if (isLedgerEvent(indexed.event)) ledger.apply(indexed.event);
        records.apply(indexed);
        trust.apply(indexed);
        touch(indexed);
      }
    },

    reset() {
      ledger = createLedger();
      records = createRecords();
      trust = createTrustRecords(timeOf);
      rewriteAll = true;
      clearDirty();
      children = new Map();
      accounts = new Set();
      registeredAt = new Map();
      writtenBalances = new Map();
    },

    async write(tx) {
      if (rewriteAll) {
        for (const table of [
          "models",
          "model_parents",
          "contributors",
          "model_token_totals",
          "account_balances",
          "effective_shares",
          "token_fees",
          "contributor_epochs",
          "disputes",
          ...TRUST_TABLES,
        ]) {
          await tx.query(`DELETE FROM ${table}`);
        }
        models = new Set(ledger.models());
        shares = new Set(ledger.models());
        epochs = new Set(ledger.models().flatMap((id) => epochRange(ledger, id).map((e) => key(id, String(e)))));
        totals = new Set(ledger.models().flatMap((id) => ledger.tokens().map((t) => key(id, t))));
        allTokensDirty = true;
      }
      const stats = {
        models: await writeModels(tx, ledger, records, trust, models, registeredAt),
        totals: await writeTotals(tx, ledger, totals),
        balances: 0,
        shares: 0,
      };
      await writeContributors(tx, ledger, records, epochs);
      await records.writeDisputes(tx, rewriteAll);
      await trust.write(tx, rewriteAll);
      const dirtyTokens = allTokensDirty ? new Set(ledger.tokens()) : tokens;
      stats.balances = await writeBalances(tx, ledger, dirtyTokens, accounts, writtenBalances);
      await writeRows(
        tx,
        "token_fees",
        ["token", "fees"],
        [...dirtyTokens].map((t) => [t, ledger.fees(t).toString()]),
        ["token"],
      );
      const sharesToWrite = new Set([...shares].flatMap(descendantsOf));
      stats.shares = await writeShares(tx, ledger, sharesToWrite);
      rewriteAll = false;
      clearDirty();
      return stats;
    },
  };
}

/** The epochs a model has had: 0 up to its current one. */
const epochRange = (ledger: Ledger, id: Hex) => Array.from({ length: ledger.model(id).epoch + 1 }, (_, e) => e);

async function writeModels(
  tx: Sql,
  ledger: Ledger,
  records: Records,
  trust: TrustRecords,
  ids: ReadonlySet<Hex>,
  registeredAt: ReadonlyMap<Hex, bigint>,
): Promise<number> {
  const rows = [...ids].map((id) => {
    const m = ledger.model(id);
    const metadata = records.metadataOf(id);
    const identity = trust.identityOf(id);
    return [
      id,
      m.key,
      m.steward,
      m.placeholder,
      m.status,
      m.beneficiary,
      m.upstreamPpm,
      m.epoch,
      JSON.stringify(m.terms),
      (registeredAt.get(id) ?? 0n).toString(),
      metadata?.weightsDigest ?? null,
      metadata?.metadataURI ?? null,
      metadata?.license ?? null,
      identity.verified,
      identity.provisionalUntil?.toString() ?? null,
      identity.disputeCooldownUntil?.toString() ?? null,
      identity.dismissedDisputes,
    ];
  });
  await writeRows(
    tx,
    "models",
    [
      "id",
      "key",
      "steward",
      "placeholder",
      "status",
      "beneficiary",
      "upstream_ppm",
      "epoch",
      "terms",
      "registered_block",
      "weights_digest",
      "metadata_uri",
      "license",
      "verified",
      "provisional_until",
      "dispute_cooldown_until",
      "dismissed_disputes",
    ],
    rows,
    ["id"],
  );
  // A lineage correction may leave fewer edges: a touched model's edges are replaced.
  if (ids.size) await tx.query("DELETE FROM model_parents WHERE model_id = ANY($1)", [[...ids]]);
  const parentRows = [...ids].flatMap((id) =>
    ledger.model(id).parents.map((p, position) => [id, position, p.parentId, p.relation, p.weightPpm]),
  );
  await writeRows(tx, "model_parents", ["model_id", "position", "parent_id", "relation", "weight_ppm"], parentRows, [
    "model_id",
    "position",
  ]);
  return rows.length;
}

async function writeContributors(
  tx: Sql,
  ledger: Ledger,
  records: Records,
  epochs: ReadonlySet<string>,
): Promise<void> {
  const rows: unknown[][] = [];
  const epochRows: unknown[][] = [];
  for (const entry of epochs) {
    const [id, epochText] = entry.split("|") as [Hex, string];
    const epoch = Number(epochText);
    const record = records.epochOf(id, epoch);
    if (record) epochRows.push([id, epoch, record.root, record.blockNumber.toString(), record.transactionHash]);
    const set = ledger.contributorSet(id, epoch);
    for (const [position, c] of (set?.entries ?? []).entries()) {
      rows.push([id, epoch, position, c.account, c.role, c.weightPpm, c.cumulativeBefore]);
    }
  }
  await writeRows(
    tx,
    "contributors",
    ["model_id", "epoch", "position", "account", "role", "weight_ppm", "cumulative_before"],
    rows,
    ["model_id", "epoch", "position"],
  );
  await writeRows(
    tx,
    "contributor_epochs",
    ["model_id", "epoch", "root", "block_number", "transaction_hash"],
    epochRows,
    ["model_id", "epoch"],
  );
}

async function writeTotals(tx: Sql, ledger: Ledger, pairs: ReadonlySet<string>): Promise<number> {
  const rows: unknown[][] = [];
  for (const pair of pairs) {
    const [id, token] = pair.split("|") as [Hex, Address];
    const b = ledger.modelBalance(id, token);
    // Lifetime totals only grow: a pair that never received anything has no row (whatever the batching).
    if (b.received === 0n) continue;
    rows.push([id, token, b.received.toString(), b.kept.toString(), b.upstream.toString(), b.pushed.toString()]);
  }
  await writeRows(tx, "model_token_totals", ["model_id", "token", "received", "kept", "upstream", "pushed"], rows, [
    "model_id",
    "token",
  ]);
  return rows.length;
}

async function writeBalances(
  tx: Sql,
  ledger: Ledger,
  tokens: ReadonlySet<Address>,
  accounts: ReadonlySet<Address>,
  written: Map<string, [bigint, bigint]>,
): Promise<number> {
  const rows: unknown[][] = [];
  const gone: [Address, Address][] = [];
  for (const token of tokens) {
    const after = ledger.owedAfterFullPropagation(token).accounts;
    for (const account of new Set([...accounts, ...after.keys()])) {
      const claimable = ledger.claimable(account, token);
      const owed = after.get(account) ?? 0n;
      const k = key(account, token);
      const previous = written.get(k);
      if (previous && previous[0] === claimable && previous[1] === owed) continue;
      // Accounts owed nothing have no row, so that the table does not depend on the history of commits.
      if (claimable === 0n && owed === 0n) {
        if (previous) gone.push([account, token]);
        written.delete(k);
        continue;
      }
      written.set(k, [claimable, owed]);
      rows.push([account, token, claimable.toString(), owed.toString()]);
    }
  }
  for (const [account, token] of gone) {
    await tx.query("DELETE FROM account_balances WHERE account = $1 AND token = $2", [account, token]);
  }
  await writeRows(tx, "account_balances", ["account", "token", "claimable", "owed_after_propagation"], rows, [
    "account",
    "token",
  ]);
  return rows.length;
}

async function writeShares(tx: Sql, ledger: Ledger, ids: ReadonlySet<Hex>): Promise<number> {
  if (ids.size === 0) return 0;
  const rows: unknown[][] = [];
  for (const id of ids) {
    const effective = ledger.effectiveShares(id);
    // One row per party: an account in one role may be paid by several models of the lineage.
    const parts = new Map<string, { kind: string; party: string; role: number; share: Share }>();
    const addPart = (kind: string, party: string, role: number, share: Share) => {
      const k = `${kind}|${party}|${role}`;
      const part = parts.get(k);
      parts.set(k, { kind, party, role, share: part ? addShares(part.share, share) : share });
    };
    for (const m of effective.models) if (m.modelId !== id) addPart("ancestor", m.modelId, -1, m.reaches);
    for (const r of effective.recipients) {
      if (r.kind === "contributor") addPart("contributor", r.account!, r.role!, r.share);
      else if (r.kind === "escrow") addPart("escrow", r.modelId, -1, r.share);
      else addPart("beneficiary", r.account!, -1, r.share);
    }
    for (const { kind, party, role, share } of parts.values()) {
      rows.push([id, kind, party, role, share.numerator.toString(), share.denominator.toString(), Number(share.ppm)]);
    }
  }
  const list = [...ids];
  await tx.query(`DELETE FROM effective_shares WHERE model_id = ANY($1)`, [list]);
  await writeRows(
    tx,
    "effective_shares",
    ["model_id", "kind", "party", "role", "numerator", "denominator", "ppm"],
    rows,
  );
  return rows.length;
}
