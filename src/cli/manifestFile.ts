import { readFile } from "node:fs/promises";
import { extname } from "node:path";
import { zeroHash } from "viem";
import { parse as parseYaml } from "yaml";

import type { RegistrationManifest } from "./manifest.js";
import {
  fieldOf,
  readAddress,
  readDigest,
  readKey,
  readObject,
  readString,
  type FieldContext,
} from "./manifestFields.js";
import { REGISTRATION_YAML } from "./registrationYaml.js";
import { DEFAULT_TERMS, readContributors, readParents, readTerms, readUpstream } from "./registrationParts.js";
import { CliError } from "./shared.js";

/** The fields a manifest may have; anything else is refused, so a typo cannot pass silently. */
export const MANIFEST_FIELDS = [
  "key",
  "steward",
  "upstream",
  "parents",
  "contributors",
  "terms",
  "license",
  "metadataURI",
  "weightsDigest",
] as const;

/**
 * Reads a registration manifest (JSON, or YAML for .yaml/.yml) and resolves it; throws CliError naming the bad field.
 *
 * @param path - The manifest file; its extension picks the parser.
 * @example
 * import { readManifestFile } from "./manifestFile.js";
 * const manifest = await readManifestFile("examples/manifest.yaml"); // { key: "hf:...", upstreamPpm: 200000, ... }
 */
export async function readManifestFile(path: string): Promise<RegistrationManifest> {
  const extension = extname(path).toLowerCase();
  if (![".json", ".yaml", ".yml"].includes(extension))
    throw new CliError(`${path}: a manifest is a .json, .yaml or .yml file (the extension picks the parser).`);
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new CliError(`cannot read manifest ${path}: ${code === "ENOENT" ? "no such file" : String(error)}.`);
  }
  let raw: unknown;
  try {
    raw = extension === ".json" ? JSON.parse(text) : parseYaml(text, REGISTRATION_YAML);
  } catch (error) {
    const reason = (error instanceof Error ? error.message : String(error)).split("\n")[0];
    throw new CliError(`${path} is not valid ${extension === ".json" ? "JSON" : "YAML"}: ${reason}`);
  }
  return resolveManifest(raw, path);
}

/**
 * The same from an already-parsed object (the CLI also builds one from flags); `source` names it in errors.
 *
 * Shares are percentages ("20%"), roles and relations names (case-insensitive); see docs/CLI.md "Manifest files".
 *
 * @example
 * import { resolveManifest } from "./manifestFile.js";
 * const manifest = resolveManifest(
 *   { key: "hf:acme/base", contributors: [{ account: "0x70997970c51812dc3a010c7d01b50e0d17dc79c8", role: "pretraining_compute", weight: "100%" }] },
 *   "flags",
 * );
 * manifest.upstreamPpm; // 0: no parents
 */
export function resolveManifest(raw: unknown, source: string): RegistrationManifest {
  const root: FieldContext = { source, path: "" };
  const entry = readObject(raw, root, MANIFEST_FIELDS);
  const at = (name: string) => fieldOf(root, name);
  if (entry.key === undefined)
    throw new CliError(`${source}: key is missing: name the model, e.g. key: "hf:org/name".`);
  if (entry.contributors === undefined)
    throw new CliError(
      `${source}: contributors is missing: list who made the model, e.g. contributors: [{ account: "0x...", role: finetuning, weight: "100%" }].`,
    );
  const parents = entry.parents === undefined ? [] : readParents(entry.parents, at("parents"));
  const manifest: RegistrationManifest = {
    key: readKey(entry.key, at("key")),
    upstreamPpm: readUpstream(entry.upstream, parents.length, at("upstream"), 'add e.g. upstream: "20%"'),
    parents,
    contributors: readContributors(entry.contributors, at("contributors")),
    terms: entry.terms === undefined ? { ...DEFAULT_TERMS } : readTerms(entry.terms, at("terms")),
    license: entry.license === undefined ? "" : readString(entry.license, at("license"), '"Apache-2.0"'),
    metadataURI:
      entry.metadataURI === undefined ? "" : readString(entry.metadataURI, at("metadataURI"), '"ipfs://..."'),
    weightsDigest: entry.weightsDigest === undefined ? zeroHash : readDigest(entry.weightsDigest, at("weightsDigest")),
  };
  if (entry.steward !== undefined) manifest.steward = readAddress(entry.steward, at("steward"));
  return manifest;
}
