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
  checkTrust(parameters as StemmaParameters, problem);
  return parameters as StemmaParameters;
}

/** The largest window the registry stores (uint40 seconds). */
const MAX_PERIOD = 2 ** 40 - 1;

/** The identity and token parameters, checked as the contracts would refuse them (or worse, accept them). */
function checkTrust(parameters: StemmaParameters, problem: (field: string, fix: string) => Error): void {
  const { attesters, attesterThreshold, trustPeriods, allowlistOnly, allowedTokens } = parameters;
  if (!Array.isArray(attesters)) throw problem("attesters", "must be a list of addresses (it may be empty)");
  attesters.forEach((attester, i) => {
    if (!isAddress(attester)) throw problem(`attesters[${i}]`, `is not an address (${String(attester)})`);
  });
  const max = attesters.length;
  const thresholdOk =
    Number.isInteger(attesterThreshold) && (max === 0 ? attesterThreshold === 0 : attesterThreshold >= 1);
  if (!thresholdOk || attesterThreshold > max) {
    throw problem(
      "attesterThreshold",
      max === 0 ? "must be 0 when no attester is listed" : `must be between 1 and the number of attesters (${max})`,
    );
  }
  for (const field of ["provisional", "disputeCooldown", "epochRenewal"] as const) {
    const value = (trustPeriods as Partial<StemmaParameters["trustPeriods"]>)[field];
    if (!Number.isInteger(value) || value! < 0 || value! > MAX_PERIOD) {
      throw problem(`trustPeriods.${field}`, "must be a whole number of seconds (0 or more)");
    }
  }
  if (typeof allowlistOnly !== "boolean") throw problem("allowlistOnly", "must be true or false");
  if (!Array.isArray(allowedTokens)) throw problem("allowedTokens", "must be a list of token addresses");
  allowedTokens.forEach((token, i) => {
    if (!isAddress(token)) throw problem(`allowedTokens[${i}]`, `is not an address (${String(token)})`);
  });
  if (allowlistOnly && allowedTokens.length === 0) {
    throw problem("allowedTokens", "is empty while allowlistOnly is on: no payment could be made; list at least one");
  }
}
