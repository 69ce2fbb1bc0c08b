#!/usr/bin/env node
// `hardhat build --quiet` for the lint's typecheck, without solc's warnings about OpenZeppelin's own sources (its
// transient-storage note, the future `at` keyword): they are upstream's, and we cannot change them. Warnings about
// our contracts and every error are printed as solc wrote them; a failed build prints everything.
"use strict";

const path = require("node:path");
const { spawnSync } = require("node:child_process");

const ROOT = path.resolve(__dirname, "..");
const build = spawnSync(path.join(ROOT, "node_modules", ".bin", "hardhat"), ["build", "--quiet"], {
  cwd: ROOT,
  encoding: "utf8",
});
const output = `${build.stdout ?? ""}${build.stderr ?? ""}`;
if (build.status !== 0) {
  process.stderr.write(output || `${build.error ?? "hardhat build failed"}\n`);
  process.exit(build.status ?? 1);
}
// solc's diagnostics are blocks separated by blank lines, each naming its source as `--> path:line:column`.
// The Solidity tests' own compilation jobs build the registry at the default 10,000 runs, where it is over EIP-170's
// size (they run without that limit); its deployable build is size-optimized (hardhat.config.ts), and
// test/governance/Deployment.test.ts checks that the deployed code fits. So that one size warning is not ours to act on.
const testJobSizeWarning = (block) =>
  /Contract code size is \d+ bytes and exceeds 24576 bytes/.test(block) &&
  /--> \.\/contracts\/lineage\/ModelRegistry\.sol:/.test(block);
const ours = output
  .split(/\n\s*\n/)
  .filter((block) => block.trim() !== "" && !/--> \.\/node_modules\//.test(block) && !testJobSizeWarning(block));
if (ours.length > 0) process.stderr.write(`${ours.join("\n\n")}\n`);
