// @ts-check
import js from "@eslint/js";
import { defineConfig, globalIgnores } from "eslint/config";
import globals from "globals";
import tseslint from "typescript-eslint";

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
  // Layering (docs/ARCHITECTURE.md): core is pure and imports nothing local; chain sees only core; sim sees
  // chain and core. Nothing in src/ may import tests, scripts or benchmarks, and ethers stays in contract tests.
  {
    files: ["src/core/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              group: ["../*", "hardhat", "ethers"],
              message: "src/core is pure: it imports nothing outside itself but viem.",
            },
          ],
        },
      ],
    },
  },
  {
    files: ["src/chain/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              group: ["../sim/*", "../../test/*", "hardhat", "ethers"],
              message: "src/chain may import only src/core (and viem).",
            },
          ],
        },
      ],
    },
  },
  {
    files: ["src/sim/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              group: ["../../test/*", "hardhat", "ethers"],
              message: "src/sim acts through viem clients handed to it.",
            },
          ],
        },
      ],
    },
  },
  {
    files: ["src/indexer/**/*.ts", "src/api/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              group: ["**/sim/*", "**/test/**", "hardhat", "hardhat/*", "ethers"],
              message:
                "src/indexer runs without Hardhat: it may import src/core, src/chain, viem and its store drivers.",
            },
          ],
        },
      ],
    },
  },
  {
    // The stemma command runs Hardhat only as child processes (scripts/dev/seed.ts), never in its own process.
    files: ["src/cli/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              group: ["**/sim/*", "**/test/**", "**/scripts/**", "hardhat", "hardhat/*", "ethers"],
              message:
                "src/cli may import src/indexer, src/api, src/chain, src/core and viem; Hardhat runs as a child.",
            },
          ],
        },
      ],
    },
  },
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
