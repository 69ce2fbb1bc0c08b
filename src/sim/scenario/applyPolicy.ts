import { canonicalKey } from "../../core/canonicalKey.js";
import { ParentTermsError } from "../../core/errors.js";
import { formatPercent } from "../../core/percent.js";
import { minUpstreamPpm, validateParentTerms } from "../../core/validateParentTerms.js";
import { rewordError } from "../../internal/rewordError.js";
import { ScenarioError } from "./scenarioError.js";
import type { Scenario, SimModel } from "./types.js";

/**
 * The ecosystem as one policy registers it: the policy's upstream shares and derivative minimums (by group name or
 * model key) replace the scenario's. Checks the registry's rules that a policy can break, so a run never reverts
 * halfway through its registrations: every parent allows derivatives, and every edge gives its parent at least the
 * parent's minimum (`upstream * weight >= minDerivative * 100%`).
 *
 * @throws {ScenarioError} naming `policies[i].upstream.<target>` (or the model) and the share that would work.
 *
 * @example
 * import { applyPolicy } from "./applyPolicy.js";
 * const models = applyPolicy(scenario, 1); // the second policy's lineage, in registration order
 */
export function applyPolicy(scenario: Scenario, policyIndex: number): SimModel[] {
  const policy = scenario.policies[policyIndex]!;
  const path = `policies[${policyIndex}]`;
  const targets = (target: string, field: string): ((model: SimModel) => boolean) => {
    if (scenario.groups.includes(target)) return (model) => model.group === target;
    const key = canonicalKey(target); // as the scenario's own keys are
    if (scenario.models.some((m) => m.key === key)) return (model) => model.key === key;
    throw new ScenarioError(
      `${path}.${field}.${target}`,
      `no group or model "${target}" (groups: ${scenario.groups.join(", ")})`,
    );
  };
  const upstream = [...policy.upstreamPpm].map(([target, ppm]) => {
    const matches = targets(target, "upstream");
    if (!scenario.models.some((m) => matches(m) && m.parents.length > 0)) {
      throw new ScenarioError(`${path}.upstream.${target}`, "these models have no parents, so no upstream share");
    }
    return { matches, ppm };
  });
  const minimums = [...policy.minDerivativePpm].map(([target, ppm]) => ({
    matches: targets(target, "minDerivative"),
    ppm,
  }));

  const models = scenario.models.map((model): SimModel => {
    let { upstreamPpm } = model;
    let { minDerivativePpm } = model.terms;
    for (const rule of upstream) if (model.parents.length > 0 && rule.matches(model)) upstreamPpm = rule.ppm;
    for (const rule of minimums) if (rule.matches(model)) minDerivativePpm = rule.ppm;
    return { ...model, upstreamPpm, terms: { ...model.terms, minDerivativePpm } };
  });

  const byKey = new Map(models.map((m) => [m.key, m]));
  const index = new Map(scenario.models.map((m, i) => [m.key, i]));
  for (const model of models) {
    for (const edge of model.parents) {
      const parent = byKey.get(edge.key)!;
      const where = `models[${index.get(model.key)}] (${model.key})`;
      const { upstreamPpm } = model;
      const check = () =>
        validateParentTerms({ parent: parent.key, terms: parent.terms, upstreamPpm, weightPpm: edge.weightPpm });
      rewordError(ParentTermsError, check, ({ problem }) => {
        if (problem.kind === "derivativesRefused")
          throw new ScenarioError(
            where,
            `its parent ${parent.key} does not allow derivatives (terms.derivativesAllowed)`,
          );
        throw new ScenarioError(
          policy.upstreamPpm.size || policy.minDerivativePpm.size ? `${path} (${policy.name})` : where,
          `${model.key} sends its parent ${parent.key} ${formatPercent(upstreamPpm)} upstream x ` +
            `${formatPercent(edge.weightPpm)} edge weight, below the parent's minimum derivative share ` +
            `${formatPercent(parent.terms.minDerivativePpm)}: raise the ${model.group} upstream share to at least ` +
            `${formatPercent(minUpstreamPpm(parent.terms, edge.weightPpm))} or lower the ${parent.group} minimum`,
        );
      });
    }
  }
  return models;
}
