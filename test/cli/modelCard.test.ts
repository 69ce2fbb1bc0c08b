/**
 * Hugging Face model-card import (src/cli/modelCard.ts): realistic cards in test/fixtures/model-cards (a PEFT LoRA
 * adapter, a full fine-tune with datasets, GGUF quantizations, mergekit merges, a card without front matter and one
 * with broken YAML), every inference and license mapping, and every refusal's message.
 */
import { expect } from "chai";
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { zeroHash } from "viem";

import { spdxOfHfLicense } from "../../src/cli/hfLicense.js";
import { importModelCard, readModelCard, type ModelCardOverrides } from "../../src/cli/modelCard.js";
import { equalWeightsPpm, normalizeWeightsPpm } from "../../src/cli/ppmWeights.js";
import { CliError } from "../../src/cli/shared.js";
import { PPM, Relation, Role } from "../../src/core/constants.js";

const FIXTURES = fileURLToPath(new URL("../fixtures/model-cards/", import.meta.url));
const fixture = (name: string) => `${FIXTURES}${name}`;

const ALICE = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const BOB = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC";

/** What flags give for a card without a `stemma:` section. */
const FLAGS: ModelCardOverrides = {
  key: "hf:me/imported",
  upstreamPpm: 100_000,
  contributors: [{ account: ALICE, role: Role.FINETUNING, weightPpm: 1_000_000 }],
};

/** A minimal card: front matter lines, then a title. */
const card = (...frontMatter: string[]) => ["---", ...frontMatter, "---", "", "# A model", ""].join("\n");
/** The lines of a fenced YAML block in a model card (where mergekit writes its configuration). */
const yamlBlock = (...lines: string[]) => ["```yaml", ...lines, "```"];

/** The CliError message importModelCard throws. */
function errorOf(text: string, overrides: ModelCardOverrides = FLAGS, source = "README.md"): string {
  try {
    importModelCard(text, source, overrides);
  } catch (error) {
    expect(error).to.be.instanceOf(CliError);
    const message = (error as Error).message;
    expect(message, "one line").not.to.include("\n");
    return message;
  }
  return expect.fail("importModelCard accepted the card");
}

const sum = (values: readonly number[]) => values.reduce((total, value) => total + value, 0);

describe("model-card import", () => {
  describe("fixtures: real-world card shapes", () => {
    it("a PEFT LoRA adapter: base_model string, adapter inferred from library_name, stemma: section", async () => {
      const { manifest, notes, parentKeys } = await readModelCard(fixture("lora-adapter.md"));
      expect(manifest).to.deep.equal({
        key: "hf:stemma-demo/llama-3.1-8b-triage-lora",
        upstreamPpm: 250_000,
        parents: [{ key: "hf:meta-llama/llama-3.1-8b-instruct", relation: Relation.ADAPTER, weightPpm: 1_000_000 }],
        contributors: [
          { account: "0x90F79bf6EB2c4f870365E785982E1f101E93b906", role: Role.FINETUNING, weightPpm: 600_000 },
          { account: "0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65", role: Role.DATA_CURATION, weightPpm: 400_000 },
        ],
        terms: { derivativesAllowed: true, minDerivativePpm: 0 },
        license: "LicenseRef-Llama-3.1-Community",
        metadataURI: "",
        weightsDigest: zeroHash,
      });
      expect(parentKeys).to.deep.equal(["hf:meta-llama/llama-3.1-8b-instruct"]);
      expect(notes).to.include("relation adapter (no base_model_relation; library_name peft)");
      expect(notes).to.include("license llama3.1 -> LicenseRef-Llama-3.1-Community");
      expect(notes).to.include(
        "datasets stemma-demo/triage-notes: not recorded on chain (describe them in the metadataURI document)",
      );
      expect(notes.some((note) => note.startsWith("metadataURI: none"))).to.equal(true);
    });

    it("a full fine-tune with datasets: key from model_name, finetune assumed and said so", async () => {
      const { manifest, notes } = await readModelCard(fixture("full-finetune.md"), {
        upstreamPpm: 150_000,
        contributors: FLAGS.contributors,
      });
      expect(manifest.key).to.equal("hf:stemma-demo/mistral-7b-chat-dpo");
      expect(manifest.parents).to.deep.equal([
        { key: "hf:mistralai/mistral-7b-v0.3", relation: Relation.FINETUNE, weightPpm: 1_000_000 },
      ]);
      expect(manifest.upstreamPpm).to.equal(150_000);
      expect(manifest.license).to.equal("Apache-2.0");
      expect(manifest.metadataURI, "not invented from the datasets").to.equal("");
      expect(notes).to.include("key hf:stemma-demo/mistral-7b-chat-dpo from the card's model_name");
      expect(notes.find((note) => note.startsWith("relation finetune"))).to.match(
        /relation finetune \(no base_model_relation; nothing says adapter, merge or quantized, so assumed/,
      );
      expect(notes).to.include(
        "datasets HuggingFaceH4/ultrachat_200k, HuggingFaceH4/ultrafeedback_binarized: not recorded on chain (describe them in the metadataURI document)",
      );
      expect(
        notes.some((note) => note.startsWith("license")),
        "Apache-2.0 is exact: no note",
      ).to.equal(false);
    });

    it("a bartowski-style GGUF quantization: quantized inferred from quantized_by", async () => {
      const { manifest, notes } = await readModelCard(fixture("gguf-quantization.md"), FLAGS);
      expect(manifest.parents).to.deep.equal([
        { key: "hf:stemma-demo/llama-3.1-8b-medical", relation: Relation.QUANTIZED, weightPpm: 1_000_000 },
      ]);
      expect(notes).to.include("relation quantized (no base_model_relation; quantized_by bartowski)");
    });

    it("a TheBloke-style GGUF card: base_model_relation quantized taken as written, no relation note", async () => {
      const { manifest, notes } = await readModelCard(fixture("gguf-explicit-relation.md"), FLAGS);
      expect(manifest.parents[0]!.relation).to.equal(Relation.QUANTIZED);
      expect(notes.some((note) => note.startsWith("relation"))).to.equal(false);
    });

    it("a TheBloke-style card names the model but not its repository: the error says how to give the key", async () => {
      const message = errorOf(await readFile(fixture("gguf-explicit-relation.md"), "utf8"), {
        ...FLAGS,
        key: undefined,
      });
      expect(message).to.equal(
        'README.md: the card does not say which repository it belongs to (it calls the model "Llama 3.1 8B Medical"): ' +
          'pass --key hf:<org>/<name> or add "key: hf:<org>/<name>" to the front matter\'s stemma: section.',
      );
    });

    it("a mergekit linear merge: every parent weighted, normalised to ppm summing to exactly 1,000,000", async () => {
      const { manifest, notes, parentKeys } = await readModelCard(fixture("mergekit-merge.md"));
      // Weights 1.0, 0.3, 0.2 of 1.5: 666666.67, 200000, 133333.33 -> floors 666666 + 200000 + 133333, +1 on the first.
      expect(manifest.parents).to.deep.equal([
        { key: "hf:stemma-demo/llama-3.1-8b-medical", relation: Relation.MERGE, weightPpm: 666_667 },
        { key: "hf:nousresearch/hermes-3-llama-3.1-8b", relation: Relation.MERGE, weightPpm: 200_000 },
        { key: "hf:meta-llama/llama-3.1-8b-instruct", relation: Relation.MERGE, weightPpm: 133_333 },
      ]);
      expect(sum(manifest.parents.map((parent) => parent.weightPpm))).to.equal(Number(PPM));
      expect(parentKeys).to.deep.equal(manifest.parents.map((parent) => parent.key));
      expect(manifest.key).to.equal("hf:stemma-demo/medical-hermes-merge-8b");
      expect(manifest.steward).to.equal("0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc");
      expect(manifest.upstreamPpm).to.equal(300_000);
      expect(manifest.terms).to.deep.equal({ derivativesAllowed: true, minDerivativePpm: 50_000 });
      expect(notes).to.include("relation merge (no base_model_relation; 3 base models)");
      expect(notes).to.include(
        "parent weights from the mergekit linear weights (1, 0.3, 0.2), normalised: 66.6667%, 20%, 13.3333%",
      );
    });

    it("a mergekit TIES merge whose base model has no weight: equal weights, remainder on the first, said why", async () => {
      const { manifest, notes } = await readModelCard(fixture("mergekit-ties.md"), FLAGS);
      expect(manifest.parents.map((parent) => [parent.key, parent.relation, parent.weightPpm])).to.deep.equal([
        ["hf:mistralai/mistral-7b-v0.1", Relation.MERGE, 333_334],
        ["hf:wizardlm/wizardmath-7b-v1.1", Relation.MERGE, 333_333],
        ["hf:stemma-demo/mistral-7b-chat-dpo", Relation.MERGE, 333_333],
      ]);
      expect(notes).to.include(
        "parent weights equal (33.3334%, 33.3333%, 33.3333%): the mergekit ties configuration gives no scalar weight " +
          "for mistralai/Mistral-7B-v0.1; set stemma.parentWeights or pass --parent KEY:RELATION:WEIGHT% per parent",
      );
      expect(manifest.license).to.equal("");
      expect(notes).to.include("license: the card names none, so the registration carries none (pass --license)");
    });

    it("a card with no front matter is refused, saying what a model card looks like", async () => {
      const path = fixture("no-front-matter.md");
      try {
        await readModelCard(path, FLAGS);
        expect.fail("accepted");
      } catch (error) {
        expect(error).to.be.instanceOf(CliError);
        expect((error as Error).message).to.equal(
          `${path} has no YAML front matter (a block between "---" lines at the top, with base_model, license, ...): ` +
            "is it a Hugging Face model card? Register with flags or a manifest file instead.",
        );
      }
    });

    it("a card with broken YAML is refused with the card's line number", async () => {
      const message = errorOf(await readFile(fixture("broken-yaml.md"), "utf8"));
      expect(message).to.match(
        /^README\.md: the YAML front matter does not parse at line 7: .*\(fix the YAML between the "---" lines\)\.$/,
      );
    });

    it("a missing file or a folder is a one-line error", async () => {
      for (const [path, reason] of [
        [fixture("absent.md"), "no such file"],
        [FIXTURES, "it is a folder (give its README.md)"],
      ] as const) {
        try {
          await readModelCard(path, FLAGS);
          expect.fail("accepted");
        } catch (error) {
          expect((error as Error).message).to.equal(`cannot read model card ${path}: ${reason}.`);
        }
      }
    });
  });

  describe("relation", () => {
    const relationOf = (text: string) => importModelCard(text, "README.md", FLAGS);

    it("takes every Hugging Face base_model_relation as written, any case", () => {
      for (const [value, relation] of [
        ["adapter", Relation.ADAPTER],
        ["merge", Relation.MERGE],
        ["quantized", Relation.QUANTIZED],
        ["finetune", Relation.FINETUNE],
        ["Quantized", Relation.QUANTIZED],
      ] as const) {
        const { manifest, notes } = relationOf(card("base_model: org/base", `base_model_relation: ${value}`));
        expect(manifest.parents[0]!.relation, value).to.equal(relation);
        expect(
          notes.some((note) => note.startsWith("relation")),
          value,
        ).to.equal(false);
      }
    });

    it("refuses an unknown base_model_relation, listing the values", () => {
      expect(errorOf(card("base_model: org/base", "base_model_relation: distilled"))).to.equal(
        'README.md: base_model_relation "distilled" is not one of finetune, adapter, quantized, merge, distill, other.',
      );
    });

    it("infers merge from several bases, ahead of every other signal", () => {
      const { manifest, notes } = relationOf(card("base_model: [org/a, org/b]", "library_name: peft", "tags: [gguf]"));
      expect(manifest.parents.map((parent) => parent.relation)).to.deep.equal([Relation.MERGE, Relation.MERGE]);
      expect(notes).to.include("relation merge (no base_model_relation; 2 base models)");
    });

    it("infers adapter from library_name peft or a lora/peft/qlora tag", () => {
      for (const [lines, why] of [
        [["library_name: peft"], "library_name peft"],
        [["library_name: PEFT"], "library_name peft"],
        [["tags: [text-generation, LoRA]"], "tag LoRA"],
        [["tags: [peft]"], "tag peft"],
        [["tags: [qlora, sft]"], "tag qlora"],
      ] as const) {
        const { manifest, notes } = relationOf(card("base_model: org/base", ...lines));
        expect(manifest.parents[0]!.relation, why).to.equal(Relation.ADAPTER);
        expect(notes).to.include(`relation adapter (no base_model_relation; ${why})`);
      }
    });

    it("infers quantized from format and bit-width tags, the title or the key", () => {
      for (const [lines, overrides, why] of [
        [["tags: [gguf]"], {}, "tag gguf says gguf"],
        [["tags: [GPTQ]"], {}, "tag GPTQ says GPTQ"],
        [["tags: [awq, 4-bit]"], {}, "tag awq says awq"],
        [["tags: [exl2]"], {}, "tag exl2 says exl2"],
        [["tags: [mlx, 4bit]"], {}, "tag 4bit says 4bit"],
        [["tags: [text-generation, bitsandbytes]"], {}, "tag bitsandbytes says bitsandbytes"],
        [["model_name: Llama-3.1-8B-Instruct-Q4_K_M"], {}, 'name "Llama-3.1-8B-Instruct-Q4_K_M" says Q4_K_M'],
        [
          [],
          { key: "hf:mlx-community/llama-3.2-3b-instruct-4bit" },
          'key "hf:mlx-community/llama-3.2-3b-instruct-4bit" says 4bit',
        ],
        [[], { key: "hf:turboderp/llama-3-8b-exl2-6.0bpw" }, 'key "hf:turboderp/llama-3-8b-exl2-6.0bpw" says exl2'],
      ] as const) {
        const { manifest, notes } = importModelCard(card("base_model: org/base", ...lines), "README.md", {
          ...FLAGS,
          ...overrides,
        });
        expect(manifest.parents[0]!.relation, why).to.equal(Relation.QUANTIZED);
        expect(notes).to.include(`relation quantized (no base_model_relation; ${why})`);
      }
    });

    it("does not mistake ordinary names for quantizations", () => {
      for (const key of ["hf:org/llama-3.1-8b-medical", "hf:org/gpt2-awqward", "hf:org/qwen2.5-7b-instruct"]) {
        const { manifest } = importModelCard(card("base_model: org/base"), "README.md", { ...FLAGS, key });
        expect(manifest.parents[0]!.relation, key).to.equal(Relation.FINETUNE);
      }
    });

    it("takes stemma.relation over the card, and notes a base_model_relation without base_model", () => {
      const text = card("base_model: org/base", "base_model_relation: finetune", "stemma:", "  relation: Distill");
      expect(relationOf(text).manifest.parents[0]!.relation).to.equal(Relation.DISTILL);
      const { manifest, notes } = importModelCard(card("base_model_relation: quantized"), "README.md", {
        ...FLAGS,
        upstreamPpm: undefined,
      });
      expect(manifest.parents).to.deep.equal([]);
      expect(notes).to.include("base_model_relation is ignored: the card has no base_model");
    });
  });

  describe("parents and weights", () => {
    it("reads base_model as a string or a list, as hub URLs or hf: keys, dropping duplicates with a note", () => {
      const { parentKeys, notes, manifest } = importModelCard(
        card(
          "base_model:",
          "  - https://huggingface.co/org/a",
          "  - hf:org/b",
          "  - org/a",
          "  - gpt2",
          "base_model_relation: merge",
        ),
        "README.md",
        FLAGS,
      );
      expect(parentKeys).to.deep.equal(["hf:org/a", "hf:org/b", "hf:gpt2"]);
      expect(manifest.parents.map((parent) => parent.weightPpm)).to.deep.equal([333_334, 333_333, 333_333]);
      expect(notes).to.include("base_model org/a is listed twice: counted once");
      expect(notes).to.include(
        "parent weights equal (33.3334%, 33.3333%, 33.3333%): the card gives no weights; set stemma.parentWeights or pass --parent KEY:RELATION:WEIGHT% per parent",
      );
    });

    it("makes base_model keys canonical (F14): meta-llama/Llama-3.1-8B is hf:meta-llama/llama-3.1-8b, one parent in any case", () => {
      const text = [
        card(
          "base_model:",
          "  - meta-llama/Llama-3.1-8B",
          "  - HF:Meta-Llama/llama-3.1-8b",
          "  - https://huggingface.co/META-LLAMA/Llama-3.1-8B",
          "  - Org/B",
          "base_model_relation: merge",
          "stemma:",
          "  key: ' HF:Org/Merged-8B '",
        ),
        ...yamlBlock(
          "models:",
          "  - model: META-LLAMA/LLAMA-3.1-8B",
          "    parameters: { weight: 0.75 }",
          "  - model: org/b",
          "    parameters: { weight: 0.25 }",
          "merge_method: linear",
        ),
      ].join("\n");
      const { manifest, parentKeys, notes } = importModelCard(text, "README.md", { ...FLAGS, key: undefined });
      expect(manifest.key).to.equal("hf:org/merged-8b");
      expect(parentKeys).to.deep.equal(["hf:meta-llama/llama-3.1-8b", "hf:org/b"]);
      // The mergekit configuration names the same repositories in yet another case: its weights still apply.
      expect(manifest.parents.map((parent) => parent.weightPpm)).to.deep.equal([750_000, 250_000]);
      expect(notes).to.include("base_model Meta-Llama/llama-3.1-8b is listed twice: counted once");
      expect(notes).to.include("base_model META-LLAMA/Llama-3.1-8B is listed twice: counted once");
    });

    it("registers a card without base_model as a base model: no parents, upstream 0% without being asked", () => {
      const { manifest, parentKeys } = importModelCard(card("license: mit"), "README.md", {
        ...FLAGS,
        upstreamPpm: undefined,
      });
      expect(manifest.parents).to.deep.equal([]);
      expect(manifest.upstreamPpm).to.equal(0);
      expect(parentKeys).to.deep.equal([]);
      expect(manifest.license).to.equal("MIT");
    });

    it("takes a merge's parents from the mergekit configuration when the front matter has no base_model", () => {
      const text = [
        card("tags: [mergekit, merge]"),
        ...yamlBlock(
          "slices:",
          "  - sources:",
          "      - model: org/a",
          "        layer_range: [0, 32]",
          "      - model: org/b",
          "        layer_range: [0, 32]",
          "merge_method: slerp",
          "base_model: org/a",
          "parameters:",
          "  t: 0.5",
        ),
      ].join("\n");
      const { manifest, notes } = importModelCard(text, "README.md", FLAGS);
      expect(manifest.parents).to.deep.equal([
        { key: "hf:org/a", relation: Relation.MERGE, weightPpm: 500_000 },
        { key: "hf:org/b", relation: Relation.MERGE, weightPpm: 500_000 },
      ]);
      expect(notes).to.include(
        "parents from the mergekit configuration (the front matter has no base_model): org/a, org/b",
      );
      expect(notes.find((note) => note.startsWith("parent weights equal"))).to.include(
        "the mergekit slerp configuration gives no scalar weight for org/a, org/b",
      );
    });

    it("keeps local checkpoints a mergekit merge used out of the parents, and says so", () => {
      const config = (...models: string[]) =>
        yamlBlock(
          "models:",
          ...models.map((m) => `  - { model: "${m}", parameters: { weight: 0.5 } }`),
          "merge_method: linear",
        );
      // mergekit writes only hub models into base_model: one base, but a merge (the mergekit tag says so).
      const text = [
        card("base_model: [org/a]", "library_name: transformers", "tags: [mergekit, merge]"),
        ...config("D:/runs/finetuned_2", "org/a"),
      ].join("\n");
      const { manifest, notes } = importModelCard(text, "README.md", FLAGS);
      expect(manifest.parents).to.deep.equal([{ key: "hf:org/a", relation: Relation.MERGE, weightPpm: 1_000_000 }]);
      expect(notes).to.include("relation merge (no base_model_relation; tag mergekit)");
      expect(notes).to.include(
        "the mergekit configuration also merges D:/runs/finetuned_2: not a hub model, so not a parent",
      );
      const allLocal = [card("base_model: []", "tags: [mergekit]"), ...config("/ckpt/one", "./ckpt/two")].join("\n");
      const base = importModelCard(allLocal, "README.md", { ...FLAGS, upstreamPpm: undefined });
      expect(base.manifest.parents).to.deep.equal([]);
      expect(base.notes).to.include(
        "the mergekit configuration also merges /ckpt/one, ./ckpt/two: not a hub model, so not a parent",
      );
    });

    it("falls back to equal weights when a mergekit weight is a gradient, zero or negative", () => {
      for (const [weights, reason] of [
        [["[0, 0.5, 1]", "0.5"], "gives no scalar weight for org/a"],
        [["0", "1"], "weights (0, 1) are not all positive"],
        [["-0.5", "1"], "weights (-0.5, 1) are not all positive"],
      ] as const) {
        const text = [
          card("base_model: [org/a, org/b]"),
          ...yamlBlock(
            "models:",
            `  - { model: org/a, parameters: { weight: ${weights[0]} } }`,
            `  - { model: org/b, parameters: { weight: ${weights[1]} } }`,
            "merge_method: linear",
          ),
        ].join("\n");
        const { manifest, notes } = importModelCard(text, "README.md", FLAGS);
        expect(
          manifest.parents.map((parent) => parent.weightPpm),
          reason,
        ).to.deep.equal([500_000, 500_000]);
        expect(
          notes.find((note) => note.startsWith("parent weights equal")),
          reason,
        ).to.include(reason);
      }
    });

    it("ignores YAML blocks that are not a mergekit configuration, and broken ones", () => {
      const text = [
        card("base_model: [org/a, org/b]"),
        ...yamlBlock("dataset: {path: [unclosed"),
        ...yamlBlock("training: { lr: 1e-5 }"),
        ...yamlBlock(
          "models: [{ model: org/a, parameters: { weight: 3 } }, { model: org/b, parameters: { weight: 1 } }]",
        ),
      ].join("\n");
      expect(importModelCard(text, "README.md", FLAGS).manifest.parents.map((p) => p.weightPpm)).to.deep.equal([
        750_000, 250_000,
      ]);
    });

    it("takes stemma.parentWeights over mergekit weights, checking count, zeros and sum", () => {
      const base = ["base_model: [org/a, org/b]", "stemma:"];
      const { manifest } = importModelCard(card(...base, "  parentWeights: [70%, 30%]"), "README.md", FLAGS);
      expect(manifest.parents.map((parent) => parent.weightPpm)).to.deep.equal([700_000, 300_000]);
      expect(errorOf(card(...base, "  parentWeights: [100%]"))).to.equal(
        "README.md: stemma.parentWeights gives 1 weights but the card has 2 base models: give one per base_model, in order.",
      );
      expect(errorOf(card(...base, "  parentWeights: [100%, 0%]"))).to.equal(
        "README.md: stemma.parentWeights[1] is 0%, which the registry refuses: give every parent a share.",
      );
      expect(errorOf(card(...base, "  parentWeights: [60%, 30%]"))).to.equal(
        "README.md: stemma.parentWeights weights sum to 90%, not 100%: adjust the parent weights so they add up to exactly 100%.",
      );
      expect(errorOf(card(...base, "  parentWeights: [0.6, 0.4]"))).to.match(
        /stemma\.parentWeights\[0\] is the number 0\.6: write a percentage with a % sign/,
      );
    });

    it("lets --parent replace the card's parents entirely, checked like the registry", () => {
      const parents = [
        { key: "hf:org/x", relation: Relation.DISTILL, weightPpm: 400_000 },
        { key: "hf:org/y", relation: Relation.FINETUNE, weightPpm: 600_000 },
      ];
      const { manifest, notes, parentKeys } = importModelCard(card("base_model: org/base"), "README.md", {
        ...FLAGS,
        parents,
      });
      expect(manifest.parents).to.deep.equal(parents);
      expect(parentKeys).to.deep.equal(["hf:org/x", "hf:org/y"]);
      expect(notes).to.include("parents from --parent: the card's base_model is not used");
      expect(errorOf(card(), { ...FLAGS, parents: [parents[0]!, parents[0]!] })).to.equal(
        "README.md: --parent gives hf:org/x twice: list each parent once.",
      );
      expect(errorOf(card(), { ...FLAGS, parents: [parents[0]!] })).to.equal(
        "README.md: --parent weights sum to 40%, not 100%: adjust the --parent weights so they add up to exactly 100%.",
      );
      const many = Array.from({ length: 17 }, (_, i) => ({ key: `hf:o/${i}`, relation: 3, weightPpm: 1 }));
      expect(errorOf(card(), { ...FLAGS, parents: many })).to.equal(
        "README.md: --parent gives 17 parents: a model has at most 16.",
      );
    });

    it("refuses more than 16 base models and base models that are not repo ids", () => {
      const seventeen = Array.from({ length: 17 }, (_, i) => `org/m${i}`).join(", ");
      expect(errorOf(card(`base_model: [${seventeen}]`))).to.equal(
        "README.md: base_model lists 17 models: a model has at most 16 parents.",
      );
      expect(errorOf(card("base_model: ./checkpoints/step-1000"))).to.equal(
        'README.md: base_model "./checkpoints/step-1000" is not a Hugging Face repo id (org/name): fix the card or register with a manifest.',
      );
      expect(errorOf(card("base_model: {name: org/a}"))).to.equal("README.md: base_model is a mapping, not a list.");
      expect(errorOf(card("base_model: [org/a, 7]"))).to.equal(
        'README.md: base_model[1] is 7, not text: write it like "org/name".',
      );
    });
  });

  describe("key", () => {
    it("prefers --key, then stemma.key, then the hub cache folder, then a repo-id model_name or title", () => {
      const text = card("base_model: org/base", "model_name: org/from-name", "stemma:", "  key: hf:org/from-stemma");
      expect(importModelCard(text, "README.md", FLAGS).manifest.key).to.equal("hf:me/imported");
      expect(importModelCard(text, "README.md", { ...FLAGS, key: undefined }).manifest.key).to.equal(
        "hf:org/from-stemma",
      );
      const cache = "/home/me/.cache/huggingface/hub/models--bartowski--Llama-3.1-8B-GGUF/snapshots/0123abcd/README.md";
      const fromCache = importModelCard(card("base_model: org/base", "model_name: org/from-name"), cache, {
        ...FLAGS,
        key: undefined,
      });
      expect(fromCache.manifest.key).to.equal("hf:bartowski/llama-3.1-8b-gguf");
      expect(fromCache.notes).to.include("key hf:bartowski/llama-3.1-8b-gguf from the Hugging Face cache folder");
      const fromName = importModelCard(card("base_model: org/base", "model_name: org/from-name"), "README.md", {
        ...FLAGS,
        key: undefined,
      });
      expect(fromName.manifest.key).to.equal("hf:org/from-name");
      const titled = ["---", "license: mit", "---", "```", "# not a title", "```", "# acme/Titled-7B", ""].join("\n");
      const fromTitle = importModelCard(titled, "README.md", { ...FLAGS, key: undefined, upstreamPpm: undefined });
      expect(fromTitle.manifest.key).to.equal("hf:acme/titled-7b");
      expect(fromTitle.notes).to.include("key hf:acme/titled-7b from the card's title");
    });

    it("refuses a card that names no repository, and bad keys with their field", () => {
      expect(errorOf(["---", "license: mit", "---", "no title"].join("\n"), { ...FLAGS, key: undefined })).to.equal(
        "README.md: the card does not say which repository it belongs to: pass --key hf:<org>/<name> or add " +
          '"key: hf:<org>/<name>" to the front matter\'s stemma: section.',
      );
      expect(errorOf(card(), { ...FLAGS, key: "" })).to.match(
        /^README\.md: --key Invalid model key "": the key is empty/,
      );
      expect(errorOf(card("stemma:", "  key: 12"), { ...FLAGS, key: undefined })).to.equal(
        'README.md: stemma.key is 12, not text: write it like "hf:org/name".',
      );
    });
  });

  describe("contributors, upstream, terms and the stemma: section", () => {
    it("refuses a card with no contributors anywhere, saying both ways to add them", () => {
      expect(errorOf(card("base_model: org/base"), { key: "hf:me/x", upstreamPpm: 1 })).to.equal(
        "README.md: the card names no contributors: pass --contributor 0xabc...:finetuning:100% (repeat it for each " +
          'contributor) or add a "stemma:" section to the front matter with contributors: [{ account: "0x...", ' +
          'role: finetuning, weight: "100%" }].',
      );
    });

    it("checks contributors from flags: count and sum", () => {
      expect(errorOf(card(), { ...FLAGS, contributors: [] })).to.equal(
        "README.md: --contributor gives 0 contributors: a model has 1 to 1000.",
      );
      expect(
        errorOf(card(), { ...FLAGS, upstreamPpm: 0, contributors: [{ account: ALICE, role: 2, weightPpm: 990_000 }] }),
      ).to.equal(
        "README.md: --contributor weights sum to 99%, not 100%: adjust the --contributor weights so they add up to exactly 100%.",
      );
    });

    it("requires an upstream share for a derivative, saying how to give it", () => {
      expect(errorOf(card("base_model: org/base"), { ...FLAGS, upstreamPpm: undefined })).to.equal(
        "README.md: stemma.upstream is missing: a model with parents must say what share of its revenue flows to " +
          'them: pass --upstream 20% or add "upstream: 20%" to the front matter\'s stemma: section.',
      );
      expect(errorOf(card(), { ...FLAGS, upstreamPpm: 100_000 })).to.equal(
        "README.md: --upstream is 10% but the card has no base_model: leave it out or make it 0%.",
      );
      expect(errorOf(card("stemma:", "  upstream: 5%"), { ...FLAGS, upstreamPpm: undefined })).to.equal(
        "README.md: stemma.upstream is 5% but the model has no parents: make it 0% or add parents.",
      );
    });

    it("lets flags override the stemma: section field by field", async () => {
      const overrides: ModelCardOverrides = {
        key: "hf:me/override",
        steward: BOB,
        upstreamPpm: 400_000,
        contributors: [{ account: BOB, role: Role.QUANTIZATION, weightPpm: 1_000_000 }],
        terms: { derivativesAllowed: false, minDerivativePpm: 0 },
        license: "MIT",
        metadataURI: "ipfs://card",
        weightsDigest: `0x${"11".repeat(32)}`,
      };
      const { manifest, notes } = await readModelCard(fixture("mergekit-merge.md"), overrides);
      expect(manifest).to.deep.include({ ...overrides, parents: manifest.parents });
      expect(notes.some((note) => note.startsWith("license") || note.startsWith("metadataURI"))).to.equal(false);
    });

    it("reads every field of the stemma: section, and refuses unknown ones", () => {
      const text = card(
        "base_model: org/base",
        "license: mit",
        "stemma:",
        "  key: hf:acme/model",
        `  steward: ${BOB}`,
        "  upstream: 12.5%",
        `  contributors: [{ account: ${ALICE.toLowerCase()}, role: Alignment, weight: 100% }]`,
        "  terms: { derivativesAllowed: false }",
        "  license: LicenseRef-Acme",
        "  metadataURI: ipfs://meta",
        `  weightsDigest: 0x${"AB".repeat(32)}`,
      );
      const { manifest, notes } = importModelCard(text, "README.md", {});
      expect(manifest).to.deep.equal({
        key: "hf:acme/model",
        steward: BOB,
        upstreamPpm: 125_000,
        parents: [{ key: "hf:org/base", relation: Relation.FINETUNE, weightPpm: 1_000_000 }],
        contributors: [{ account: ALICE, role: Role.ALIGNMENT, weightPpm: 1_000_000 }],
        terms: { derivativesAllowed: false, minDerivativePpm: 0 },
        license: "LicenseRef-Acme",
        metadataURI: "ipfs://meta",
        weightsDigest: `0x${"ab".repeat(32)}`,
      });
      expect(notes.some((note) => note.startsWith("terms"))).to.equal(false);
      expect(errorOf(card("stemma:", "  contributor: []"))).to.match(
        /^README\.md: stemma\.contributor is not a known field \(did you mean "contributors"\?\): the fields are key, steward, upstream, contributors, terms, license, metadataURI, weightsDigest, relation, parentWeights\.$/,
      );
      expect(errorOf(card("stemma: yes"))).to.equal(
        'README.md: stemma is "yes", not a mapping of fields (key, steward, upstream, contributors, terms, license, metadataURI, weightsDigest, relation, parentWeights).',
      );
      expect(
        errorOf(card("stemma:", "  contributors: [{ account: 0x1, role: finetuning, weight: 100% }]"), {
          ...FLAGS,
          contributors: undefined,
        }),
      ).to.equal(
        'README.md: stemma.contributors[0].account "0x1" is not an address: write "0x" followed by 40 hex digits.',
      );
      expect(
        errorOf(card("base_model: org/base", "stemma:", "  steward: 0x0000000000000000000000000000000000000000")),
      ).to.equal("README.md: stemma.steward is the zero address, which the registry refuses.");
      expect(errorOf(card("base_model: org/base", "stemma:", "  terms: { minDerivative: 5 }"))).to.match(
        /stemma\.terms\.minDerivative is the number 5: write a percentage/,
      );
    });

    it("notes the default terms and the missing metadataURI", () => {
      const { notes } = importModelCard(card("license: mit"), "README.md", { ...FLAGS, upstreamPpm: undefined });
      expect(notes).to.include(
        "terms: derivatives allowed with no minimum share (the default; add terms: to the stemma: section)",
      );
      expect(notes).to.include("metadataURI: none (pass --metadata-uri to point at the card or a metadata document)");
    });

    it("refuses front matter that is not a mapping, and fields of the wrong type", () => {
      expect(errorOf("---\n- a\n- b\n---\n")).to.equal(
        "README.md: the YAML front matter is not a mapping of fields (base_model: ..., license: ...).",
      );
      expect(errorOf(card("base_model: org/base", "license: [mit, apache-2.0]"))).to.equal(
        "README.md: license is a list, not text: write it like apache-2.0.",
      );
      expect(errorOf(card("a: 1", "a: 2"))).to.match(
        /^README\.md: the YAML front matter does not parse at line 3: Map keys must be unique/,
      );
    });

    it("reads CRLF cards and cards with a byte-order mark", () => {
      const text = `\uFEFF${card("base_model: org/base", "license: apache-2.0").replace(/\n/g, "\r\n")}`;
      const { manifest } = importModelCard(text, "README.md", FLAGS);
      expect(manifest.parents[0]!.key).to.equal("hf:org/base");
      expect(manifest.license).to.equal("Apache-2.0");
    });
  });

  describe("licenses", () => {
    const cases: [string, string | undefined, string, RegExp | undefined][] = [
      ["apache-2.0", undefined, "Apache-2.0", undefined],
      ["mit", undefined, "MIT", undefined],
      ["MIT", undefined, "MIT", undefined],
      ["cc-by-4.0", undefined, "CC-BY-4.0", undefined],
      ["cc-by-nc-4.0", undefined, "CC-BY-NC-4.0", undefined],
      ["cc-by-sa-4.0", undefined, "CC-BY-SA-4.0", undefined],
      ["cc-by-nc-sa-4.0", undefined, "CC-BY-NC-SA-4.0", undefined],
      ["cc-by-nc-nd-4.0", undefined, "CC-BY-NC-ND-4.0", undefined],
      ["cc0-1.0", undefined, "CC0-1.0", undefined],
      ["bsd-3-clause", undefined, "BSD-3-Clause", undefined],
      ["gpl-3.0", undefined, "GPL-3.0-only", /license gpl-3.0 -> GPL-3.0-only \(the card does not say "or later"\)/],
      ["agpl-3.0", undefined, "AGPL-3.0-only", /or later/],
      ["creativeml-openrail-m", undefined, "CreativeML-OpenRAIL-M", undefined],
      ["openrail", undefined, "LicenseRef-OpenRAIL", /license openrail -> LicenseRef-OpenRAIL/],
      ["openrail++", undefined, "LicenseRef-OpenRAIL-plus-plus", /openrail\+\+ -> LicenseRef-OpenRAIL-plus-plus/],
      ["bigscience-openrail-m", undefined, "LicenseRef-BigScience-OpenRAIL-M", /-> LicenseRef-BigScience-OpenRAIL-M/],
      [
        "bigscience-bloom-rail-1.0",
        undefined,
        "LicenseRef-BigScience-BLOOM-RAIL-1.0",
        /-> LicenseRef-BigScience-BLOOM/,
      ],
      ["llama2", undefined, "LicenseRef-Llama-2-Community", /license llama2 -> LicenseRef-Llama-2-Community/],
      ["llama3", undefined, "LicenseRef-Llama-3-Community", /llama3 ->/],
      [
        "llama3.1",
        undefined,
        "LicenseRef-Llama-3.1-Community",
        /^license llama3\.1 -> LicenseRef-Llama-3\.1-Community$/,
      ],
      ["llama3.2", undefined, "LicenseRef-Llama-3.2-Community", /llama3\.2 ->/],
      ["llama3.3", undefined, "LicenseRef-Llama-3.3-Community", /llama3\.3 ->/],
      ["gemma", undefined, "LicenseRef-Gemma-Terms-of-Use", /license gemma -> LicenseRef-Gemma-Terms-of-Use/],
      ["other", "qwen", "LicenseRef-qwen", /^license other \(license_name qwen\) -> LicenseRef-qwen$/],
      [
        "other",
        "Tongyi Qianwen (research)",
        "LicenseRef-Tongyi-Qianwen-research",
        /LicenseRef-Tongyi-Qianwen-research/,
      ],
      [
        "other",
        undefined,
        "LicenseRef-other",
        /license other without license_name -> LicenseRef-other \(pass --license/,
      ],
      [
        "my custom license!",
        undefined,
        "LicenseRef-my-custom-license",
        /license my custom license! is not a known Hugging Face license id -> LicenseRef-my-custom-license \(check it\)/,
      ],
      ["", undefined, "", /license: the card names none/],
    ];
    for (const [license, licenseName, spdx, note] of cases) {
      it(`${license || "(none)"}${licenseName ? ` + ${licenseName}` : ""} -> ${spdx || '""'}`, () => {
        const result = spdxOfHfLicense(license, licenseName);
        expect(result.spdx).to.equal(spdx);
        if (note === undefined) expect(result.note).to.equal(undefined);
        else expect(result.note).to.match(note);
      });
    }

    it("reads license_name from the card", () => {
      const { manifest, notes } = importModelCard(card("license: other", "license_name: deepseek"), "README.md", {
        ...FLAGS,
        upstreamPpm: undefined,
      });
      expect(manifest.license).to.equal("LicenseRef-deepseek");
      expect(notes).to.include("license other (license_name deepseek) -> LicenseRef-deepseek");
    });
  });

  describe("ppm weights", () => {
    it("splits equally with the remainder on the first, summing to exactly 1,000,000", () => {
      expect(equalWeightsPpm(1)).to.deep.equal([1_000_000]);
      expect(equalWeightsPpm(3)).to.deep.equal([333_334, 333_333, 333_333]);
      expect(equalWeightsPpm(7)).to.deep.equal([142_858, ...Array<number>(6).fill(142_857)]);
      for (let count = 1; count <= 16; count++) expect(sum(equalWeightsPpm(count)), String(count)).to.equal(1_000_000);
    });

    it("normalises decimal weights exactly, with the remainder on the first", () => {
      expect(normalizeWeightsPpm(["1.0", "0.5"])).to.deep.equal([666_667, 333_333]);
      expect(normalizeWeightsPpm(["0.6", "0.4"])).to.deep.equal([600_000, 400_000]);
      // 0.1 + 0.2 is not 0.3 in floats; here it is exact.
      expect(normalizeWeightsPpm(["0.1", "0.2", "0.7"])).to.deep.equal([100_000, 200_000, 700_000]);
      expect(normalizeWeightsPpm(["1", "1", "1"])).to.deep.equal([333_334, 333_333, 333_333]);
      expect(normalizeWeightsPpm(["2.5e-1", "75e-2"])).to.deep.equal([250_000, 750_000]);
      expect(normalizeWeightsPpm(["1e2", "3e2"])).to.deep.equal([250_000, 750_000]);
      expect(normalizeWeightsPpm(["0.333", "0.333", "0.334"])).to.deep.equal([333_000, 333_000, 334_000]);
      for (const weights of [
        ["3", "7", "11"],
        ["0.05", "0.9", "0.05"],
        ["1", "2", "3", "4", "5", "6", "7"],
      ])
        expect(sum(normalizeWeightsPpm(weights)!), weights.join()).to.equal(1_000_000);
    });

    it("refuses weights it cannot turn into positive ppm", () => {
      for (const weights of [[], ["0", "1"], ["-1", "2"], ["abc"], ["0.0000001", "1000"]])
        expect(normalizeWeightsPpm(weights), weights.join()).to.equal(undefined);
    });
  });
});
