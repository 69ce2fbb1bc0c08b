/**
 * Runs `run` and returns its result; when it throws an `errorClass` error, `reword` throws the caller's own error for
 * it instead (one in the caller's words and with its context, such as a field path). Other errors pass through.
 *
 * @example
 * rewordError(InvalidParentsError, () => validateParents({ parents }), (error) => {
 *   throw new CliError(`parents: ${error.reason}.`);
 * });
 */
export function rewordError<T, E extends Error>(
  errorClass: abstract new (...args: never[]) => E,
  run: () => T,
  reword: (error: E) => never,
): T {
  try {
    return run();
  } catch (error) {
    if (error instanceof errorClass) reword(error);
    throw error;
  }
}
