import { GraphQLError, GraphQLScalarType, Kind, type ValueNode } from "graphql";
import { getAddress, isAddress } from "viem";

/** A GraphQL error for bad input: code `BAD_USER_INPUT` and a message that says what to fix. */
export function badInput(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: "BAD_USER_INPUT" } });
}

function stringScalar(name: string, description: string, parse: (value: string) => unknown) {
  const fromInput = (value: unknown) => {
    if (typeof value !== "string") throw badInput(`${name} must be a string, not ${JSON.stringify(value)}.`);
    return parse(value);
  };
  return new GraphQLScalarType({
    name,
    description,
    serialize: (value) => String(value),
    parseValue: fromInput,
    parseLiteral: (ast: ValueNode) => {
      if (ast.kind !== Kind.STRING) throw badInput(`${name} must be given as a string literal.`);
      return fromInput(ast.value);
    },
  });
}

/** Parsed arguments are never negative; a served value can be (a change in a simulation). */
export const BigIntScalar = stringScalar("BigInt", "An integer as a decimal string.", (value) => {
  if (!/^\d{1,78}$/.test(value)) throw badInput(`"${value}" is not a non-negative integer written in decimal digits.`);
  return BigInt(value);
});

/** Checksummed forms already computed: checksumming costs a keccak256, and the same few thousand addresses recur. */
const checksums = new Map<string, string>();
const CHECKSUM_MEMO_SIZE = 100_000;

function checksummed(value: string): string {
  let result = checksums.get(value);
  if (result === undefined) {
    result = getAddress(value);
    if (checksums.size >= CHECKSUM_MEMO_SIZE) checksums.clear();
    checksums.set(value, result);
  }
  return result;
}

export const AddressScalar = new GraphQLScalarType({
  ...stringScalar("Address", "An address, returned checksummed.", (value) => {
    if (!isAddress(value, { strict: false })) throw badInput(`"${value}" is not an address (0x and 40 hex digits).`);
    return getAddress(value);
  }).toConfig(),
  serialize: (value) => checksummed(String(value)),
});

export const Bytes32Scalar = stringScalar("Bytes32", "0x and 64 hex digits.", (value) => {
  if (!/^0x[0-9a-fA-F]{64}$/.test(value)) throw badInput(`"${value}" is not a 32-byte id (0x and 64 hex digits).`);
  return value.toLowerCase();
});
