import { createRequire } from "node:module";

import hardhatToolboxMochaEthers from "@nomicfoundation/hardhat-toolbox-mocha-ethers";
import hardhatViem from "@nomicfoundation/hardhat-viem";
import { defineConfig } from "hardhat/config";

// Hardhat cannot download compilers here (no internet): use the wasm build from the npm `solc`
// package. The path must be absolute and SOLC_VERSION must equal the installed `solc` version.
const require = createRequire(import.meta.url);
const SOLC_VERSION = "0.8.37";
const SOLC_PATH = require.resolve("solc/soljson.js");

// Chosen by measurement (npm run bench:gas, docs/GAS.md): the IR pipeline cuts 15-20% off registration,
// propagation and claims, but compiles about 6x slower, so only the production profile (deployments and the gas
// benchmark) uses it; tests compile with the legacy pipeline. Same source, same optimizer runs.
const defaultSettings = { optimizer: { enabled: true, runs: 10_000 }, viaIR: false };
const productionSettings = { optimizer: { enabled: true, runs: 10_000 }, viaIR: true };
// The registry's identity and dispute paths do not fit EIP-170's 24,576 bytes at 10,000 runs (29.2 kB legacy, and
// still over it with IR at 200 runs); registration is paid once per model, so the registry is optimized for size
// instead: runs 1 gives 24.1 kB legacy and 21.2 kB IR (docs/GAS.md).
const REGISTRY = "contracts/lineage/ModelRegistry.sol";
const sizeOptimized = (settings: typeof defaultSettings) => ({
  version: SOLC_VERSION,
  path: SOLC_PATH,
  settings: { ...settings, optimizer: { enabled: true, runs: 1 } },
});

export default defineConfig({
  plugins: [hardhatToolboxMochaEthers, hardhatViem],
  solidity: {
    profiles: {
      default: {
        compilers: [{ version: SOLC_VERSION, path: SOLC_PATH, settings: defaultSettings }],
        overrides: { [REGISTRY]: sizeOptimized(defaultSettings) },
      },
      production: {
        compilers: [{ version: SOLC_VERSION, path: SOLC_PATH, settings: productionSettings }],
        overrides: { [REGISTRY]: sizeOptimized(productionSettings) },
      },
    },
  },
  paths: {
    sources: "contracts",
    tests: {
      solidity: "test/sol",
      mocha: "test",
    },
  },
  test: {
    mocha: {
      timeout: 120_000,
      // The PostgreSQL tests' server (test/helpers/postgres.ts) is started on first use; stop it after the last test.
      rootHooks: {
        afterAll: async () => (await import("./test/helpers/postgres.js")).stopTestPostgres(),
      },
    },
    // Solidity tests (test/sol): fuzz and invariant budgets sized so the whole suite stays well under a minute on
    // two cores; raise them locally (or per test with `/// hardhat-config: fuzz.runs = N`) for a deeper search.
    // failOnRevert: the handler records expected reverts itself, so any revert that escapes it is a bug; without
    // this the invariant fuzzer silently drops reverting calls (and the state change a broken check rolled back).
    solidity: {
      fsPermissions: { readDirectory: ["test/helpers/vectors"] },
      fuzz: { runs: 256 },
      invariant: { runs: 16, depth: 150, failOnRevert: true },
    },
  },
});
