import { formatEther, type Abi, type Address, type TransactionReceipt } from "viem";

import type { ChainContext } from "./connect.js";
import type { Output } from "./output.js";
import { describeRevert, type NameOfModel } from "./revert.js";
import { CliError } from "./shared.js";
import type { Signer } from "./signer.js";

export type ContractCall = {
  /** What the transaction does, for the report ("Paying 1.5 ETH to hf:org/name"). */
  label: string;
  address: Address;
  abi: Abi;
  functionName: string;
  args: readonly unknown[];
  /** ETH sent along, in wei. @default 0n */
  value?: bigint;
};

/**
 * Sends one contract call and reports it: the gas estimate before, then the transaction hash, its block and the gas
 * it used. The estimate runs the call first, so a call that would revert fails here with its decoded custom error,
 * and nothing is sent; so does an account that cannot pay for the value and the gas.
 */
export async function sendContractCall(
  context: ChainContext,
  signer: Signer,
  call: ContractCall,
  say: Output,
  nameOfModel?: NameOfModel,
): Promise<TransactionReceipt> {
  const { publicClient } = context;
  const value = call.value ?? 0n;
  const balance = await publicClient.getBalance({ address: signer.address });
  if (balance < value) throw insufficientEth(signer.address, balance, value, 0n);

  const request = {
    address: call.address,
    abi: call.abi,
    functionName: call.functionName,
    args: call.args,
    account: signer.wallet.account,
    ...(value > 0n ? { value } : {}),
  };
  let gas: bigint;
  try {
    gas = await publicClient.estimateContractGas(
      request as unknown as Parameters<typeof publicClient.estimateContractGas>[0],
    );
  } catch (error) {
    throw describeRevert(error, call.abi, nameOfModel) ?? error;
  }
  const { maxFeePerGas } = await publicClient.estimateFeesPerGas();
  if (balance < value + gas * maxFeePerGas) throw insufficientEth(signer.address, balance, value, gas * maxFeePerGas);

  say(`${call.label}`);
  say(`  estimated gas ${gas}`);
  let hash: `0x${string}`;
  try {
    hash = await signer.wallet.writeContract(request as unknown as Parameters<typeof signer.wallet.writeContract>[0]);
  } catch (error) {
    throw describeRevert(error, call.abi, nameOfModel) ?? error;
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
