/**
 * `stemma update <model>`: changes a model the signer stewards (contributors, terms, metadata, handing stewardship
 * on), or accepts stewardship offered to the signer. One transaction per kind of change.
 */
import { getAddress, type ContractFunctionArgs, type ContractFunctionName, type Hex } from "viem";

import { ZERO_ADDRESS } from "../core/constants.js";
import { CHAIN_HELP, parseCommand } from "./chainFlags.js";
import { readChainLedger } from "./chainLedger.js";
import { connect } from "./connect.js";
import { roleName } from "./enumNames.js";
import { resolveModel } from "./modelRef.js";
import { stdout, type Output } from "./output.js";
import { formatPercent } from "../core/percent.js";
import { addressFlag, contributorsFromFlags, digestFlag, percentFlag } from "./registrationFlags.js";
import { CliError } from "./shared.js";
import { resolveSigner } from "./signer.js";
import { sendContractCall, type ContractCall } from "./transaction.js";

export const UPDATE_HELP = `Usage: stemma update <model key|id> [flags]

Changes a model you steward. Lineage and the upstream share are fixed at registration; the rest can change:

  --contributor ACCOUNT:ROLE:P%   the new contributor set, repeatable (replaces the whole set: revenue that arrived
                                  before stays with the old set, revenue from now on goes to the new one)
  --min-derivative P%             what the model asks of future derivatives (existing ones are unaffected)
  --derivatives | --no-derivatives  allow or refuse future derivatives
  --license SPDX                  metadata; the fields not given keep their current values
  --metadata-uri URI
  --weights-digest 0xHASH
  --transfer-to ADDRESS           offer stewardship to ADDRESS (it must accept)
  --accept                        accept stewardship offered to the signer

  stemma update hf:me/model --contributor 0x70997970C51812dc3A010C7d01b50e0d17dc79C8:maintenance:100%
  stemma update hf:me/model --min-derivative 10% --license Apache-2.0

${CHAIN_HELP}
`;

export async function update(argv: string[], say: Output = stdout): Promise<number> {
  const { values, positionals } = parseCommand(argv, {
    contributor: { type: "string", multiple: true },
    "min-derivative": { type: "string" },
    derivatives: { type: "boolean" },
    "no-derivatives": { type: "boolean" },
    license: { type: "string" },
    "metadata-uri": { type: "string" },
    "weights-digest": { type: "string" },
    "transfer-to": { type: "string" },
    accept: { type: "boolean", default: false },
  });
  if (values.help) {
    say(UPDATE_HELP.trimEnd());
    return 0;
  }
  if (values.derivatives && values["no-derivatives"])
    throw new CliError("pass --derivatives or --no-derivatives, not both.");
  const contributors = values.contributor ? contributorsFromFlags(values.contributor) : undefined;
  const minDerivativePpm =
    values["min-derivative"] === undefined ? undefined : percentFlag(values["min-derivative"], "--min-derivative");
  const digest = values["weights-digest"] === undefined ? undefined : digestFlag(values["weights-digest"]);
  const transferTo =
    values["transfer-to"] === undefined ? undefined : addressFlag(values["transfer-to"], "--transfer-to");

  const context = await connect(values);
  const chain = await readChainLedger(context);
  const { id, key } = resolveModel(positionals[0], chain, "stemma update <model key|id> [flags]");
  const signer = await resolveSigner(context, values);
  const model = chain.ledger.model(id);
  const { registry, abi } = context;
  type RegistryFunction = ContractFunctionName<typeof abi.registry, "nonpayable">;
  const call = <functionName extends RegistryFunction>(
    label: string,
    functionName: functionName,
    args: ContractFunctionArgs<typeof abi.registry, "nonpayable", functionName>,
  ): ContractCall<typeof abi.registry, functionName> => ({
    label,
    address: registry,
    abi: abi.registry,
    functionName,
    args,
  });
  const calls: ContractCall<typeof abi.registry>[] = [];

  if (values.accept) {
    const pending = await context.publicClient.readContract({
      address: registry,
      abi: abi.registry,
      functionName: "pendingSteward",
      args: [id],
    });
    if (pending === ZERO_ADDRESS || getAddress(pending) !== signer.address) {
      throw new CliError(
        `${signer.address} has not been offered stewardship of ${key}: its steward must run stemma update ${key} --transfer-to ${signer.address} first.`,
      );
    }
    calls.push(call(`Accepting stewardship of ${key}`, "acceptStewardship", [id]));
  }
  const changes = contributors || minDerivativePpm !== undefined || values.derivatives || values["no-derivatives"];
  const metadataChange = values.license !== undefined || values["metadata-uri"] !== undefined || digest !== undefined;
  if (changes || metadataChange || transferTo) {
    if (model.placeholder || getAddress(model.steward) !== signer.address) {
      throw new CliError(
        `${signer.address} is not the steward of ${key} (${model.placeholder ? "an unclaimed placeholder" : model.steward} is): sign with the steward's key.`,
      );
    }
  }
  if (contributors) {
    const list = contributors.map((c) => `${c.account} ${roleName(c.role)} ${formatPercent(c.weightPpm)}`).join(", ");
    calls.push(
      call(`Setting the contributors of ${key} (a new epoch): ${list}`, "setContributors", [id, contributors]),
    );
  }
  if (minDerivativePpm !== undefined || values.derivatives || values["no-derivatives"]) {
    const terms = {
      derivativesAllowed: values["no-derivatives"] ? false : values.derivatives ? true : model.terms.derivativesAllowed,
      minDerivativePpm: minDerivativePpm ?? model.terms.minDerivativePpm,
    };
    const words = terms.derivativesAllowed
      ? `derivatives allowed, at least ${formatPercent(terms.minDerivativePpm)}`
      : "no derivatives";
    calls.push(call(`Setting the terms of ${key}: ${words}`, "setTerms", [id, terms]));
  }
  if (metadataChange) {
    const current = chain.metadata.get(id);
    const next = {
      weightsDigest: digest ?? current?.weightsDigest ?? (("0x" + "0".repeat(64)) as Hex),
      metadataURI: values["metadata-uri"] ?? current?.metadataURI ?? "",
      license: values.license ?? current?.license ?? "",
    };
    calls.push(
      call(`Setting the metadata of ${key}: license "${next.license}", URI "${next.metadataURI}"`, "setMetadata", [
        id,
        next.weightsDigest,
        next.metadataURI,
        next.license,
      ]),
    );
  }
  if (transferTo)
    calls.push(call(`Offering stewardship of ${key} to ${transferTo}`, "transferStewardship", [id, transferTo]));
  if (calls.length === 0)
    throw new CliError(`nothing to change: give at least one flag (stemma update --help lists them).`);
  for (const next of calls) await sendContractCall(context, signer, next, say, chain.keyOf);
  say(`Updated ${key}.`);
  return 0;
}
