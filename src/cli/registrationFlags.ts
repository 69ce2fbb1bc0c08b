import { getAddress, isAddress, isHex, type Address, type Hex } from "viem";

import { PPM } from "../core/constants.js";
import type { Contributor } from "../core/types.js";
import { parseRelation, parseRole } from "./enumNames.js";
import { formatPercent, parsePercent } from "../core/percent.js";
import { CliError } from "./shared.js";

/** `--parent KEY:RELATION[:WEIGHT%]`: keys hold colons themselves (`hf:org/name`), so it is read from the right. */
export function parseParentFlag(text: string): { key: string; relation: number; weightPpm: number | undefined } {
  const parts = text.split(":");
  const weightPpm = parts.at(-1)?.trim().endsWith("%")
    ? parsePercent(parts.pop()!, `--parent ${text}: the weight`)
    : undefined;
  const relation = parts.pop();
  const key = parts.join(":");
  if (!key || !relation) {
    throw new CliError(`--parent "${text}" must be KEY:RELATION:WEIGHT%, like --parent hf:org/base:finetune:100%.`);
  }
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
    weightPpm: share === undefined ? undefined : parsePercent(share, `--contributor ${text}: the share`),
  };
}

/** Weights given for all entries, or for none when there is exactly one (then it is 100%); summing to 100%. */
function completeWeights<T extends { weightPpm: number | undefined }>(entries: T[], what: string, flag: string) {
  if (entries.length === 1 && entries[0]!.weightPpm === undefined) return [{ ...entries[0]!, weightPpm: Number(PPM) }];
  if (entries.some((entry) => entry.weightPpm === undefined)) {
    throw new CliError(`give every ${flag} its share (like :50%) when there are several.`);
  }
  if (entries.some((entry) => entry.weightPpm === 0)) throw new CliError(`every ${flag} share must be above 0%.`);
  const total = entries.reduce((sum, entry) => sum + entry.weightPpm!, 0);
  if (BigInt(total) !== PPM) {
    throw new CliError(`the ${what} shares add up to ${formatPercent(total)}, not 100%: fix the ${flag} shares.`);
  }
  return entries.map((entry) => ({ ...entry, weightPpm: entry.weightPpm! }));
}

export function parentsFromFlags(flags: readonly string[]) {
  return completeWeights(flags.map(parseParentFlag), "parent", "--parent");
}

export function contributorsFromFlags(flags: readonly string[]): Contributor[] {
  return completeWeights(flags.map(parseContributorFlag), "contributor", "--contributor");
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
