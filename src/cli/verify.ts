/**
 * `stemma verify <key>`: the steward's side of verified identity. Without attestations it says what the model's
 * repository must name (and, with --cards, whether it does). With the attesters' files (--proof, one per attester)
 * it submits them: `registerVerified` for a key not registered yet, `verify` when the attested steward already
 * stewards the model, `claimModel` when someone else holds it (a squatter, or an unclaimed placeholder).
 */
import type { Address, Hex } from "viem";

import { canonicalKey } from "../core/canonicalKey.js";
import { ModelStatus, ZERO_ADDRESS } from "../core/constants.js";
import { formatPercent } from "../core/percent.js";
import { modelId } from "../core/modelId.js";
import { mergeAttestations, proofOf, readAttestation, type Attestation } from "./attestation.js";
import { bindingInstructions, readCardBinding } from "./cardBinding.js";
import { CHAIN_HELP, parseCommand } from "./chainFlags.js";
import { readChainLedger } from "./chainLedger.js";
import { connect, type ChainContext } from "./connect.js";
import { identityWords, readIdentity, type Identity } from "./identity.js";
import { roleName } from "./enumNames.js";
import { stdout, type Output } from "./output.js";
import {
  checkParents,
  manifestOf,
  readModel,
  REGISTER_FLAGS,
  sendRegistration,
  type RegisterFlagValues,
} from "./register.js";
import { addressFlag, contributorsFromFlags, parentsFromFlags, percentFlag } from "./registrationFlags.js";
import { rewordUpstream } from "./registrationParts.js";
import { CliError } from "./shared.js";
import { resolveSigner, type Signer } from "./signer.js";
import { sendContractCall } from "./transaction.js";

export const VERIFY_HELP = `Usage: stemma verify <key> [--cards DIR]                        what the repository must name
       stemma verify <key> --proof FILE [--proof FILE ...] [flags]    submit the attesters' attestations

A model's authors prove they control its repository by naming their steward in it: in the model card's front
matter (stemma: { steward: "0x..." }) or in a stemma.json file next to the card. Attesters read it and sign
(stemma attest); with enough of their signatures the model is verified:
  - a key not registered yet is registered verified (registerVerified): pass the registration as stemma register
    takes it (--manifest, --from-model-card or flags; --placeholders creates missing parents in the same
    transaction); the signer must be the attested steward
  - a model the attested steward already stewards is marked verified (verify); anyone may send it
  - a model someone else holds (a provisional squatter, an unclaimed placeholder) is claimed (claimModel): the
    signer must be the attested steward and names the contributors; while the model is provisional nothing has
    moved, so the set replaces the current one and --correct-lineage may replace its lineage once

  --cards DIR          a local card folder (DIR/<org>/<name>/README.md): check what the repository names
  --proof FILE         an attestation written by stemma attest, repeatable (one per attester)
  --contributor ACCOUNT:ROLE:P%   with a claim: the contributors (repeatable), as stemma register takes them
  --correct-lineage    with a claim of a provisional model: replace its lineage with --parent and --upstream
                       (parents registered before the model only)
  Registration flags (a key not registered yet): see stemma register --help

  stemma verify hf:me/my-model --cards ./mirror
  stemma verify hf:me/my-model --proof attester1.json --proof attester2.json --manifest my-model.yaml

${CHAIN_HELP}
`;

const VERIFY_FLAGS = {
  ...REGISTER_FLAGS,
  cards: { type: "string" },
  proof: { type: "string", multiple: true },
  "correct-lineage": { type: "boolean", default: false },
} as const;

export async function verify(argv: string[], say: Output = stdout): Promise<number> {
  const { values, positionals } = parseCommand(argv, VERIFY_FLAGS);
  if (values.help) {
    say(VERIFY_HELP.trimEnd());
    return 0;
  }
  const [typed, extra] = positionals;
  if (!typed || extra !== undefined) throw new CliError("name one model: stemma verify <key> [--proof FILE ...].");
  const key = canonicalKey(typed);
  if (values.key !== undefined && canonicalKey(values.key) !== key)
    throw new CliError(`--key ${values.key} differs from the model to verify, ${key}: leave --key out.`);
  const context = await connect(values);
  const signer = await resolveSigner(context, values);
  const id = modelId(key);
  const [model, identity] = await Promise.all([readModel(context, id), readIdentity(context, id)]);
  if (!values.proof?.length) {
    await explainBinding(key, model, identity, values, signer, say);
    return 0;
  }
  const attestation = mergeAttestations(await Promise.all(values.proof.map(readAttestation)));
  await checkAttestation(context, attestation, key, identity);
  const proof = proofOf(attestation);
  const chain = await readChainLedger(context);
  const nameOf = (of: Hex) => (of === id ? key : chain.keyOf(of));
  const attested = attestation.steward;
  const signatures = `${attestation.signatures.length} attester signature${attestation.signatures.length === 1 ? "" : "s"}`;

  if (model.status === ModelStatus.NONE) {
    mustSignAs(signer, attested, "registerVerified");
    const manifest = await manifestOf({ ...values, key }, say);
    if (manifest.steward !== undefined && manifest.steward !== attested)
      throw new CliError(
        `the registration names the steward ${manifest.steward}, but the attestation ${attested}: a verified registration's steward is the attested one.`,
      );
    await sendRegistration(context, signer, manifest, { placeholders: values.placeholders, proof }, say);
    return 0;
  }
  if (model.steward === attested) {
    if (values.contributor || values["correct-lineage"])
      throw new CliError(
        `${attested} already stewards ${key}: verify only confirms it (change contributors with stemma update; a lineage is corrected only by a claim).`,
      );
    await sendContractCall(
      context,
      signer,
      {
        label: `Verifying ${key}: its steward ${attested} is attested by ${signatures}`,
        address: context.registry,
        abi: context.abi.registry,
        functionName: "verify",
        args: [id, proof],
      },
      say,
      nameOf,
    );
    say(`${key} is verified.`);
    return 0;
  }
  mustSignAs(signer, attested, "claimModel");
  if (!values.contributor)
    throw new CliError(
      `claiming ${key} names its contributors: --contributor ACCOUNT:ROLE:SHARE% (repeatable), as stemma register takes them.`,
    );
  const contributors = contributorsFromFlags(values.contributor);
  const lineage = await lineageOf(context, values, identity, key);
  const previous = model.steward === ZERO_ADDRESS ? "an unclaimed placeholder" : `held by ${model.steward}`;
  say(`${key} (${previous}, ${identityWords(identity)})`);
  for (const c of contributors) say(`  contributor  ${c.account} (${roleName(c.role)}, ${formatPercent(c.weightPpm)})`);
  if (values["correct-lineage"])
    say(
      `  lineage      corrected: upstream ${formatPercent(lineage.upstreamPpm)}, ${lineage.parents.length} parent(s)`,
    );
  await sendContractCall(
    context,
    signer,
    {
      label: `Claiming ${key} for ${attested}, attested by ${signatures}`,
      address: context.registry,
      abi: context.abi.registry,
      functionName: "claimModel",
      args: [id, contributors, values["correct-lineage"], lineage, proof],
    },
    say,
    nameOf,
  );
  say(
    `${key} is verified and stewarded by ${attested}; ${identity.provisionalUntil !== 0 ? "its contributors replace the provisional set (nothing had moved)" : "its contributors start a new epoch"}.`,
  );
  return 0;
}

/** The chain's transactions that need the attested steward as sender. */
function mustSignAs(signer: Signer, attested: Address, call: string): void {
  if (signer.address !== attested)
    throw new CliError(
      `the attestation names ${attested} as steward, but the signer is ${signer.address}: ${call} must be sent by the attested steward (sign with its key).`,
    );
}

/** Refuses an attestation for another key, chain or registry, an already used nonce or a passed deadline. */
async function checkAttestation(
  context: ChainContext,
  attestation: Attestation,
  key: string,
  identity: Identity,
): Promise<void> {
  if (attestation.key !== key)
    throw new CliError(`the attestation is for ${attestation.key}, not ${key}: pass the attestation of ${key}.`);
  if (attestation.chainId !== context.chain.id || attestation.registry !== context.registry)
    throw new CliError(
      `the attestation is for the registry ${attestation.registry} on chain ${attestation.chainId}, not ${context.registry} on chain ${context.chain.id}: ask the attesters to attest against this deployment.`,
    );
  if (attestation.nonce !== identity.nonce)
    throw new CliError(
      `the attestation carries nonce ${attestation.nonce} but ${key} is at nonce ${identity.nonce} (each verification uses one up): ask the attesters for a new attestation.`,
    );
  const { timestamp } = await context.publicClient.getBlock();
  if (attestation.deadline < timestamp)
    throw new CliError(
      `the attestation expired at ${new Date(Number(attestation.deadline) * 1000).toISOString()}: ask the attesters for a new one.`,
    );
}

/** The lineage a claim sends: the corrected one with --correct-lineage (checked like a registration's), else none. */
async function lineageOf(
  context: ChainContext,
  values: RegisterFlagValues & { "correct-lineage": boolean },
  identity: Identity,
  key: string,
) {
  if (!values["correct-lineage"]) {
    if (values.parent || values.upstream !== undefined)
      throw new CliError("--parent and --upstream change a claimed model's lineage only with --correct-lineage.");
    return { upstreamPpm: 0, parents: [], expectedParentTerms: [] };
  }
  if (identity.provisionalUntil === 0)
    throw new CliError(
      `${key} is not provisional (its funds may have moved): its lineage can no longer be corrected; claim it without --correct-lineage.`,
    );
  const parents = (values.parent ? parentsFromFlags(values.parent) : []).map((parent) => ({
    ...parent,
    id: modelId(parent.key),
  }));
  const upstreamPpm = values.upstream === undefined ? 0 : percentFlag(values.upstream, "--upstream");
  rewordUpstream(upstreamPpm, parents.length, () => {
    throw new CliError(
      `--upstream ${formatPercent(upstreamPpm)} needs a parent to flow to: add --parent KEY:RELATION:WEIGHT%.`,
    );
  });
  const missing = await checkParents(context, parents, upstreamPpm);
  if (missing.length > 0)
    throw new CliError(
      `a corrected lineage names only registered parents (registered before the model): ${missing.join(", ")} ${missing.length > 1 ? "are" : "is"} not registered.`,
    );
  return {
    upstreamPpm,
    parents: parents.map(({ id: parentId, relation, weightPpm }) => ({ parentId, relation, weightPpm })),
    expectedParentTerms: await Promise.all(parents.map(async (parent) => (await readModel(context, parent.id)).terms)),
  };
}

/** Without attestations: where the model stands, what its repository must name, and whether it does (--cards). */
async function explainBinding(
  key: string,
  model: { steward: Address; status: number },
  identity: Identity,
  values: { cards?: string | undefined; steward?: string | undefined },
  signer: Signer,
  say: Output,
): Promise<void> {
  if (model.status === ModelStatus.NONE) say(`${key} is not registered yet.`);
  else {
    const holder = model.steward === ZERO_ADDRESS ? "an unclaimed placeholder" : `stewarded by ${model.steward}`;
    say(`${key} is ${holder}; ${identityWords(identity)}.`);
  }
  const steward = values.steward === undefined ? signer.address : addressFlag(values.steward, "--steward");
  const next = [
    `Then an attester runs: stemma attest ${key} --cards <mirror> --out attestation.json`,
    `and you submit it: stemma verify ${key} --proof attestation.json${model.status === ModelStatus.NONE ? " (with the registration's flags or --manifest)" : model.steward === steward ? "" : " --contributor ACCOUNT:ROLE:SHARE%"}`,
  ];
  if (values.cards) {
    const binding = await readCardBinding(values.cards, key);
    if (binding.steward === steward) {
      say(`The repository names ${binding.steward} as steward (${binding.file}).`);
      const done = model.status !== ModelStatus.NONE && model.steward === steward && identity.verified;
      if (!done) for (const line of next) say(line);
      return;
    }
    say(
      binding.steward
        ? `The repository names ${binding.steward} as steward (${binding.file}), not ${steward}.`
        : `The repository names no steward yet (${binding.folder}).`,
    );
  }
  for (const line of bindingInstructions(key, steward)) say(line);
  say();
  for (const line of next) say(line);
}
