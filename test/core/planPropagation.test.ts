/**
 * The propagation plan (src/core/planPropagation.ts): the pushes that move everything pending as far up as it goes,
 * children first, and nothing for a model that holds its upstream.
 */
import { expect } from "chai";
import type { Hex } from "viem";
import { planPropagation, type PropagationStep } from "../../src/core/planPropagation.js";
import { acct, createHarness, ETH, USDC, type Harness } from "./ledgerHarness.js";

/**
 * A (base) <- B (upstream 50%) <- C (upstream 50%), and X (upstream 20%) whose two parents are A and B. C and X are
 * paid 1000 in ETH, C 400 in USDC.
 */
function paidLineage(): { h: Harness; A: Hex; B: Hex; C: Hex; X: Hex } {
  const h = createHarness();
  const A = h.register("hf:org/a", [[acct(1), 1_000_000]]);
  const B = h.register("hf:org/b", [[acct(2), 1_000_000]], { upstreamPpm: 500_000, parents: [[A, 1_000_000]] });
  const C = h.register("hf:org/c", [[acct(3), 1_000_000]], { upstreamPpm: 500_000, parents: [[B, 1_000_000]] });
  const X = h.register("hf:org/x", [[acct(4), 1_000_000]], {
    parents: [
      [A, 300_000],
      [B, 700_000],
    ],
    upstreamPpm: 200_000,
  });
  h.pay(C, 1000n);
  h.pay(X, 1000n);
  h.pay(C, 400n, USDC);
  return { h, A, B, C, X };
}

/** Sends the plan's pushes, in order, as the router would emit them. */
function send(h: Harness, steps: readonly PropagationStep[]): void {
  for (const { modelId, token, amount } of steps) {
    const { pushed } = h.ledger.modelBalance(modelId, token);
    h.emit({ type: "Propagated", modelId, token, amount, pushedTotal: pushed + amount });
  }
}

const brief = (steps: readonly PropagationStep[], names: Record<Hex, string>) =>
  steps.map(({ modelId, token, amount }) => `${names[modelId]} ${token === ETH ? "ETH" : "USDC"} ${amount}`);

describe("planPropagation", () => {
  it("pushes children before parents, each token of a model in turn, with what the child's push gave the parent", () => {
    const { h, B, C, X } = paidLineage();
    const names = { [B]: "B", [C]: "C", [X]: "X" };
    const steps = planPropagation(h.ledger);
    // X: 20% of 1000; C: 50% of 1000 and of 400; B: 50% of what C (500 ETH, 200 USDC) and X (70% of 200) sent it.
    expect(brief(steps, names)).to.deep.equal(["X ETH 200", "C ETH 500", "C USDC 200", "B ETH 320", "B USDC 100"]);
    expect(steps.find((step) => step.modelId === X)!.parents).to.deep.equal(h.ledger.model(X).parents);
  });

  it("leaves the ledger as it was, and sent in order moves everything: the full-propagation prediction", () => {
    const { h, A, B, C, X } = paidLineage();
    const predicted = h.ledger.owedAfterFullPropagation(ETH);
    const steps = planPropagation(h.ledger);
    expect(h.ledger.pendingUpstream(B, ETH)).to.equal(0n);
    expect(h.ledger.pendingUpstream(C, ETH)).to.equal(500n);
    send(h, steps);
    for (const id of [A, B, C, X])
      for (const token of [ETH, USDC]) expect(h.ledger.pendingUpstream(id, token)).to.equal(0n);
    expect(h.ledger.owed(ETH)).to.deep.equal(predicted);
    expect(planPropagation(h.ledger)).to.deep.equal([]);
    h.expectConserved(ETH);
    h.expectConserved(USDC);
  });

  it("plans only the tokens asked for, in the order asked", () => {
    const { h, B, C, X } = paidLineage();
    const names = { [B]: "B", [C]: "C", [X]: "X" };
    expect(brief(planPropagation(h.ledger, { tokens: [USDC] }), names)).to.deep.equal(["C USDC 200", "B USDC 100"]);
    expect(brief(planPropagation(h.ledger, { tokens: [USDC, ETH] }), names).slice(1, 3)).to.deep.equal([
      "C USDC 200",
      "C ETH 500",
    ]);
  });

  it("pushes disputed and revoked models' upstream like any other: a dispute does not hold what parents are owed", () => {
    const { h } = paidLineage();
    const active = planPropagation(h.ledger);
    const [, , C, X] = h.ledger.models();
    h.dispute(C!);
    expect(planPropagation(h.ledger)).to.deep.equal(active);
    h.revoke(C!, acct(9));
    h.dispute(X!);
    h.revoke(X!, acct(9));
    expect(planPropagation(h.ledger)).to.deep.equal(active);
  });

  it("gives no push to a provisional model: it holds its upstream, and what it would have sent its parents", () => {
    const { h, A, B, C, X } = paidLineage();
    const P = h.register("hf:org/p", [[acct(5), 1_000_000]], {
      upstreamPpm: 500_000,
      parents: [[C, 1_000_000]],
      provisional: true,
    });
    h.pay(P, 1000n);
    const names = { [A]: "A", [B]: "B", [C]: "C", [X]: "X", [P]: "P" };
    const steps = brief(planPropagation(h.ledger, { tokens: [ETH] }), names);
    expect(steps).to.deep.equal(["X ETH 200", "C ETH 500", "B ETH 320"]);
    h.verify(P);
    expect(brief(planPropagation(h.ledger, { tokens: [ETH] }), names)).to.deep.equal([
      "P ETH 500",
      "X ETH 200",
      "C ETH 750",
      "B ETH 445",
    ]);
  });
});
