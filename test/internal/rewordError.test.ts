import { expect } from "chai";
import { rewordError } from "../../src/internal/rewordError.js";

class Refused extends Error {}
class Reworded extends Error {}

/** A call that throws `error`. */
const throwing = (error: Error) => (): never => {
  throw error;
};

describe("rewordError", () => {
  it("returns what the call returns", () => {
    expect(
      rewordError(
        Refused,
        () => 42,
        () => expect.fail("nothing was thrown"),
      ),
    ).to.equal(42);
  });

  it("hands an error of the class to reword, which throws the caller's own", () => {
    const refusal = new Refused("core words");
    const reword = (error: Refused): never => {
      expect(error).to.equal(refusal);
      throw new Reworded(`caller words for: ${error.message}`);
    };
    expect(() => rewordError(Refused, throwing(refusal), reword)).to.throw(Reworded, "caller words for: core words");
  });

  it("lets other errors through unchanged", () => {
    const other = new TypeError("not ours");
    const reword = () => expect.fail("reworded an error of another class");
    expect(() => rewordError(Refused, throwing(other), reword)).to.throw(other);
  });
});
