import { fileURLToPath } from "node:url";

/** The project's root folder (where package.json, contracts and node_modules are), whatever the working folder. */
export const ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** An error whose message is the whole story for the user: printed as one line, no stack. */
export class CliError extends Error {
  override name = "CliError";
}
