import type { NetworkConnection } from "hardhat/types/network";
import { getAddress, type Address } from "viem";

import {
  STEMMA_CONTRACTS,
  type DeployedContract,
  type DeploymentRecord,
  type StemmaContractName,
} from "../../src/chain/deploymentRecord.js";
import StemmaModule from "../../ignition/modules/Stemma.js";
import { loadStemmaParameters, type StemmaParameters } from "./parameters.js";

export type DeployStemmaOptions = {
  /** `local`, `production` or a path to a parameter file. @default "local" */
  parameterSet?: string;
  /** Values that replace the parameter set's (tests give production settings a test allocation this way). */
  overrides?: Partial<StemmaParameters>;
  /** Ignition's deployment id (its journal folder); by default one per chain (see ignitionDeploymentId). */
  deploymentId?: string;
};

/** Deploys the whole system (ignition/modules/Stemma.ts) and describes where it landed. */
export async function deployStemma(connection: NetworkConnection, options: DeployStemmaOptions = {}) {
  const parameterSet = options.parameterSet ?? "local";
  const parameters = await loadStemmaParameters(parameterSet, options.overrides);
  const { ethers, ignition } = connection;
  const chainId = Number((await ethers.provider.getNetwork()).chainId);
  const deploymentId = options.deploymentId ?? (await ignitionDeploymentId(connection, chainId));
  const contracts = await ignition.deploy(StemmaModule, {
    parameters: { Stemma: parameters },
    ...(deploymentId === undefined ? {} : { deploymentId }),
  });

  const [deployer] = await ethers.getSigners();
  const deployed = {} as Record<StemmaContractName, DeployedContract>;
  const { token, timelock, governor, router, registry } = contracts;
  const byName = {
    StemmaToken: token,
    StemmaTimelock: timelock,
    StemmaGovernor: governor,
    RevenueRouter: router,
    ModelRegistry: registry,
  };
  for (const name of STEMMA_CONTRACTS) {
    const address = getAddress(await byName[name].getAddress());
    deployed[name] = { address, block: await creationBlock(connection, address) };
  }
  const record: DeploymentRecord = {
    network: connection.networkName,
    chainId,
    startBlock: Math.min(...Object.values(deployed).map(({ block }) => block)),
    parameterSet,
    ignitionDeploymentId: deploymentId ?? `chain-${chainId}`,
    deployer: getAddress(deployer.address),
    contracts: deployed,
  };
  return { contracts, parameters, record };
}

/**
 * Ignition keeps a journal per deployment id and resumes from it. A local node starts a new chain on every restart
 * under the same chain id, so local deployments are keyed by the chain's genesis hash: a rerun against the same node
 * resumes (and deploys nothing twice), a restarted node gets a fresh deployment instead of a stale journal. The
 * in-process network keeps no journal at all.
 */
async function ignitionDeploymentId({ ethers, networkConfig }: NetworkConnection, chainId: number) {
  if (networkConfig.type !== "http" || chainId !== 31337) return undefined;
  const genesis = await ethers.provider.getBlock(0);
  return `local-${genesis?.hash?.slice(2, 14)}`;
}

/** The block a contract was created in: a binary search for the first block where it has code. */
async function creationBlock({ ethers }: NetworkConnection, address: Address): Promise<number> {
  let low = 0;
  let high = await ethers.provider.getBlockNumber();
  while (low < high) {
    const middle = Math.floor((low + high) / 2);
    if ((await ethers.provider.getCode(address, middle)) === "0x") low = middle + 1;
    else high = middle;
  }
  return low;
}
