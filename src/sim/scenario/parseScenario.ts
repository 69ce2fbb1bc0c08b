import { getAddress, isAddress, keccak256, parseUnits, toHex, type Address } from "viem";
import { parse as parseYaml } from "yaml";

import { MAX_CONTRIBUTORS, MAX_PARENTS, PPM, Relation, Role } from "../../core/constants.js";
import { InvalidContributorsError, InvalidParentsError, InvalidUpstreamError } from "../../core/errors.js";
import { validateContributors } from "../../core/validateContributors.js";
import { canonicalKey } from "../../core/canonicalKey.js";
import { validateKey } from "../../core/validateKey.js";
import { validateParents } from "../../core/validateParents.js";
import { validateUpstream } from "../../core/validateUpstream.js";
import { rewordError } from "../../internal/rewordError.js";
import { createRandom, type Random } from "../random.js";
import { applyPolicy } from "./applyPolicy.js";
import {
  readAmount,
  readBoolean,
  readEnum,
  readInteger,
  readList,
  readNames,
  readNumber,
  readObject,
  readPercent,
  readString,
  type Fields,
} from "./fields.js";
import { ScenarioError } from "./scenarioError.js";
import type {
  AmountDistribution,
  KeeperPolicy,
  Policy,
  RevenueStream,
  Scenario,
  SimContributor,
  SimModel,
  SimParent,
  SimToken,
} from "./types.js";

const DEFAULT_TOKENS: SimToken[] = [
  { symbol: "ETH", native: true, decimals: 18, priceMicroUsd: 3_000_000_000n },
  { symbol: "TUSD", native: false, decimals: 6, priceMicroUsd: 1_000_000n },
];
const NAME = /^[A-Za-z0-9._-]{1,64}$/;
const MAX_STEPS = 100_000;
const MAX_MODELS = 2_000;

/**
 * The address a contributor label stands for: the label itself when it is an address, else 20 bytes of
 * keccak256("stemma-sim:" + label), so the same label is the same account in every model and every run.
 */
export function accountAddress(label: string): Address {
  if (isAddress(label, { strict: false })) return getAddress(label);
  return getAddress(`0x${keccak256(toHex(`stemma-sim:${label}`)).slice(-40)}`);
}

/**
 * Reads a scenario (YAML, or JSON, which YAML reads too) and checks everything a run needs before any chain starts:
 * field shapes, generators expanded with the seed, lineage and registration rules under every policy. A
 * problem throws a {ScenarioError} whose message starts with the field path.
 *
 * @param text - The file's content.
 * @param overrides - `steps` replaces `duration.steps` (the CLI's --steps).
 *
 * @example
 * import { parseScenario } from "./parseScenario.js";
 * const scenario = parseScenario(await readFile("scenarios/popular-base.yaml", "utf8"));
 * scenario.models.length; // 66
 */
export function parseScenario(text: string, overrides: { steps?: number } = {}): Scenario {
  let document: unknown;
  try {
    document = parseYaml(text, { prettyErrors: true });
  } catch (error) {
    throw new ScenarioError("", `not valid YAML or JSON: ${(error as Error).message.split("\n")[0]}`);
  }
  const root = readObject(document, "(top level)", [
    "name",
    "description",
    "seed",
    "tokens",
    "models",
    "revenue",
    "keeper",
    "duration",
    "policies",
  ]);
  const name = readString(root.name, "name");
  if (!NAME.test(name)) throw new ScenarioError("name", `"${name}" must be letters, digits, ".", "_" or "-"`);
  const description = root.description === undefined ? "" : readString(root.description, "description");
  const seed = readInteger(root.seed ?? 1, "seed", 0, 2 ** 32 - 1);
  const tokens = root.tokens === undefined ? DEFAULT_TOKENS : readTokens(root.tokens);
  const models = readModels(root.models, createRandom(seed, "lineage"));
  const groups = [...new Set(models.map((m) => m.group))];
  const revenue = readList(root.revenue, "revenue", { min: 1 }).map((item, i) =>
    readStream(item, `revenue[${i}]`, models, groups, tokens),
  );
  const keeper = readKeeper(root.keeper ?? {}, tokens);
  const duration = readObject(root.duration ?? {}, "duration", ["steps", "stepSeconds"]);
  const steps = overrides.steps ?? readInteger(duration.steps ?? 10, "duration.steps", 1, MAX_STEPS);
  const stepSeconds = readInteger(duration.stepSeconds ?? 3600, "duration.stepSeconds", 0, 10 ** 8);
  const policies =
    root.policies === undefined
      ? [{ name: "as-written", description: "", upstreamPpm: new Map(), minDerivativePpm: new Map() }]
      : readList(root.policies, "policies", { min: 1 }).map((item, i) => readPolicy(item, `policies[${i}]`));
  const policyNames = new Set<string>();
  for (const [i, policy] of policies.entries()) {
    if (policyNames.has(policy.name)) throw new ScenarioError(`policies[${i}].name`, `"${policy.name}" is used twice`);
    policyNames.add(policy.name);
  }
  const scenario: Scenario = {
    name,
    description,
    seed,
    tokens,
    models,
    groups,
    revenue,
    keeper,
    duration: { steps, stepSeconds },
    policies,
  };
  // Every policy must give a registrable lineage; applyPolicy throws naming the policy's field otherwise.
  policies.forEach((_, i) => applyPolicy(scenario, i));
  return scenario;
}

function readTokens(value: unknown): SimToken[] {
  const tokens = readList(value, "tokens", { min: 1 }).map((item, i): SimToken => {
    const path = `tokens[${i}]`;
    const fields = readObject(item, path, ["symbol", "decimals", "price"]);
    const symbol = readString(fields.symbol, `${path}.symbol`);
    if (!/^[A-Za-z0-9]{1,11}$/.test(symbol)) throw new ScenarioError(`${path}.symbol`, "use 1-11 letters or digits");
    const native = symbol === "ETH";
    const decimals = native ? 18 : readInteger(fields.decimals ?? 18, `${path}.decimals`, 0, 36);
    if (native && fields.decimals !== undefined && fields.decimals !== 18) {
      throw new ScenarioError(`${path}.decimals`, "ETH has 18 decimals");
    }
    const price = fields.price ?? 1;
    if ((typeof price !== "number" && typeof price !== "string") || !/^\d+(\.\d{1,6})?$/.test(String(price))) {
      throw new ScenarioError(`${path}.price`, `expected a USD price such as 3000 or "0.5", got ${String(price)}`);
    }
    return { symbol, native, decimals, priceMicroUsd: parseUnits(String(price), 6) };
  });
  const seen = new Set<string>();
  tokens.forEach((token, i) => {
    if (seen.has(token.symbol)) throw new ScenarioError(`tokens[${i}].symbol`, `${token.symbol} is listed twice`);
    seen.add(token.symbol);
  });
  return tokens;
}

/** `{n}` is the generated model's number (1..count), `{n%K}` cycles 1..K: "curator-{n%4}". */
function fillTemplate(template: string, n: number): string {
  return template.replace(/\{n(?:%(\d+))\}|\{n\}/g, (_match, modulus?: string) =>
    String(modulus ? ((n - 1) % Number(modulus)) + 1 : n),
  );
}

function readModels(value: unknown, random: Random): SimModel[] {
  const models: SimModel[] = [];
  const byKey = new Map<string, SimModel>();
  readList(value, "models", { min: 1 }).forEach((item, i) => {
    const path = `models[${i}]`;
    const fields = readObject(item, path, [
      "key",
      "group",
      "count",
      "upstream",
      "parents",
      "contributors",
      "terms",
      "license",
    ]);
    const count = fields.count === undefined ? null : readInteger(fields.count, `${path}.count`, 1, MAX_MODELS);
    const keyTemplate = readString(fields.key, `${path}.key`);
    if (count !== null && !/\{n(%\d+)?\}/.test(keyTemplate)) {
      throw new ScenarioError(
        `${path}.key`,
        `a generator (count: ${count}) needs {n} in its key, e.g. "org/model-{n}"`,
      );
    }
    for (let n = 1; n <= (count ?? 1); n++) {
      // Keys are written by a person: made canonical (`hf:Org/Name` is `hf:org/name`) before they are checked.
      const key = canonicalKey(count === null ? keyTemplate : fillTemplate(keyTemplate, n));
      const model = readModel(fields, path, key, n);
      if (byKey.has(model.key)) throw new ScenarioError(`${path}.key`, `the key ${model.key} is used twice`);
      byKey.set(model.key, model);
      models.push(model);
      if (models.length > MAX_MODELS) throw new ScenarioError(path, `more than ${MAX_MODELS} models`);
    }
  });
  return models;

  function readModel(fields: Fields, path: string, key: string, n: number): SimModel {
    try {
      validateKey(key);
    } catch (error) {
      throw new ScenarioError(`${path}.key`, (error as Error).message);
    }
    const parents = fields.parents === undefined ? [] : readParents(fields.parents, `${path}.parents`, key);
    const group =
      fields.group === undefined
        ? parents.length
          ? "derivatives"
          : "base"
        : readString(fields.group, `${path}.group`);
    if (!NAME.test(group))
      throw new ScenarioError(`${path}.group`, `"${group}" must be letters, digits, ".", "_" or "-"`);
    if (byKey.has(group)) throw new ScenarioError(`${path}.group`, `"${group}" is also a model key: rename the group`);
    const upstreamPpm = fields.upstream === undefined ? 0 : readPercent(fields.upstream, `${path}.upstream`);
    if (parents.length > 0 && fields.upstream === undefined) {
      throw new ScenarioError(`${path}.upstream`, `a model with parents needs an upstream share, such as "20%"`);
    }
    const upstream = { upstreamPpm, parentCount: parents.length };
    rewordError(
      InvalidUpstreamError,
      () => validateUpstream(upstream),
      (error) => {
        if (error.problem.kind !== "withoutParents") throw error;
        throw new ScenarioError(
          `${path}.upstream`,
          "a model without parents sends nothing upstream: remove it or add parents",
        );
      },
    );
    const terms = readObject(fields.terms ?? {}, `${path}.terms`, ["derivativesAllowed", "minDerivative"]);
    return {
      key,
      group,
      upstreamPpm,
      parents,
      contributors: readContributors(fields.contributors, `${path}.contributors`, n),
      terms: {
        derivativesAllowed:
          terms.derivativesAllowed === undefined
            ? true
            : readBoolean(terms.derivativesAllowed, `${path}.terms.derivativesAllowed`),
        minDerivativePpm:
          terms.minDerivative === undefined ? 0 : readPercent(terms.minDerivative, `${path}.terms.minDerivative`),
      },
      license: fields.license === undefined ? "" : readString(fields.license, `${path}.license`),
    };
  }

  /** Models a parent entry may pick from: earlier models in the named groups, or earlier models by key. */
  function candidates(names: string[], path: string): SimModel[] {
    const out: SimModel[] = [];
    for (const name of names) {
      const model = byKey.get(canonicalKey(name));
      const group = models.filter((m) => m.group === name);
      if (model) out.push(model);
      else if (group.length) out.push(...group);
      else {
        const known = [...new Set(models.map((m) => m.group))].join(", ") || "none yet";
        throw new ScenarioError(path, `no group or model "${name}" is defined before this entry (groups: ${known})`);
      }
    }
    return [...new Set(out)];
  }

  function readParents(value: unknown, path: string, childKey: string): SimParent[] {
    const entries = readList(value, path, { min: 1 }).map((item, i) => {
      const entryPath = `${path}[${i}]`;
      const fields = readObject(item, entryPath, ["from", "pick", "relation", "weight"]);
      return {
        entryPath,
        from: candidates(readNames(fields.from, `${entryPath}.from`), `${entryPath}.from`),
        pick: readInteger(fields.pick ?? 1, `${entryPath}.pick`, 1, MAX_PARENTS),
        relation: readEnum(fields.relation, `${entryPath}.relation`, Relation),
        weightPpm: fields.weight === undefined ? null : readPercent(fields.weight, `${entryPath}.weight`),
      };
    });
    const weighted = entries.filter((e) => e.weightPpm !== null).length;
    if (weighted !== 0 && weighted !== entries.length) {
      throw new ScenarioError(path, "give every entry a weight, or none (then they share 100% equally)");
    }
    const parents: SimParent[] = [];
    /** The entry each parent was picked by, to name it in errors. */
    const pickedBy: string[] = [];
    entries.forEach((entry, i) => {
      const entryPpm = entry.weightPpm ?? equalPart(Number(PPM), entries.length, i);
      const pool = entry.from.filter((m) => !parents.some((p) => p.key === m.key));
      if (pool.length < entry.pick) {
        throw new ScenarioError(
          `${entry.entryPath}.from`,
          `needs ${entry.pick} distinct parent(s) for ${childKey} but only ${pool.length} are left to pick from`,
        );
      }
      for (let k = 0; k < entry.pick; k++) {
        const [chosen] = pool.splice(random.below(pool.length), 1);
        parents.push({ key: chosen!.key, relation: entry.relation, weightPpm: equalPart(entryPpm, entry.pick, k) });
        pickedBy.push(entry.entryPath);
      }
    });
    const named = parents.map(({ key, weightPpm }) => ({ id: key, weightPpm }));
    rewordError(
      InvalidParentsError,
      () => validateParents({ parents: named }),
      (error) => {
        const { problem } = error;
        if (problem.kind === "count") throw new ScenarioError(path, `${problem.count} parents, at most ${MAX_PARENTS}`);
        if (problem.kind === "weight")
          throw new ScenarioError(`${pickedBy[problem.index]}.weight`, "leaves a parent with a 0% weight");
        if (problem.kind === "sum") throw weightsSumError(path, problem.sum);
        throw error;
      },
    );
    return parents;
  }

  function readContributors(value: unknown, path: string, n: number): SimContributor[] {
    const contributors = readList(value, path, { min: 1 }).map((item, i): SimContributor => {
      const entryPath = `${path}[${i}]`;
      const fields = readObject(item, entryPath, ["account", "role", "weight"]);
      const label = fillTemplate(readString(fields.account, `${entryPath}.account`), n);
      const roles = readNames(fields.role, `${entryPath}.role`).map((role, r) =>
        readEnum(role, Array.isArray(fields.role) ? `${entryPath}.role[${r}]` : `${entryPath}.role`, Role),
      );
      const weightPpm = readPercent(fields.weight, `${entryPath}.weight`);
      return { label, account: accountAddress(label), role: roles[random.below(roles.length)]!, weightPpm };
    });
    rewordError(
      InvalidContributorsError,
      () => validateContributors({ contributors }),
      (error) => {
        const { problem } = error;
        if (problem.kind === "count") throw new ScenarioError(path, `at most ${MAX_CONTRIBUTORS} contributors`);
        if (problem.kind === "weight")
          throw new ScenarioError(`${path}[${problem.index}].weight`, "a contributor's weight must be above 0%");
        if (problem.kind === "sum") throw weightsSumError(path, problem.sum);
        throw error;
      },
    );
    return contributors;
  }
}

/** Weights (parents' or contributors') that do not add up to 100%, with what they add up to. */
const weightsSumError = (path: string, sum: bigint) =>
  new ScenarioError(path, `the weights add up to ${Number(sum) / 10_000}%, not 100%`);

/** Part `index` of `total` split `parts` ways, the remainder going to the first part. */
function equalPart(total: number, parts: number, index: number): number {
  const part = Math.floor(total / parts);
  return index === 0 ? total - part * (parts - 1) : part;
}

/** Group names and model keys to the keys of the models they name. */
function resolveModels(names: string[], path: string, models: SimModel[], groups: string[]): string[] {
  const keys = names.flatMap((name) => {
    if (groups.includes(name)) return models.filter((m) => m.group === name).map((m) => m.key);
    const key = canonicalKey(name);
    if (models.some((m) => m.key === key)) return [key];
    throw new ScenarioError(path, `no group or model "${name}" (groups: ${groups.join(", ")})`);
  });
  return [...new Set(keys)];
}

function readStream(
  value: unknown,
  path: string,
  models: SimModel[],
  groups: string[],
  tokens: SimToken[],
): RevenueStream {
  const fields = readObject(value, path, ["models", "token", "every", "probability", "amount"]);
  const symbol = readString(fields.token, `${path}.token`);
  const token = tokens.find((t) => t.symbol === symbol);
  if (!token) {
    throw new ScenarioError(
      `${path}.token`,
      `"${symbol}" is not in tokens (${tokens.map((t) => t.symbol).join(", ")})`,
    );
  }
  return {
    models: resolveModels(readNames(fields.models, `${path}.models`), `${path}.models`, models, groups),
    token: symbol,
    every: readInteger(fields.every ?? 1, `${path}.every`, 1, MAX_STEPS),
    probabilityPpm:
      fields.probability === undefined ? Number(PPM) : readPercent(fields.probability, `${path}.probability`),
    amount: readDistribution(fields.amount, `${path}.amount`, token),
  };
}

function readDistribution(value: unknown, path: string, token: SimToken): AmountDistribution {
  const amount = (v: unknown, p: string) => readAmount(v, p, token.decimals, token.symbol);
  if (typeof value === "string" || typeof value === "number") {
    const fixed = amount(value, path);
    if (fixed === 0n) throw new ScenarioError(path, "a payment must be above 0");
    return { kind: "fixed", amount: fixed };
  }
  const fields = readObject(value, path, ["uniform", "lognormal"]);
  if (Object.keys(fields).length !== 1) {
    throw new ScenarioError(path, 'write an amount ("0.5"), or one of { uniform: ... } and { lognormal: ... }');
  }
  if (fields.uniform !== undefined) {
    const range = readObject(fields.uniform, `${path}.uniform`, ["min", "max"]);
    const min = amount(range.min, `${path}.uniform.min`);
    const max = amount(range.max, `${path}.uniform.max`);
    if (min > max) throw new ScenarioError(`${path}.uniform`, "min is above max");
    return { kind: "uniform", min, max };
  }
  const shape = readObject(fields.lognormal, `${path}.lognormal`, ["median", "sigma"]);
  const median = amount(shape.median, `${path}.lognormal.median`);
  if (median === 0n) throw new ScenarioError(`${path}.lognormal.median`, "must be above 0");
  return { kind: "lognormal", median, sigma: readNumber(shape.sigma ?? 1, `${path}.lognormal.sigma`, 0, 4) };
}

function readKeeper(value: unknown, tokens: SimToken[]): KeeperPolicy {
  const fields = readObject(value, "keeper", ["propagateEvery", "propagateThreshold", "claimEvery"]);
  const threshold = new Map<string, bigint>();
  if (fields.propagateThreshold !== undefined) {
    const path = "keeper.propagateThreshold";
    const amounts = readObject(
      fields.propagateThreshold,
      path,
      tokens.map((t) => t.symbol),
    );
    for (const token of tokens) {
      if (amounts[token.symbol] === undefined) continue;
      threshold.set(
        token.symbol,
        readAmount(amounts[token.symbol], `${path}.${token.symbol}`, token.decimals, token.symbol),
      );
    }
  }
  return {
    propagateEvery:
      fields.propagateEvery === undefined
        ? null
        : readInteger(fields.propagateEvery, "keeper.propagateEvery", 1, MAX_STEPS),
    propagateThreshold: threshold,
    claimEvery:
      fields.claimEvery === undefined ? null : readInteger(fields.claimEvery, "keeper.claimEvery", 1, MAX_STEPS),
  };
}

function readPolicy(value: unknown, path: string): Policy {
  const fields = readObject(value, path, ["name", "description", "upstream", "minDerivative"]);
  const name = readString(fields.name, `${path}.name`);
  if (!NAME.test(name)) throw new ScenarioError(`${path}.name`, `"${name}" must be letters, digits, ".", "_" or "-"`);
  const shares = (field: "upstream" | "minDerivative") => {
    const map = new Map<string, number>();
    if (fields[field] === undefined) return map;
    const entries = readObject(fields[field], `${path}.${field}`, Object.keys(fields[field] as object));
    for (const [target, share] of Object.entries(entries))
      map.set(target, readPercent(share, `${path}.${field}.${target}`));
    return map;
  };
  return {
    name,
    description: fields.description === undefined ? "" : readString(fields.description, `${path}.description`),
    upstreamPpm: shares("upstream"),
    minDerivativePpm: shares("minDerivative"),
  };
}
