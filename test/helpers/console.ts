/** Collects what is printed through `console` until `restore()`: an error logged on the way shows there. */
export function captureConsole(): { printed: string[]; restore(): void } {
  const printed: string[] = [];
  const methods = ["log", "info", "warn", "error", "debug"] as const;
  const originals = methods.map((name) => console[name]);
  for (const name of methods) console[name] = (...args: unknown[]) => void printed.push(args.map(String).join(" "));
  return {
    printed,
    restore: () => methods.forEach((name, i) => (console[name] = originals[i]!)),
  };
}
