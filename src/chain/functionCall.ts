import type { Abi, AbiStateMutability, ContractFunctionArgs, ContractFunctionName } from "viem";

/** What a transaction may call: a function that changes state. */
export type WriteMutability = "nonpayable" | "payable";

/**
 * A call of one function of an ABI with its arguments. With a generated (`as const`) ABI, `functionName` is one of
 * its functions of that mutability and `args` that function's arguments; the defaults describe any call of any ABI.
 *
 * A helper that takes any call checks its callers with the typed form, then hands viem the untyped one: viem cannot
 * check a call whose function name is a type parameter, but TypeScript relates the two forms by their type parameters,
 * so the widening needs no cast.
 *
 * @example
 * const typed: FunctionCall<abi, "view", functionName> = { abi, functionName, args };
 * const call: FunctionCall = typed;
 * encodeFunctionData(call);
 */
export type FunctionCall<
  abi extends Abi = Abi,
  mutability extends AbiStateMutability = AbiStateMutability,
  functionName extends ContractFunctionName<abi, mutability> = ContractFunctionName<abi, mutability>,
> = {
  abi: abi;
  functionName: functionName;
  args: ContractFunctionArgs<abi, mutability, functionName>;
};
