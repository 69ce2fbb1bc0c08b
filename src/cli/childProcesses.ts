import type { ChildProcess } from "node:child_process";
import { once } from "node:events";
import { createServer } from "node:net";
import { join } from "node:path";

import { ROOT } from "./shared.js";

/** Hardhat's command line, run with this process's Node (the project's Node 24). */
export const HARDHAT_BIN = join(ROOT, "node_modules", "hardhat", "dist", "src", "cli.js");

/**
 * Node flags that make a child stop when the process that started it dies, even by SIGKILL: they preload
 * src/internal/exitWithParent.ts (Node strips its types itself; it imports nothing) and start it. `stemma dev` gives
 * them to its Hardhat children, so that a killed `stemma dev` leaves no chain serving behind.
 */
export const EXIT_WITH_PARENT_FLAGS = [
  "--import",
  `data:text/javascript,${encodeURIComponent(
    `import { exitWithParent } from ${JSON.stringify(new URL("../internal/exitWithParent.ts", import.meta.url).href)};
exitWithParent();`,
  )}`,
];

/**
 * The environment for Hardhat children: without HARDHAT_CONFIG (and the other HARDHAT_* a parent Hardhat process
 * exports, e.g. under `hardhat test`), so they always use this project's hardhat.config.ts.
 */
export function hardhatEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith("HARDHAT_")));
  return { ...env, ...extra };
}

/** How long a child gets to exit after SIGTERM before SIGKILL. */
const STOP_GRACE_MS = 5_000;

/**
 * SIGTERM, then SIGKILL after the grace period; resolves once the child exited (or 2 s after SIGKILL). With `group`,
 * signals the child's whole process group (a child spawned `detached`).
 */
export async function stopChild(child: ChildProcess, group = false): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, "exit").then(() => true);
  const kill = (signal: NodeJS.Signals) => {
    try {
      if (group && child.pid) process.kill(-child.pid, signal);
      else child.kill(signal);
    } catch {
      // already gone
    }
  };
  kill("SIGTERM");
  const timeout = (ms: number) => new Promise<boolean>((resolve) => setTimeout(resolve, ms, false).unref());
  if (await Promise.race([exited, timeout(STOP_GRACE_MS)])) return;
  kill("SIGKILL");
  await Promise.race([exited, timeout(2_000)]);
}

/** One JSON-RPC call's result (undefined when the node answers with an error), within `timeoutMs`. */
export async function rpcCall<T>(url: string, method: string, params: unknown[] = [], timeoutMs = 5_000) {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
    signal: AbortSignal.timeout(timeoutMs),
  });
  return ((await response.json()) as { result?: T }).result;
}

/** Whether a JSON-RPC node answers `eth_chainId` at `url` within a second. */
export async function answersChainId(url: string): Promise<boolean> {
  try {
    return (await rpcCall<string>(url, "eth_chainId", [], 1_000)) !== undefined;
  } catch {
    return false;
  }
}

/** A port that was free a moment ago on 127.0.0.1 (for a server started next, in tests, benchmarks and simulations). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
