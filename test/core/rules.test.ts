/**
 * The registry's rules as core states them once (src/core/validate*.ts): what each accepts and refuses at the edges,
 * and the offending values its error carries.
 */
import { expect } from "chai";
import type { Address } from "viem";
import { MAX_CONTRIBUTORS, MAX_PARENTS, PPM, Role } from "../../src/core/constants.js";
import {
  CoreError,
  InvalidContributorsError,
  InvalidParentsError,
  InvalidUpstreamError,
  LedgerEventError,
  ParentTermsError,
  RuleError,
} from "../../src/core/errors.js";
import { modelId } from "../../src/core/modelId.js";
import type { Contributor } from "../../src/core/types.js";
import { validateContributors } from "../../src/core/validateContributors.js";
import { edgeSharePpm, minUpstreamPpm, validateParentTerms } from "../../src/core/validateParentTerms.js";
import { validateParents } from "../../src/core/validateParents.js";
import { validateUpstream } from "../../src/core/validateUpstream.js";
import { acct, createHarness } from "./ledgerHarness.js";

/** The error `run` throws, checked to be a `errorClass` (and a core rule error). */
function thrown<E extends Error>(errorClass: abstract new (...args: never[]) => E, run: () => void): E {
  try {
    run();
  } catch (error) {
    expect(error).to.be.instanceOf(errorClass);
    expect(error).to.be.instanceOf(RuleError);
    expect(error).to.be.instanceOf(CoreError);
    return error as E;
  }
  expect.fail("the rule accepted it");
}

/** `count` parents `p0, p1, ...` with equal weights summing to PPM (the remainder on the first). */
const parents = (count: number) =>
  Array.from({ length: count }, (_, i) => ({
    id: `hf:org/p${i}`,
    weightPpm: Math.floor(Number(PPM) / count) + (i === 0 ? Number(PPM) % count : 0),
  }));

const account = (n: number): Address => `0x${n.toString(16).padStart(40, "0")}` as Address;

/** `count` contributors with equal weights summing to PPM (the remainder on the first), all in role OTHER. */
const contributors = (count: number) =>
  Array.from({ length: count }, (_, i) => ({
    account: account(i + 1),
    role: Role.OTHER,
    weightPpm: Math.floor(Number(PPM) / count) + (i === 0 ? Number(PPM) % count : 0),
  }));

describe("core rules", () => {
  describe("validateParents", () => {
    it("accepts no parents (a base model), one parent at exactly PPM, and 16 parents", () => {
      validateParents({ parents: [] });
      validateParents({ parents: [{ id: "hf:org/a", weightPpm: Number(PPM) }] });
      validateParents({ parents: parents(MAX_PARENTS) });
    });

    it("refuses 17 parents, before looking at their weights", () => {
      const error = thrown(InvalidParentsError, () =>
        validateParents({ parents: [...parents(MAX_PARENTS), { id: "hf:org/extra", weightPpm: 0 }] }),
      );
      expect(error.problem).to.deep.equal({ kind: "count", count: 17 });
      expect(error.message).to.match(/^Invalid parents: 17 parents, more than 16\./);
    });

    it("refuses weights one ppm short of PPM and one ppm over, saying what they sum to", () => {
      const short = thrown(InvalidParentsError, () =>
        validateParents({ parents: [{ id: "hf:org/a", weightPpm: Number(PPM) - 1 }] }),
      );
      expect(short.problem).to.deep.equal({ kind: "sum", sum: PPM - 1n });
      expect(short.reason).to.equal("the edge weights sum to 999999, not 1000000");
      const over = thrown(InvalidParentsError, () =>
        validateParents({
          parents: [
            { id: "hf:org/a", weightPpm: 500_001 },
            { id: "hf:org/b", weightPpm: 500_000 },
          ],
        }),
      );
      expect(over.problem).to.deep.equal({ kind: "sum", sum: PPM + 1n });
    });

    it("refuses a zero, negative or fractional weight, naming the edge", () => {
      for (const weightPpm of [0, -1, 0.5]) {
        const error = thrown(InvalidParentsError, () =>
          validateParents({
            parents: [
              { id: "hf:org/a", weightPpm: Number(PPM) },
              { id: "hf:org/b", weightPpm },
            ],
          }),
        );
        expect(error.problem).to.deep.equal({ kind: "weight", index: 1, weightPpm });
      }
    });

    it("refuses a parent listed twice, naming both places; names compare exactly", () => {
      const twice = [
        { id: "hf:org/a", weightPpm: 300_000 },
        { id: "hf:org/b", weightPpm: 300_000 },
        { id: "hf:org/a", weightPpm: 400_000 },
      ];
      const error = thrown(InvalidParentsError, () => validateParents({ parents: twice }));
      expect(error.problem).to.deep.equal({ kind: "duplicate", index: 2, firstIndex: 0, id: "hf:org/a" });
      // Keys outside hf: are case-sensitive: these are two models.
      validateParents({
        parents: [
          { id: "gh:org/a", weightPpm: 500_000 },
          { id: "gh:org/A", weightPpm: 500_000 },
        ],
      });
    });

    it("refuses the model as its own parent when it is named", () => {
      const list = [{ id: "hf:org/me", weightPpm: Number(PPM) }];
      validateParents({ parents: list });
      const error = thrown(InvalidParentsError, () => validateParents({ parents: list, self: "hf:org/me" }));
      expect(error.problem).to.deep.equal({ kind: "self", index: 0, id: "hf:org/me" });
    });
  });

  describe("validateContributors", () => {
    it("accepts one contributor at exactly PPM and 1000 contributors", () => {
      validateContributors({ contributors: [{ account: account(1), role: Role.OTHER, weightPpm: Number(PPM) }] });
      validateContributors({ contributors: contributors(MAX_CONTRIBUTORS) });
    });

    it("refuses an empty set and 1001 contributors", () => {
      expect(thrown(InvalidContributorsError, () => validateContributors({ contributors: [] })).problem).to.deep.equal({
        kind: "count",
        count: 0,
      });
      const error = thrown(InvalidContributorsError, () =>
        validateContributors({ contributors: contributors(MAX_CONTRIBUTORS + 1) }),
      );
      expect(error.problem).to.deep.equal({ kind: "count", count: 1001 });
      expect(error.reason).to.equal("a contributor set has 1001 entries, not 1..1000");
    });

    it("refuses weights one ppm short of PPM, and a zero weight", () => {
      const short = contributors(3);
      short[2]!.weightPpm -= 1;
      expect(
        thrown(InvalidContributorsError, () => validateContributors({ contributors: short })).problem,
      ).to.deep.equal({ kind: "sum", sum: PPM - 1n });
      const zero = [...contributors(2), { account: account(9), role: Role.OTHER, weightPpm: 0 }];
      expect(
        thrown(InvalidContributorsError, () => validateContributors({ contributors: zero })).problem,
      ).to.deep.equal({ kind: "weight", index: 2, weightPpm: 0 });
    });

    it("accepts an account twice in the same role, as the registry does, unless asked for distinct entries", () => {
      const repeated: Contributor[] = [
        { account: account(1), role: Role.FINETUNING, weightPpm: 500_000 },
        { account: account(2), role: Role.FINETUNING, weightPpm: 200_000 },
        { account: account(1).toUpperCase().replace("0X", "0x") as Address, role: Role.FINETUNING, weightPpm: 300_000 },
      ];
      validateContributors({ contributors: repeated });
      const error = thrown(InvalidContributorsError, () =>
        validateContributors({ contributors: repeated, distinct: true }),
      );
      expect(error.problem).to.include({ kind: "duplicate", index: 2, firstIndex: 0, role: Role.FINETUNING });
      // The same account in another role is another entry.
      repeated[2]!.role = Role.TOOLING;
      validateContributors({ contributors: repeated, distinct: true });
    });
  });

  describe("validateUpstream", () => {
    it("accepts 0..PPM with parents and 0 without", () => {
      for (const upstreamPpm of [0, 1, Number(PPM)]) validateUpstream({ upstreamPpm, parentCount: 1 });
      validateUpstream({ upstreamPpm: 0, parentCount: 0 });
    });

    it("refuses a share outside 0..PPM, and any share for a model without parents", () => {
      for (const upstreamPpm of [-1, Number(PPM) + 1, 0.5]) {
        const error = thrown(InvalidUpstreamError, () => validateUpstream({ upstreamPpm, parentCount: 1 }));
        expect(error.problem).to.deep.equal({ kind: "range", upstreamPpm });
      }
      const error = thrown(InvalidUpstreamError, () => validateUpstream({ upstreamPpm: 1, parentCount: 0 }));
      expect(error.problem).to.deep.equal({ kind: "withoutParents", upstreamPpm: 1 });
      expect(error.reason).to.equal("upstreamPpm is 1 for a model without parents");
    });
  });

  describe("validateParentTerms", () => {
    const terms = { derivativesAllowed: true, minDerivativePpm: 50_000 };

    it("accepts an edge that sends the parent exactly its minimum, refuses one ppm less upstream", () => {
      // 10% upstream x 50% weight = 5% of the child's revenue, the parent's minimum exactly.
      validateParentTerms({ parent: "hf:org/base", terms, upstreamPpm: 100_000, weightPpm: 500_000 });
      const error = thrown(ParentTermsError, () =>
        validateParentTerms({ parent: "hf:org/base", terms, upstreamPpm: 99_999, weightPpm: 500_000 }),
      );
      expect(error.problem).to.deep.equal({
        kind: "belowMinimum",
        parent: "hf:org/base",
        provided: 99_999n * 500_000n,
        required: 50_000n * PPM,
      });
      expect(error.reason).to.match(/below parent hf:org\/base's minDerivativePpm \* PPM/);
    });

    it("refuses any edge to a parent that refuses derivatives, even one sending everything", () => {
      const closed = { derivativesAllowed: false, minDerivativePpm: 0 };
      const error = thrown(ParentTermsError, () =>
        validateParentTerms({ parent: "hf:org/base", terms: closed, upstreamPpm: Number(PPM), weightPpm: Number(PPM) }),
      );
      expect(error.problem).to.deep.equal({ kind: "derivativesRefused", parent: "hf:org/base" });
    });

    it("accepts any edge, even 0% upstream, to a parent without a minimum", () => {
      validateParentTerms({ parent: "p", terms: { ...terms, minDerivativePpm: 0 }, upstreamPpm: 0, weightPpm: 1 });
    });

    it("computes the least upstream share that satisfies the parent, which the rule then accepts exactly", () => {
      for (const weightPpm of [1, 3, 400_000, 333_333, Number(PPM)]) {
        for (const minDerivativePpm of [0, 1, 50_000, 333_333]) {
          const least = minUpstreamPpm({ derivativesAllowed: true, minDerivativePpm }, weightPpm);
          const edge = { parent: "p", terms: { derivativesAllowed: true, minDerivativePpm }, weightPpm };
          if (least <= PPM) validateParentTerms({ ...edge, upstreamPpm: Number(least) });
          if (least > 0n && least <= PPM + 1n)
            thrown(ParentTermsError, () => validateParentTerms({ ...edge, upstreamPpm: Number(least) - 1 }));
        }
      }
      expect(minUpstreamPpm(terms, 400_000)).to.equal(125_000n);
      // A tiny edge cannot carry a 5% minimum with any upstream share.
      expect(minUpstreamPpm(terms, 1) > PPM).to.equal(true);
    });

    it("gives the share of revenue an edge carries, rounded down", () => {
      expect(edgeSharePpm(200_000, 600_000)).to.equal(120_000n);
      expect(edgeSharePpm(1, 999_999)).to.equal(0n);
      expect(edgeSharePpm(Number(PPM), Number(PPM))).to.equal(PPM);
    });
  });

  describe("the engine", () => {
    it("refuses a registration the rules refuse, with the rule's reason", () => {
      const h = createHarness();
      const A = h.register("hf:org/a", [[acct(1), 1_000_000]]);
      h.emit({ type: "TermsUpdated", id: A, terms: { derivativesAllowed: false, minDerivativePpm: 0 } });
      const registration = (key: string, parentId = A) =>
        ({
          type: "ModelRegistered",
          id: modelId(key),
          key,
          steward: acct(2),
          upstreamPpm: 100_000,
          parents: [{ parentId, relation: 0, weightPpm: Number(PPM) }],
          terms: { derivativesAllowed: true, minDerivativePpm: 0 },
        }) as const;
      expect(() => h.ledger.apply(registration("hf:org/b"))).to.throw(
        LedgerEventError,
        /^ModelRegistered: parent 0x[0-9a-f]{64} does not allow derivatives\./,
      );
      expect(() => h.ledger.apply(registration("hf:org/b", modelId("hf:org/b")))).to.throw(
        LedgerEventError,
        /edge 0 names the model 0x[0-9a-f]{64} itself/,
      );
      expect(h.ledger.models()).to.deep.equal([A]);
    });
  });
});
