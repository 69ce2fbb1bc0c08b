import {
  BaseError,
  ContractFunctionRevertedError,
  decodeErrorResult,
  isAddress,
  isHex,
  type Abi,
  type Hex,
} from "viem";

import { PPM } from "../core/constants.js";
import { formatPercent } from "../core/percent.js";
import { CliError } from "./shared.js";

/** What a model id stands for in messages: its key when known. */
export type NameOfModel = (id: Hex) => string;

type Explain = (args: readonly unknown[], name: NameOfModel) => string;

const percentOfPpm2 = (value: unknown) => formatPercent(BigInt(value as bigint) / PPM);

/** The reverts a user meets in practice, in words, with what to do about them. */
const EXPLANATIONS: Record<string, Explain> = {
  ModelRegistryIdTaken: () =>
    "a model with this key is already registered: pick another key, or change it with stemma update",
  ModelRegistryUnknownModel: () =>
    "no model has this id: check the key (hf: keys are all lowercase; others are case-sensitive)",
  ModelRegistryUnknownParent: () =>
    "a parent is not registered: register it first, or pass --placeholders to register it as an unclaimed placeholder",
  ModelRegistryParentRevoked: () => "a parent was revoked by the DAO: a revoked model cannot have new derivatives",
  ModelRegistryDerivativesNotAllowed: () => "a parent's terms do not allow derivatives",
  ModelRegistryParentTermsChanged: () =>
    "a parent changed its terms for derivatives after they were read: run the command again to register against its current terms",
  ModelRegistryParentTermsViolated: ([, provided, required]) =>
    `this parent would receive ${percentOfPpm2(provided)} of the revenue (upstream x its weight) but asks for at least ${percentOfPpm2(required)}: raise --upstream or its weight`,
  ModelRegistryUpstreamWithoutParents: () =>
    "a model without parents keeps everything: use --upstream 0% or name a parent",
  ModelRegistryWeightsSum: ([total]) => `the weights add up to ${formatPercent(total as bigint)}, not 100%`,
  ModelRegistryZeroWeight: () => "every weight must be above 0%",
  ModelRegistryNotSteward: ([, caller]) => `${caller} is not the model's steward: sign with the steward's key`,
  ModelRegistryNotPendingSteward: ([, caller]) =>
    `${caller} has not been offered stewardship of this model: the steward must run stemma update --transfer-to first`,
  ModelRegistryModelNotActive: ([, status]) =>
    `the model is ${["unknown", "active", "disputed", "revoked"][Number(status)] ?? "not active"}: this change needs an active model`,
  ModelRegistryWrongBond: ([, required]) => `the dispute bond is now ${required} wei: run the command again`,
  RevenueRouterUnknownModel: () =>
    "no model has this id: check the key (hf: keys are all lowercase; others are case-sensitive)",
  RevenueRouterModelFrozen: () => "the model is disputed: nothing leaves it until the DAO resolves the dispute",
  RevenueRouterModelRevoked: () => "the model was revoked: only its beneficiary can move its funds",
  RevenueRouterTokenBlocked: () => "the DAO blocked this token for payments: pay in another token",
  RevenueRouterTokenDeliveryMismatch: () =>
    "the token delivered a different amount than sent (a fee-on-transfer or rebasing token): such tokens cannot be used",
  RevenueRouterInvalidProof: () =>
    "a contributor entry is not in its epoch's set: the local view of the chain is stale, run again",
  RevenueRouterEmptyClaim: () => "nothing to claim",
  RevenueRouterParentsMismatch: () => "the parents given are not the model's registered edges",
  ERC20InsufficientBalance: () => "the payer's token balance is too low",
  ERC20InsufficientAllowance: () => "the router may not spend that much of the payer's tokens (approve it first)",
};

/** An argument as a person reads it: model ids as their keys, numbers in decimal. */
function formatArgument(value: unknown, name: NameOfModel): string {
  if (typeof value === "bigint" || typeof value === "number" || typeof value === "boolean") return String(value);
  if (typeof value === "string" && isHex(value) && value.length === 66) return name(value);
  if (typeof value === "string" && isAddress(value)) return value;
  if (typeof value === "string") return JSON.stringify(value);
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === "bigint" ? v.toString() : v));
}

/**
 * Turns a failed call or transaction into one line: the contract's custom error by name with its arguments (model
 * ids shown as keys), and for the common ones what it means and what to do. Returns null when the error is not a
 * revert (a network failure, say), so the caller can report it otherwise.
 */
export function describeRevert(error: unknown, abi: Abi, name: NameOfModel = (id) => id): CliError | null {
  if (!(error instanceof BaseError)) return null;
  const reverted = error.walk(
    (e) => e instanceof ContractFunctionRevertedError,
  ) as ContractFunctionRevertedError | null;
  let errorName: string | undefined;
  let args: readonly unknown[] = [];
  if (reverted?.data) {
    errorName = reverted.data.errorName;
    args = reverted.data.args ?? [];
  } else {
    const raw = (reverted?.raw ?? findRevertData(error)) as Hex | undefined;
    if (raw && raw.length >= 10) {
      try {
        const decoded = decodeErrorResult({ abi, data: raw });
        errorName = decoded.errorName;
        args = decoded.args ?? [];
      } catch {
        return new CliError(`the transaction reverted with an unknown error (selector ${raw.slice(0, 10)}).`);
      }
    } else if (reverted?.reason) {
      return new CliError(`the transaction reverted: ${reverted.reason}.`);
    } else if (reverted) {
      return new CliError("the transaction reverted without a reason.");
    }
  }
  if (!errorName) return null;
  const signature = `${errorName}(${args.map((a) => formatArgument(a, name)).join(", ")})`;
  const explain = EXPLANATIONS[errorName];
  return new CliError(explain ? `${signature}: ${explain(args, name)}.` : `the contract refused: ${signature}.`);
}

/** Revert data a node reported outside viem's decoded path (an estimateGas failure's `data` field, say). */
function findRevertData(error: BaseError): Hex | undefined {
  const withData = error.walk((e) => isHex((e as { data?: unknown }).data)) as { data?: Hex } | null;
  return withData?.data;
}
