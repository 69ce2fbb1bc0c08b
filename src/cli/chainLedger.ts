import { parseEventLogs, type Hex, type Log } from "viem";

import { decodeLedgerLogs } from "../chain/decodeLogs.js";
import { createLedger, type Ledger } from "../core/ledger.js";
import type { ChainContext } from "./connect.js";

/** How many blocks one `eth_getLogs` request covers: small enough for public providers' range limits. */
const LOG_RANGE = 10_000n;

/** A model's metadata as its latest ModelRegistered or MetadataUpdated event states it. */
export type ModelMetadata = { weightsDigest: Hex; metadataURI: string; license: string };

/** The ledger rebuilt from the chain's events, as of one block. */
export type ChainLedger = {
  ledger: Ledger;
  block: bigint;
  metadata: ReadonlyMap<Hex, ModelMetadata>;
  /** A model's key, or the id itself when the ledger does not know it. */
  keyOf(id: Hex): string;
};

/**
 * Reads every registry and router event from the deployment's start block to the latest block and runs them through
 * the exact engine (src/core/ledger.ts): contributor sets and their Merkle proofs rebuilt from ContributorsSet, every
 * balance to the wei. The commands plan with it (what to propagate, what to claim) and show it.
 */
export async function readChainLedger(context: ChainContext): Promise<ChainLedger> {
  const { publicClient, registry, router, deployment, abi } = context;
  const block = await publicClient.getBlockNumber();
  const logs: Log<bigint, number, false>[] = [];
  for (let from = BigInt(deployment.startBlock); from <= block; from += LOG_RANGE) {
    const to = from + LOG_RANGE - 1n < block ? from + LOG_RANGE - 1n : block;
    logs.push(...(await publicClient.getLogs({ address: [registry, router], fromBlock: from, toBlock: to })));
  }
  const ledger = createLedger();
  ledger.applyAll(decodeLedgerLogs(abi.both, logs));

  const metadata = new Map<Hex, ModelMetadata>();
  for (const log of parseEventLogs({ abi: abi.registry, logs, eventName: ["ModelRegistered", "MetadataUpdated"] })) {
    const { id, weightsDigest, metadataURI, license } = log.args;
    metadata.set(id.toLowerCase() as Hex, { weightsDigest, metadataURI, license });
  }
  const keyOf = (id: Hex) => {
    try {
      return ledger.model(id).key;
    } catch {
      return id;
    }
  };
  return { ledger, block, metadata, keyOf };
}
