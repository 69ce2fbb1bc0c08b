import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";

import { sleep } from "../../src/internal/sleep.js";
import type { StoreOptions } from "../indexer/scenario.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** A Node child process started from the repository root, the tail of its output kept for failure messages. */
export type Child = {
  name: string;
  process: ChildProcess;
  /** The last characters it wrote, stdout and stderr as they came. */
  output(): string;
  /** Its exit code once it exited (null when a signal ended it). */
  exited: Promise<number | null>;
};

/** Runs this process's Node with `args` from the repository root, keeping the last `keepChars` characters of output. */
export function spawnNode(name: string, args: readonly string[], { keepChars = 8_000 } = {}): Child {
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-keepChars));
  child.stdout!.on("data", keep);
  child.stderr!.on("data", keep);
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { name, process: child, output: () => output, exited };
}

/** {spawnNode} on a TypeScript entry point (through tsx), e.g. `src/cli/main.ts`. */
export function spawnEntryPoint(name: string, script: string, args: readonly string[]): Child {
  return spawnNode(name, ["--import", "tsx", script, ...args]);
}

const describeChildren = (children: readonly Child[]) =>
  children.map((c) => `--- ${c.name} (pid ${c.process.pid}):\n${c.output()}`).join("\n");

/**
 * Polls `probe` every `pollMs` until it returns a value; fails after `timeoutMs` naming `what`, or as soon as one of
 * `children` exited, with their output.
 */
export async function waitFor<T>(
  what: string,
  children: readonly Child[],
  probe: () => Promise<T | undefined>,
  { timeoutMs = 30_000, pollMs = 50 } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const exited = children.find((c) => c.process.exitCode !== null || c.process.signalCode !== null);
    if (exited) assert.fail(`${exited.name} exited while waiting for ${what}:\n${describeChildren(children)}`);
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) assert.fail(`no ${what} within ${timeoutMs} ms:\n${describeChildren(children)}`);
    await sleep(pollMs);
  }
}

/** The flags that point the indexer, the API server or reconcile at a store: `--data-dir` (PGlite) or `--database`. */
export function storeFlags(options: StoreOptions): string[] {
  return "dataDir" in options ? ["--data-dir", options.dataDir] : ["--database", options.databaseUrl];
}
