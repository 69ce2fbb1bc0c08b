import { feeOf, keptOf, propagationOf, shareOf, sliceOf, upstreamOf } from "./math.js";

type ModelState = {
  upstreamPpm: bigint;
  parents: readonly { parentId: string; weightPpm: number | bigint }[];
  epoch: number;
  received: Map<string, bigint>;
  pushed: Map<string, bigint>;
  /** Kept per `${token}/${epoch}`. */
  kept: Map<string, bigint>;
};

const key = (...parts: (string | number | bigint)[]): string => parts.join("/").toLowerCase();

/**
 * The expected side of the conservation checks: replays the operations a test performs on lifetime totals, as
 * SPEC.md defines them, and says what the router still owes per token (fees + not-yet-pushed upstream + unclaimed
 * contributor entitlements, escrow included). Parents share upstream by {splitTree}; contributor entries are owed
 * their floor share while their epoch is current and their exact slice once it is closed, and what the router owes
 * counts every epoch's kept amount in full (the sum of its slices), less what was claimed. It never reads the chain.
 */
export class ExpectedLedger {
  readonly #models = new Map<string, ModelState>();
  readonly #fees = new Map<string, bigint>();
  readonly #claimed = new Map<string, bigint>();
  readonly #feePpm: bigint;

  constructor(feePpm: bigint) {
    this.#feePpm = feePpm;
  }

  addModel(id: string, upstreamPpm: number | bigint = 0n, parents: ModelState["parents"] = []): void {
    const state = { upstreamPpm: BigInt(upstreamPpm), parents, epoch: 0, received: new Map(), pushed: new Map() };
    this.#models.set(key(id), { ...state, kept: new Map() });
  }

  /**
   * A new contributor epoch (a new set, even the same list again, or the beneficiary's epoch on revocation). It
   * closes the epoch before it, whose entries are then owed their exact slices.
   */
  startEpoch(id: string): number {
    return ++this.#model(id).epoch;
  }

  pay(id: string, token: string, amount: bigint): { fee: bigint; net: bigint } {
    const fee = feeOf(amount, this.#feePpm);
    this.#fees.set(key(token), this.fees(token) + fee);
    this.#arrive(id, token, amount - fee);
    return { fee, net: amount - fee };
  }

  /** One hop; returns what left the model and what each parent got (its {splitTree} part of the growth). */
  propagate(id: string, token: string): { amount: bigint; shares: bigint[] } {
    const model = this.#model(id);
    const upstream = this.upstream(id, token);
    const pushed = model.pushed.get(key(token)) ?? 0n;
    model.pushed.set(key(token), upstream);
    if (model.parents.length === 0) return { amount: upstream - pushed, shares: [] };
    const shares = propagationOf(
      upstream,
      pushed,
      model.parents.map(({ weightPpm }) => weightPpm),
    );
    model.parents.forEach(({ parentId }, i) => {
      if (shares[i] < 0n) throw new Error(`ExpectedLedger: parent ${i} of ${id} would get ${shares[i]}`);
      if (shares[i] !== 0n) this.#arrive(parentId, token, shares[i]);
    });
    return { amount: upstream - pushed, shares };
  }

  /**
   * A claim or sweep of one entry, less what it had before. An entry of a closed epoch (a later one has started) is
   * owed its exact slice of that epoch's kept amount; one of the current epoch its floor share, which never exceeds
   * the slice it is owed once the epoch closes.
   */
  settle(id: string, token: string, epoch: number, cumulativeBefore: number, weightPpm: number): bigint {
    const owed = this.entitlement(id, token, epoch, cumulativeBefore, weightPpm);
    const entry = key(id, token, epoch, cumulativeBefore);
    const already = this.#claimed.get(entry) ?? 0n;
    if (epoch < this.#model(id).epoch && owed < already) {
      throw new Error(`ExpectedLedger: entry ${entry} was paid ${already}, more than its final slice ${owed}`);
    }
    this.#claimed.set(entry, owed > already ? owed : already);
    return owed > already ? owed - already : 0n;
  }

  /** What an entry is owed in all (claimed or not): its slice of a closed epoch, its floor share of the current one. */
  entitlement(id: string, token: string, epoch: number, cumulativeBefore: number, weightPpm: number): bigint {
    const kept = this.keptInEpoch(id, token, epoch);
    if (epoch < this.#model(id).epoch) return sliceOf(kept, BigInt(cumulativeBefore), BigInt(weightPpm));
    return shareOf(kept, weightPpm);
  }

  withdrawFees(token: string, amount: bigint): void {
    this.#fees.set(key(token), this.fees(token) - amount);
  }

  fees(token: string): bigint {
    return this.#fees.get(key(token)) ?? 0n;
  }

  received(id: string, token: string): bigint {
    return this.#model(id).received.get(key(token)) ?? 0n;
  }

  upstream(id: string, token: string): bigint {
    return upstreamOf(this.received(id, token), this.#model(id).upstreamPpm);
  }

  pendingUpstream(id: string, token: string): bigint {
    return this.upstream(id, token) - (this.#model(id).pushed.get(key(token)) ?? 0n);
  }

  keptInEpoch(id: string, token: string, epoch: number): bigint {
    return this.#model(id).kept.get(key(token, epoch)) ?? 0n;
  }

  /** Everything the router still owes in `token`: the balance it must hold. */
  owed(token: string): bigint {
    let total = this.fees(token);
    for (const [id, model] of this.#models) {
      total += this.pendingUpstream(id, token);
      for (let epoch = 0; epoch <= model.epoch; epoch++) total += this.keptInEpoch(id, token, epoch);
    }
    for (const [entry, amount] of this.#claimed) if (entry.split("/")[1] === key(token)) total -= amount;
    return total;
  }

  #arrive(id: string, token: string, amount: bigint): void {
    const model = this.#model(id);
    const before = this.received(id, token);
    const after = before + amount;
    model.received.set(key(token), after);
    const slot = key(token, model.epoch);
    const delta = keptOf(after, model.upstreamPpm) - keptOf(before, model.upstreamPpm);
    model.kept.set(slot, (model.kept.get(slot) ?? 0n) + delta);
  }

  #model(id: string): ModelState {
    const model = this.#models.get(key(id));
    if (model === undefined) throw new Error(`ExpectedLedger: unknown model ${id}`);
    return model;
  }
}
