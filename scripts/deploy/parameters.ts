import { readFile } from "node:fs/promises";
import { isAbsolute, resolve } from "node:path";
import { isAddress } from "viem";

/** The parameters of the `Stemma` Ignition module (ignition/modules/Stemma.ts), with bigints revived. */
export type StemmaParameters = {
  allocation: { holder: string; amount: bigint }[];
  votingDelay: number;
  votingPeriod: number;
  lateQuorumVoteExtension: number;
  proposalThreshold: bigint;
  quorumPercent: number;
  timelockDelay: number;
  feePpm: number;
  disputeBond: bigint;
  attesters: string[];
  attesterThreshold: number;
  trustPeriods: { provisional: number; disputeCooldown: number; epochRenewal: number };
  allowlistOnly: boolean;
  allowedTokens: string[];
};

const REQUIRED: readonly (keyof StemmaParameters)[] = [
  "allocation",
  "votingDelay",
  "votingPeriod",
  "lateQuorumVoteExtension",
  "proposalThreshold",
  "quorumPercent",
  "timelockDelay",
  "feePpm",
  "disputeBond",
  "attesters",
  "attesterThreshold",
  "trustPeriods",
  "allowlistOnly",
  "allowedTokens",
];

/** `local` and `production` name the files in ignition/parameters/; anything else is a path to a file. */
export function parameterSetPath(parameterSet: string): string {
  if (/^[a-z]+$/.test(parameterSet)) return resolve("ignition", "parameters", `${parameterSet}.json`);
  return isAbsolute(parameterSet) ? parameterSet : resolve(parameterSet);
}

/** Ignition's JSON convention for bigints: a string of digits ending in `n`. */
const reviveBigints = (_key: string, value: unknown) =>
  typeof value === "string" && /^\d+n$/.test(value) ? BigInt(value.slice(0, -1)) : value;

/**
 * Reads a parameter set, applies `overrides` on top and checks that the result is complete, so that a deployment
 * fails before its first transaction rather than halfway. Errors name the file, the field and the fix.
 */
export async function loadStemmaParameters(
  parameterSet: string,
  overrides: Partial<StemmaParameters> = {},
): Promise<StemmaParameters> {
  const path = parameterSetPath(parameterSet);
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch {
    throw new Error(`No parameter set at ${path}: use "local", "production" or the path of a JSON file.`);
  }
  const file = JSON.parse(text, reviveBigints) as { Stemma?: Partial<StemmaParameters> };
  const parameters = { ...file.Stemma, ...overrides };
  const problem = (field: string, fix: string) => new Error(`${path}: Stemma.${field} ${fix}.`);
  for (const field of REQUIRED) {
    if (parameters[field] === undefined) {
      throw field === "allocation"
        ? problem(
            "allocation",
            'is missing: list who receives the votes token, as [{ "holder": "0x...", "amount": "1000000000000000000n" }]',
          )
        : problem(field, "is missing");
    }
  }
  const allocation = parameters.allocation ?? [];
  if (allocation.length === 0) throw problem("allocation", "is empty: name at least one holder");
  allocation.forEach(({ holder, amount }, i) => {
    if (!isAddress(holder)) throw problem(`allocation[${i}].holder`, `is not an address (${String(holder)})`);
    if (typeof amount !== "bigint" || amount <= 0n) {
      throw problem(`allocation[${i}].amount`, 'must be a positive amount in wei, written like "1000n"');
    }
  });
  return parameters as StemmaParameters;
}
