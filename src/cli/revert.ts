import {
  BaseError,
  ContractFunctionRevertedError,
  decodeErrorResult,
  isAddress,
  isHex,
  keccak256,
  toHex,
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
const dateOf = (seconds: unknown) => new Date(Number(seconds) * 1000).toISOString();

/** The registry's roles by hash, for AccessControl's refusal. */
const ROLE_NAMES = new Map(
  ["DISPUTE_MANAGER_ROLE", "PLACEHOLDER_ASSIGNER_ROLE", "IDENTITY_MANAGER_ROLE", "GUARDIAN_ROLE"].map((role) => [
    keccak256(toHex(role)),
    role,
  ]),
);

/** The reverts a user meets in practice, in words, with what to do about them. */
const EXPLANATIONS: Record<string, Explain> = {
  ModelRegistryIdTaken: () =>
    "a model with this key is already registered: pick another key, or change it with stemma update",
  ModelRegistryUnknownModel: () =>
    "no model has this id: check the key (hf: keys are all lowercase; others are case-sensitive)",
  ModelRegistryUnknownParent: () =>
    "a parent is not registered: register it first, or pass --placeholders to create it as an unclaimed placeholder with this registration",
  ModelRegistryPlaceholderNotParent: () => "a placeholder created with a registration must be one of its parents",
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
  ModelRegistryDisputeCooldown: ([, until]) =>
    `a dispute on this model was dismissed recently: no new dispute before ${dateOf(until)}`,
  ModelRegistryUnknownDispute: () => "no dispute has this id: stemma show <model> names a model's open dispute",
  ModelRegistryDisputeState: ([, outcome]) =>
    `the dispute is already ${["pending", "dismissed", "upheld"][Number(outcome)] ?? "resolved"}: nothing to resolve`,
  ModelRegistryNotEnoughAttestations: ([valid, threshold]) =>
    BigInt(threshold as bigint) === 0n
      ? "no attester is appointed on this deployment: governance appoints them (setAttester) before models can be verified"
      : `${valid} attester signature(s) given, the registry needs ${threshold}: ask more attesters to run stemma attest and pass each file with --proof`,
  ModelRegistryInvalidAttestation: ([index]) =>
    `signature ${index} is malformed, not by a current attester, or out of ascending signer order: ask that attester to attest again`,
  ModelRegistryAttestationExpired: ([deadline]) =>
    `the attestation expired at ${dateOf(deadline)}: ask the attesters for a new one`,
  ModelRegistryNotAttestedSteward: ([attested, caller]) =>
    `the attestation names ${attested as string} but ${caller as string} sends the transaction: send it with the attested steward's key`,
  ModelRegistryStewardMismatch: ([, steward]) =>
    steward === "0x0000000000000000000000000000000000000000"
      ? "the model is an unclaimed placeholder: its authors claim it with stemma verify --contributor ..."
      : `the attestation does not name the model's steward ${steward as string}: a steward who is not attested claims the model instead (stemma verify --contributor ...)`,
  ModelRegistryProvisional: ([, until]) =>
    `the model is provisional until ${dateOf(until)}: its contributors cannot change before it is verified (stemma verify) or that time passes`,
  ModelRegistryNotEndable: () => "the model is not provisional, or its window has not passed yet",
  ModelRegistryLineageLocked: () =>
    "the model is no longer provisional (its funds may have moved): its lineage can no longer be corrected; claim it without --correct-lineage",
  ModelRegistryParentNotOlder: ([parentId], name) =>
    `${name(parentId as Hex)} was registered after the model: a corrected lineage names only parents registered before it, so the lineage stays acyclic`,
  AccessControlUnauthorizedAccount: ([account, role]) =>
    `${account as string} does not hold ${ROLE_NAMES.get(role as Hex) ?? "the role this needs"}: ${role === keccak256(toHex("GUARDIAN_ROLE")) ? "only guardians the DAO appointed may dismiss a dispute" : "only the DAO may do this, by proposal"}`,
  RevenueRouterUnknownModel: () =>
    "no model has this id: check the key (hf: keys are all lowercase; others are case-sensitive)",
  RevenueRouterModelFrozen: () =>
    "the model is disputed: its current epoch waits until the dispute is resolved (earlier epochs stay claimable)",
  RevenueRouterModelProvisional: () =>
    "the model is provisional: payments arrive but nothing leaves it until it is verified (stemma verify) or its window passes",
  RevenueRouterNotAccount: ([account]) =>
    `only ${account as string} may redirect its own claim: sign with its key, or claim without --to`,
  RevenueRouterTokenNotAllowed: () => "the DAO allows only listed tokens for payments: pay in an allowed token",
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
