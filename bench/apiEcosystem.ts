/**
 * The API benchmark's synthetic ecosystem: a seeded plan of models (many shallow families with merges, plus a few
 * lineages 30 hops deep), turned into the registry's and router's raw logs (encoded with viem against the compiled
 * ABI), decoded again by the indexer's own decodeLogs (so they are logs the indexer accepts) and written into a
 * store exactly as an indexer commit writes them: raw rows in ledger_events, the mirror's derived tables, and a
 * checkpoint whose backfill is done. Registering 10,000 models on a chain would take far too long for a benchmark.
 */
import {
  encodeAbiParameters,
  encodeEventTopics,
  keccak256,
  toHex,
  type Abi,
  type AbiEvent,
  type Address,
  type Hex,
} from "viem";

import { NATIVE_TOKEN } from "../src/core/constants.js";
import { contributorTree } from "../src/core/contributorTree.js";
import { modelId } from "../src/core/modelId.js";
import { feeOf } from "../src/core/splitMath.js";
import type { Contributor, ParentEdge, Terms } from "../src/core/types.js";
import { createMirror } from "../src/indexer/derive/createMirror.js";
import type { RpcLog } from "../src/chain/rpc/types.js";
import type { Sql, Store } from "../src/store/types.js";
import { decodeLogs } from "../src/chain/decodeLogs.js";
import { insertEvents } from "../src/store/insertEvents.js";
import { Rng } from "../test/property/rng.js";

export const CHAIN_ID = 31_337;
export const REGISTRY: Address = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
export const ROUTER: Address = "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512";
const STEWARD: Address = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
export const PAYER: Address = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC";
export const FEE_PPM = 10_000;
/** How deep the deep lineages go: the depth the ancestors and effectiveShares queries are measured at. */
export const DEEP = 30;

export type PlannedModel = {
  key: string;
  id: Hex;
  depth: number;
  parents: ParentEdge[];
  upstreamPpm: number;
  terms: Terms;
  contributors: Contributor[];
};

export type Ecosystem = {
  models: PlannedModel[];
  /** The last model of each deep lineage (DEEP hops from its root). */
  deepModels: Hex[];
  /** Models that received payments. */
  paidModels: Hex[];
};

const PARENT_SPLITS = [[1_000_000], [600_000, 400_000], [500_000, 500_000], [400_000, 300_000, 300_000]];
const MIN_DERIVATIVE = [0, 5_000, 10_000, 20_000];

/** Weights of `count` entries, each positive, summing to 1,000,000 ppm. */
function weights(rng: Rng, count: number): number[] {
  const raw = Array.from({ length: count }, () => rng.range(1, 20));
  const total = raw.reduce((a, b) => a + b, 0);
  const out = raw.map((r) => Math.max(1, Math.floor((r * 1_000_000) / total)));
  out[0]! += 1_000_000 - out.reduce((a, b) => a + b, 0);
  return out;
}

/**
 * Plans `total` models: families of about 40 models (a root, then derivatives up to 5 hops deep, a fifth of them
 * merges of 2-3 parents, some across families), and `deepLineages` lineages of DEEP + 1 models where every fifth
 * step merges in a shallow model. Each model has 5-50 contributors, mostly from its family's (or lineage's) pool of
 * accounts, the rest from everywhere: lineages share contributors, as labs do.
 */
export function planEcosystem(total: number, seed = 1, deepLineages = 4): Ecosystem {
  const rng = new Rng(seed);
  const everyone: Contributor[] = Array.from({ length: 20_000 }, (_, i) => ({
    account: `0x${keccak256(toHex(`bench-account-${i}`)).slice(26)}` as Address,
    role: i % 11,
    weightPpm: 0,
  }));
  const poolOf = (size: number) => Array.from({ length: size }, () => rng.pick(everyone));
  const contributorsOf = (pool: readonly Contributor[]) => {
    const count = rng.range(5, 50);
    const local = Math.round(count * 0.7);
    // A contributor set lists an (account, role) pair once.
    const unique = new Map<string, Contributor>();
    while (unique.size < count) {
      const c = unique.size < local ? rng.pick(pool) : rng.pick(everyone);
      unique.set(`${c.account}|${c.role}`, c);
    }
    const w = weights(rng, count);
    return [...unique.values()].map((c, k) => ({ ...c, weightPpm: w[k]! }));
  };
  const models: PlannedModel[] = [];
  const shallow: PlannedModel[] = []; // depth <= 4: may be a parent without exceeding depth 5
  const add = (key: string, parents: PlannedModel[], pool: readonly Contributor[]) => {
    const split = PARENT_SPLITS.find((s) => s.length === parents.length)!;
    const model: PlannedModel = {
      key,
      id: modelId(key),
      depth: parents.length ? 1 + Math.max(...parents.map((p) => p.depth)) : 0,
      parents: parents.map((p, i) => ({
        parentId: p.id,
        relation: i === 0 ? rng.range(0, 2) : 3,
        weightPpm: split[i]!,
      })),
      upstreamPpm: parents.length ? rng.range(10, 30) * 10_000 : 0,
      terms: { derivativesAllowed: true, minDerivativePpm: rng.pick(MIN_DERIVATIVE) },
      contributors: contributorsOf(pool),
    };
    models.push(model);
    return model;
  };

  const deepCount = deepLineages * (DEEP + 1);
  for (let family = 0; models.length < total - deepCount; family++) {
    const pool = poolOf(60);
    const members = [add(`bench:family-${family}/base`, [], pool)];
    shallow.push(members[0]!);
    const size = Math.min(rng.range(20, 60), total - deepCount - models.length + 1);
    for (let m = 1; m < size; m++) {
      const candidates = members.filter((p) => p.depth <= 4);
      // Recent models are likelier parents: lineages grow at the tip.
      const first = candidates[Math.max(0, candidates.length - 1 - rng.int(Math.min(candidates.length, 8)))]!;
      const parents = [first];
      if (rng.chance(0.2)) {
        const extra = rng.range(1, 2);
        while (parents.length < 1 + extra) {
          const other = rng.chance(0.5) ? rng.pick(candidates) : rng.pick(shallow);
          if (!parents.includes(other)) parents.push(other);
        }
      }
      const model = add(`bench:family-${family}/model-${m}`, parents, pool);
      members.push(model);
      if (model.depth <= 4) shallow.push(model);
    }
  }
  const deepModels: Hex[] = [];
  for (let lineage = 0; lineage < deepLineages; lineage++) {
    const pool = poolOf(150);
    let previous = add(`bench:deep-${lineage}/step-0`, [], pool);
    for (let step = 1; step <= DEEP; step++) {
      const parents = [previous];
      if (step % 5 === 0) parents.push(rng.pick(shallow.filter((m) => m.depth < step)));
      previous = add(`bench:deep-${lineage}/step-${step}`, parents, pool);
    }
    if (previous.depth !== DEEP) throw new Error(`deep lineage ${lineage} is ${previous.depth} deep, not ${DEEP}`);
    deepModels.push(previous.id);
  }
  // Payments: every deep model and its lineage, and a few hundred others.
  const paid = new Set<Hex>(models.filter((m) => m.key.startsWith("bench:deep-")).map((m) => m.id));
  // (Every model, in an ecosystem too small to have 300 others.)
  while (paid.size < Math.min(models.length, deepCount + 300)) paid.add(rng.pick(models).id);
  return { models, deepModels, paidModels: [...paid] };
}

/** Encodes events of one contract as raw logs, placed in synthetic blocks and transactions. */
function createLogMaker(abi: Abi) {
  const events = new Map<string, AbiEvent>();
  for (const item of abi) if (item.type === "event") events.set(item.name, item);
  let block = 100n;
  let logIndex = 0;
  let tx = 0;
  const blockHash = (n: bigint) => keccak256(toHex(`bench-block-${n}`));
  return {
    /** One transaction's logs; a block holds about 20 logs. */
    tx(entries: readonly { address: Address; name: string; args: Record<string, unknown> }[]): RpcLog[] {
      if (logIndex >= 20) {
        block += 1n;
        logIndex = 0;
      }
      const transactionHash = keccak256(toHex(`bench-tx-${tx}`));
      const logs = entries.map(({ address, name, args }): RpcLog => {
        const event = events.get(name)!;
        // Every indexed argument is given, so each topic is one word (no null, no list of alternatives).
        const topics = encodeEventTopics({ abi: [event], eventName: name, args }) as [Hex, ...Hex[]];
        const data = encodeAbiParameters(
          event.inputs.filter((i) => !i.indexed),
          event.inputs.filter((i) => !i.indexed).map((i) => args[i.name!]),
        );
        return {
          address,
          topics,
          data,
          blockNumber: block,
          blockHash: blockHash(block),
          transactionHash,
          transactionIndex: tx,
          logIndex: logIndex++,
          removed: false,
        };
      });
      tx++;
      return logs;
    },
    head: () => ({ number: block, hash: blockHash(block) }),
    /** Starts a new block: the next logs go there. */
    nextBlock() {
      block += 1n;
      logIndex = 0;
    },
  };
}

/** What a planned model's ModelRegistered event says of it (but its metadata URI and license). */
export const registration = (m: PlannedModel) => ({
  id: m.id,
  key: m.key,
  steward: STEWARD,
  upstreamPpm: m.upstreamPpm,
  parents: m.parents,
  terms: m.terms,
  weightsDigest: keccak256(toHex(m.key)),
});

export type BuildStats = { models: number; events: number; effectiveShares: number; seconds: number };

/**
 * Commits one new block of ETH payments into the built store, as the indexer commits a block: its events, the
 * derived rows they change and the checkpoint (whose trigger announces the commit to the API's cache), in one
 * transaction. Resolves with the block's number.
 */
export type BlockCommitter = (paidModels: readonly Hex[]) => Promise<bigint>;

/**
 * Writes the ecosystem into a migrated, empty store, `eventsPerCommit` events per transaction, as the indexer's
 * commit does. Progress goes to `log`. Returns the figures and a {BlockCommitter} that goes on from there (the store
 * must stay open while it is used).
 */
export async function buildStore(
  store: Store,
  abi: Abi,
  ecosystem: Ecosystem,
  log: (line: string) => void,
  eventsPerCommit = 4_000,
): Promise<{ stats: BuildStats; commitBlock: BlockCommitter }> {
  const started = performance.now();
  const maker = createLogMaker(abi);
  const mirror = createMirror();
  let events = 0;
  const commit = async (logs: RpcLog[], checkpoint?: (tx: Sql) => Promise<void>) => {
    const indexed = decodeLogs(abi, logs);
    if (indexed.length !== logs.length) throw new Error(`decodeLogs kept ${indexed.length} of ${logs.length} logs`);
    await store.transaction(async (tx) => {
      mirror.apply(indexed);
      await insertEvents(tx, indexed);
      await mirror.write(tx);
      await checkpoint?.(tx);
    });
    events += indexed.length;
  };
  const pay = (id: Hex, amount: bigint) =>
    maker.tx([
      {
        address: ROUTER,
        name: "Paid",
        args: { modelId: id, token: NATIVE_TOKEN, payer: PAYER, amount, fee: feeOf(amount, BigInt(FEE_PPM)) },
      },
    ])[0]!;

  let pending: RpcLog[] = maker.tx([{ address: ROUTER, name: "FeeUpdated", args: { feePpm: FEE_PPM } }]);
  let lastProgress = 0;
  for (const [i, m] of ecosystem.models.entries()) {
    const registered = { ...registration(m), metadataURI: `ipfs://bench/${i}`, license: "Apache-2.0" };
    const set = { id: m.id, epoch: 0, root: contributorTree(m.contributors).root, contributors: m.contributors };
    pending.push(
      ...maker.tx([
        { address: REGISTRY, name: "ModelRegistered", args: registered },
        { address: REGISTRY, name: "ContributorsSet", args: set },
      ]),
    );
    if (pending.length >= eventsPerCommit || i === ecosystem.models.length - 1) {
      await commit(pending);
      pending = [];
      if (performance.now() - lastProgress > 2_000 || i === ecosystem.models.length - 1) {
        lastProgress = performance.now();
        log(`  ${i + 1} models registered (${((performance.now() - started) / 1000).toFixed(1)} s)`);
      }
    }
  }

  // Payments in ETH, then a propagation of each paid model (children first), so totals, balances and the
  // simulation's replay have a token history. Amounts come from the engine, as the router would compute them.
  const rng = new Rng(7);
  const payments = ecosystem.paidModels.map((id, k) => pay(id, BigInt(rng.range(1, 1_000)) * 10n ** 15n + BigInt(k)));
  await commit(payments);
  const what = mirror.ledger().clone();
  const order = new Map(ecosystem.models.map((m, i) => [m.id, i]));
  const propagations = [...ecosystem.paidModels]
    .sort((a, b) => order.get(b)! - order.get(a)!)
    .flatMap((id) => {
      const amount = what.pendingUpstream(id, NATIVE_TOKEN);
      if (amount === 0n) return [];
      const pushedTotal = what.modelBalance(id, NATIVE_TOKEN).upstream;
      const event = { modelId: id, token: NATIVE_TOKEN, amount, pushedTotal };
      what.apply({ type: "Propagated", ...event });
      return maker.tx([{ address: ROUTER, name: "Propagated", args: event }]);
    });
  await commit(propagations);

  const head = maker.head();
  await store.query(
    `INSERT INTO indexer_checkpoint (id, chain_id, block_number, block_hash, block_timestamp, finalized_block, backfill_done, registry, router)
     VALUES (1, $1, $2, $3, $4, $2, true, $5, $6)`,
    [CHAIN_ID, head.number.toString(), head.hash, Math.floor(Date.now() / 1000), REGISTRY, ROUTER],
  );
  const [shares] = await store.query<{ count: string }>("SELECT count(*) AS count FROM effective_shares");
  const stats = {
    models: ecosystem.models.length,
    events,
    effectiveShares: Number(shares!.count),
    seconds: (performance.now() - started) / 1000,
  };
  const commitBlock: BlockCommitter = async (paidModels) => {
    maker.nextBlock();
    const logs = paidModels.map((id) => pay(id, BigInt(rng.range(1, 1_000)) * 10n ** 15n));
    const { number, hash } = maker.head();
    await commit(logs, (tx) =>
      tx
        .query(
          "UPDATE indexer_checkpoint SET block_number = $1, block_hash = $2, block_timestamp = $3, finalized_block = $1 WHERE id = 1",
          [number.toString(), hash, Math.floor(Date.now() / 1000)],
        )
        .then(() => undefined),
    );
    return number;
  };
  return { stats, commitBlock };
}
