import { formatEther, type Abi, type Address, type ContractFunctionName, type TransactionReceipt } from "viem";

import type { FunctionCall, WriteMutability } from "../chain/functionCall.js";
import type { ChainContext } from "./connect.js";
import type { Output } from "./output.js";
import { describeRevert, type NameOfModel } from "./revert.js";
import { CliError } from "./shared.js";
import type { Signer } from "./signer.js";

/**
 * One contract call to send. With a typed (`as const`) ABI, `functionName` is one of its writable functions and
 * `args` that function's arguments; the defaults (any ABI, any name) describe a list of calls to different functions.
 */
export type ContractCall<
  abi extends Abi = Abi,
  functionName extends ContractFunctionName<abi, WriteMutability> = ContractFunctionName<abi, WriteMutability>,
> = FunctionCall<abi, WriteMutability, functionName> & {
  /** What the transaction does, for the report ("Paying 1.5 ETH to hf:org/name"). */
  label: string;
  address: Address;
  /** ETH sent along, in wei. @default 0n */
  value?: bigint;
};

/**
 * Sends one contract call and reports it: the gas estimate before, then the transaction hash, its block and the gas
 * it used. The estimate runs the call first, so a call that would revert fails here with its decoded custom error,
 * and nothing is sent; so does an account that cannot pay for the value and the gas.
 */
export async function sendContractCall<
  const abi extends Abi,
  functionName extends ContractFunctionName<abi, WriteMutability>,
>(
  context: ChainContext,
  signer: Signer,
  call: ContractCall<abi, functionName>,
  say: Output,
  nameOfModel?: NameOfModel,
): Promise<TransactionReceipt> {
  // Checked against its function by the signature above, the call goes to viem untyped (see FunctionCall).
  const { abi, functionName, args }: FunctionCall = call;
  const { publicClient } = context;
  const value = call.value ?? 0n;
  const balance = await publicClient.getBalance({ address: signer.address });
  if (balance < value) throw insufficientEth(signer.address, balance, value, 0n);

  const request = {
    address: call.address,
    abi,
    functionName,
    args,
    account: signer.wallet.account,
    ...(value > 0n ? { value } : {}),
  };
  let gas: bigint;
  try {
    gas = await publicClient.estimateContractGas(request);
  } catch (error) {
    throw describeRevert(error, abi, nameOfModel) ?? error;
  }
  const { maxFeePerGas } = await publicClient.estimateFeesPerGas();
  if (balance < value + gas * maxFeePerGas) throw insufficientEth(signer.address, balance, value, gas * maxFeePerGas);

  say(`${call.label}`);
  say(`  estimated gas ${gas}`);
  let hash: `0x${string}`;
  try {
    hash = await signer.wallet.writeContract(request);
  } catch (error) {
    throw describeRevert(error, abi, nameOfModel) ?? error;
  }
  say(`  transaction ${hash}`);
  const receipt = await publicClient.waitForTransactionReceipt({ hash });
  if (receipt.status !== "success") {
    throw new CliError(`transaction ${hash} reverted in block ${receipt.blockNumber}: run the command again.`);
  }
  say(`  mined in block ${receipt.blockNumber}, gas used ${receipt.gasUsed}`);
  return receipt;
}

function insufficientEth(account: Address, balance: bigint, value: bigint, gasCost: bigint): CliError {
  const needs =
    value > 0n
      ? `${formatEther(value)} ETH${gasCost > 0n ? ` + up to ${formatEther(gasCost)} ETH of gas` : ""}`
      : `up to ${formatEther(gasCost)} ETH of gas`;
  return new CliError(
    `insufficient funds: ${account} has ${formatEther(balance)} ETH but needs ${needs}: fund the account, or send less.`,
  );
}
