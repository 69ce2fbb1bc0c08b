import { feeOf, keptOf, sliceOf, upstreamOf } from "./math.js";

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
 * contributor entitlements, escrow included). It never reads the chain.
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

  /** A new contributor epoch (a new set, or the beneficiary's epoch on revocation). */
  startEpoch(id: string): number {
    return ++this.#model(id).epoch;
  }

  pay(id: string, token: string, amount: bigint): { fee: bigint; net: bigint } {
    const fee = feeOf(amount, this.#feePpm);
    this.#fees.set(key(token), this.fees(token) + fee);
    this.#arrive(id, token, amount - fee);
    return { fee, net: amount - fee };
  }

  /** One hop; returns what left the model and what each parent got. */
  propagate(id: string, token: string): { amount: bigint; shares: bigint[] } {
    const model = this.#model(id);
    const upstream = this.upstream(id, token);
    const pushed = model.pushed.get(key(token)) ?? 0n;
    model.pushed.set(key(token), upstream);
    let cumulative = 0n;
    const shares = model.parents.map(({ parentId, weightPpm }) => {
      const weight = BigInt(weightPpm);
      const share = sliceOf(upstream, cumulative, weight) - sliceOf(pushed, cumulative, weight);
      cumulative += weight;
      if (share !== 0n) this.#arrive(parentId, token, share);
      return share;
    });
    return { amount: upstream - pushed, shares };
  }

  /** A revoked model's not-yet-pushed upstream, paid to its beneficiary. */
  sweepUpstream(id: string, token: string): bigint {
    const model = this.#model(id);
    const amount = this.pendingUpstream(id, token);
    model.pushed.set(key(token), this.upstream(id, token));
    return amount;
  }

  /** A claim or sweep of one entry: its slice of its epoch's kept amount, less what it had before. */
  settle(id: string, token: string, epoch: number, cumulativeBefore: number, weightPpm: number): bigint {
    const owed = sliceOf(this.keptInEpoch(id, token, epoch), BigInt(cumulativeBefore), BigInt(weightPpm));
    const entry = key(id, token, epoch, cumulativeBefore);
    const already = this.#claimed.get(entry) ?? 0n;
    this.#claimed.set(entry, owed > already ? owed : already);
    return owed > already ? owed - already : 0n;
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
