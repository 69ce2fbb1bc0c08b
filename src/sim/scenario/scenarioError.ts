/** A scenario file that cannot run: the message starts with the field path (`models[2].parents[0].from: ...`). */
export class ScenarioError extends Error {
  override name = "ScenarioError";
  constructor(
    /** Where in the file, as `revenue[1].amount`; empty for the whole file. */
    readonly path: string,
    problem: string,
  ) {
    super(path ? `${path}: ${problem}` : problem);
  }
}
