import { spawn } from "node:child_process";
import { stripVTControlCharacters } from "node:util";

import { HARDHAT_BIN, hardhatEnv } from "./childProcesses.js";
import { CliError, ROOT } from "./shared.js";

const PRIVATE_KEY = /^(0x)?[0-9a-fA-F]{64}$/;

/**
 * Reads a private key from Hardhat's encrypted keystore the documented way, `hardhat keystore get NAME` (in a child
 * process: the CLI never loads Hardhat itself). Hardhat asks for the keystore's password on this terminal; its
 * prompt is shown on stderr, the key it prints is kept out of the output, and its other messages (a missing key, a
 * wrong password) end up in the one-line error. With `dev`, the development keystore
 * (no password) is read.
 */
export async function readKeystoreKey(name: string, dev: boolean): Promise<`0x${string}`> {
  const child = spawn(process.execPath, [HARDHAT_BIN, "keystore", "get", ...(dev ? ["--dev"] : []), name], {
    cwd: ROOT,
    env: hardhatEnv(),
    stdio: ["inherit", "pipe", "pipe"],
  });
  let key: string | undefined;
  let line = "";
  let said = "";
  // The prompt has no newline: show partial lines at once, unless they could be the start of the key.
  child.stdout!.on("data", (chunk: Buffer) => {
    line += chunk.toString();
    const lines = line.split("\n");
    line = lines.pop()!;
    for (const complete of lines) {
      const text = complete.trim();
      if (PRIVATE_KEY.test(text)) key = text;
      // Hardhat's own messages go into the error; only the end of an answered prompt is shown.
      else if (text === "") process.stderr.write("\n");
      else said += `${complete}\n`;
    }
    if (line !== "" && !/^(0x)?[0-9a-fA-F]*$/.test(line.trim())) {
      process.stderr.write(line);
      said += line;
      line = "";
    }
  });
  child.stderr!.on("data", (chunk: Buffer) => (said += chunk.toString()));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", resolve);
  });
  if (PRIVATE_KEY.test(line.trim())) key = line.trim();
  if (code !== 0 || key === undefined) {
    const reason = stripVTControlCharacters(said).trim().split("\n").at(-1) ?? "";
    throw new CliError(
      `cannot read the private key "${name}" from Hardhat's ${dev ? "development " : ""}keystore${reason ? ` (${reason})` : ""}: store one with \`npx hardhat keystore set ${dev ? "--dev " : ""}${name}\`, or set STEMMA_PRIVATE_KEY.`,
    );
  }
  return (key.startsWith("0x") ? key : `0x${key}`) as `0x${string}`;
}
