/** Structured logs: a message and fields, printed as one JSON object per line or as readable text. */
export type Logger = {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
};

export type LogLevel = "debug" | "info" | "warn" | "error" | "silent";
const RANK: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3, silent: 4 };

export type CreateLoggerParameters = {
  /** @default "info" */
  level?: LogLevel;
  /** `json`: one object per line (for log collectors); `pretty`: `time LEVEL message key=value`. @default "pretty" */
  format?: "json" | "pretty";
  /** @default process.stderr.write */
  write?: (line: string) => void;
};

const show = (value: unknown) => (typeof value === "bigint" ? value.toString() : value);

/** Creates a logger; amounts and block numbers (bigint) are printed as decimal strings. */
export function createLogger({
  level = "info",
  format = "pretty",
  write = (line) => process.stderr.write(line),
}: CreateLoggerParameters = {}): Logger {
  const log =
    (at: Exclude<LogLevel, "silent">) =>
    (message: string, fields: Record<string, unknown> = {}) => {
      if (RANK[at] < RANK[level]) return;
      const time = new Date().toISOString();
      if (format === "json") {
        write(`${JSON.stringify({ time, level: at, message, ...fields }, (_k, v) => show(v))}\n`);
        return;
      }
      const rest = Object.entries(fields)
        .map(
          ([k, v]) =>
            `${k}=${typeof v === "object" && v !== null ? JSON.stringify(v, (_k, x) => show(x)) : String(show(v))}`,
        )
        .join(" ");
      write(`${time.slice(11, 23)} ${at.toUpperCase().padEnd(5)} ${message}${rest ? ` ${rest}` : ""}\n`);
    };
  return { debug: log("debug"), info: log("info"), warn: log("warn"), error: log("error") };
}
