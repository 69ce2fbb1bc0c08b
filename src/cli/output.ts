/** Where a command prints its report, a line at a time: stdout for the `stemma` command, a buffer in tests. */
export type Output = (line?: string) => void;

export const stdout: Output = (line = "") => {
  process.stdout.write(`${line}\n`);
};
