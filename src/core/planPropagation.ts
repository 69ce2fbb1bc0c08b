import type { Address, Hex } from "viem";
import type { Ledger } from "./ledger.js";
import type { ParentEdge } from "./types.js";

/** One push of a plan: the router's `Propagation` (modelId, token, parents) plus the amount the engine expects it to move. */
export type PropagationStep = {
  modelId: Hex;
  token: Address;
  /** The model's edges, as `propagate` must repeat them. */
  parents: readonly ParentEdge[];
  amount: bigint;
};

export type PlanPropagationParameters = {
  /** The tokens to plan, in this order for each model. @default every token the ledger has seen */
  tokens?: readonly Address[] | undefined;
};

/**
 * The pushes (`propagate`, or `propagateBatch` with the steps in order) that move everything pending as far up the
 * lineage as it goes: every model but the provisional (disputed and revoked ones still pay their parents), children
 * first (the reverse of registration order, in which parents always come first), each token it has upstream pending
 * in. Each push is applied to a clone of the ledger as it is planned, so what a child pushes into its parents is
 * pending for them when their turn comes. A provisional model holds its upstream (the router refuses to push it) and
 * gets no step. The ledger itself is unchanged.
 *
 * @example
 * import { planPropagation } from "./planPropagation.js";
 * const steps = planPropagation(ledger, { tokens: [NATIVE_TOKEN] });
 * // router.propagateBatch(steps.map(({ modelId, token, parents }) => ({ modelId, token, parents })))
 */
export function planPropagation(ledger: Ledger, { tokens }: PlanPropagationParameters = {}): PropagationStep[] {
  const simulated = ledger.clone();
  const steps: PropagationStep[] = [];
  for (const modelId of [...ledger.models()].reverse()) {
    const model = simulated.model(modelId);
    if (model.provisional) continue;
    for (const token of tokens ?? simulated.tokens()) {
      const amount = simulated.pendingUpstream(modelId, token);
      if (amount === 0n) continue;
      const { pushed } = simulated.modelBalance(modelId, token);
      simulated.apply({ type: "Propagated", modelId, token, amount, pushedTotal: pushed + amount });
      steps.push({ modelId, token, parents: model.parents, amount });
    }
  }
  return steps;
}
