import { BaseError as ViemBaseError } from "viem";

import { BaseError, formatErrorMessage } from "./errors.js";

/**
 * What a terminal prints for an error. One of ours shows its short message, then its details and docs pointer when
 * it has them (a CLI error has neither: one line); a viem error shows its short message (the long one runs over many
 * lines: request, docs, version). A bad flag also says where the flags are listed (`help`).
 */
export function describeError(error: unknown, help: string): string {
  const message =
    error instanceof BaseError
      ? formatErrorMessage(error)
      : error instanceof ViemBaseError
        ? error.shortMessage
        : error instanceof Error
          ? error.message
          : String(error);
  // Node's argument errors have string codes; RPC errors carry numeric ones.
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && code.startsWith("ERR_PARSE_ARGS")
    ? `${message} (${help} lists the flags)`
    : message;
}
