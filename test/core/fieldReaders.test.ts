/**
 * The generic field readers (src/core/fieldReaders.ts) that manifests, model cards and scenarios share: what each
 * accepts, and the problem it reports for what it refuses (the callers' wording is tested with them).
 */
import { expect } from "chai";
import { Relation, Role } from "../../src/core/constants.js";
import { InvalidPercentError } from "../../src/core/errors.js";
import { fieldReaders, type FieldProblem } from "../../src/core/fieldReaders.js";

/** Thrown by the test reporter: the path and problem the reader reported. */
class Reported extends Error {
  constructor(
    readonly path: string,
    readonly problem: FieldProblem,
  ) {
    super(`${path}: ${problem.kind}`);
  }
}

const read = fieldReaders<string>((path, problem) => {
  throw new Reported(path, problem);
});

/** What the reader reported for the field at "here". */
function reported(run: () => unknown): FieldProblem {
  try {
    run();
  } catch (error) {
    expect(error).to.be.instanceOf(Reported);
    expect((error as Reported).path).to.equal("here");
    return (error as Reported).problem;
  }
  expect.fail("the reader accepted the value");
}

describe("fieldReaders", () => {
  it("object: a mapping whose keys are all allowed; the first unknown key is reported", () => {
    expect(read.object({ a: 1 }, "here", ["a", "b"])).to.deep.equal({ a: 1 });
    for (const value of [null, [], "a", 1, undefined])
      expect(reported(() => read.object(value, "here", ["a"]))).to.deep.equal({
        kind: "notMapping",
        value,
        allowed: ["a"],
      });
    expect(reported(() => read.object({ a: 1, c: 2, d: 3 }, "here", ["a", "b"]))).to.deep.equal({
      kind: "unknownField",
      field: "c",
      allowed: ["a", "b"],
    });
  });

  it("list: a sequence of at least `min` entries", () => {
    expect(read.list([], "here")).to.deep.equal([]);
    expect(reported(() => read.list({ 0: "a" }, "here"))).to.deep.equal({ kind: "notList", value: { 0: "a" } });
    expect(reported(() => read.list([], "here", { min: 1 }))).to.deep.equal({ kind: "tooFewEntries", min: 1 });
  });

  it("text: any string, or with nonBlank one with more than spaces; the example travels with a refusal", () => {
    expect(read.text("", "here")).to.equal("");
    expect(reported(() => read.text(undefined, "here", { example: '"x"' }))).to.deep.equal({
      kind: "notText",
      value: undefined,
      example: '"x"',
    });
    expect(reported(() => read.text(7, "here"))).to.include({ kind: "notText", value: 7 });
    expect(reported(() => read.text("  ", "here", { nonBlank: true }))).to.include({ kind: "notText", value: "  " });
  });

  it("boolean: true or false only (YAML 1.2 reads yes as text)", () => {
    expect(read.boolean(false, "here")).to.equal(false);
    expect(reported(() => read.boolean("yes", "here"))).to.deep.equal({ kind: "notBoolean", value: "yes" });
  });

  it("percent: text with a % sign, 0% to 100% with at most 4 decimals, in ppm", () => {
    expect(read.percent("12.5%", "here")).to.equal(125_000);
    expect(read.percent("100%", "here")).to.equal(1_000_000);
    expect(read.percent("0.0001%", "here")).to.equal(1);
    expect(reported(() => read.percent(0.2, "here"))).to.deep.equal({ kind: "percentNotText", value: 0.2 });
    for (const text of ["100.0001%", "12,5%", "0.00001%", "12.5"]) {
      const problem = reported(() => read.percent(text, "here"));
      expect(problem).to.include({ kind: "notPercent", text });
      expect((problem as { error: unknown }).error).to.be.instanceOf(InvalidPercentError);
    }
  });

  it("name: an enum's name exactly, or loosely whatever the case and with - or spaces for _", () => {
    expect(read.name("DATA_CURATION", "here", Role)).to.equal(Role.DATA_CURATION);
    expect(read.name(" data-curation ", "here", Role, { loose: true })).to.equal(Role.DATA_CURATION);
    expect(read.name("Evaluation redteam", "here", Role, { loose: true })).to.equal(Role.EVALUATION_REDTEAM);
    const names = Object.keys(Relation);
    expect(reported(() => read.name("finetune", "here", Relation))).to.deep.equal({
      kind: "notName",
      value: "finetune",
      names,
    });
    // Inherited properties are not names.
    expect(reported(() => read.name("toString", "here", Relation))).to.include({ kind: "notName" });
    expect(reported(() => read.name(3, "here", Relation, { loose: true }))).to.deep.equal({
      kind: "notName",
      value: 3,
      names,
    });
  });
});
