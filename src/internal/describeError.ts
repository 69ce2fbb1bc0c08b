import { BaseError as ViemBaseError } from "viem";

/**
 * One line for the terminal. A bad flag also says where the flags are listed (`help`); a viem error shows its short
 * message (the long one runs over many lines: request, docs, version).
 */
export function describeError(error: unknown, help: string): string {
  const message =
    error instanceof ViemBaseError ? error.shortMessage : error instanceof Error ? error.message : String(error);
  // Node's argument errors have string codes; RPC errors carry numeric ones.
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && code.startsWith("ERR_PARSE_ARGS")
    ? `${message} (${help} lists the flags)`
    : message;
}
