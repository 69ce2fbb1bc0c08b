import { getAddress, isAddress, isHex, type Address, type Hex } from "viem";

import { MAX_CONTRIBUTORS, MAX_PARENTS, PPM } from "../core/constants.js";
import { canonicalKey } from "../core/canonicalKey.js";
import {
  InvalidContributorsError,
  InvalidModelKeyError,
  InvalidPercentError,
  type ContributorsProblem,
  type ParentsProblem,
} from "../core/errors.js";
import { formatPercent, parsePercent } from "../core/percent.js";
import type { Contributor } from "../core/types.js";
import { validateContributors } from "../core/validateContributors.js";
import { validateKey } from "../core/validateKey.js";
import { rewordError } from "../internal/rewordError.js";
import { parseRelation, parseRole } from "./enumNames.js";
import { validateParentKeys } from "./registrationParts.js";
import { CliError } from "./shared.js";

/** A percentage given on the command line, in ppm; `what` names it in the one-line error ("--upstream"). */
export const percentFlag = (text: string, what: string): number =>
  rewordError(
    InvalidPercentError,
    () => parsePercent(text, what),
    ({ message }) => {
      throw new CliError(message);
    },
  );

/**
 * `--parent KEY:RELATION[:WEIGHT%]`: keys hold colons themselves (`hf:org/name`), so it is read from the right. The key
 * is made canonical (`HF:Org/Name` is `hf:org/name`) and checked.
 */
export function parseParentFlag(text: string): { key: string; relation: number; weightPpm: number | undefined } {
  const parts = text.split(":");
  const weightPpm = parts.at(-1)?.trim().endsWith("%")
    ? percentFlag(parts.pop()!, `--parent ${text}: the weight`)
    : undefined;
  const relation = parts.pop();
  const key = canonicalKey(parts.join(":"));
  if (!key || !relation) {
    throw new CliError(`--parent "${text}" must be KEY:RELATION:WEIGHT%, like --parent hf:org/base:finetune:100%.`);
  }
  rewordError(
    InvalidModelKeyError,
    () => validateKey(key),
    ({ message }) => {
      throw new CliError(`--parent "${text}": ${message}`);
    },
  );
  return { key, relation: parseRelation(relation), weightPpm };
}

/** `--contributor ACCOUNT:ROLE[:SHARE%]`. */
export function parseContributorFlag(text: string): { account: Address; role: number; weightPpm: number | undefined } {
  const [account = "", role, share, ...rest] = text.split(":");
  if (!isAddress(account) || role === undefined || rest.length > 0) {
    throw new CliError(
      `--contributor "${text}" must be ACCOUNT:ROLE:SHARE%, like --contributor 0x70997970C51812dc3A010C7d01b50e0d17dc79C8:finetuning:70%.`,
    );
  }
  return {
    account: getAddress(account),
    role: parseRole(role),
    weightPpm: share === undefined ? undefined : percentFlag(share, `--contributor ${text}: the share`),
  };
}

/** Weights given for all entries, or for none when there is exactly one (then it is 100%). */
function completeWeights<T extends { weightPpm: number | undefined }>(entries: T[], flag: string) {
  if (entries.length === 1 && entries[0]!.weightPpm === undefined) return [{ ...entries[0]!, weightPpm: Number(PPM) }];
  if (entries.some((entry) => entry.weightPpm === undefined)) {
    throw new CliError(`give every ${flag} its share (like :50%) when there are several.`);
  }
  return entries.map((entry) => ({ ...entry, weightPpm: entry.weightPpm! }));
}

/** The refusals both kinds of flag word alike: a zero share, and shares that do not add up to 100%. */
function sharesError(problem: ParentsProblem | ContributorsProblem, what: string, flag: string): void {
  if (problem.kind === "weight") throw new CliError(`every ${flag} share must be above 0%.`);
  if (problem.kind === "sum")
    throw new CliError(`the ${what} shares add up to ${formatPercent(problem.sum)}, not 100%: fix the ${flag} shares.`);
}

/** `--parent` flags, checked like the registry checks parents. */
export function parentsFromFlags(flags: readonly string[]) {
  const parents = completeWeights(flags.map(parseParentFlag), "--parent");
  validateParentKeys(parents, (error) => {
    const { problem } = error;
    sharesError(problem, "parent", "--parent");
    if (problem.kind === "count")
      throw new CliError(`${problem.count} --parent flags: a model has at most ${MAX_PARENTS} parents.`);
    if (problem.kind === "duplicate")
      throw new CliError(`--parent ${problem.id} is given twice: list each parent once.`);
    throw error;
  });
  return parents;
}

/** `--contributor` flags, checked like the registry checks a contributor set (an account may repeat). */
export function contributorsFromFlags(flags: readonly string[]): Contributor[] {
  const contributors = completeWeights(flags.map(parseContributorFlag), "--contributor");
  rewordError(
    InvalidContributorsError,
    () => validateContributors({ contributors }),
    (error) => {
      const { problem } = error;
      sharesError(problem, "contributor", "--contributor");
      if (problem.kind === "count")
        throw new CliError(`${problem.count} --contributor flags: a model has 1 to ${MAX_CONTRIBUTORS} contributors.`);
      throw error;
    },
  );
  return contributors;
}

export function addressFlag(value: string, flag: string): Address {
  if (!isAddress(value)) throw new CliError(`${flag} must be an address (0x and 40 hex digits), not "${value}".`);
  return getAddress(value);
}

export function digestFlag(value: string): Hex {
  if (!isHex(value) || value.length !== 66) {
    throw new CliError(
      `--weights-digest must be 32 bytes of hex (0x and 64 hex digits), like a sha256, not "${value}".`,
    );
  }
  return value.toLowerCase() as Hex;
}
