import type { Abi, Address, Hex } from "viem";

import type { DeploymentRecord } from "../../chain/deploymentRecord.js";
import { createMirror, type Mirror } from "../derive/createMirror.js";
import { writeRows } from "../derive/writeRows.js";
import { ReorgTooDeepError } from "../errors.js";
import type { Logger } from "../../internal/logger.js";
import { RpcRangeTooLargeError } from "../../chain/rpc/errors.js";
import type { RpcBlockHeader, RpcClient, RpcLog } from "../../chain/rpc/types.js";
import type { Sql, Store } from "../../store/types.js";
import { insertEvents } from "../../store/insertEvents.js";
import { storedEvents } from "../../store/storedEvents.js";
import { decodeStoredLogs, type StoredIndexedEvent } from "../../store/trustEvents.js";
import { needsBlockTime } from "../derive/createTrustRecords.js";
import { sleep } from "../../internal/sleep.js";

export type IndexerOptions = {
  /** Blocks behind the head before data counts as final (reported as `finalized_block`). @default 0 */
  confirmations?: number;
  /** How many recent block hashes to keep for reorg detection: the deepest reorg that can be undone. @default 256 */
  reorgWindow?: number;
  /** Milliseconds between polls of the head once caught up. @default 50 */
  pollingIntervalMs?: number;
  /** Blocks asked for in the first `eth_getLogs` of a backfill; it then adapts to the provider. @default 500 */
  initialRange?: number;
  /** The widest range it grows to. @default 100_000 */
  maxRange?: number;
  /** Events gathered before a backfill commit. @default 10_000 */
  eventsPerCommit?: number;
  /** Behind by more blocks than this, the live loop catches up with ranges instead of block by block. @default 500 */
  liveCatchUpBlocks?: number;
};

export type CreateIndexerParameters = {
  rpc: RpcClient;
  store: Store;
  deployment: DeploymentRecord;
  /** The registry's and router's ABIs together. */
  abi: Abi;
  logger: Logger;
  options?: IndexerOptions;
};

export type Indexer = {
  /** Backfills, then follows new blocks until `signal` aborts (after the batch in flight commits). */
  run(signal: AbortSignal): Promise<void>;
  /** Backfills up to the current head (minus confirmations) and returns: for tests, benchmarks and `reconcile`. */
  catchUp(): Promise<void>;
  /** The block the database reflects. */
  checkpoint(): { number: bigint; hash: Hex } | null;
  mirror(): Mirror;
};

type Checkpoint = { number: bigint; hash: Hex; timestamp: bigint };

/** The most `eth_getLogs` ranges read into one commit. */
const RANGES_PER_COMMIT = 20;

/**
 * A batch read for one commit: its events, the header of each range's last block (kept for reorg checks), and the
 * timestamps of the blocks whose events need one (`needsBlockTime`).
 */
type Batch = { events: StoredIndexedEvent[]; ends: RpcBlockHeader[]; times: Map<bigint, bigint> };

/** The blocks among `events` whose timestamps deriving them needs. */
const blocksNeedingTime = (events: readonly StoredIndexedEvent[]) =>
  new Map(events.filter(needsBlockTime).map((e) => [e.blockNumber, e.blockHash]));

/**
 * The indexer: follows the Stemma contracts over JSON-RPC and keeps the database a mirror of the ledger, exact to
 * the wei. Every commit writes a batch of blocks' events, the derived tables they change and the checkpoint in one
 * transaction, so a crash at any point resumes from the checkpoint with no duplicate and no gap. Reorgs are found
 * through the parent-hash chain of the blocks it keeps; everything after the common ancestor is rolled back and
 * indexed again.
 */
export function createIndexer({ rpc, store, deployment, abi, logger, options = {} }: CreateIndexerParameters): Indexer {
  const confirmations = BigInt(options.confirmations ?? 0);
  const reorgWindow = BigInt(options.reorgWindow ?? 256);
  const pollingIntervalMs = options.pollingIntervalMs ?? 50;
  const maxRange = BigInt(options.maxRange ?? 100_000);
  const eventsPerCommit = options.eventsPerCommit ?? 10_000;
  const liveCatchUpBlocks = BigInt(options.liveCatchUpBlocks ?? 500);
  const addresses: Address[] = [deployment.contracts.ModelRegistry.address, deployment.contracts.RevenueRouter.address];
  const mirror = createMirror();
  let range = BigInt(options.initialRange ?? 500);
  let checkpoint: Checkpoint | null = null;
  let started = false;

  /** Loads the checkpoint and replays the stored events into the engine (after a restart). */
  async function start() {
    if (started) return;
    const chainId = await rpc.chainId();
    if (chainId !== deployment.chainId) {
      throw new Error(
        `The RPC endpoint serves chain ${chainId} but the deployment record is for chain ${deployment.chainId}: point --rpc at the right node or use the right deployment record.`,
      );
    }
    const [row] = await store.query<{
      chain_id: string;
      registry: Address;
      router: Address;
      block_number: string;
      block_hash: Hex;
      block_timestamp: string;
    }>(
      "SELECT chain_id, registry, router, block_number, block_hash, block_timestamp FROM indexer_checkpoint WHERE id = 1",
    );
    const [registry, router] = addresses;
    if (
      row &&
      (Number(row.chain_id) !== chainId ||
        row.registry.toLowerCase() !== registry!.toLowerCase() ||
        row.router.toLowerCase() !== router!.toLowerCase())
    ) {
      throw new Error(
        `The database at ${store.location} mirrors the deployment on chain ${row.chain_id} with registry ${row.registry} ` +
          `and router ${row.router}, not this one (chain ${chainId}, registry ${registry}, router ${router}): ` +
          `use another database or --reset.`,
      );
    }
    checkpoint = row
      ? { number: BigInt(row.block_number), hash: row.block_hash, timestamp: BigInt(row.block_timestamp) }
      : null;
    const events = await storedEvents(store, abi);
    mirror.reset();
    mirror.addBlockTimes(await storedBlockTimes(store));
    mirror.apply(events);
    if (checkpoint) {
      logger.info("resuming from checkpoint", { block: checkpoint.number, events: events.length });
    } else {
      logger.info("starting a new index", { fromBlock: deployment.startBlock, database: store.location });
    }
    started = true;
  }

  const nextBlock = () => (checkpoint ? checkpoint.number + 1n : BigInt(deployment.startBlock));

  /** Commits one batch: its events, the derived rows they changed, kept block hashes and the new checkpoint. */
  async function commit(
    events: StoredIndexedEvent[],
    blocks: RpcBlockHeader[],
    times: Map<bigint, bigint>,
    head: bigint,
    backfillDone: boolean,
  ) {
    const last = blocks[blocks.length - 1]!;
    await inStep(async (tx) => {
      mirror.addBlockTimes(times);
      mirror.apply(events);
      await insertEvents(tx, events);
      await writeRows(
        tx,
        "block_times",
        ["number", "timestamp"],
        [...times].map(([number, time]) => [number.toString(), time.toString()]),
        ["number"],
      );
      await mirror.write(tx);
      await insertBlocks(tx, blocks, last.number - reorgWindow);
      await tx.query(
        `INSERT INTO indexer_checkpoint (id, chain_id, block_number, block_hash, block_timestamp, finalized_block, backfill_done, registry, router, updated_at)
         VALUES (1, $1, $2, $3, $4, $5, $6, $7, $8, now())
         ON CONFLICT (id) DO UPDATE SET chain_id = EXCLUDED.chain_id, block_number = EXCLUDED.block_number,
           block_hash = EXCLUDED.block_hash, block_timestamp = EXCLUDED.block_timestamp,
           finalized_block = EXCLUDED.finalized_block, backfill_done = EXCLUDED.backfill_done, updated_at = now()`,
        [
          deployment.chainId,
          last.number.toString(),
          last.hash,
          last.timestamp.toString(),
          (head > confirmations ? head - confirmations : 0n).toString(),
          backfillDone,
          ...addresses,
        ],
      );
    });
    checkpoint = { number: last.number, hash: last.hash, timestamp: last.timestamp };
  }

  /**
   * Runs one database transaction that also moves the in-memory engine. If it fails, the engine is ahead of the
   * database, so it is dropped: the next call replays the stored events first (as after a restart).
   */
  async function inStep(fn: (tx: Sql) => Promise<void>) {
    try {
      await store.transaction(fn);
    } catch (error) {
      started = false;
      throw error;
    }
  }

  /** Is the block the checkpoint names still on the chain? If not, roll back to the newest kept block that is. */
  async function checkCanonical(): Promise<boolean> {
    if (!checkpoint) return true;
    const onChain = await rpc.block(checkpoint.number);
    if (onChain?.hash === checkpoint.hash) return true;
    await rollBack();
    return false;
  }

  async function rollBack() {
    const kept = await store.query<{ number: string; hash: Hex; timestamp: string }>(
      "SELECT number, hash, timestamp FROM indexed_blocks ORDER BY number DESC",
    );
    for (const block of kept) {
      const onChain = await rpc.block(BigInt(block.number));
      if (onChain?.hash !== block.hash) continue;
      const ancestor = BigInt(block.number);
      logger.warn("reorg: rolling back", { from: checkpoint?.number, to: ancestor });
      await inStep(async (tx) => {
        await tx.query("DELETE FROM ledger_events WHERE block_number > $1", [ancestor.toString()]);
        await tx.query("DELETE FROM indexed_blocks WHERE number > $1", [ancestor.toString()]);
        await tx.query("DELETE FROM block_times WHERE number > $1", [ancestor.toString()]);
        await tx.query(
          "UPDATE indexer_checkpoint SET block_number = $1, block_hash = $2, block_timestamp = $3, updated_at = now() WHERE id = 1",
          [ancestor.toString(), block.hash, block.timestamp],
        );
        mirror.reset();
        mirror.apply(await storedEvents(tx, abi));
        await mirror.write(tx);
      });
      checkpoint = { number: ancestor, hash: block.hash, timestamp: BigInt(block.timestamp) };
      return;
    }
    const oldest = kept.length ? BigInt(kept[kept.length - 1]!.number) : null;
    throw new ReorgTooDeepError({ oldestKept: oldest, location: store.location });
  }

  /**
   * `eth_getLogs` from `from` on, as far as the provider allows: a refused range is halved and asked again; a
   * small answer widens the next range. The header of the range's last block is read before the logs, so that
   * {fetchBatch} can tell whether the chain moved while it read.
   */
  async function fetchLogs(from: bigint, target: bigint): Promise<{ logs: RpcLog[]; end: RpcBlockHeader }> {
    for (;;) {
      const to = from + range - 1n < target ? from + range - 1n : target;
      const end = await rpc.block(to);
      if (!end) throw new Error(`The node has no block ${to} although it reported a head at or above it.`);
      try {
        const logs = await rpc.getLogs({ address: addresses, fromBlock: from, toBlock: to });
        // Aim at answers of 5,000-20,000 logs: big enough to amortize a round trip, small enough to pipeline.
        if (logs.length > 20_000 && range > 1n) range /= 2n;
        else if (logs.length < 5_000 && range < maxRange) range = range * 2n > maxRange ? maxRange : range * 2n;
        return { logs, end };
      } catch (error) {
        if (!(error instanceof RpcRangeTooLargeError) || to === from) throw error;
        range = (to - from + 1n) / 2n || 1n;
        logger.debug("range refused, halving", { from, to, range });
      }
    }
  }

  /**
   * Reads and decodes the blocks from `from` on until {eventsPerCommit} events or `target`. Every range's last
   * block is read again at the end: if any changed, the chain reorganized while this batch was read, and the
   * batch is dropped (`null`) rather than committed with logs from two branches.
   */
  async function fetchBatch(from: bigint, target: bigint): Promise<Batch | null> {
    const events: StoredIndexedEvent[] = [];
    const ends: RpcBlockHeader[] = [];
    // A batch also ends after RANGES_PER_COMMIT ranges, so that sparse stretches of chain still commit progress.
    for (let next = from; next <= target && events.length < eventsPerCommit && ends.length < RANGES_PER_COMMIT;) {
      const { logs, end } = await fetchLogs(next, target);
      events.push(...decodeStoredLogs(abi, logs));
      ends.push(end);
      next = end.number + 1n;
    }
    const times = new Map<bigint, bigint>();
    for (const [number, hash] of blocksNeedingTime(events)) {
      const header = await rpc.block(number);
      if (header?.hash !== hash) return null;
      times.set(number, header.timestamp);
    }
    for (const end of ends) {
      if ((await rpc.block(end.number))?.hash !== end.hash) return null;
    }
    return { events, ends, times };
  }

  /** Indexes ranges of blocks up to `target`; the next batch is read while the current one commits. */
  async function backfill(target: bigint, head: bigint, signal?: AbortSignal) {
    const startedAt = Date.now();
    const firstBlock = nextBlock();
    let indexedEvents = 0;
    let lastProgress = 0;
    let prefetched: Promise<Batch | null> | null = null;
    const discard = async () => {
      await prefetched?.catch(() => null);
      prefetched = null;
    };
    while (nextBlock() <= target && !signal?.aborted) {
      if (!(await checkCanonical())) {
        await discard();
        continue;
      }
      const batch: Batch | null = await (prefetched ?? fetchBatch(nextBlock(), target));
      prefetched = null;
      if (!batch) {
        logger.warn("the chain moved while a batch was read; reading it again", { from: nextBlock() });
        continue;
      }
      const last = batch.ends[batch.ends.length - 1]!;
      if (last.number < target) {
        prefetched = fetchBatch(last.number + 1n, target);
        prefetched.catch(() => null); // awaited (and its error raised) in the next round
      }
      await commit(batch.events, batch.ends, batch.times, head, last.number >= target);
      indexedEvents += batch.events.length;
      if (Date.now() - lastProgress >= 1_000 || last.number >= target) {
        lastProgress = Date.now();
        const seconds = (Date.now() - startedAt) / 1_000;
        const done = Number(last.number - firstBlock + 1n);
        const total = Number(target - firstBlock + 1n);
        const blocksPerSecond = done / Math.max(seconds, 0.001);
        logger.info("backfill", {
          block: last.number,
          target,
          percent: Math.floor((done / Math.max(total, 1)) * 100),
          events: indexedEvents,
          eventsPerSec: Math.round(indexedEvents / Math.max(seconds, 0.001)),
          etaSec: Math.ceil((total - done) / Math.max(blocksPerSecond, 1e-9)),
        });
      }
    }
    await discard();
  }

  /**
   * Indexes the blocks after the checkpoint up to `head` one by one, checking each block's parent hash. Returns
   * whether it committed or rolled back anything.
   */
  async function follow(head: bigint): Promise<boolean> {
    const from = nextBlock();
    const headers: RpcBlockHeader[] = [];
    let parent = checkpoint?.hash;
    for (let n = from; n <= head; n++) {
      const header = await rpc.block(n);
      if (!header) break; // the node is behind its own head report; next poll
      if (parent !== undefined && header.parentHash !== parent) {
        await rollBack();
        return true;
      }
      headers.push(header);
      parent = header.hash;
    }
    if (headers.length === 0) return false;
    const to = headers[headers.length - 1]!.number;
    const logs = await rpc.getLogs({ address: addresses, fromBlock: from, toBlock: to });
    const hashes = new Map(headers.map((h) => [h.number, h.hash]));
    // The logs must come from the blocks just checked; if the chain moved in between, look again next poll.
    if (logs.some((log) => hashes.get(log.blockNumber) !== log.blockHash)) return false;
    const events = decodeStoredLogs(abi, logs);
    const times = new Map(
      [...blocksNeedingTime(events).keys()].map((n) => [n, headers.find((h) => h.number === n)!.timestamp]),
    );
    await commit(events, headers, times, head, true);
    return true;
  }

  /**
   * Gathers planner statistics once the backfill has filled the tables: PGlite never does it on its own, and without
   * them a lineage query scans every parent edge at each hop (about 50 times slower at depth 30).
   */
  async function analyze() {
    await store.exec("ANALYZE");
    logger.debug("planner statistics gathered");
  }

  const finalTarget = (head: bigint) => (head > confirmations ? head - confirmations : 0n);

  return {
    checkpoint: () => (checkpoint ? { number: checkpoint.number, hash: checkpoint.hash } : null),
    mirror: () => mirror,

    async catchUp() {
      await start();
      const head = await rpc.blockNumber();
      await backfill(head, head);
      if (nextBlock() <= head) await follow(head);
    },

    async run(signal) {
      await start();
      const head = await rpc.blockNumber();
      await backfill(finalTarget(head), head, signal);
      await analyze();
      logger.info("backfill done; following new blocks", { block: checkpoint?.number, pollingIntervalMs });
      while (!signal.aborted) {
        const latest = await rpc.blockNumber();
        if (latest - nextBlock() + 1n > liveCatchUpBlocks) {
          await backfill(latest, latest, signal);
        } else if (latest >= nextBlock()) {
          if (!(await follow(latest))) await sleep(pollingIntervalMs, signal);
        } else if (checkpoint && latest < checkpoint.number) {
          await rollBack(); // the chain got shorter than what was indexed
        } else {
          await sleep(pollingIntervalMs, signal);
        }
      }
    },
  };
}

async function insertBlocks(tx: Sql, blocks: readonly RpcBlockHeader[], pruneBelow: bigint) {
  await writeRows(
    tx,
    "indexed_blocks",
    ["number", "hash", "parent_hash", "timestamp"],
    blocks.map((b) => [b.number.toString(), b.hash, b.parentHash, b.timestamp.toString()]),
    ["number"],
  );
  if (pruneBelow > 0n) await tx.query("DELETE FROM indexed_blocks WHERE number < $1", [pruneBelow.toString()]);
}

/** The block timestamps stored for derived records (block_times). */
async function storedBlockTimes(sql: Sql): Promise<[bigint, bigint][]> {
  const rows = await sql.query<{ number: string; timestamp: string }>("SELECT number, timestamp FROM block_times");
  return rows.map((r) => [BigInt(r.number), BigInt(r.timestamp)]);
}
