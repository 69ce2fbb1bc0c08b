import { badInput } from "./scalars.js";

/** A keyset cursor: the values of a row's sort key, as base64url JSON (opaque to clients). */
export const encodeCursor = (values: readonly unknown[]): string =>
  Buffer.from(JSON.stringify(values)).toString("base64url");

/**
 * The sort-key values in `text`, if it is a cursor of `list` (whose shape `isValid` checks); otherwise BAD_USER_INPUT
 * naming the list, since a cursor is only good for the list that gave it.
 */
export function decodeCursor<Values extends unknown[]>(
  text: string,
  list: string,
  isValid: (values: unknown[]) => boolean,
): Values {
  try {
    const values = JSON.parse(Buffer.from(text, "base64url").toString("utf8")) as unknown;
    if (Array.isArray(values) && isValid(values)) return values as Values;
  } catch {
    // reported below
  }
  throw badInput(`"${text}" is not a cursor ${list}: pass an edge's cursor or pageInfo.endCursor.`);
}
