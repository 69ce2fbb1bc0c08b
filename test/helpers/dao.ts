import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import type { BaseContract, ContractTransactionResponse } from "ethers";
import type { NetworkConnection } from "hardhat/types/network";

import type {
  ModelRegistry,
  RevenueRouter,
  StemmaGovernor,
  StemmaTimelock,
  StemmaToken,
  TestToken,
} from "../../types/ethers-contracts/index.js";
import { deployStemma, type DeployStemmaOptions } from "../../scripts/deploy/deployStemma.js";
import type { StemmaParameters } from "../../scripts/deploy/parameters.js";

/** OpenZeppelin's `IGovernor.ProposalState`. */
export const ProposalState = {
  Pending: 0n,
  Active: 1n,
  Canceled: 2n,
  Defeated: 3n,
  Succeeded: 4n,
  Queued: 5n,
  Expired: 6n,
  Executed: 7n,
} as const;

/** `GovernorCountingSimple`'s vote types. */
export const Vote = { Against: 0, For: 1, Abstain: 2 } as const;

/** One call a proposal makes, from the timelock. */
export type ProposalAction = { target: string; value: bigint; data: string };

export type Dao = {
  connection: NetworkConnection;
  ethers: NetworkConnection["ethers"];
  token: StemmaToken;
  timelock: StemmaTimelock;
  governor: StemmaGovernor;
  router: RevenueRouter;
  registry: ModelRegistry;
  /** A 6-decimal ERC-20 minted to and approved by `payer`. */
  usd: TestToken;
  parameters: StemmaParameters;
  /** Block of the first deployment transaction (from the deployment record). */
  startBlock: number;
  /** Holds 40% of the votes; also signer 0, the deployer. */
  deployer: HardhatEthersSigner;
  /** The local allocation's other holders: 30%, 20% and 10% of the votes. */
  holders: HardhatEthersSigner[];
  /** The local parameters' only attester (Hardhat account #9): it signs attestations, and holds no role. */
  attester: HardhatEthersSigner;
  /** Accounts without votes or roles. */
  steward: HardhatEthersSigner;
  alice: HardhatEthersSigner;
  bob: HardhatEthersSigner;
  payer: HardhatEthersSigner;
  disputer: HardhatEthersSigner;
  beneficiary: HardhatEthersSigner;
  stranger: HardhatEthersSigner;
};

/**
 * The whole system as `npm run deploy` deploys it (the Ignition module with the `local` parameter set, or the one
 * `options` names), with every local holder's votes delegated to itself. Use through `loadFixture`.
 */
export async function deployDao(connection: NetworkConnection, options: DeployStemmaOptions = {}): Promise<Dao> {
  const { ethers } = connection;
  const { contracts, parameters, record } = await deployStemma(connection, options);
  const signers = await ethers.getSigners();
  const [deployer, h1, h2, h3, steward, alice, bob, payer, disputer, attester, beneficiary, stranger] = signers;
  const at = async <T>(name: string, contract: BaseContract) =>
    (await ethers.getContractAt(name, await contract.getAddress())) as unknown as T;
  const dao: Dao = {
    connection,
    ethers,
    token: await at<StemmaToken>("StemmaToken", contracts.token),
    timelock: await at<StemmaTimelock>("StemmaTimelock", contracts.timelock),
    governor: await at<StemmaGovernor>("StemmaGovernor", contracts.governor),
    router: await at<RevenueRouter>("RevenueRouter", contracts.router),
    registry: await at<ModelRegistry>("ModelRegistry", contracts.registry),
    usd: await ethers.deployContract("TestToken", ["Test USD", "TUSD", 6]),
    parameters,
    startBlock: record.startBlock,
    deployer,
    holders: [h1, h2, h3],
    attester,
    steward,
    alice,
    bob,
    payer,
    disputer,
    beneficiary,
    stranger,
  };
  for (const holder of [deployer, h1, h2, h3]) {
    if ((await dao.token.balanceOf(holder)) > 0n) await dao.token.connect(holder).delegate(holder);
  }
  await dao.usd.mint(payer, 10n ** 24n);
  await dao.usd.connect(payer).approve(dao.router, ethers.MaxUint256);
  return dao;
}

/** The call `contract.fn(...args)` as a proposal action, optionally sending `value` wei with it. */
export function action<C extends BaseContract>(
  contract: C,
  fn: string,
  args: readonly unknown[],
  value = 0n,
): Promise<ProposalAction> {
  return contract
    .getAddress()
    .then((target) => ({ target, value, data: contract.interface.encodeFunctionData(fn, args) }));
}

/** A bare transfer of `value` wei from the timelock (a grant from the treasury's own ETH). */
export function transfer(to: string, value: bigint): ProposalAction {
  return { target: to, value, data: "0x" };
}

function proposalArgs(actions: readonly ProposalAction[]) {
  return [actions.map((a) => a.target), actions.map((a) => a.value), actions.map((a) => a.data)] as const;
}

/** Submits a proposal from `proposer` (the deployer by default) and returns its id. */
export async function propose(
  dao: Dao,
  actions: readonly ProposalAction[],
  description: string,
  proposer: HardhatEthersSigner = dao.deployer,
): Promise<bigint> {
  const [targets, values, calldatas] = proposalArgs(actions);
  const governor = dao.governor.connect(proposer);
  const proposalId = await governor.propose.staticCall(targets, values, calldatas, description);
  await governor.propose(targets, values, calldatas, description);
  return proposalId;
}

/** Mines blocks until `proposalId`'s vote is open. */
export async function openVoting(dao: Dao, proposalId: bigint): Promise<void> {
  const snapshot = await dao.governor.proposalSnapshot(proposalId);
  const now = BigInt(await dao.ethers.provider.getBlockNumber());
  if (now <= snapshot) await dao.connection.networkHelpers.mine(snapshot - now + 1n);
}

/** Mines blocks until `proposalId`'s vote has closed (its deadline, extended or not, has passed). */
export async function closeVoting(dao: Dao, proposalId: bigint): Promise<void> {
  const deadline = await dao.governor.proposalDeadline(proposalId);
  const now = BigInt(await dao.ethers.provider.getBlockNumber());
  if (now <= deadline) await dao.connection.networkHelpers.mine(deadline - now + 1n);
}

/** Queues a succeeded proposal in the timelock. */
export function queue(dao: Dao, actions: readonly ProposalAction[], description: string) {
  return dao.governor.queue(...proposalArgs(actions), dao.ethers.id(description));
}

/** Executes a queued proposal (anyone may, once the timelock's delay has passed). */
export function execute(
  dao: Dao,
  actions: readonly ProposalAction[],
  description: string,
  executor: HardhatEthersSigner = dao.stranger,
): Promise<ContractTransactionResponse> {
  return dao.governor.connect(executor).execute(...proposalArgs(actions), dao.ethers.id(description));
}

/** Moves time past the timelock's delay. */
export async function waitForTimelock(dao: Dao): Promise<void> {
  await dao.connection.networkHelpers.time.increase(await dao.timelock.getMinDelay());
}

/**
 * Runs a proposal through its whole life: propose, vote For with every holder, queue, wait out the timelock. Returns
 * the proposal id and the execution's transaction (still to be awaited, so `expect(...).to.emit` can inspect it).
 */
export async function passProposal(
  dao: Dao,
  actions: readonly ProposalAction[],
  description: string,
): Promise<{ proposalId: bigint; executed: Promise<ContractTransactionResponse> }> {
  const proposalId = await readyToExecute(dao, actions, description);
  return { proposalId, executed: execute(dao, actions, description) };
}

/** Everything {passProposal} does but the execution. */
export async function readyToExecute(
  dao: Dao,
  actions: readonly ProposalAction[],
  description: string,
): Promise<bigint> {
  const proposalId = await propose(dao, actions, description);
  await openVoting(dao, proposalId);
  for (const voter of [dao.deployer, ...dao.holders]) {
    await dao.governor.connect(voter).castVote(proposalId, Vote.For);
  }
  await closeVoting(dao, proposalId);
  await queue(dao, actions, description);
  await waitForTimelock(dao);
  return proposalId;
}
