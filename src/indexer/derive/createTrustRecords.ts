import { zeroAddress, type Address, type Hex } from "viem";

import { GUARDIAN_ROLE, type StoredIndexedEvent } from "../../store/trustEvents.js";
import type { Sql } from "../../store/types.js";
import { writeRows } from "./writeRows.js";

/** A model's identity as the registry's `identity(id)` view has it (provisionalUntil and cool-down null when 0). */
export type Identity = {
  verified: boolean;
  provisionalUntil: bigint | null;
  disputeCooldownUntil: bigint | null;
  dismissedDisputes: number;
};

/** `provisionalUntil` of a placeholder: provisional until claimed or assigned (the registry's `FOREVER`). */
export const FOREVER = (1n << 40n) - 1n;
/** The registry's `MAX_BOND_DOUBLINGS`: dismissals past it no longer double the bond. */
export const MAX_BOND_DOUBLINGS = 8;

/** Whether deriving `indexed` needs its block's timestamp: a dismissal's cool-down starts then. */
export const needsBlockTime = ({ event }: StoredIndexedEvent): boolean =>
  event.type === "DisputeResolved" && !event.upheld;

type Appointment = { blockNumber: bigint; transactionHash: Hex };
type Settings = {
  attesterThreshold: number;
  disputeBond: bigint;
  provisionalPeriod: bigint;
  disputeCooldown: bigint;
  epochRenewal: bigint;
  allowlistOnly: boolean;
};

/** The history tables: one row per event, keyed by (block_number, log_index). */
const HISTORIES = {
  attestations: ["model_id", "steward", "revision", "nonce"],
  lineage_corrections: ["model_id", "upstream_ppm", "parents"],
  model_reassignments: ["model_id", "steward"],
  beneficiary_replacements: ["model_id", "previous", "beneficiary"],
  claim_redirections: ["account", "token", "recipient", "total"],
} as const;
type History = keyof typeof HISTORIES;

/** Tables a rollback rewrites from scratch (the mirror empties them). */
export const TRUST_TABLES = [
  ...Object.keys(HISTORIES),
  "attesters",
  "guardians",
  "token_policies",
  "trust_settings",
] as const;

/**
 * The trust rules' records (issue 13), derived from the stored events: each model's identity (verified,
 * provisional, dispute cool-down and dismissals), the histories of attestations, lineage corrections,
 * reassignments, beneficiary replacements and redirected claims, the attester and guardian sets, token policies
 * and the governed settings. `timeOf` gives the timestamp of a block that {needsBlockTime} said it needs.
 */
export type TrustRecords = {
  apply(indexed: StoredIndexedEvent): void;
  identityOf(id: Hex): Identity;
  /** Writes what changed since the last write (everything with `all`, into emptied tables). */
  write(tx: Sql, all: boolean): Promise<void>;
};

export function createTrustRecords(timeOf: (block: bigint) => bigint): TrustRecords {
  const identities = new Map<Hex, Identity>();
  const histories = new Map<History, unknown[][]>(Object.keys(HISTORIES).map((t) => [t as History, []]));
  let written = new Map<History, number>();
  const attesters = new Map<Address, Appointment>();
  const guardians = new Map<Address, Appointment>();
  const policies = new Map<Address, Appointment & { policy: number }>();
  let settings: Settings | undefined;
  let dirtySets = false;

  const identity = (id: Hex) => {
    let found = identities.get(id);
    if (!found) {
      found = { verified: false, provisionalUntil: null, disputeCooldownUntil: null, dismissedDisputes: 0 };
      identities.set(id, found);
    }
    return found;
  };
  /** The settings, to change them. */
  const settingsOf = () => {
    settings ??= {
      attesterThreshold: 0,
      disputeBond: 0n,
      provisionalPeriod: 0n,
      disputeCooldown: 0n,
      epochRenewal: 0n,
      allowlistOnly: false,
    };
    dirtySets = true;
    return settings;
  };

  return {
    apply(indexed) {
      const { event, blockNumber, logIndex, transactionHash } = indexed;
      const at: Appointment = { blockNumber, transactionHash };
      const record = (table: History, values: unknown[]) =>
        histories.get(table)!.push([blockNumber.toString(), logIndex, transactionHash, ...values]);
      switch (event.type) {
        case "PlaceholderRegistered":
          identity(event.id).provisionalUntil = FOREVER;
          break;
        case "ModelProvisional":
          identity(event.id).provisionalUntil = BigInt(event.until);
          break;
        case "ModelVerified": {
          // Every verification (registerVerified, verify, claimModel) leaves the model not provisional.
          const found = identity(event.id);
          found.verified = true;
          found.provisionalUntil = null;
          record("attestations", [event.id, event.steward, event.revision, event.nonce]);
          break;
        }
        case "ProvisionEnded":
          identity(event.id).provisionalUntil = null;
          break;
        case "StewardshipTransferred":
          // From no steward: a placeholder assigned (or claimed): no longer provisional.
          if (event.previousSteward === zeroAddress) identity(event.id).provisionalUntil = null;
          break;
        case "LineageCorrected":
          record("lineage_corrections", [event.id, event.upstreamPpm, JSON.stringify(event.parents)]);
          break;
        case "ModelReassigned":
          identity(event.id).provisionalUntil = null;
          record("model_reassignments", [event.id, event.steward]);
          break;
        case "BeneficiaryReplaced":
          record("beneficiary_replacements", [event.id, event.previous, event.beneficiary]);
          break;
        case "DisputeResolved": {
          const found = identity(event.modelId);
          if (event.upheld) {
            // Revoked (or reassigned, whose own event follows): a revoked model is not provisional.
            if (event.beneficiary !== zeroAddress) found.provisionalUntil = null;
          } else {
            found.disputeCooldownUntil = timeOf(blockNumber) + (settings?.disputeCooldown ?? 0n);
            found.dismissedDisputes = Math.min(found.dismissedDisputes + 1, MAX_BOND_DOUBLINGS);
          }
          break;
        }
        case "ClaimRedirected":
          record("claim_redirections", [event.account, event.token, event.recipient, event.total.toString()]);
          break;
        case "AttesterUpdated":
          if (event.appointed) attesters.set(event.attester, at);
          else attesters.delete(event.attester);
          dirtySets = true;
          break;
        case "AttesterThresholdUpdated":
          settingsOf().attesterThreshold = event.threshold;
          break;
        case "TrustPeriodsUpdated": {
          const s = settingsOf();
          s.provisionalPeriod = BigInt(event.periods.provisional);
          s.disputeCooldown = BigInt(event.periods.disputeCooldown);
          s.epochRenewal = BigInt(event.periods.epochRenewal);
          break;
        }
        case "DisputeBondUpdated":
          settingsOf().disputeBond = event.bond;
          break;
        case "AllowlistModeUpdated":
          settingsOf().allowlistOnly = event.allowlistOnly;
          break;
        case "RoleGranted":
        case "RoleRevoked":
          // Only the registry has GUARDIAN_ROLE; other roles are governance's and not served.
          if (event.role !== GUARDIAN_ROLE) break;
          if (event.type === "RoleGranted") guardians.set(event.account, at);
          else guardians.delete(event.account);
          dirtySets = true;
          break;
        case "TokenPolicyUpdated":
          if (event.policy === 0) policies.delete(event.token);
          else policies.set(event.token, { ...at, policy: event.policy });
          dirtySets = true;
          break;
        default:
          break;
      }
    },

    identityOf: (id) => identity(id),

    async write(tx, all) {
      if (all) written = new Map();
      for (const [table, rows] of histories) {
        const fresh = rows.slice(written.get(table) ?? 0);
        written.set(table, rows.length);
        await writeRows(tx, table, ["block_number", "log_index", "transaction_hash", ...HISTORIES[table]], fresh, [
          "block_number",
          "log_index",
        ]);
      }
      if (!dirtySets && !all) return;
      dirtySets = false;
      // Small sets: rewritten whole whenever one changes.
      for (const [table, members] of [
        ["attesters", attesters],
        ["guardians", guardians],
      ] as const) {
        await tx.query(`DELETE FROM ${table}`);
        await writeRows(
          tx,
          table,
          ["account", "block_number", "transaction_hash"],
          [...members].map(([account, a]) => [account, a.blockNumber.toString(), a.transactionHash]),
        );
      }
      await tx.query("DELETE FROM token_policies");
      await writeRows(
        tx,
        "token_policies",
        ["token", "policy", "block_number", "transaction_hash"],
        [...policies].map(([token, p]) => [token, p.policy, p.blockNumber.toString(), p.transactionHash]),
      );
      if (settings) {
        const s = settings;
        await writeRows(
          tx,
          "trust_settings",
          [
            "id",
            "attester_threshold",
            "dispute_bond",
            "provisional_period",
            "dispute_cooldown",
            "epoch_renewal",
            "allowlist_only",
          ],
          [
            [
              1,
              s.attesterThreshold,
              s.disputeBond.toString(),
              s.provisionalPeriod.toString(),
              s.disputeCooldown.toString(),
              s.epochRenewal.toString(),
              s.allowlistOnly,
            ],
          ],
          ["id"],
        );
      }
    },
  };
}
