/**
 * Registration manifests (src/cli/manifestFile.ts): every field read from human units, and every mistake refused
 * with a one-line message that names the source and the field path.
 */
import { expect } from "chai";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { zeroHash } from "viem";

import { PPM, Relation, Role } from "../../src/core/constants.js";
import { readManifestFile, resolveManifest } from "../../src/cli/manifestFile.js";
import { formatPercent, parsePercent } from "../../src/core/percent.js";
import { CliError } from "../../src/cli/shared.js";

const EXAMPLE = fileURLToPath(new URL("../../examples/manifest.yaml", import.meta.url));
const DOCS = fileURLToPath(new URL("../../docs/CLI.md", import.meta.url));

// Hardhat's default accounts 1-3, checksummed.
const ALICE = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const BOB = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC";
const CAROL = "0x90F79bf6EB2c4f870365E785982E1f101E93b906";

/** A valid derivative manifest; tests change one thing at a time. */
function derivative(): Record<string, unknown> {
  return {
    key: "hf:acme/llama-3.1-8b-legal",
    upstream: "20%",
    parents: [{ key: "hf:meta-llama/llama-3.1-8b", relation: "finetune", weight: "100%" }],
    contributors: [
      { account: ALICE, role: "finetuning", weight: "70%" },
      { account: BOB, role: "data_curation", weight: "30%" },
    ],
  };
}

/** The CliError message resolveManifest throws for `raw`. */
function errorOf(raw: unknown, source = "m.yaml"): string {
  try {
    resolveManifest(raw, source);
  } catch (error) {
    expect(error).to.be.instanceOf(CliError);
    const message = (error as Error).message;
    expect(message, "one line").not.to.include("\n");
    expect(message.startsWith(`${source}: `), message).to.equal(true);
    return message;
  }
  expect.fail("resolveManifest accepted the manifest");
}

const edit = (change: (manifest: Record<string, unknown>) => void): Record<string, unknown> => {
  const manifest = derivative();
  change(manifest);
  return manifest;
};
const contributorsOf = (manifest: Record<string, unknown>) => manifest.contributors as Record<string, unknown>[];
const parentsOf = (manifest: Record<string, unknown>) => manifest.parents as Record<string, unknown>[];
/** The derivative with `parents` in place of its own. */
const withParents = (...parents: Record<string, unknown>[]) => edit((m) => (m.parents = parents));
/** A parent merged into the model, as a manifest lists it (without a weight when none is given). */
const merged = (key: string, weight?: string) =>
  weight === undefined ? { key, relation: "merge" } : { key, relation: "merge", weight };

describe("registration manifests", () => {
  describe("resolveManifest", () => {
    it("resolves a derivative: shares in ppm, names as enum values, defaults for what is left out", () => {
      expect(resolveManifest(derivative(), "m.yaml")).to.deep.equal({
        key: "hf:acme/llama-3.1-8b-legal",
        upstreamPpm: 200_000,
        parents: [{ key: "hf:meta-llama/llama-3.1-8b", relation: Relation.FINETUNE, weightPpm: 1_000_000 }],
        contributors: [
          { account: ALICE, role: Role.FINETUNING, weightPpm: 700_000 },
          { account: BOB, role: Role.DATA_CURATION, weightPpm: 300_000 },
        ],
        terms: { derivativesAllowed: true, minDerivativePpm: 0 },
        license: "",
        metadataURI: "",
        weightsDigest: zeroHash,
      });
    });

    it("resolves a base model with every optional field given", () => {
      const digest = `0x${"ab".repeat(32)}`;
      const manifest = resolveManifest(
        {
          key: "hf:acme/base-7b",
          steward: CAROL.toLowerCase(),
          contributors: [{ account: CAROL, role: "pretraining_compute", weight: "100%" }],
          terms: { derivativesAllowed: false, minDerivative: "12.5%" },
          license: "Apache-2.0",
          metadataURI: "ipfs://bafy",
          weightsDigest: digest.toUpperCase().replace("0X", "0x"),
        },
        "base.json",
      );
      expect(manifest).to.deep.equal({
        key: "hf:acme/base-7b",
        steward: CAROL,
        upstreamPpm: 0,
        parents: [],
        contributors: [{ account: CAROL, role: Role.PRETRAINING_COMPUTE, weightPpm: 1_000_000 }],
        terms: { derivativesAllowed: false, minDerivativePpm: 125_000 },
        license: "Apache-2.0",
        metadataURI: "ipfs://bafy",
        weightsDigest: digest,
      });
    });

    it("reads every role and relation by name, whatever the case, with - or space for _", () => {
      for (const [name, role] of Object.entries(Role)) {
        for (const written of [name, name.toLowerCase(), name.toLowerCase().replace(/_/g, "-")]) {
          const manifest = resolveManifest(
            edit((m) => (contributorsOf(m)[0]!.role = written)),
            "m.yaml",
          );
          expect(manifest.contributors[0]!.role, written).to.equal(role);
        }
      }
      for (const [name, relation] of Object.entries(Relation)) {
        for (const written of [name, name.toLowerCase(), `${name[0]}${name.slice(1).toLowerCase()}`]) {
          const manifest = resolveManifest(
            edit((m) => (parentsOf(m)[0]!.relation = written)),
            "m.yaml",
          );
          expect(manifest.parents[0]!.relation, written).to.equal(relation);
        }
      }
      const spaced = edit((m) => (contributorsOf(m)[0]!.role = "Evaluation RedTeam"));
      expect(resolveManifest(spaced, "m.yaml").contributors[0]!.role).to.equal(Role.EVALUATION_REDTEAM);
    });

    it("gives a single parent 100% when its weight is left out", () => {
      const manifest = resolveManifest(
        edit((m) => delete parentsOf(m)[0]!.weight),
        "m.yaml",
      );
      expect(manifest.parents[0]!.weightPpm).to.equal(Number(PPM));
    });

    it("keeps the parents' order (the slice order) and exact shares down to 0.0001%", () => {
      const manifest = resolveManifest(
        edit((m) => {
          m.parents = [
            { key: "hf:b/two", relation: "merge", weight: "33.3333%" },
            { key: "hf:a/one", relation: "merge", weight: "33.3334%" },
            { key: "hf:c/three", relation: "merge", weight: "33.3333%" },
          ];
          m.contributors = [
            { account: ALICE, role: "finetuning", weight: "99.9999%" },
            { account: BOB, role: "tooling", weight: "0.0001%" },
          ];
        }),
        "m.yaml",
      );
      expect(manifest.parents.map((p) => [p.key, p.weightPpm])).to.deep.equal([
        ["hf:b/two", 333_333],
        ["hf:a/one", 333_334],
        ["hf:c/three", 333_333],
      ]);
      expect(manifest.contributors.map((c) => c.weightPpm)).to.deep.equal([999_999, 1]);
    });

    it("lets one account hold several roles", () => {
      const manifest = resolveManifest(
        edit((m) => (contributorsOf(m)[1]!.account = ALICE)),
        "m.yaml",
      );
      expect(manifest.contributors.map((c) => c.account)).to.deep.equal([ALICE, ALICE]);
    });

    it("accepts the registry's limits: 16 parents, 1000 contributors", () => {
      const manifest = resolveManifest(
        edit((m) => {
          m.parents = Array.from({ length: 16 }, (_, i) => ({
            key: `hf:org/p${i}`,
            relation: "merge",
            weight: "6.25%",
          }));
          m.contributors = Array.from({ length: 1000 }, (_, i) => ({
            account: `0x${(i + 1).toString(16).padStart(40, "0")}`,
            role: "other",
            weight: "0.1%",
          }));
        }),
        "m.yaml",
      );
      expect(manifest.parents).to.have.length(16);
      expect(manifest.contributors).to.have.length(1000);
    });
    it("makes the keys it reads canonical (F14): an hf: key lowercased, any key trimmed", () => {
      const manifest = resolveManifest(
        edit((m) => {
          m.key = " HF:Acme/Llama-3.1-8B-Legal ";
          m.parents = [{ key: "hf:Meta-Llama/Llama-3.1-8B", relation: "finetune" }];
        }),
        "m.yaml",
      );
      expect(manifest.key).to.equal("hf:acme/llama-3.1-8b-legal");
      expect(manifest.parents.map((parent) => parent.key)).to.deep.equal(["hf:meta-llama/llama-3.1-8b"]);
      expect(
        resolveManifest(
          edit((m) => (m.key = "gh:Acme/Model ")),
          "m.yaml",
        ).key,
      ).to.equal("gh:Acme/Model");
      expect(errorOf(edit((m) => (m.key = "hf:acme/llama 3.1")))).to.match(
        /^m\.yaml: key Invalid model key "hf:acme\/llama 3\.1": hf: keys have no spaces .*: a space at offset 13: a key is/,
      );
      expect(
        errorOf(
          withParents(
            { key: "hf:Meta-Llama/Llama-3.1-8B", relation: "merge", weight: "50%" },
            { key: "hf:meta-llama/llama-3.1-8b", relation: "merge", weight: "50%" },
          ),
        ),
      ).to.match(/parents\[1\]\.key "hf:meta-llama\/llama-3\.1-8b" is already parents\[0\]/);
    });
  });

  describe("resolveManifest refuses", () => {
    const cases: [string, Record<string, unknown> | unknown, RegExp][] = [
      ["a manifest that is not a mapping", ["key"], /the input is a list, not a mapping of fields/],
      [
        "an unknown field, suggesting the close one",
        edit((m) => (m.contributor = [])),
        /contributor is not a known field \(did you mean "contributors"\?\): the fields are key, steward/,
      ],
      [
        "an unknown field with no close one",
        edit((m) => (m.royalties = "5%")),
        /royalties is not a known field: the fields are/,
      ],
      [
        "an unknown field inside a parent",
        edit((m) => (parentsOf(m)[0]!.wieght = "1%")),
        /parents\[0\]\.wieght is not a known field \(did you mean "weight"\?\)/,
      ],
      [
        "an unknown field inside a contributor",
        edit((m) => (contributorsOf(m)[1]!.share = "1%")),
        /contributors\[1\]\.share is not a known field: the fields are account, role, weight/,
      ],
      [
        "an unknown field inside terms",
        edit((m) => (m.terms = { minDerivativePpm: 5 })),
        /terms\.minDerivativePpm is not a known field \(did you mean "minDerivative"\?\)/,
      ],
      ["a missing key", edit((m) => delete m.key), /key is missing: name the model, e.g. key: "hf:org\/name"/],
      [
        "an empty key",
        edit((m) => (m.key = "")),
        /key Invalid model key "": the key is empty: a key is 1-128 printable ASCII bytes/,
      ],
      [
        "a key with a non-ASCII character",
        edit((m) => (m.key = "hf:acme/café")),
        /key Invalid model key .*byte 0xc3 at offset 11 is not printable ASCII/,
      ],
      ["a key over 128 bytes", edit((m) => (m.key = `hf:${"x".repeat(126)}`)), /the key is 129 bytes long/],
      ["a key that is not text", edit((m) => (m.key = 42)), /key is 42, not text: write it like "hf:org\/name"/],
      ["missing contributors", edit((m) => delete m.contributors), /contributors is missing: list who made the model/],
      [
        "no contributors",
        edit((m) => (m.contributors = [])),
        /contributors has 0 entries: a model has 1 to 1000 contributors/,
      ],
      [
        "1001 contributors",
        edit(
          (m) =>
            (m.contributors = Array.from({ length: 1001 }, () => ({ account: ALICE, role: "other", weight: "0.1%" }))),
        ),
        /contributors has 1001 entries: a model has 1 to 1000 contributors/,
      ],
      [
        "contributors that are not a list",
        edit((m) => (m.contributors = { account: ALICE })),
        /contributors is a mapping, not a list\./,
      ],
      [
        "contributor weights under 100%",
        edit((m) => (contributorsOf(m)[1]!.weight = "25%")),
        /contributors weights sum to 95%, not 100%: adjust the contributors\[\*\]\.weight/,
      ],
      [
        "contributor weights over 100%",
        edit((m) => (contributorsOf(m)[1]!.weight = "30.0001%")),
        /contributors weights sum to 100\.0001%, not 100%/,
      ],
      [
        "a zero contributor weight",
        edit((m) => (m.contributors = [...contributorsOf(m), { account: CAROL, role: "tooling", weight: "0%" }])),
        /contributors\[2\]\.weight is 0%, which the registry refuses/,
      ],
      [
        "a weight without a % sign",
        edit((m) => (contributorsOf(m)[0]!.weight = 70)),
        /contributors\[0\]\.weight is the number 70: write a percentage with a % sign, e.g. "70%"/,
      ],
      [
        "a weight with five decimals",
        edit((m) => (contributorsOf(m)[0]!.weight = "69.99999%")),
        /contributors\[0\]\.weight "69\.99999%" is not a percentage between 0% and 100% with at most 4 decimals/,
      ],
      [
        "a weight over 100%",
        edit((m) => (contributorsOf(m)[0]!.weight = "170%")),
        /contributors\[0\]\.weight "170%" is not a percentage/,
      ],
      [
        "a missing contributor weight",
        edit((m) => delete contributorsOf(m)[1]!.weight),
        /contributors\[1\]\.weight is missing: write it like "12\.5%"/,
      ],
      [
        "an unknown role, listing the roles",
        edit((m) => (contributorsOf(m)[1]!.role = "curation")),
        /contributors\[1\]\.role "curation" is not one of pretraining_compute, data_curation, finetuning, alignment, evaluation_redteam, quantization, maintenance, tooling, documentation, funding, other\./,
      ],
      [
        "a role given as a number",
        edit((m) => (contributorsOf(m)[1]!.role = 1)),
        /contributors\[1\]\.role is 1, not text/,
      ],
      [
        "a bad address",
        edit((m) => (contributorsOf(m)[0]!.account = "0x1234")),
        /contributors\[0\]\.account "0x1234" is not an address: write "0x" followed by 40 hex digits/,
      ],
      [
        "a mixed-case address with a wrong checksum",
        edit((m) => (contributorsOf(m)[0]!.account = ALICE.replace("C51812dc", "c51812DC"))),
        /contributors\[0\]\.account ".*" has a wrong checksum \(mixed case\): check it for a typo, or write it all lowercase/,
      ],
      [
        "the zero address",
        edit((m) => (contributorsOf(m)[0]!.account = `0x${"0".repeat(40)}`)),
        /contributors\[0\]\.account is the zero address, which the registry refuses/,
      ],
      [
        "the same account and role twice",
        edit(
          (m) =>
            (m.contributors = [
              { account: ALICE, role: "finetuning", weight: "50%" },
              { account: BOB, role: "tooling", weight: "20%" },
              { account: ALICE.toLowerCase(), role: "FINETUNING", weight: "30%" },
            ]),
        ),
        /contributors\[2\] repeats contributors\[0\] \(same account and role\): merge their weights into one entry/,
      ],
      ["a bad steward", edit((m) => (m.steward = "alice")), /steward "alice" is not an address/],
      [
        "parents that are not a list",
        edit((m) => (m.parents = "hf:meta-llama/llama-3.1-8b")),
        /parents is "hf:meta-llama\/llama-3\.1-8b", not a list/,
      ],
      [
        "17 parents",
        withParents(...Array.from({ length: 17 }, (_, i) => merged(`hf:o/p${i}`, "5%"))),
        /parents has 17 entries: a model has at most 16 parents/,
      ],
      [
        "the same parent twice",
        withParents(merged("hf:o/a", "50%"), merged("hf:o/a", "50%")),
        /parents\[1\]\.key "hf:o\/a" is already parents\[0\]: list each parent once/,
      ],
      [
        "parent weights that do not sum to 100%",
        withParents(merged("hf:o/a", "60%"), merged("hf:o/b", "30%")),
        /parents weights sum to 90%, not 100%: adjust the parents\[\*\]\.weight/,
      ],
      [
        "a single parent under 100%",
        edit((m) => (parentsOf(m)[0]!.weight = "50%")),
        /parents weights sum to 50%, not 100%/,
      ],
      [
        "a missing weight among several parents",
        withParents(merged("hf:o/a"), merged("hf:o/b", "30%")),
        /parents\[0\]\.weight is missing: with several parents each needs a weight/,
      ],
      [
        "a zero parent weight",
        withParents(merged("hf:o/a", "100%"), merged("hf:o/b", "0%")),
        /parents\[1\]\.weight is 0%, which the registry refuses/,
      ],
      [
        "a missing relation",
        edit((m) => delete parentsOf(m)[0]!.relation),
        /parents\[0\]\.relation is missing: say how this model was made from the parent \(finetune, adapter, quantized, merge, distill, other\)/,
      ],
      [
        "an unknown relation",
        edit((m) => (parentsOf(m)[0]!.relation = "lora")),
        /parents\[0\]\.relation "lora" is not one of finetune, adapter, quantized, merge, distill, other\./,
      ],
      [
        "a bad parent key",
        edit((m) => (parentsOf(m)[0]!.key = "hf:tab\there")),
        /parents\[0\]\.key Invalid model key .*byte 0x09 at offset 6/,
      ],
      [
        "a derivative without an upstream share",
        edit((m) => delete m.upstream),
        /upstream is missing: a model with parents must say what share of its revenue flows to them: add e\.g\. upstream: "20%"/,
      ],
      [
        "an upstream share without parents",
        edit((m) => delete m.parents),
        /upstream is 20% but the model has no parents: make it 0% or add parents/,
      ],
      [
        "an upstream share given as a fraction",
        edit((m) => (m.upstream = 0.2)),
        /upstream is the number 0\.2: write a percentage with a % sign/,
      ],
      [
        "terms that are not a mapping",
        edit((m) => (m.terms = "open")),
        /terms is "open", not a mapping of fields \(derivativesAllowed, minDerivative\)/,
      ],
      [
        "derivativesAllowed as yes",
        edit((m) => (m.terms = { derivativesAllowed: "yes" })),
        /terms\.derivativesAllowed is "yes": write true or false/,
      ],
      [
        "a minimum over 100%",
        edit((m) => (m.terms = { minDerivative: "101%" })),
        /terms\.minDerivative "101%" is not a percentage/,
      ],
      [
        "a license that is not text",
        edit((m) => (m.license = ["MIT"])),
        /license is a list, not text: write it like "Apache-2\.0"/,
      ],
      [
        "a short weights digest",
        edit((m) => (m.weightsDigest = "0x1234")),
        /weightsDigest "0x1234" is not a 32-byte digest: write "0x" followed by 64 hex digits/,
      ],
    ];
    for (const [what, raw, message] of cases) {
      it(what, () => {
        expect(errorOf(raw)).to.match(message);
      });
    }
  });

  describe("readManifestFile", () => {
    let folder: string;
    before(async () => {
      folder = await mkdtemp(join(tmpdir(), "stemma-manifest-"));
    });
    after(async () => {
      await rm(folder, { recursive: true, force: true });
    });

    const write = async (name: string, text: string): Promise<string> => {
      const path = join(folder, name);
      await writeFile(path, text);
      return path;
    };
    const failureOf = async (path: string): Promise<string> => {
      try {
        await readManifestFile(path);
      } catch (error) {
        expect(error).to.be.instanceOf(CliError);
        return (error as Error).message;
      }
      return expect.fail("readManifestFile accepted the file");
    };

    it("reads the example manifest (the one docs/CLI.md describes)", async () => {
      const manifest = await readManifestFile(EXAMPLE);
      expect(manifest.key).to.equal("hf:stemma-demo/llama-3.1-8b-medical-triage-merge");
      expect(manifest.upstreamPpm).to.equal(300_000);
      expect(manifest.parents).to.deep.equal([
        { key: "hf:stemma-demo/llama-3.1-8b-medical", relation: Relation.MERGE, weightPpm: 600_000 },
        { key: "hf:stemma-demo/llama-3.1-8b-triage-lora", relation: Relation.MERGE, weightPpm: 400_000 },
      ]);
      expect(manifest.contributors.map((c) => [c.role, c.weightPpm])).to.deep.equal([
        [Role.FINETUNING, 750_000],
        [Role.EVALUATION_REDTEAM, 250_000],
      ]);
      expect(manifest.terms).to.deep.equal({ derivativesAllowed: true, minDerivativePpm: 50_000 });
      expect(manifest.steward).to.equal("0x14dC79964da2C08b23698B3D3cc7Ca32193d9955");
    });

    it("reads the manifest docs/CLI.md shows as the example file says", async () => {
      const docs = await readFile(DOCS, "utf8");
      const shown = /## Manifest files[\s\S]*?```yaml\n([\s\S]*?)```/.exec(docs)?.[1];
      expect(shown, "docs/CLI.md shows a manifest").to.be.a("string");
      expect(await readManifestFile(await write("docs.yaml", shown!))).to.deep.equal(await readManifestFile(EXAMPLE));
    });

    it("reads JSON and YAML (.yaml and .yml) to the same manifest", async () => {
      const fromJson = await readManifestFile(await write("m.json", JSON.stringify(derivative())));
      const yaml = [
        "key: hf:acme/llama-3.1-8b-legal",
        "upstream: 20%",
        "parents:",
        "  - { key: hf:meta-llama/llama-3.1-8b, relation: FineTune, weight: 100% }",
        "contributors:",
        `  - { account: ${ALICE}, role: finetuning, weight: 70% }`,
        `  - { account: ${BOB}, role: data_curation, weight: 30% }`,
      ].join("\n");
      expect(await readManifestFile(await write("m.yaml", yaml))).to.deep.equal(fromJson);
      expect(await readManifestFile(await write("m.YML", yaml))).to.deep.equal(fromJson);
    });

    it("keeps unquoted 0x addresses in YAML as text, not hex numbers", async () => {
      const path = await write(
        "hex.yaml",
        `key: hf:acme/base\nsteward: ${BOB}\ncontributors:\n  - account: ${ALICE.toLowerCase()}\n    role: other\n    weight: 100%\n`,
      );
      const manifest = await readManifestFile(path);
      expect(manifest.steward).to.equal(BOB);
      expect(manifest.contributors[0]!.account).to.equal(ALICE);
    });

    it("names the file in field errors", async () => {
      const path = await write("bad.json", JSON.stringify(edit((m) => (m.upstream = "2O%"))));
      expect(await failureOf(path)).to.equal(
        `${path}: upstream "2O%" is not a percentage between 0% and 100% with at most 4 decimals (e.g. "12.5%").`,
      );
    });

    it("refuses an unknown extension, a missing file, broken JSON, broken YAML and duplicate YAML keys", async () => {
      expect(await failureOf(join(folder, "m.toml"))).to.match(/m\.toml: a manifest is a \.json, \.yaml or \.yml file/);
      expect(await failureOf(join(folder, "absent.yaml"))).to.match(
        /^cannot read manifest .*absent\.yaml: no such file\.$/,
      );
      expect(await failureOf(await write("broken.json", '{"key": "hf:a/b",}'))).to.match(
        /broken\.json is not valid JSON: /,
      );
      expect(await failureOf(await write("broken.yaml", "key: [hf:a/b\ncontributors: x\n"))).to.match(
        /broken\.yaml is not valid YAML: /,
      );
      expect(await failureOf(await write("twice.yaml", "key: hf:a/b\nkey: hf:a/c\n"))).to.match(
        /twice\.yaml is not valid YAML: Map keys must be unique/,
      );
    });
  });

  describe("percentages", () => {
    it("round-trip exactly through manifests for every ppm granularity", () => {
      for (const ppm of [0, 1, 9, 10, 99, 100, 1_000, 12_345, 125_000, 333_333, 500_000, 999_999, 1_000_000]) {
        expect(parsePercent(formatPercent(ppm))).to.equal(ppm);
        const manifest = resolveManifest(
          edit((m) => (m.terms = { minDerivative: formatPercent(ppm) })),
          "m.yaml",
        );
        expect(manifest.terms.minDerivativePpm).to.equal(ppm);
      }
    });
  });
});
