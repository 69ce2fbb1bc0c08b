/** Where a simulation reports how far it got: a progress line plus notes between updates. */
export type Progress = {
  /** Steps done of the run's total (all policies), the transactions sent so far, and what runs now. */
  update(done: number, transactions: number, label: string): void;
  /** A line of narrative; on a terminal it is printed above the progress bar. */
  note(line: string): void;
  /** Ends the progress line. */
  finish(): void;
};

export type CreateProgressParameters = {
  /** Where to write. @default process.stderr */
  stream?: NodeJS.WriteStream;
  /** Steps of the whole run. */
  total: number;
  /** @default Date.now */
  now?: () => number;
};

const WIDTH = 24;

const clock = (ms: number): string => {
  const seconds = Math.round(ms / 1_000);
  const minutes = Math.floor(seconds / 60);
  return `${minutes}:${String(seconds % 60).padStart(2, "0")}`;
};

/**
 * A progress bar on a terminal (one line, redrawn: step/total, transactions, elapsed, ETA), or on anything else
 * (a log file, CI) one plain line per tenth of the run, so logs stay short.
 *
 * @example
 * import { createProgress } from "./progress.js";
 * const progress = createProgress({ total: 120 });
 * progress.update(12, 340, "policy baseline");
 */
export function createProgress({ stream = process.stderr, total, now = Date.now }: CreateProgressParameters): Progress {
  const started = now();
  const tty = stream.isTTY === true;
  let drawn = "";
  let lastTenth = -1;
  const line = (done: number, transactions: number, label: string) => {
    const elapsed = now() - started;
    const eta = done > 0 ? clock((elapsed / done) * (total - done)) : "?";
    const filled = Math.round((done / Math.max(total, 1)) * WIDTH);
    const bar = tty ? `[${"#".repeat(filled)}${".".repeat(WIDTH - filled)}] ` : "";
    return `${bar}step ${done}/${total}  ${transactions} tx  ${clock(elapsed)} elapsed  ETA ${eta}  ${label}`;
  };
  return {
    update(done, transactions, label) {
      if (tty) {
        drawn = line(done, transactions, label);
        stream.write(`\r\x1b[2K${drawn}`);
        return;
      }
      const tenth = Math.floor((done / Math.max(total, 1)) * 10);
      if (tenth > lastTenth) {
        lastTenth = tenth;
        stream.write(`${line(done, transactions, label)}\n`);
      }
    },
    note(text) {
      if (tty && drawn) stream.write(`\r\x1b[2K${text}\n${drawn}`);
      else stream.write(`${text}\n`);
    },
    finish() {
      if (tty && drawn) stream.write("\n");
      drawn = "";
    },
  };
}
