// @ts-check
import js from "@eslint/js";
import { defineConfig, globalIgnores } from "eslint/config";
import globals from "globals";
import tseslint from "typescript-eslint";

/** The folders of src/, lowest first, and what each may import (docs/ARCHITECTURE.md draws them). */
const LAYERS = [
  { layer: "internal", mayImport: [], why: "shared helpers (errors, logger, sleep) that everything may use." },
  { layer: "contracts", mayImport: [], why: "ABIs generated from the Hardhat artifacts (npm run codegen)." },
  { layer: "core", mayImport: ["internal"], why: "the ledger's rules are pure." },
  { layer: "chain", mayImport: ["internal", "contracts", "core"], why: "it speaks to nodes; it knows no store." },
  { layer: "store", mayImport: ["internal", "contracts", "core", "chain"], why: "tables, migrations and reads." },
  {
    layer: "indexer",
    mayImport: ["internal", "contracts", "core", "chain", "store"],
    why: "it writes the store from the chain.",
  },
  {
    layer: "api",
    mayImport: ["internal", "contracts", "core", "store"],
    why: "it reads the store, never the chain or the indexer's internals.",
  },
  {
    layer: "sim",
    mayImport: ["internal", "contracts", "core", "chain"],
    why: "scenarios act on a chain and predict with core; the CLI calls them, never the reverse.",
  },
  {
    layer: "cli",
    mayImport: ["internal", "contracts", "core", "chain", "store", "indexer", "api", "sim"],
    why: "the composition root; nothing imports it.",
  },
];
const SRC_LAYERS = LAYERS.map(({ layer }) => layer);

export default defineConfig(
  globalIgnores([
    "node_modules/",
    "artifacts/",
    "cache/",
    "types/",
    "typechain-types/",
    "coverage/",
    "bench/results/",
    "ignition/deployments/",
    ".stemma/",
    "deployments/",
  ]),
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    languageOptions: {
      ecmaVersion: 2023,
      sourceType: "module",
      globals: { ...globals.node },
    },
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
    },
  },
  // Layering (docs/ARCHITECTURE.md): each folder of src/ may import only the layers listed for it. The rule is
  // tested (test/lint/layers.test.ts).
  ...LAYERS.map(({ layer, mayImport, why }) => ({
    files: [`src/${layer}/**/*.ts`],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              regex: `^(\\.\\./)+(${SRC_LAYERS.filter((other) => other !== layer && !mayImport.includes(other)).join("|")})/`,
              message: `src/${layer} may import ${mayImport.length ? mayImport.map((l) => `src/${l}`).join(", ") : "nothing else in src/"}: ${why}`,
            },
            {
              regex: "^(\\.\\./)+(test|scripts|bench)/|^(hardhat|ethers)(/|$)",
              message: "src/ runs without Hardhat and ethers, and never imports tests, scripts or benchmarks.",
            },
          ],
        },
      ],
    },
  })),
  {
    files: ["**/*.cjs"],
    languageOptions: { sourceType: "commonjs" },
    rules: { "@typescript-eslint/no-require-imports": "off" },
  },
  {
    // mocha tests: `expect(x).to.be.true` style chai assertions are expressions
    files: ["test/**/*.ts"],
    languageOptions: { globals: { ...globals.mocha } },
    rules: { "@typescript-eslint/no-unused-expressions": "off" },
  },
);
