#!/usr/bin/env node
// The `stemma` command's launcher (package.json "bin"; `npx stemma`). Plain CommonJS with no dependencies, so it
// runs on the machine's Node even when that is Node 20: it re-executes the project's own Node 24
// (node_modules/.bin/node, installed by `npm start`/`npm test`'s bootstrap) with tsx on src/cli/main.ts, forwarding
// the arguments, stdio, signals and the exit code. Killed outright (SIGKILL, which it cannot pass on), it leaves no
// orphan: the child notices that its parent is gone and stops (src/internal/exitWithParent.ts).
"use strict";

const fs = require("node:fs");
const path = require("node:path");
const { pathToFileURL } = require("node:url");
const { spawn } = require("node:child_process");

const ROOT = path.resolve(__dirname, "..");
const NODE = path.join(ROOT, "node_modules", ".bin", process.platform === "win32" ? "node.cmd" : "node");
const TSX = path.join(ROOT, "node_modules", "tsx", "dist", "loader.mjs");
const MAIN = path.join(ROOT, "src", "cli", "main.ts");

if (!fs.existsSync(NODE) || !fs.existsSync(TSX)) {
  process.stderr.write(
    "error: the project's dependencies are not installed: run `npm start` once (or `node scripts/bootstrap.cjs`).\n",
  );
  process.exit(1);
}

const child = spawn(NODE, ["--import", pathToFileURL(TSX).href, MAIN, ...process.argv.slice(2)], {
  stdio: "inherit",
});
// A terminal's Ctrl-C already reaches the child (same process group); a signal sent to this process alone (kill,
// a supervisor, npm) is passed on. The child ignores repeats while it stops.
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) {
  process.on(signal, () => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  });
}
child.once("error", (error) => {
  process.stderr.write(`error: cannot start ${NODE}: ${error.message}\n`);
  process.exit(1);
});
child.once("exit", (code, signal) => {
  if (signal) {
    process.removeAllListeners(signal);
    process.kill(process.pid, signal);
  } else process.exit(code ?? 1);
});
