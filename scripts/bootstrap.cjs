#!/usr/bin/env node
// Stemma bootstrap: makes sure node_modules is installed, complete and on Node 24.
//
// Runs as the `pretest` / `prestart` hook, BEFORE any dependency exists, so it must stay plain
// CommonJS with no dependencies and must run on Node 20 as well as Node >= 22.13.
//
// Why: Hardhat 3 needs Node >= 22.13, and its native EVM package (@nomicfoundation/edr-<platform>)
// declares `engines: node >= 22`, which npm silently skips when npm itself runs on Node 20. So on an
// old Node we install through `npx -y -p node@24 -- npm ci` (npm then runs on Node 24). The `node`
// package in devDependencies puts a Node 24 binary at node_modules/.bin/node; npm puts
// node_modules/.bin first on PATH for every script, so the `test`/`start` scripts that follow this
// hook run on Node 24 even when the machine's Node is 20.
"use strict";

const fs = require("node:fs");
const path = require("node:path");
const { createHash } = require("node:crypto");
const { spawnSync } = require("node:child_process");

const ROOT = path.resolve(__dirname, "..");
const NODE_MODULES = path.join(ROOT, "node_modules");
const LOCKFILE = path.join(ROOT, "package-lock.json");
const STAMP = path.join(NODE_MODULES, ".stemma-install-stamp");
const MIN_NODE = [22, 13, 0];

function log(msg) {
  process.stdout.write(`[bootstrap] ${msg}\n`);
}

function fail(msg) {
  process.stderr.write(`[bootstrap] ERROR: ${msg}\n`);
  process.exit(1);
}

function versionAtLeast(version, min) {
  const parts = version.split(".").map((n) => parseInt(n, 10));
  for (let i = 0; i < min.length; i++) {
    const a = parts[i] || 0;
    if (a !== min[i]) return a > min[i];
  }
  return true;
}

function libc() {
  if (process.platform !== "linux") return "";
  try {
    const report = process.report && process.report.getReport();
    const header = report && (typeof report === "string" ? JSON.parse(report).header : report.header);
    if (header && header.glibcVersionRuntime) return "gnu";
  } catch {
    // fall through
  }
  return "musl";
}

// The name of EDR's native package for this machine, e.g. @nomicfoundation/edr-linux-x64-gnu.
// Prefer EDR's own list of optionalDependencies (if EDR is installed); else build the name the way
// EDR's packages are named (platform-arch[-libc|-msvc]).
function edrNativePackage() {
  const suffix = process.platform === "linux" ? `-${libc()}` : process.platform === "win32" ? "-msvc" : "";
  const expected = `@nomicfoundation/edr-${process.platform}-${process.arch}${suffix}`;
  try {
    const pkg = JSON.parse(fs.readFileSync(path.join(NODE_MODULES, "@nomicfoundation/edr/package.json"), "utf8"));
    const names = Object.keys(pkg.optionalDependencies || {});
    if (names.length > 0 && !names.includes(expected)) {
      const prefix = `@nomicfoundation/edr-${process.platform}-${process.arch}`;
      const candidates = names.filter((n) => n.startsWith(prefix));
      if (candidates.length === 1) return candidates[0];
    }
  } catch {
    // EDR not installed yet: use the computed name
  }
  return expected;
}

function lockHash() {
  if (!fs.existsSync(LOCKFILE)) return "no-lockfile";
  return createHash("sha256").update(fs.readFileSync(LOCKFILE)).digest("hex");
}

function mtime(file) {
  try {
    return fs.statSync(file).mtimeMs;
  } catch {
    return -1;
  }
}

// Returns the reason an install is needed, or null when the tree is fine.
function installReason(hash) {
  if (!fs.existsSync(NODE_MODULES)) return "node_modules is missing";
  const edr = edrNativePackage();
  if (!fs.existsSync(path.join(NODE_MODULES, edr, "package.json"))) {
    return `${edr} (EDR native binding) is missing from node_modules`;
  }
  if (!fs.existsSync(path.join(NODE_MODULES, ".bin", "node"))) return "node_modules/.bin/node (Node 24) is missing";
  let stamp = "";
  try {
    stamp = JSON.parse(fs.readFileSync(STAMP, "utf8")).lockHash || "";
  } catch {
    // missing or unreadable stamp
  }
  if (stamp === hash) return null;
  // A manual `npm install` writes package-lock.json, then node_modules/.package-lock.json: when npm's
  // own record is at least as new as the lockfile, the tree matches it; just restamp.
  if (mtime(path.join(NODE_MODULES, ".package-lock.json")) >= mtime(LOCKFILE)) return "restamp";
  return stamp === "" ? "node_modules has no install stamp" : "node_modules is older than package-lock.json";
}

function run(cmd, args) {
  const result = spawnSync(cmd, args, { cwd: ROOT, stdio: "inherit", env: process.env });
  if (result.error) return `${cmd} could not start: ${result.error.message}`;
  if (result.status !== 0) return `\`${cmd} ${args.join(" ")}\` exited with ${result.status ?? result.signal}`;
  return null;
}

function main() {
  const hash = lockHash();
  const reason = installReason(hash);
  if (reason === null) return;
  if (reason === "restamp") {
    writeStamp(hash, checkInstalled());
    log("node_modules already matches package-lock.json (installed by npm directly): recorded it, no install");
    return;
  }

  const hasLock = fs.existsSync(LOCKFILE);
  const npmArgs = hasLock ? ["ci", "--no-audit", "--no-fund"] : ["install", "--no-audit", "--no-fund"];
  const modernNode = versionAtLeast(process.versions.node, MIN_NODE);
  const npm = process.platform === "win32" ? "npm.cmd" : "npm";
  const npx = process.platform === "win32" ? "npx.cmd" : "npx";
  const [cmd, args] = modernNode ? [npm, npmArgs] : [npx, ["-y", "-p", "node@24", "--", "npm", ...npmArgs]];

  log(
    `${reason}: running \`${cmd} ${args.join(" ")}\`` +
      (modernNode ? "" : ` (Node ${process.versions.node} < 22.13, so npm runs on Node 24 from the npm registry)`),
  );
  const error = run(cmd, args);
  if (error) {
    fail(
      `dependency install failed (${error}). Check that the npm registry is reachable and package-lock.json ` +
        "matches package.json (run `npx -y -p node@24 -- npm install` to refresh it).",
    );
  }

  const localVersion = checkInstalled();
  writeStamp(hash, localVersion);
  log(`dependencies ready (node_modules/.bin/node is Node ${localVersion})`);
}

function writeStamp(hash, localVersion) {
  fs.writeFileSync(STAMP, JSON.stringify({ lockHash: hash, node: localVersion, at: new Date().toISOString() }) + "\n");
}

// Checks what the install must have produced; returns the version of node_modules/.bin/node.
function checkInstalled() {
  const edr = edrNativePackage();
  if (!fs.existsSync(path.join(NODE_MODULES, edr, "package.json"))) {
    fail(`install finished but ${edr} is missing: npm probably ran on Node < 22, which skips it.`);
  }
  const localNode = path.join(NODE_MODULES, ".bin", "node");
  if (!fs.existsSync(localNode)) {
    fail("install finished but node_modules/.bin/node is missing: the `node` devDependency (Node 24) did not install.");
  }
  const version = spawnSync(localNode, ["--version"], { encoding: "utf8" });
  const localVersion = (version.stdout || "").trim().replace(/^v/, "");
  if (version.status !== 0 || !versionAtLeast(localVersion, MIN_NODE)) {
    fail(`node_modules/.bin/node does not run or is too old (${localVersion || "no version"}).`);
  }
  return localVersion;
}

main();
