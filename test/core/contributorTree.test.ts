import { expect } from "chai";
import { concat, keccak256, stringToBytes, type Address, type Hex } from "viem";
import { beneficiaryRoot } from "../../src/core/beneficiaryRoot.js";
import { MAX_CONTRIBUTORS, ModelStatus, PPM, Relation, Role } from "../../src/core/constants.js";
import { contributorLeaf } from "../../src/core/contributorLeaf.js";
import { contributorTree } from "../../src/core/contributorTree.js";
import { InvalidModelKeyError, InvalidWeightsError } from "../../src/core/errors.js";
import { modelId } from "../../src/core/modelId.js";
import { parentsHash } from "../../src/core/parentsHash.js";
import type { Contributor } from "../../src/core/types.js";
import { validateKey } from "../../src/core/validateKey.js";

// ---------------------------------------------------------------- independent reimplementations

/** One ABI word: a non-negative integer (or an address) left-padded to 32 bytes. */
const word = (value: bigint | number | string): string =>
  (typeof value === "string" ? value.slice(2).toLowerCase() : value.toString(16)).padStart(64, "0");

/** The leaf, hand-encoded: four 32-byte words, hashed twice. */
function handLeaf(account: Address, role: number, weightPpm: number, cumulativeBefore: number): Hex {
  const encoded = `0x${word(account)}${word(role)}${word(weightPpm)}${word(cumulativeBefore)}` as Hex;
  return keccak256(keccak256(encoded));
}

/** OpenZeppelin Hashes.commutativeKeccak256. */
function commutativeKeccak256(a: Hex, b: Hex): Hex {
  return BigInt(a) < BigInt(b) ? keccak256(concat([a, b])) : keccak256(concat([b, a]));
}

/** OpenZeppelin MerkleProof.processProof / verify. */
function processProof(proof: readonly Hex[], leaf: Hex): Hex {
  let computed = leaf;
  for (const sibling of proof) computed = commutativeKeccak256(computed, sibling);
  return computed;
}
const verify = (proof: readonly Hex[], root: Hex, leaf: Hex): boolean => processProof(proof, leaf) === root;

const account = (n: number): Address => `0x${n.toString(16).padStart(40, "0")}`;

/** n contributors with positive weights summing to PPM. */
function contributors(n: number): Contributor[] {
  const base = Math.floor(Number(PPM) / n);
  return Array.from({ length: n }, (_, i) => ({
    account: account(0x1000 + i),
    role: i % 11,
    weightPpm: i === n - 1 ? Number(PPM) - base * (n - 1) : base,
  }));
}

// ---------------------------------------------------------------- tests

describe("contributorTree", () => {
  it("encodes a leaf as keccak256(keccak256(abi.encode(account, role, weightPpm, cumulativeBefore)))", () => {
    const a = "0xAbCdEf0123456789aBcDeF0123456789AbCdEf01" as Address;
    expect(
      contributorLeaf({ account: a, role: Role.ALIGNMENT, weightPpm: 250_000, cumulativeBefore: 750_000 }),
    ).to.equal(handLeaf(a, 3, 250_000, 750_000));
  });

  it("roots one leaf at the leaf itself, with an empty proof", () => {
    const tree = contributorTree([{ account: account(1), role: Role.OTHER, weightPpm: Number(PPM) }]);
    expect(tree.root).to.equal(handLeaf(account(1), Role.OTHER, Number(PPM), 0));
    expect(tree.entries[0]!.proof).to.deep.equal([]);
    expect(beneficiaryRoot(account(1))).to.equal(tree.root);
  });

  it("matches a hand-computed 3-leaf root: ((l0, l1), l2), the odd leaf moving up unchanged", () => {
    const set: Contributor[] = [
      { account: account(0xa1), role: Role.PRETRAINING_COMPUTE, weightPpm: 500_000 },
      { account: account(0xa2), role: Role.DATA_CURATION, weightPpm: 300_000 },
      { account: account(0xa3), role: Role.FINETUNING, weightPpm: 200_000 },
    ];
    const l0 = handLeaf(account(0xa1), 0, 500_000, 0);
    const l1 = handLeaf(account(0xa2), 1, 300_000, 500_000);
    const l2 = handLeaf(account(0xa3), 2, 200_000, 800_000);
    const n01 = commutativeKeccak256(l0, l1);
    const root = commutativeKeccak256(n01, l2);

    const tree = contributorTree(set);
    expect(tree.root).to.equal(root);
    expect(tree.entries.map((e) => e.cumulativeBefore)).to.deep.equal([0, 500_000, 800_000]);
    expect(tree.entries.map((e) => e.leaf)).to.deep.equal([l0, l1, l2]);
    expect(tree.entries[0]!.proof).to.deep.equal([l1, l2]);
    expect(tree.entries[1]!.proof).to.deep.equal([l0, l2]);
    expect(tree.entries[2]!.proof).to.deep.equal([n01]);
  });

  it("gives proofs that OpenZeppelin's processProof verifies, for every size up to 40 and around powers of two", function () {
    this.timeout(60_000);
    for (const n of [...Array.from({ length: 40 }, (_, i) => i + 1), 63, 64, 65, 127, 128, 129]) {
      const tree = contributorTree(contributors(n));
      expect(tree.entries).to.have.length(n);
      for (const entry of tree.entries) {
        expect(entry.leaf).to.equal(handLeaf(entry.account, entry.role, entry.weightPpm, entry.cumulativeBefore));
        expect(verify(entry.proof, tree.root, entry.leaf), `n=${n} entry at ${entry.cumulativeBefore}`).to.be.true;
        expect(entry.proof.length).to.be.at.most(Math.ceil(Math.log2(n)));
      }
    }
  });

  it("handles a set at the MAX_CONTRIBUTORS cap", function () {
    this.timeout(60_000);
    const tree = contributorTree(contributors(MAX_CONTRIBUTORS));
    for (const entry of tree.entries.filter((_, i) => i % 97 === 0 || i === MAX_CONTRIBUTORS - 1))
      expect(verify(entry.proof, tree.root, entry.leaf)).to.be.true;
  });

  it("rejects a proof for the wrong position or another set", () => {
    const tree = contributorTree(contributors(5));
    const other = contributorTree(contributors(6));
    const [first, second] = tree.entries;
    expect(verify(first!.proof, tree.root, second!.leaf)).to.be.false;
    expect(verify(first!.proof, other.root, first!.leaf)).to.be.false;
  });

  it("keeps duplicate accounts as distinct entries (keyed by cumulativeBefore)", () => {
    const tree = contributorTree([
      { account: account(7), role: Role.FUNDING, weightPpm: 400_000 },
      { account: account(7), role: Role.FUNDING, weightPpm: 600_000 },
    ]);
    expect(tree.entries[0]!.leaf).to.not.equal(tree.entries[1]!.leaf);
    for (const entry of tree.entries) expect(verify(entry.proof, tree.root, entry.leaf)).to.be.true;
  });

  it("rejects empty, oversized, zero-weight and mis-summed sets", () => {
    expect(() => contributorTree([])).to.throw(InvalidWeightsError, /0 entries/);
    expect(() => contributorTree(contributors(MAX_CONTRIBUTORS + 1))).to.throw(InvalidWeightsError, /1001 entries/);
    expect(() =>
      contributorTree([
        { account: account(1), role: 0, weightPpm: 0 },
        { account: account(2), role: 0, weightPpm: Number(PPM) },
      ]),
    ).to.throw(InvalidWeightsError, /contributor 0 has weight 0/);
    expect(() => contributorTree([{ account: account(1), role: 0, weightPpm: 999_999 }])).to.throw(
      InvalidWeightsError,
      /sum to 999999, not to 1000000/,
    );
  });
});

describe("parentsHash", () => {
  it("is keccak256(abi.encode(ParentEdge[])): offset, length, then one 3-word tuple per edge", () => {
    const p1 = keccak256(stringToBytes("hf:a")) as Hex;
    const p2 = keccak256(stringToBytes("hf:b")) as Hex;
    const edges = [
      { parentId: p1, relation: Relation.MERGE, weightPpm: 600_000 },
      { parentId: p2, relation: Relation.ADAPTER, weightPpm: 400_000 },
    ];
    const hand =
      `0x${word(32)}${word(2)}${word(p1)}${word(3)}${word(600_000)}${word(p2)}${word(1)}${word(400_000)}` as Hex;
    expect(parentsHash(edges)).to.equal(keccak256(hand));
    expect(parentsHash([])).to.equal(keccak256(`0x${word(32)}${word(0)}`));
  });
});

describe("modelId / validateKey", () => {
  it("hashes the key's bytes", () => {
    const key = "hf:meta-llama/llama-3.1-8b";
    expect(modelId(key)).to.equal(keccak256(stringToBytes(key)));
    expect(modelId("gh:a")).to.not.equal(modelId("gh:A"));
  });

  it("accepts 1..128 printable ASCII bytes", () => {
    expect(() => validateKey("a b")).to.not.throw();
    expect(() => validateKey("~".repeat(128))).to.not.throw();
    expect(() => validateKey("hf:org/name@0123abc")).to.not.throw();
  });

  it("says what is wrong with a key", () => {
    expect(() => modelId("")).to.throw(InvalidModelKeyError, /the key is empty/);
    expect(() => modelId("x".repeat(129))).to.throw(InvalidModelKeyError, /129 bytes long, more than the 128/);
    expect(() => modelId("hf:caf\u00e9")).to.throw(InvalidModelKeyError, /byte 0xc3 at offset 6 is not printable/);
    expect(() => modelId("a\tb")).to.throw(InvalidModelKeyError, /byte 0x09 at offset 1/);
    expect(() => modelId("a\x7f")).to.throw(InvalidModelKeyError, /byte 0x7f at offset 1/);
    expect(() => modelId("é".repeat(70))).to.throw(InvalidModelKeyError, /140 bytes long/);
  });

  it("numbers the enums like the Solidity declarations", () => {
    expect(ModelStatus).to.deep.equal({ NONE: 0, ACTIVE: 1, DISPUTED: 2, REVOKED: 3 });
    expect(Relation.OTHER).to.equal(5);
    expect(Role.OTHER).to.equal(10);
  });
});
