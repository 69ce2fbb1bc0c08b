import { BaseError } from "../../internal/errors.js";

/**
 * A scenario file that cannot run: the one-line message starts with the field path
 * (`models[2].parents[0].from: ...`). Not retryable: the file has to change.
 */
export class ScenarioError extends BaseError {
  override name = "ScenarioError";
  constructor(
    /** Where in the file, as `revenue[1].amount`; empty for the whole file. */
    readonly path: string,
    problem: string,
  ) {
    super(path ? `${path}: ${problem}` : problem);
  }
}
