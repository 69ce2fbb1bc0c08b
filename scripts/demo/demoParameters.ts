import hre from "hardhat";
import type { NetworkConnection } from "hardhat/types/network";
import type { Hex } from "viem";

import type { DeploymentRecord } from "../../src/chain/deploymentRecord.js";
import { attestFromCards, proofOf, walletSigner } from "../../src/cli/attestation.js";
import type { RunDemoParameters } from "../../src/sim/runDemo.js";
import { deployStemma } from "../deploy/deployStemma.js";

/** The attester the local parameters appoint (ignition/parameters/local.json): Hardhat account #9. */
const ATTESTER_ACCOUNT = 9;
/** How long the demo's attestations may be used: they are submitted at once. */
const VALID_FOR = 86_400n;

/**
 * Deploys the whole system with the local parameters on `connection` and gathers what {runDemo} needs, plus the
 * deployment record (for the indexer, when the chain outlives the script). `cardsDir` is the card folder the demo
 * writes its models' cards into and the attester (account #9, as `stemma attest` does) reads.
 */
export async function demoParameters(
  connection: NetworkConnection,
  log: RunDemoParameters["log"],
  cardsDir: string,
): Promise<RunDemoParameters & { record: DeploymentRecord }> {
  const { viem } = connection;
  const { record } = await deployStemma(connection);
  const { contracts, startBlock } = record;
  const publicClient = await viem.getPublicClient();
  const wallets = await viem.getWalletClients();
  const attester = wallets[ATTESTER_ACCOUNT];
  if (!attester) throw new Error(`the demo needs Hardhat account #${ATTESTER_ACCOUNT}, the local attester`);
  const registry = contracts.ModelRegistry.address;
  return {
    record,
    publicClient,
    testClient: await viem.getTestClient(),
    wallets,
    system: {
      registry,
      router: contracts.RevenueRouter.address,
      governor: contracts.StemmaGovernor.address,
      votesToken: contracts.StemmaToken.address,
      timelock: contracts.StemmaTimelock.address,
      startBlock: BigInt(startBlock),
    },
    // Hardhat types an artifact's bytecode as a plain string.
    tokenBytecode: (await hre.artifacts.readArtifact("TestToken")).bytecode as Hex,
    cards: {
      dir: cardsDir,
      attest: async (key) => {
        const signer = walletSigner(attester);
        const { attestation } = await attestFromCards({
          publicClient,
          registry,
          cards: cardsDir,
          key,
          signer,
          validFor: VALID_FOR,
        });
        return proofOf(attestation);
      },
    },
    log,
  };
}
