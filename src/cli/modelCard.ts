import { readFile } from "node:fs/promises";
import { zeroHash, type Address, type Hex } from "viem";

import { canonicalKey } from "../core/canonicalKey.js";
import { MAX_CONTRIBUTORS, MAX_PARENTS, PPM, Relation } from "../core/constants.js";
import { InvalidContributorsError } from "../core/errors.js";
import type { Contributor, Terms } from "../core/types.js";
import { validateContributors } from "../core/validateContributors.js";
import { rewordError } from "../internal/rewordError.js";
import { spdxOfHfLicense } from "./hfLicense.js";
import type { RegistrationManifest } from "./manifest.js";
import {
  fieldError,
  fieldOf,
  readAddress,
  readDigest,
  readKey,
  readList,
  readObject,
  readPercent,
  readRelation,
  readString,
  type FieldContext,
} from "./manifestFields.js";
import { findMergekitConfig } from "./mergekitConfig.js";
import { splitModelCard } from "./modelCardFrontMatter.js";
import { formatPercent } from "../core/percent.js";
import { equalWeightsPpm, normalizeWeightsPpm } from "./ppmWeights.js";
import {
  DEFAULT_TERMS,
  readContributors,
  readTerms,
  readUpstream,
  rewordUpstream,
  validateParentKeys,
  weightsSumError,
} from "./registrationParts.js";
import { CliError } from "./shared.js";

export type ModelCardImport = {
  manifest: RegistrationManifest;
  /** What was inferred or assumed, one line each, for the CLI to print (e.g. "license llama3.1 -> LicenseRef-Llama-3.1-Community"). */
  notes: string[];
  /**
   * The Stemma keys of the card's `base_model` entries (`hf:<repo id>`, canonical), in parent order: the CLI checks which are
   * registered and offers placeholders for the others.
   */
  parentKeys: string[];
};

/**
 * What `stemma register --from-model-card` flags can supply or override, already parsed (ppm, enum numbers,
 * checksummed addresses): the fields of a `Partial<RegistrationManifest>`, so the flags' partial manifest can be
 * passed as it is. Each wins over the card's `stemma:` section, which wins over what the card implies.
 */
export type ModelCardOverrides = {
  /** --key: the model's Stemma key, when the card does not say its repository. */
  key?: string | undefined;
  /** --steward */
  steward?: Address | undefined;
  /** --upstream */
  upstreamPpm?: number | undefined;
  /** --contributor (repeated); weights sum to 1,000,000. */
  contributors?: Contributor[] | undefined;
  /** --parent (repeated): replaces the card's parents entirely, relations and weights included. */
  parents?: RegistrationManifest["parents"] | undefined;
  /** --license: an SPDX identifier, used as given. */
  license?: string | undefined;
  /** --metadata-uri */
  metadataURI?: string | undefined;
  /** --terms */
  terms?: Terms | undefined;
  /** --weights-digest */
  weightsDigest?: Hex | undefined;
};

/** The fields of a card's `stemma:` section: a manifest's, with parents replaced by `base_model` and these two. */
const STEMMA_FIELDS = [
  "key",
  "steward",
  "upstream",
  "contributors",
  "terms",
  "license",
  "metadataURI",
  "weightsDigest",
  "relation",
  "parentWeights",
] as const;

const HOW_TO_ADD_CONTRIBUTORS =
  'pass --contributor 0xabc...:finetuning:100% (repeat it for each contributor) or add a "stemma:" section to the ' +
  'front matter with contributors: [{ account: "0x...", role: finetuning, weight: "100%" }]';

/** Names and tags that mark quantized builds: formats (GGUF, GPTQ, AWQ, EXL2, MLX 4bit, ...) and bit widths. */
const QUANTIZED_PATTERN =
  /(?:^|[^a-z0-9])(gguf|ggml|gptq|awq|exl2|exl3|hqq|aqlm|bnb|bitsandbytes|nf4|(?:nv|mx)?fp[48]|int[48]|\d+-?bits?|\d+(?:\.\d+)?bpw|q[2-8]_k(?:_[sml])?|q[48]_0|quantized)(?:$|[^a-z0-9])/i;

/** Tags that mark a merge whose other inputs are not on the hub (mergekit lists only hub models in base_model). */
const MERGE_TAGS = new Set(["mergekit", "merge"]);

/** Tags that mark an adapter (PEFT, LoRA). */
const ADAPTER_TAGS = new Set(["peft", "lora", "qlora", "adapter", "adapters"]);

/**
 * Reads a Hugging Face model card (README.md with YAML front matter) into a registration.
 *
 * Parents come from `base_model` (as canonical `hf:<repo id>` keys: `meta-llama/Llama-3.1-8B` is
 * `hf:meta-llama/llama-3.1-8b`, since hub ids are case-insensitive; so is the model's own key); the relation from `base_model_relation` or, when missing,
 * from the card (several bases: merge; PEFT/LoRA: adapter; GGUF/GPTQ/AWQ/...: quantized; otherwise finetune); merge
 * weights from a mergekit configuration block when it weights every parent, otherwise equal; the license as SPDX;
 * contributors, upstream share and terms from the card's `stemma:` section or `overrides`.
 *
 * @throws {CliError} one line naming what is missing or wrong and how to give it.
 * @example
 * import { importModelCard } from "./modelCard.js";
 * const { manifest, notes } = importModelCard(readme, "README.md", { key: "hf:me/my-model-gguf" });
 */
export function importModelCard(text: string, source: string, overrides: ModelCardOverrides = {}): ModelCardImport {
  const { frontMatter, body } = splitModelCard(text, source);
  const card: FieldContext = { source, path: "" };
  const at = (name: string) => fieldOf(card, name);
  const stemmaContext = at("stemma");
  const stemma = frontMatter.stemma === undefined ? {} : readObject(frontMatter.stemma, stemmaContext, STEMMA_FIELDS);
  const inStemma = (name: string) => fieldOf(stemmaContext, name);
  const notes: string[] = [];

  const name = modelName(frontMatter, body, card);
  const key = keyOf(overrides, stemma, frontMatter, name, source, notes);
  const tags = stringsOf(frontMatter.tags);

  let parents: RegistrationManifest["parents"];
  if (overrides.parents !== undefined) {
    parents = checkedParents(overrides.parents, { source, path: "--parent" });
    if (frontMatter.base_model !== undefined) notes.push("parents from --parent: the card's base_model is not used");
  } else {
    const bases = baseModelsOf(frontMatter.base_model, at("base_model"), notes);
    const mergekit = findMergekitConfig(body);
    // mergekit merges local checkpoints too; only hub models can be parents (its own card lists only those).
    const merged = mergekit?.models.map((model) => bareRepoId(model.model)) ?? [];
    const local = merged.filter((model) => !REPO_ID.test(model));
    if (local.length > 0)
      notes.push(`the mergekit configuration also merges ${local.join(", ")}: not a hub model, so not a parent`);
    if (bases.length === 0 && merged.length > local.length) {
      bases.push(...merged.filter((model) => REPO_ID.test(model)));
      notes.push(`parents from the mergekit configuration (the front matter has no base_model): ${bases.join(", ")}`);
    }
    const keys = bases.map((base) => readKey(`hf:${base}`, at("base_model")));
    const relation = relationOf(stemma, frontMatter, { bases, tags, name, key }, card, notes);
    const weights = parentWeightsOf(stemma, bases, relation, mergekit, card, notes);
    parents = keys.map((parentKey, index) => ({ key: parentKey, relation, weightPpm: weights[index]! }));
    checkBaseModels(parents, card);
  }
  const parentKeys = parents.map((parent) => parent.key);

  const contributors = contributorsOf(overrides, stemma, card);
  const upstreamPpm =
    overrides.upstreamPpm !== undefined
      ? checkedUpstream(overrides.upstreamPpm, parents.length, { source, path: "--upstream" })
      : readUpstream(
          stemma.upstream,
          parents.length,
          inStemma("upstream"),
          'pass --upstream 20% or add "upstream: 20%" to the front matter\'s stemma: section',
        );

  let terms = overrides.terms;
  if (terms === undefined && stemma.terms !== undefined) terms = readTerms(stemma.terms, inStemma("terms"));
  if (terms === undefined) {
    terms = { ...DEFAULT_TERMS };
    notes.push("terms: derivatives allowed with no minimum share (the default; add terms: to the stemma: section)");
  }

  const license = licenseOf(overrides, stemma, frontMatter, card, notes);
  const datasets = stringsOf(frontMatter.datasets);
  if (datasets.length > 0)
    notes.push(`datasets ${datasets.join(", ")}: not recorded on chain (describe them in the metadataURI document)`);

  let metadataURI = overrides.metadataURI;
  if (metadataURI === undefined && stemma.metadataURI !== undefined)
    metadataURI = readString(stemma.metadataURI, inStemma("metadataURI"), '"ipfs://..."');
  if (metadataURI === undefined) {
    metadataURI = "";
    notes.push("metadataURI: none (pass --metadata-uri to point at the card or a metadata document)");
  }

  const manifest: RegistrationManifest = {
    key,
    upstreamPpm,
    parents,
    contributors,
    terms,
    license,
    metadataURI,
    weightsDigest:
      overrides.weightsDigest ??
      (stemma.weightsDigest === undefined ? zeroHash : readDigest(stemma.weightsDigest, inStemma("weightsDigest"))),
  };
  const steward =
    overrides.steward ?? (stemma.steward === undefined ? undefined : readAddress(stemma.steward, inStemma("steward")));
  if (steward !== undefined) manifest.steward = steward;
  return { manifest, notes, parentKeys };
}

/** Reads a model card file (a README.md) and imports it; see `importModelCard`. */
export async function readModelCard(path: string, overrides?: ModelCardOverrides): Promise<ModelCardImport> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason =
      code === "ENOENT" ? "no such file" : code === "EISDIR" ? "it is a folder (give its README.md)" : String(error);
    throw new CliError(`cannot read model card ${path}: ${reason}.`);
  }
  return importModelCard(text, path, overrides);
}

/** The strings of a field that may be one string or a list of them (tags, datasets). */
function stringsOf(value: unknown): string[] {
  if (typeof value === "string") return [value];
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === "string") : [];
}

/** The model's name as the card gives it: `model_name`, else the first `# ` heading outside code blocks. */
function modelName(frontMatter: Record<string, unknown>, body: string, card: FieldContext): string | undefined {
  if (frontMatter.model_name !== undefined)
    return readString(frontMatter.model_name, fieldOf(card, "model_name"), '"org/name"').trim();
  const prose = body.replace(/^```[\s\S]*?^```/gm, "");
  return /^#[ \t]+(.+?)[ \t#]*$/m.exec(prose)?.[1];
}

/** A Hugging Face repo id: `org/name` (or a legacy bare `name`), letters, digits, `-`, `_`, `.`; maybe `@revision`. */
const REPO_ID = /^(?:[A-Za-z0-9][\w.-]*\/)?[A-Za-z0-9][\w.-]*(?:@[\w.-]+)?$/;
/** Where the Hugging Face hub cache keeps a card: `models--<org>--<name>/snapshots/<commit>/README.md`. */
const HUB_CACHE_PATH = /models--([\w.-]+?)--([\w.-]+)[/\\]snapshots[/\\][0-9a-f]+[/\\][^/\\]+$/i;

function keyOf(
  overrides: ModelCardOverrides,
  stemma: Record<string, unknown>,
  frontMatter: Record<string, unknown>,
  name: string | undefined,
  source: string,
  notes: string[],
): string {
  if (overrides.key !== undefined) return readKey(overrides.key, { source, path: "--key" });
  if (stemma.key !== undefined) return readKey(stemma.key, { source, path: "stemma.key" });
  const cached = HUB_CACHE_PATH.exec(source);
  if (cached) {
    const key = canonicalKey(`hf:${cached[1]}/${cached[2]}`);
    notes.push(`key ${key} from the Hugging Face cache folder`);
    return key;
  }
  if (name !== undefined && name.includes("/") && REPO_ID.test(name)) {
    const key = canonicalKey(`hf:${name}`);
    notes.push(`key ${key} from the card's ${frontMatter.model_name === undefined ? "title" : "model_name"}`);
    return key;
  }
  const called = name === undefined ? "" : ` (it calls the model "${name}")`;
  throw new CliError(
    `${source}: the card does not say which repository it belongs to${called}: pass --key hf:<org>/<name> ` +
      'or add "key: hf:<org>/<name>" to the front matter\'s stemma: section.',
  );
}

/** `base_model` (one repo id or a list) as repo ids, duplicates (in any case: hub ids are case-insensitive) dropped with a note. */
function baseModelsOf(value: unknown, context: FieldContext, notes: string[]): string[] {
  if (value === undefined || value === null) return [];
  const single = typeof value === "string";
  const list = single ? [value] : readList(value, context);
  const bases: string[] = [];
  list.forEach((item, index) => {
    const at = single ? context : fieldOf(context, index);
    const base = repoIdOf(readString(item, at, '"org/name"'), at);
    if (bases.some((known) => sameRepo(known, base))) notes.push(`base_model ${base} is listed twice: counted once`);
    else bases.push(base);
  });
  return bases;
}

/** A model reference as a bare repo id: hub URLs and `hf:` keys are accepted too. */
const bareRepoId = (text: string): string =>
  text
    .trim()
    .replace(/^hf:/i, "")
    .replace(/^https?:\/\/(?:www\.)?huggingface\.co\//, "")
    .replace(/\/+$/, "");

/** Whether two hub repo ids name one repository (hub ids are case-insensitive). */
function sameRepo(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

function repoIdOf(text: string, context: FieldContext): string {
  const repo = bareRepoId(text);
  if (!REPO_ID.test(repo))
    fieldError(
      context,
      `"${text}" is not a Hugging Face repo id (org/name): fix the card or register with a manifest.`,
    );
  return repo;
}

function relationOf(
  stemma: Record<string, unknown>,
  frontMatter: Record<string, unknown>,
  model: { bases: string[]; tags: string[]; name: string | undefined; key: string },
  card: FieldContext,
  notes: string[],
): number {
  if (stemma.relation !== undefined) return readRelation(stemma.relation, fieldOf(card, "stemma.relation"));
  if (frontMatter.base_model_relation !== undefined) {
    const relation = readRelation(frontMatter.base_model_relation, fieldOf(card, "base_model_relation"));
    if (model.bases.length === 0) notes.push("base_model_relation is ignored: the card has no base_model");
    return relation;
  }
  if (model.bases.length === 0) return Relation.FINETUNE;
  const inferred = (relation: keyof typeof Relation, why: string) => {
    notes.push(`relation ${relation.toLowerCase()} (no base_model_relation; ${why})`);
    return Relation[relation];
  };
  if (model.bases.length > 1) return inferred("MERGE", `${model.bases.length} base models`);
  const mergeTag = model.tags.find((tag) => MERGE_TAGS.has(tag.toLowerCase()));
  if (mergeTag !== undefined) return inferred("MERGE", `tag ${mergeTag}`);
  if (typeof frontMatter.library_name === "string" && frontMatter.library_name.toLowerCase() === "peft")
    return inferred("ADAPTER", "library_name peft");
  const adapterTag = model.tags.find((tag) => ADAPTER_TAGS.has(tag.toLowerCase()));
  if (adapterTag !== undefined) return inferred("ADAPTER", `tag ${adapterTag}`);
  if (typeof frontMatter.quantized_by === "string")
    return inferred("QUANTIZED", `quantized_by ${frontMatter.quantized_by}`);
  for (const [what, text] of [
    ...model.tags.map((tag) => ["tag", tag]),
    ["name", model.name ?? ""],
    ["key", model.key],
  ] as const) {
    const marker = QUANTIZED_PATTERN.exec(text)?.[1];
    if (marker !== undefined)
      return inferred("QUANTIZED", `${what} ${what === "tag" ? text : `"${text}"`} says ${marker}`);
  }
  return inferred(
    "FINETUNE",
    "nothing says adapter, merge or quantized, so assumed; set base_model_relation or pass --parent KEY:RELATION:WEIGHT% if wrong",
  );
}

function parentWeightsOf(
  stemma: Record<string, unknown>,
  bases: string[],
  relation: number,
  mergekit: ReturnType<typeof findMergekitConfig>,
  card: FieldContext,
  notes: string[],
): number[] {
  const count = bases.length;
  if (stemma.parentWeights !== undefined) {
    const context = fieldOf(card, "stemma.parentWeights");
    const list = readList(stemma.parentWeights, context);
    return checkedParentWeights(
      list.map((weight, index) => readPercent(weight, fieldOf(context, index))),
      count,
      context,
    );
  }
  if (count <= 1) return count === 1 ? [Number(PPM)] : [];
  if (relation === Relation.MERGE && mergekit) {
    const method = mergekit.method ?? "unknown";
    const weights = bases.map(
      (base) => mergekit.models.find((model) => sameRepo(bareRepoId(model.model), base))?.weight,
    );
    const missing = bases.filter((_, index) => weights[index] === undefined);
    const normalized = missing.length === 0 ? normalizeWeightsPpm(weights as string[]) : undefined;
    if (normalized) {
      notes.push(
        `parent weights from the mergekit ${method} weights (${weights.join(", ")}), normalised: ${normalized.map(formatPercent).join(", ")}`,
      );
      return normalized;
    }
    const why =
      missing.length > 0
        ? `the mergekit ${method} configuration gives no scalar weight for ${missing.join(", ")}`
        : `the mergekit ${method} weights (${weights.join(", ")}) are not all positive`;
    return equalParentWeights(
      count,
      `${why}; set stemma.parentWeights or pass --parent KEY:RELATION:WEIGHT% per parent`,
      notes,
    );
  }
  return equalParentWeights(
    count,
    "the card gives no weights; set stemma.parentWeights or pass --parent KEY:RELATION:WEIGHT% per parent",
    notes,
  );
}

function equalParentWeights(count: number, why: string, notes: string[]): number[] {
  const weights = equalWeightsPpm(count);
  notes.push(`parent weights equal (${weights.map(formatPercent).join(", ")}): ${why}`);
  return weights;
}

function checkedParentWeights(weights: number[], count: number, context: FieldContext): number[] {
  if (weights.length !== count)
    fieldError(
      context,
      `gives ${weights.length} weights but the card has ${count} base models: give one per base_model, in order.`,
    );
  return weights;
}

/**
 * The parents made from `base_model` (no repo twice), checked like the registry: their count, and the weights
 * `stemma.parentWeights` gave (weights the card implies are always valid).
 */
function checkBaseModels(parents: RegistrationManifest["parents"], card: FieldContext): void {
  const weightsContext = fieldOf(card, "stemma.parentWeights");
  validateParentKeys(parents, (error) => {
    const { problem } = error;
    switch (problem.kind) {
      case "count":
        return fieldError(
          fieldOf(card, "base_model"),
          `lists ${problem.count} models: a model has at most ${MAX_PARENTS} parents.`,
        );
      case "weight":
        return fieldError(
          fieldOf(weightsContext, problem.index),
          "is 0%, which the registry refuses: give every parent a share.",
        );
      case "sum":
        return weightsSumError(weightsContext, problem.sum, "parent weights");
      default:
        throw error;
    }
  });
}

function contributorsOf(
  overrides: ModelCardOverrides,
  stemma: Record<string, unknown>,
  card: FieldContext,
): Contributor[] {
  if (overrides.contributors !== undefined) {
    const context = { source: card.source, path: "--contributor" };
    const { contributors } = overrides;
    rewordError(
      InvalidContributorsError,
      () => validateContributors({ contributors }),
      (error) => {
        const { problem } = error;
        if (problem.kind === "count")
          fieldError(context, `gives ${problem.count} contributors: a model has 1 to ${MAX_CONTRIBUTORS}.`);
        if (problem.kind === "sum") weightsSumError(context, problem.sum, "--contributor weights");
        throw error;
      },
    );
    return contributors;
  }
  if (stemma.contributors !== undefined)
    return readContributors(stemma.contributors, fieldOf(card, "stemma.contributors"));
  throw new CliError(`${card.source}: the card names no contributors: ${HOW_TO_ADD_CONTRIBUTORS}.`);
}

/** Parents given whole by flags: within the registry's limits, each once, weights summing to 100%. */
function checkedParents(
  parents: RegistrationManifest["parents"],
  context: FieldContext,
): RegistrationManifest["parents"] {
  validateParentKeys(parents, (error) => {
    const { problem } = error;
    if (problem.kind === "count")
      fieldError(context, `gives ${problem.count} parents: a model has at most ${MAX_PARENTS}.`);
    if (problem.kind === "duplicate") fieldError(context, `gives ${problem.id} twice: list each parent once.`);
    if (problem.kind === "sum") weightsSumError(context, problem.sum, "--parent weights");
    throw error;
  });
  return parents;
}

function checkedUpstream(upstreamPpm: number, parentCount: number, context: FieldContext): number {
  rewordUpstream(upstreamPpm, parentCount, () =>
    fieldError(context, `is ${formatPercent(upstreamPpm)} but the card has no base_model: leave it out or make it 0%.`),
  );
  return upstreamPpm;
}

function licenseOf(
  overrides: ModelCardOverrides,
  stemma: Record<string, unknown>,
  frontMatter: Record<string, unknown>,
  card: FieldContext,
  notes: string[],
): string {
  if (overrides.license !== undefined) return overrides.license;
  if (stemma.license !== undefined) return readString(stemma.license, fieldOf(card, "stemma.license"), '"Apache-2.0"');
  const license =
    frontMatter.license === undefined
      ? undefined
      : readString(frontMatter.license, fieldOf(card, "license"), "apache-2.0");
  const licenseName =
    frontMatter.license_name === undefined
      ? undefined
      : readString(frontMatter.license_name, fieldOf(card, "license_name"), "my-license");
  const { spdx, note } = spdxOfHfLicense(license, licenseName);
  if (note !== undefined) notes.push(note);
  return spdx;
}
