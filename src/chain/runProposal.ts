import {
  encodeFunctionData,
  keccak256,
  parseAbi,
  toBytes,
  type Abi,
  type Account,
  type Address,
  type Chain,
  type Hex,
  type PublicClient,
  type TestClient,
  type Transport,
  type WalletClient,
} from "viem";

/** The parts of OpenZeppelin's `IGovernor` a proposal's life needs. */
export const governorAbi = parseAbi([
  "function propose(address[] targets, uint256[] values, bytes[] calldatas, string description) returns (uint256)",
  "function castVote(uint256 proposalId, uint8 support) returns (uint256)",
  "function queue(address[] targets, uint256[] values, bytes[] calldatas, bytes32 descriptionHash) returns (uint256)",
  "function execute(address[] targets, uint256[] values, bytes[] calldatas, bytes32 descriptionHash) payable returns (uint256)",
  "function hashProposal(address[] targets, uint256[] values, bytes[] calldatas, bytes32 descriptionHash) pure returns (uint256)",
  "function state(uint256 proposalId) view returns (uint8)",
  "function proposalSnapshot(uint256 proposalId) view returns (uint256)",
  "function proposalDeadline(uint256 proposalId) view returns (uint256)",
  "function proposalEta(uint256 proposalId) view returns (uint256)",
]);

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
export function proposalCall(target: Address, abi: Abi, functionName: string, args: readonly unknown[]): ProposalCall {
  return { target, data: encodeFunctionData({ abi, functionName, args }) };
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
  const read = <T>(functionName: "state" | "proposalSnapshot" | "proposalDeadline", proposalId: bigint) =>
    publicClient.readContract({ address: governor, abi: governorAbi, functionName, args: [proposalId] }) as Promise<T>;
  const send = async (wallet: Wallet, functionName: "propose" | "castVote" | "queue" | "execute", fnArgs: unknown) => {
    const hash = await wallet.writeContract({
      address: governor,
      abi: governorAbi,
      functionName,
      args: fnArgs,
    } as Parameters<Wallet["writeContract"]>[0]);
    const receipt = await publicClient.waitForTransactionReceipt({ hash });
    if (receipt.status !== "success") throw new Error(`${functionName} reverted (transaction ${hash})`);
    return receipt;
  };
  const mineUntilAfter = async (block: bigint) => {
    while ((await publicClient.getBlockNumber()) <= block)
      await testClient.request({ method: "evm_mine", params: undefined });
  };

  const proposalId = await publicClient.readContract({
    address: governor,
    abi: governorAbi,
    functionName: "hashProposal",
    args: [...args, descriptionHash],
  });
  const existing = await read<number>("state", proposalId).catch(() => undefined);
  if (existing !== undefined) {
    throw new Error(
      `a proposal with these calls and the description "${description}" already exists (it is ${PROPOSAL_STATES[existing]}): change the description to propose it again`,
    );
  }
  await send(proposer, "propose", [...args, description]);
  log(`proposed "${description}" (id ${proposalId})`);

  await mineUntilAfter(await read<bigint>("proposalSnapshot", proposalId));
  for (const voter of voters) await send(voter, "castVote", [proposalId, 1]);
  log(`${voters.length} holder(s) voted For`);

  await mineUntilAfter(await read<bigint>("proposalDeadline", proposalId));
  const state = PROPOSAL_STATES[await read<number>("state", proposalId)];
  if (state !== "Succeeded") throw new Error(`proposal "${description}" did not pass: it is ${state}`);
  await send(proposer, "queue", [...args, descriptionHash]);
  const eta = await publicClient.readContract({
    address: governor,
    abi: governorAbi,
    functionName: "proposalEta",
    args: [proposalId],
  });
  const { timestamp } = await publicClient.getBlock();
  if (eta > timestamp) await testClient.increaseTime({ seconds: Number(eta - timestamp) });
  await testClient.request({ method: "evm_mine", params: undefined });
  log(`queued in the timelock, delay waited out`);

  const receipt = await send(proposer, "execute", [...args, descriptionHash]);
  log(`executed (transaction ${receipt.transactionHash}, ${receipt.gasUsed} gas)`);
  return { proposalId, executeHash: receipt.transactionHash, executeGas: receipt.gasUsed };
}
