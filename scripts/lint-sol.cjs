#!/usr/bin/env node
// Runs solhint on every .sol file under contracts/ and test/, and succeeds when there is none
// (solhint itself exits 255 with "No files to lint!" when its globs match nothing).
"use strict";

const fs = require("node:fs");
const path = require("node:path");
const { spawnSync } = require("node:child_process");

const ROOT = path.resolve(__dirname, "..");
// Sources use .solhint.json; Solidity tests (test/**) use .solhint.test.json, which allows
// require-with-reason, console logs, `testFuzz_x` names and other test idioms.
const PASSES = [
  { dir: "contracts", config: ".solhint.json" },
  { dir: "test", config: ".solhint.test.json" },
];

function collect(dir, out) {
  let entries;
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return out;
  }
  for (const entry of entries) {
    if (entry.name === "node_modules" || entry.name.startsWith(".")) continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) collect(full, out);
    else if (entry.isFile() && entry.name.endsWith(".sol")) out.push(path.relative(ROOT, full));
  }
  return out;
}

const solhint = require.resolve("solhint/solhint.js", { paths: [ROOT] });
let status = 0;
for (const { dir, config } of PASSES) {
  const files = collect(path.join(ROOT, dir), []).sort();
  if (files.length === 0) {
    console.log(`solhint: no .sol files under ${dir}/; nothing to lint there`);
    continue;
  }
  const args = [solhint, "--disc", "--noPoster", "-c", config, ...process.argv.slice(2), ...files];
  const result = spawnSync(process.execPath, args, { cwd: ROOT, stdio: "inherit" });
  if (result.error) throw result.error;
  if (result.status !== 0) status = result.status ?? 1;
}
process.exit(status);
