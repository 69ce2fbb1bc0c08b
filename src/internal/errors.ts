/**
 * The one error base of the project (in the spirit of viem's `BaseError`). Every error that a layer throws on purpose
 * derives from it: a one-line `shortMessage` that says what happened, `details` that say what to check or do, an
 * optional `docsPath` into the repository's docs, the `cause`, and `retryable`: whether the same step may succeed
 * when it is tried again (a store or node that is not reachable yet), which the services' start-up honours.
 */

export type BaseErrorParameters = {
  /** What to check or do, printed after the short message. */
  details?: string | undefined;
  /** Where the docs explain this, relative to the repository's root (`docs/INDEXER.md#reorgs`). */
  docsPath?: string | undefined;
  /** The error that caused this one. */
  cause?: unknown;
  /**
   * Whether trying the same step again may succeed: true for a connection that failed or an RPC node that did not
   * answer; false for bad input, a refused lock or a schema mismatch.
   * @default false
   */
  retryable?: boolean | undefined;
};

export type BaseErrorType = BaseError & { name: "BaseError" };

/**
 * The base of every Stemma error. `message` is the short message, then, after a blank line, `Details: ...` and
 * `Docs: ...` on lines of their own (each only when given); `shortMessage` is the one line without them.
 *
 * @example
 * throw new StoreConnectionError(...); // extends BaseError
 * catch (error) { if (isRetryable(error)) await sleep(backoff); }
 */
export class BaseError extends Error {
  override name = "BaseError";
  /** The one-line message, without details. */
  readonly shortMessage: string;
  readonly details: string | undefined;
  readonly docsPath: string | undefined;
  readonly retryable: boolean;

  constructor(shortMessage: string, parameters: BaseErrorParameters = {}) {
    const { details, docsPath, cause, retryable = false } = parameters;
    super(formatErrorMessage({ shortMessage, details, docsPath }), cause === undefined ? undefined : { cause });
    this.shortMessage = shortMessage;
    this.details = details;
    this.docsPath = docsPath;
    this.retryable = retryable;
  }

  /**
   * This error and its causes, outermost first: the first for which `matches` holds, or the innermost cause when no
   * predicate is given (`undefined` when none matches). A cause chain that loops back is followed once round.
   */
  walk(matches?: (error: unknown) => boolean): unknown {
    return walkCauses(this, matches);
  }
}

/** {@link BaseError.walk} over any error, remembering each one seen so that a cause cycle ends the walk. */
function walkCauses(outermost: unknown, matches: ((error: unknown) => boolean) | undefined): unknown {
  const seen = new Set<unknown>();
  let error = outermost;
  for (;;) {
    if (matches?.(error)) return error;
    seen.add(error);
    const cause = (error as { cause?: unknown } | null)?.cause;
    if (cause === undefined || cause === null || seen.has(cause)) return matches ? undefined : error;
    error = cause;
  }
}

/**
 * The text of a {@link BaseError}: the short message, then a blank line and the details and docs lines when there are
 * any. The one layout for an error's `message` and for what a terminal prints.
 */
export function formatErrorMessage({
  shortMessage,
  details,
  docsPath,
}: Pick<BaseError, "shortMessage" | "details" | "docsPath">): string {
  const footer = [
    ...(details === undefined ? [] : [`Details: ${details}`]),
    ...(docsPath === undefined ? [] : [`Docs: ${docsPath}`]),
  ];
  return footer.length === 0 ? shortMessage : `${shortMessage}\n\n${footer.join("\n")}`;
}

/** Whether `error` says that trying the same step again may succeed (only a {@link BaseError} can say so). */
export function isRetryable(error: unknown): boolean {
  return error instanceof BaseError && error.retryable;
}
