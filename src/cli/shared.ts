import { fileURLToPath } from "node:url";

import { BaseError } from "../internal/errors.js";

/** The project's root folder (where package.json, contracts and node_modules are), whatever the working folder. */
export const ROOT = fileURLToPath(new URL("../../", import.meta.url));

/**
 * An error whose message is the whole story for the user, what went wrong and how to fix it: printed as one line, no
 * stack. Not retryable: the command's input or the chain's state has to change first.
 */
export class CliError extends BaseError {
  override name = "CliError";

  /** A message only: without details or a docs pointer it stays one line. */
  constructor(shortMessage: string) {
    super(shortMessage);
  }
}
