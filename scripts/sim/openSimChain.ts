/**
 * The Hardhat side of `stemma simulate`: a fresh chain per policy (a `hardhat node` on a free port, or a given
 * node) with the whole system deployed by the Ignition module (scripts/deploy/deployStemma.ts, local parameters).
 * src/sim runs the simulation itself over plain viem clients.
 */
import { spawn } from "node:child_process";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

import hre, { network } from "hardhat";
import type { Hex } from "viem";

import { answersChainId, freePort, HARDHAT_BIN, stopChild } from "../../src/cli/childProcesses.js";
import { modelRegistryAbi, revenueRouterAbi, testTokenAbi } from "../../src/contracts/abis.js";
import type { OpenSimChain } from "../../src/sim/simulateScenario.js";
import { deployStemma } from "../deploy/deployStemma.js";
import { sleep } from "../../src/internal/sleep.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const NODE_START_MS = 120_000;

/**
 * Starts `hardhat node` on a free port in its own process group (a terminal's Ctrl-C reaches the simulation, which
 * stops the node itself once it has written its report).
 */
async function startNode(): Promise<{ url: string; stop(): Promise<void> }> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith("HARDHAT_")));
  const child = spawn(process.execPath, [HARDHAT_BIN, "node", "--hostname", "127.0.0.1", "--port", String(port)], {
    cwd: ROOT,
    env,
    detached: true,
    // The node logs every request on stdout: drop it; keep the end of stderr for a failure's message.
    stdio: ["ignore", "ignore", "pipe"],
  });
  let output = "";
  child.stderr!.on("data", (chunk: Buffer) => (output = (output + chunk.toString()).slice(-2_000)));
  child.once("error", () => undefined); // reported through the exit check below
  const stop = () => stopChild(child, true);
  const deadline = Date.now() + NODE_START_MS;
  while (!(await answersChainId(url))) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`hardhat node exited (${child.exitCode ?? child.signalCode}) before answering: ${output.trim()}`);
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`hardhat node did not answer on ${url} within ${NODE_START_MS / 1_000} s`);
    }
    await sleep(100);
  }
  return { url, stop };
}

export type SimChainOpener = { open: OpenSimChain; description: string };

/**
 * Opens a chain per policy: a new `hardhat node` each time, or, with `rpcUrl`, a fresh deployment on that node
 * (the same node, but a new registry and router, so the ledger starts empty).
 *
 * @example
 * import { simChainOpener } from "./openSimChain.js";
 * const { open } = simChainOpener({});
 * const chain = await open(policy, 0); // ... await chain.close();
 */
export function simChainOpener({ rpcUrl }: { rpcUrl?: string | undefined }): SimChainOpener {
  const run = `${process.pid}-${Date.now()}`;
  const open: OpenSimChain = async (_policy, index) => {
    const node = rpcUrl === undefined ? await startNode() : undefined;
    const url = node?.url ?? rpcUrl!;
    const deploymentId = `sim-${run}-${index}`;
    try {
      const connection = await network.create({ network: "localhost", override: { url } });
      const { record } = await deployStemma(connection, { deploymentId });
      await connection.close();
      // The ABIs are the generated, typed ones; the test token's creation code comes from its artifact.
      const { bytecode } = await hre.artifacts.readArtifact("TestToken");
      return {
        rpcUrl: url,
        registry: record.contracts.ModelRegistry.address,
        router: record.contracts.RevenueRouter.address,
        startBlock: BigInt(record.startBlock),
        abis: { registry: modelRegistryAbi, router: revenueRouterAbi, token: testTokenAbi },
        tokenBytecode: bytecode as Hex, // Hardhat types an artifact's bytecode as a plain string
        close: async () => {
          await rm(join(ROOT, "ignition", "deployments", deploymentId), { recursive: true, force: true });
          await node?.stop();
        },
      };
    } catch (error) {
      await rm(join(ROOT, "ignition", "deployments", deploymentId), { recursive: true, force: true });
      await node?.stop();
      throw error;
    }
  };
  return {
    open,
    description:
      rpcUrl === undefined ? "a fresh local hardhat node per policy" : `${rpcUrl} (a fresh deployment per policy)`,
  };
}
