/**
 * `stemma register`: registers a model with its lineage, contributors, terms and metadata, described by flags, a
 * manifest file (`--manifest`) or a Hugging Face model card (`--from-model-card`); flags override the file's values.
 * Parents must exist:
 * `--placeholders` registers the missing ones as unclaimed placeholders first. Each parent's current terms are read
 * and sent as the terms the registration expects, so a parent cannot change them under it unnoticed.
 */
import { zeroHash, type Hex } from "viem";

import { canonicalKey } from "../core/canonicalKey.js";
import { ModelStatus } from "../core/constants.js";
import { ParentTermsError } from "../core/errors.js";
import { modelId } from "../core/modelId.js";
import type { Terms } from "../core/types.js";
import { validateKey } from "../core/validateKey.js";
import { edgeSharePpm, validateParentTerms } from "../core/validateParentTerms.js";
import { rewordError } from "../internal/rewordError.js";
import { CHAIN_HELP, parseCommand } from "./chainFlags.js";
import { readChainLedger } from "./chainLedger.js";
import { connect, type ChainContext } from "./connect.js";
import { relationName, roleName } from "./enumNames.js";
import type { RegistrationManifest } from "./manifest.js";
import { readManifestFile } from "./manifestFile.js";
import { readModelCard } from "./modelCard.js";
import { stdout, type Output } from "./output.js";
import { formatPercent } from "../core/percent.js";
import { addressFlag, contributorsFromFlags, digestFlag, percentFlag, parentsFromFlags } from "./registrationFlags.js";
import { rewordUpstream } from "./registrationParts.js";
import { CliError } from "./shared.js";
import { resolveSigner, type Signer } from "./signer.js";
import { sendContractCall } from "./transaction.js";

export const REGISTER_HELP = `Usage: stemma register --key KEY [flags]
       stemma register --manifest FILE [flags]
       stemma register --from-model-card README.md [flags]

Registers a model: its lineage (parents, fixed forever), the share of its revenue that flows to them, its
contributors, what it asks of its own derivatives, and its metadata. A manifest file (JSON or YAML, docs/CLI.md
"Manifest files") or a Hugging Face model card (its front matter: base_model, base_model_relation, license; a
stemma: section for contributors) can describe it; the flags below then override the file's values.

  --manifest FILE                  a registration manifest (.json, .yaml, .yml)
  --from-model-card README.md      a Hugging Face model card

  --key KEY                        the model's key, e.g. hf:org/name; an hf: key is lowercased (Hugging Face
                                   ids are case-insensitive), other keys keep their case
  --parent KEY:RELATION:WEIGHT%    a parent, repeatable; RELATION is finetune, adapter, quantized, merge, distill
                                   or other; the weights split the upstream share (the weight may be left out for
                                   a single parent)
  --upstream P%                    the share of the model's revenue that flows to its parents        [0%]
  --contributor ACCOUNT:ROLE:P%    a contributor, repeatable; ROLE is pretraining_compute, data_curation,
                                   finetuning, alignment, evaluation_redteam, quantization, maintenance, tooling,
                                   documentation, funding or other; the shares split what the model keeps
  --min-derivative P%              the least share of a derivative's revenue that must reach this model  [0%]
  --no-derivatives                 refuse derivatives
  --license SPDX                   e.g. Apache-2.0, or LicenseRef-...
  --metadata-uri URI               where the model card lives
  --weights-digest 0xHASH          32 bytes, e.g. sha256 of the weight files' manifest
  --steward ADDRESS                who manages the model                                         [the signer]
  --placeholders                   register parents that do not exist yet as unclaimed placeholders first

  stemma register --key hf:me/llama-3.1-8b-legal --parent hf:meta-llama/llama-3.1-8b:finetune:100% \\
    --upstream 20% --contributor 0x70997970C51812dc3A010C7d01b50e0d17dc79C8:finetuning:70% \\
    --contributor 0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC:data_curation:30% --license Apache-2.0 --min-derivative 5%

${CHAIN_HELP}
`;

const REGISTER_FLAGS = {
  manifest: { type: "string" },
  "from-model-card": { type: "string" },
  key: { type: "string" },
  parent: { type: "string", multiple: true },
  upstream: { type: "string" },
  contributor: { type: "string", multiple: true },
  "min-derivative": { type: "string" },
  "no-derivatives": { type: "boolean" },
  license: { type: "string" },
  "metadata-uri": { type: "string" },
  "weights-digest": { type: "string" },
  steward: { type: "string" },
  placeholders: { type: "boolean", default: false },
} as const;

type RegisterFlagValues = ReturnType<typeof parseCommand<typeof REGISTER_FLAGS>>["values"];

/**
 * What the flags say, field by field: the registration when nothing else describes it, the overrides of a manifest's
 * or a model card's values otherwise (the model card reader takes this partial manifest as its overrides).
 */
export function manifestFromFlags(values: RegisterFlagValues): Partial<RegistrationManifest> {
  const manifest: Partial<RegistrationManifest> = {};
  if (values.key !== undefined) manifest.key = canonicalKey(values.key);
  if (values.steward !== undefined) manifest.steward = addressFlag(values.steward, "--steward");
  if (values.upstream !== undefined) manifest.upstreamPpm = percentFlag(values.upstream, "--upstream");
  if (values.parent) manifest.parents = parentsFromFlags(values.parent);
  if (values.contributor) manifest.contributors = contributorsFromFlags(values.contributor);
  if (values["min-derivative"] !== undefined || values["no-derivatives"] !== undefined) {
    manifest.terms = {
      derivativesAllowed: !values["no-derivatives"],
      minDerivativePpm:
        values["min-derivative"] === undefined ? 0 : percentFlag(values["min-derivative"], "--min-derivative"),
    };
  }
  if (values.license !== undefined) manifest.license = values.license;
  if (values["metadata-uri"] !== undefined) manifest.metadataURI = values["metadata-uri"];
  if (values["weights-digest"] !== undefined) manifest.weightsDigest = digestFlag(values["weights-digest"]);
  return manifest;
}

/** Fills the defaults and checks what only the whole registration can tell (a key, contributors, parents vs upstream). */
export function completeManifest(partial: Partial<RegistrationManifest>): RegistrationManifest {
  if (!partial.key) throw new CliError("name the model: --key hf:org/name.");
  try {
    validateKey(partial.key);
  } catch (error) {
    throw new CliError(`--key: ${(error as Error).message}`);
  }
  if (!partial.contributors?.length) {
    throw new CliError("name who shares what the model keeps: --contributor ACCOUNT:ROLE:SHARE% (repeatable).");
  }
  const parents = partial.parents ?? [];
  const upstreamPpm = partial.upstreamPpm ?? 0;
  rewordUpstream(upstreamPpm, parents.length, () => {
    throw new CliError(
      `--upstream ${formatPercent(upstreamPpm)} needs a parent to flow to: add --parent KEY:RELATION:WEIGHT%.`,
    );
  });
  return {
    key: partial.key,
    ...(partial.steward ? { steward: partial.steward } : {}),
    upstreamPpm,
    parents,
    contributors: partial.contributors,
    terms: partial.terms ?? { derivativesAllowed: true, minDerivativePpm: 0 },
    license: partial.license ?? "",
    metadataURI: partial.metadataURI ?? "",
    weightsDigest: partial.weightsDigest ?? zeroHash,
  };
}

export async function register(argv: string[], say: Output = stdout): Promise<number> {
  const { values, positionals } = parseCommand(argv, REGISTER_FLAGS);
  if (values.help) {
    say(REGISTER_HELP.trimEnd());
    return 0;
  }
  if (positionals.length > 0) {
    throw new CliError(`stemma register takes flags only (got "${positionals[0]}"): the key goes in --key.`);
  }
  const flags = manifestFromFlags(values);
  let manifest: RegistrationManifest;
  if (values.manifest && values["from-model-card"]) {
    throw new CliError("pass --manifest or --from-model-card, not both.");
  } else if (values.manifest) {
    manifest = completeManifest({ ...(await readManifestFile(values.manifest)), ...flags });
  } else if (values["from-model-card"]) {
    const card = await readModelCard(values["from-model-card"], flags);
    for (const note of card.notes) say(`note: ${note}`);
    manifest = completeManifest(card.manifest);
  } else manifest = completeManifest(flags);
  const context = await connect(values);
  const signer = await resolveSigner(context, values);
  await sendRegistration(context, signer, manifest, values.placeholders, say);
  return 0;
}

type StoredModel = { steward: `0x${string}`; status: number; terms: Terms };

async function readModel(context: ChainContext, id: Hex): Promise<StoredModel> {
  return await context.publicClient.readContract({
    address: context.registry,
    abi: context.abi.registry,
    functionName: "model",
    args: [id],
  });
}

/** Registers missing parents as placeholders (when allowed), reads every parent's terms, then registers. */
export async function sendRegistration(
  context: ChainContext,
  signer: Signer,
  manifest: RegistrationManifest,
  placeholders: boolean,
  say: Output,
): Promise<Hex> {
  const id = modelId(manifest.key);
  const existing = await readModel(context, id);
  if (existing.status !== ModelStatus.NONE) {
    throw new CliError(
      `${manifest.key} is already registered (steward ${existing.steward}): pick another key, or change it with stemma update.`,
    );
  }
  const parents = await Promise.all(manifest.parents.map(async (parent) => ({ ...parent, id: modelId(parent.key) })));
  // Everything the registry would refuse about a parent is checked before anything is sent, so a refused
  // registration leaves no placeholder behind.
  const missing = [];
  for (const parent of parents) {
    const stored = await readModel(context, parent.id);
    if (stored.status === ModelStatus.NONE) missing.push(parent.key);
    else if (stored.status === ModelStatus.REVOKED) {
      throw new CliError(`parent ${parent.key} was revoked by the DAO: a revoked model cannot have new derivatives.`);
    } else {
      const { upstreamPpm } = manifest;
      const edge = { parent: parent.key, terms: stored.terms, upstreamPpm, weightPpm: parent.weightPpm };
      rewordError(
        ParentTermsError,
        () => validateParentTerms(edge),
        ({ problem }) => {
          if (problem.kind === "derivativesRefused")
            throw new CliError(`parent ${parent.key} does not allow derivatives (its terms): it cannot be a parent.`);
          const reaching = edgeSharePpm(upstreamPpm, parent.weightPpm);
          throw new CliError(
            `parent ${parent.key} asks for at least ${formatPercent(stored.terms.minDerivativePpm)} of a derivative's revenue, but --upstream ${formatPercent(upstreamPpm)} x its weight ${formatPercent(parent.weightPpm)} gives it ${formatPercent(reaching)}: raise --upstream or its weight.`,
          );
        },
      );
    }
  }
  if (missing.length > 0 && !placeholders) {
    const [them, placeholder] =
      missing.length > 1 ? ["them", "unclaimed placeholders"] : ["it", "an unclaimed placeholder"];
    throw new CliError(
      `unknown parent${missing.length > 1 ? "s" : ""} ${missing.join(", ")}: register ${them} first, or pass --placeholders to register ${them} as ${placeholder} (the DAO assigns placeholders to their authors later).`,
    );
  }
  const chain = await readChainLedger(context);
  const nameOf = (modelIdToName: Hex) =>
    parents.find((p) => p.id === modelIdToName.toLowerCase())?.key ??
    (modelIdToName === id ? manifest.key : chain.keyOf(modelIdToName));
  for (const key of missing) {
    await sendContractCall(
      context,
      signer,
      {
        label: `Registering ${key} as an unclaimed placeholder parent`,
        address: context.registry,
        abi: context.abi.registry,
        functionName: "registerPlaceholder",
        args: [key],
      },
      say,
      nameOf,
    );
  }
  const expectedParentTerms = await Promise.all(
    parents.map(async (parent) => (await readModel(context, parent.id)).terms),
  );

  say(`${manifest.key}`);
  say(`  steward      ${manifest.steward ?? signer.address}`);
  say(`  upstream     ${formatPercent(manifest.upstreamPpm)}`);
  for (const parent of parents)
    say(`  parent       ${parent.key} (${relationName(parent.relation)}, ${formatPercent(parent.weightPpm)})`);
  for (const c of manifest.contributors)
    say(`  contributor  ${c.account} (${roleName(c.role)}, ${formatPercent(c.weightPpm)})`);
  say(
    `  terms        ${manifest.terms.derivativesAllowed ? `derivatives allowed, at least ${formatPercent(manifest.terms.minDerivativePpm)} of their revenue` : "no derivatives"}`,
  );
  if (manifest.license) say(`  license      ${manifest.license}`);
  await sendContractCall(
    context,
    signer,
    {
      label: `Registering ${manifest.key} from ${signer.address} (${signer.source})`,
      address: context.registry,
      abi: context.abi.registry,
      functionName: "register",
      args: [
        {
          key: manifest.key,
          steward: manifest.steward ?? signer.address,
          upstreamPpm: manifest.upstreamPpm,
          parents: parents.map(({ id: parentId, relation, weightPpm }) => ({ parentId, relation, weightPpm })),
          expectedParentTerms,
          contributors: manifest.contributors,
          terms: manifest.terms,
          weightsDigest: manifest.weightsDigest,
          metadataURI: manifest.metadataURI,
          license: manifest.license,
        },
      ],
    },
    say,
    nameOf,
  );
  say(`Registered ${manifest.key} (id ${id}).`);
  return id;
}
