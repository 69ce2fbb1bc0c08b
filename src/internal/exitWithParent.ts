/**
 * Makes this process stop when the process that started it dies, even by SIGKILL (which it cannot pass on): the
 * `stemma` launcher's child, and the `hardhat node` that `stemma dev` starts, must not go on serving as orphans. A
 * process whose parent died is adopted by init (or a subreaper), so its parent pid changes; Node has no prctl
 * (PR_SET_PDEATHSIG), so this polls for that change. Then it sends itself SIGTERM, so that its own handlers stop it
 * in order (and a process without handlers ends at once).
 *
 * No imports: `stemma dev` preloads this file into its Hardhat children with Node's own type stripping
 * (src/cli/childProcesses.ts `EXIT_WITH_PARENT_FLAGS`).
 *
 * @returns A function that stops watching.
 *
 * @example
 * exitWithParent(); // first thing in a process's entry point
 */
export function exitWithParent({ intervalMs = 500 }: { intervalMs?: number } = {}): () => void {
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(timer);
    process.kill(process.pid, "SIGTERM");
  }, intervalMs);
  // Watching alone must not keep the process alive.
  timer.unref();
  return () => clearInterval(timer);
}
