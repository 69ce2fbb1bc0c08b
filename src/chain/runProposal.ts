import {
  encodeFunctionData,
  getContract,
  keccak256,
  toBytes,
  type Abi,
  type Account,
  type Address,
  type Chain,
  type ContractFunctionArgs,
  type ContractFunctionName,
  type Hex,
  type PublicClient,
  type TestClient,
  type Transport,
  type WalletClient,
} from "viem";

import { stemmaGovernorAbi } from "../contracts/abis.js";
import type { FunctionCall, WriteMutability } from "./functionCall.js";

/** `IGovernor.ProposalState`, by value. */
export const PROPOSAL_STATES = [
  "Pending",
  "Active",
  "Canceled",
  "Defeated",
  "Succeeded",
  "Queued",
  "Expired",
  "Executed",
] as const;

/** One call the timelock makes when the proposal executes. */
export type ProposalCall = { target: Address; value?: bigint; data: Hex };

/** Encodes `contract.fn(...args)` as a proposal call. */
export function proposalCall<const abi extends Abi, functionName extends ContractFunctionName<abi, WriteMutability>>(
  target: Address,
  abi: abi,
  functionName: functionName,
  args: ContractFunctionArgs<abi, WriteMutability, functionName>,
): ProposalCall {
  const typed: FunctionCall<abi, WriteMutability, functionName> = { abi, functionName, args };
  const call: FunctionCall = typed;
  return { target, data: encodeFunctionData(call) };
}

type Wallet = WalletClient<Transport, Chain, Account>;

export type RunProposalParameters = {
  publicClient: PublicClient;
  /** Mines blocks and moves time: a local chain only (Hardhat's in-process network or `hardhat node`). */
  testClient: TestClient;
  governor: Address;
  /** Submits the proposal (needs the proposal threshold in votes). */
  proposer: Wallet;
  /** Vote For; together they must reach quorum. */
  voters: readonly Wallet[];
  calls: readonly ProposalCall[];
  description: string;
  /** Receives one line per step (proposed, voting open, voted, queued, executed). */
  log?: (line: string) => void;
};

export type RunProposalReturnType = { proposalId: bigint; executeHash: Hex; executeGas: bigint };

/**
 * Runs a proposal through its whole life on a local chain: propose, wait out the voting delay, vote For with every
 * voter, wait for the deadline (however far late-quorum protection moved it), queue in the timelock, wait out its
 * delay, execute. Blocks are mined one `evm_mine` at a time so that the chain keeps a real parent-hash chain for
 * indexers. Throws, naming the state, if the proposal already exists or does not pass.
 *
 * @example
 * const calls = [proposalCall(registry, registryAbi, "assignPlaceholder", [id, steward, contributors])];
 * await runProposal({ publicClient, testClient, governor, proposer, voters, calls, description: "Assign Mistral" });
 */
export async function runProposal({
  publicClient,
  testClient,
  governor,
  proposer,
  voters,
  calls,
  description,
  log = () => {},
}: RunProposalParameters): Promise<RunProposalReturnType> {
  const args = [calls.map((c) => c.target), calls.map((c) => c.value ?? 0n), calls.map((c) => c.data)] as const;
  const descriptionHash = keccak256(toBytes(description));
  const { read } = getContract({ address: governor, abi: stemmaGovernorAbi, client: publicClient });
  const send = async <functionName extends ContractFunctionName<typeof stemmaGovernorAbi, WriteMutability>>(
    wallet: Wallet,
    functionName: functionName,
    fnArgs: ContractFunctionArgs<typeof stemmaGovernorAbi, WriteMutability, functionName>,
  ) => {
    const typed: FunctionCall<typeof stemmaGovernorAbi, WriteMutability, functionName> = {
      abi: stemmaGovernorAbi,
      functionName,
      args: fnArgs,
    };
    const call: FunctionCall = typed;
    const hash = await wallet.writeContract({ address: governor, ...call });
    const receipt = await publicClient.waitForTransactionReceipt({ hash });
    if (receipt.status !== "success") throw new Error(`${functionName} reverted (transaction ${hash})`);
    return receipt;
  };
  const mineUntilAfter = async (block: bigint) => {
    while ((await publicClient.getBlockNumber()) <= block)
      await testClient.request({ method: "evm_mine", params: undefined });
  };

  const proposalId = await read.hashProposal([...args, descriptionHash]);
  const existing = await read.state([proposalId]).catch(() => undefined);
  if (existing !== undefined) {
    throw new Error(
      `a proposal with these calls and the description "${description}" already exists (it is ${PROPOSAL_STATES[existing]}): change the description to propose it again`,
    );
  }
  await send(proposer, "propose", [...args, description]);
  log(`proposed "${description}" (id ${proposalId})`);

  await mineUntilAfter(await read.proposalSnapshot([proposalId]));
  for (const voter of voters) await send(voter, "castVote", [proposalId, 1]);
  log(`${voters.length} holder(s) voted For`);

  await mineUntilAfter(await read.proposalDeadline([proposalId]));
  const state = PROPOSAL_STATES[await read.state([proposalId])];
  if (state !== "Succeeded") throw new Error(`proposal "${description}" did not pass: it is ${state}`);
  await send(proposer, "queue", [...args, descriptionHash]);
  const eta = await read.proposalEta([proposalId]);
  const { timestamp } = await publicClient.getBlock();
  if (eta > timestamp) await testClient.increaseTime({ seconds: Number(eta - timestamp) });
  await testClient.request({ method: "evm_mine", params: undefined });
  log(`queued in the timelock, delay waited out`);

  const receipt = await send(proposer, "execute", [...args, descriptionHash]);
  log(`executed (transaction ${receipt.transactionHash}, ${receipt.gasUsed} gas)`);
  return { proposalId, executeHash: receipt.transactionHash, executeGas: receipt.gasUsed };
}
