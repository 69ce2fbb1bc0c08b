import type { DocumentOptions, ParseOptions, SchemaOptions } from "yaml";

/**
 * YAML options for registrations (manifest files, model-card front matter). Unquoted `0x...` stays text: YAML 1.2
 * would read an address or a digest written without quotes as a hex integer, silently losing it. Duplicate keys are
 * refused.
 */
export const REGISTRATION_YAML: ParseOptions & DocumentOptions & SchemaOptions = {
  uniqueKeys: true,
  customTags: (tags) => tags.filter((tag) => !(typeof tag === "object" && "format" in tag && tag.format === "HEX")),
};
