import { answersChainId, freePort, HARDHAT_BIN, stopChild } from "../../src/cli/childProcesses.js";
import { sleep } from "../../src/internal/sleep.js";
import { spawnNode } from "./childProcess.js";

export { freePort, stopChild };

/** A `hardhat node` child process serving JSON-RPC on 127.0.0.1. */
export type HardhatNode = { url: string; port: number; stop(): Promise<void> };

/**
 * Starts `hardhat node` from the repository root (with this process's Node) on a free port and waits, at most
 * `timeoutMs`, until it answers `eth_chainId`. Blocks are mined one per transaction (automine), each with a real
 * parent hash.
 */
export async function startHardhatNode({ timeoutMs = 60_000 } = {}): Promise<HardhatNode> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const node = spawnNode("hardhat node", [HARDHAT_BIN, "node", "--hostname", "127.0.0.1", "--port", String(port)], {
    keepChars: 4_000,
  });
  const child = node.process;
  const stop = () => stopChild(child);

  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(
        `hardhat node exited (${child.exitCode ?? child.signalCode}) before answering:\n${node.output()}`,
      );
    if (await answersChainId(url)) return { url, port, stop };
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`hardhat node did not answer eth_chainId on ${url} within ${timeoutMs} ms:\n${node.output()}`);
    }
    await sleep(100);
  }
}
