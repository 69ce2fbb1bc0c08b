import { zeroAddress, type Address, type Hex } from "viem";

import type { StoredIndexedEvent } from "../../store/trustEvents.js";
import type { Sql } from "../../store/types.js";
import { writeRows } from "./writeRows.js";

export type ModelMetadata = { weightsDigest: Hex; metadataURI: string; license: string };
export type EpochRecord = { root: Hex; blockNumber: bigint; transactionHash: Hex };

/** A dispute's `outcome` column: IModelRegistry.DisputeOutcome. */
export const DisputeOutcome = { PENDING: 0, DISMISSED: 1, UPHELD: 2 } as const;

type Dispute = {
  modelId: Hex;
  disputer: Address;
  evidenceHash: Hex;
  bond: bigint;
  raisedBlock: bigint;
  raisedTransaction: Hex;
  outcome: number;
  beneficiary: Address | null;
  resolvedBlock: bigint | null;
  bondRecipient: Address | null;
};

/**
 * What the API serves beyond the ledger's state: each model's metadata, when each contributor epoch took effect,
 * and disputes. The mirror feeds it every stored event and writes the models' and epochs' rows itself (it knows
 * which are dirty); the disputes table is written here.
 */
export type Records = {
  apply(indexed: StoredIndexedEvent): void;
  metadataOf(id: Hex): ModelMetadata | undefined;
  epochOf(id: Hex, epoch: number): EpochRecord | undefined;
  /** Writes the disputes changed since the last write (all of them with `all`). */
  writeDisputes(tx: Sql, all: boolean): Promise<void>;
};

export function createRecords(): Records {
  const metadata = new Map<Hex, ModelMetadata>();
  const epochs = new Map<string, EpochRecord>();
  const disputes = new Map<bigint, Dispute>();
  let dirtyDisputes = new Set<bigint>();

  const dispute = (id: bigint) => {
    const found = disputes.get(id);
    if (!found) throw new Error(`Dispute ${id} changed before it was raised: the stored events are out of order.`);
    dirtyDisputes.add(id);
    return found;
  };

  return {
    apply({ event, blockNumber, transactionHash }) {
      switch (event.type) {
        case "ModelRegistered":
          if (event.weightsDigest !== undefined) {
            metadata.set(event.id, {
              weightsDigest: event.weightsDigest,
              metadataURI: event.metadataURI ?? "",
              license: event.license ?? "",
            });
          }
          break;
        case "MetadataUpdated":
          metadata.set(event.id, {
            weightsDigest: event.weightsDigest,
            metadataURI: event.metadataURI,
            license: event.license,
          });
          break;
        case "ContributorsSet":
          // The newest emission for an epoch is when its set took effect (a placeholder's assignment sets epoch 0).
          epochs.set(`${event.id}|${event.epoch}`, { root: event.root, blockNumber, transactionHash });
          break;
        case "DisputeRaised":
          disputes.set(event.disputeId, {
            modelId: event.modelId,
            disputer: event.disputer,
            evidenceHash: event.evidenceHash,
            bond: event.bond,
            raisedBlock: blockNumber,
            raisedTransaction: transactionHash,
            outcome: DisputeOutcome.PENDING,
            beneficiary: null,
            resolvedBlock: null,
            bondRecipient: null,
          });
          dirtyDisputes.add(event.disputeId);
          break;
        case "DisputeResolved": {
          const found = dispute(event.disputeId);
          found.outcome = event.upheld ? DisputeOutcome.UPHELD : DisputeOutcome.DISMISSED;
          found.beneficiary = event.beneficiary === zeroAddress ? null : event.beneficiary;
          found.resolvedBlock = blockNumber;
          break;
        }
        case "DisputeBondWithdrawn":
          dispute(event.disputeId).bondRecipient = event.recipient;
          break;
        default:
          break;
      }
    },

    metadataOf: (id) => metadata.get(id),
    epochOf: (id, epoch) => epochs.get(`${id}|${epoch}`),

    async writeDisputes(tx, all) {
      const ids = all ? [...disputes.keys()] : [...dirtyDisputes];
      dirtyDisputes = new Set();
      const rows = ids.map((id) => {
        const d = disputes.get(id)!;
        return [
          id.toString(),
          d.modelId,
          d.disputer,
          d.evidenceHash,
          d.bond.toString(),
          d.raisedBlock.toString(),
          d.raisedTransaction,
          d.outcome,
          d.beneficiary,
          d.resolvedBlock?.toString() ?? null,
          d.bondRecipient,
        ];
      });
      await writeRows(
        tx,
        "disputes",
        [
          "id",
          "model_id",
          "disputer",
          "evidence_hash",
          "bond",
          "raised_block",
          "raised_transaction",
          "outcome",
          "beneficiary",
          "resolved_block",
          "bond_recipient",
        ],
        rows,
        ["id"],
      );
    },
  };
}
