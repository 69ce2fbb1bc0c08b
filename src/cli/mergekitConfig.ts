import { parse as parseYaml } from "yaml";

/** What a mergekit-generated card's "Configuration" block says about the merge. */
export type MergekitConfig = {
  /** `merge_method` (linear, ties, slerp, dare_ties, ...), if given. */
  method?: string;
  /** The config's `base_model`, if given (the reference model of task-arithmetic methods). */
  baseModel?: string;
  /**
   * Every model the config merges, in order of first appearance, with its scalar `parameters.weight` written as
   * the card wrote it (a decimal string), or undefined when it has none or a gradient (a list of weights).
   */
  models: { model: string; weight?: string }[];
};

/**
 * Finds the mergekit configuration in a model card's markdown: the first fenced ```yaml block that has a
 * `merge_method`, `models` or `slices`. Returns undefined when there is none or it does not parse (a card is prose:
 * a broken example block is no reason to refuse the card).
 */
export function findMergekitConfig(body: string): MergekitConfig | undefined {
  for (const [, code] of body.matchAll(/^```ya?ml[^\n]*\n([\s\S]*?)^```/gm)) {
    let config: unknown;
    try {
      config = parseYaml(code!);
    } catch {
      continue;
    }
    if (typeof config !== "object" || config === null || Array.isArray(config)) continue;
    const record = config as Record<string, unknown>;
    if (!("merge_method" in record) && !("models" in record) && !("slices" in record)) continue;
    return {
      ...(typeof record.merge_method === "string" && { method: record.merge_method }),
      ...(typeof record.base_model === "string" && { baseModel: record.base_model }),
      models: modelsOf(record),
    };
  }
  return undefined;
}

/** The `models:` entries, or the `slices[].sources[]` entries of a slice-based (e.g. slerp) config. */
function modelsOf(record: Record<string, unknown>): MergekitConfig["models"] {
  const entries: unknown[] = Array.isArray(record.models)
    ? record.models
    : Array.isArray(record.slices)
      ? record.slices.flatMap((slice: unknown) =>
          isRecord(slice) && Array.isArray(slice.sources) ? (slice.sources as unknown[]) : [],
        )
      : [];
  const models: MergekitConfig["models"] = [];
  for (const entry of entries) {
    if (!isRecord(entry) || typeof entry.model !== "string") continue;
    if (models.some((known) => known.model === entry.model)) continue;
    const weight = isRecord(entry.parameters) ? entry.parameters.weight : undefined;
    models.push(typeof weight === "number" ? { model: entry.model, weight: String(weight) } : { model: entry.model });
  }
  return models;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);
