/**
 * Fast batched view calls for the property test. Comparing the engine with the chain after every action takes about
 * a thousand view calls each time; one `eth_call` per view (or viem's multicall, whose per-call ABI encoding
 * dominates) would make the test minutes long. Instead a tiny test-only contract is placed with `hardhat_setCode`
 * and each batch is one `eth_call`, with the calls' ABI data encoded and decoded here by string slicing.
 *
 * The contract is contracts/mocks/BatchReader.sol; its runtime code comes from the build's artifact.
 */
import {
  decodeErrorResult,
  getAddress,
  toFunctionSelector,
  type Abi,
  type AbiFunction,
  type AbiParameter,
  type Address,
  type Hex,
} from "viem";

export const BATCH_READER: Address = "0x00000000000000000000000000000000b47c4eee";

export type Call = { address: Address; abi: Abi; functionName: string; args: readonly unknown[] };

type Param = AbiParameter & { components?: readonly AbiParameter[] };
type Prepared = { selector: string; inputs: readonly Param[]; outputs: readonly Param[] };

const preparedCache = new WeakMap<Abi, Map<string, Prepared>>();

function prepare(abi: Abi, functionName: string): Prepared {
  let byName = preparedCache.get(abi);
  if (byName === undefined) {
    byName = new Map();
    preparedCache.set(abi, byName);
  }
  let prepared = byName.get(functionName);
  if (prepared === undefined) {
    const items = abi.filter((x): x is AbiFunction => x.type === "function" && x.name === functionName);
    if (items.length !== 1) throw new Error(`batchReader: ${items.length} functions named ${functionName}`);
    const item = items[0]!;
    prepared = { selector: toFunctionSelector(item).slice(2), inputs: item.inputs, outputs: item.outputs };
    byName.set(functionName, prepared);
  }
  return prepared;
}

const hexWord = (value: bigint): string => {
  if (value < 0n) throw new Error(`batchReader: negative value ${value}`);
  return value.toString(16).padStart(64, "0");
};

const isDynamic = (p: Param): boolean =>
  p.type === "bytes" ||
  p.type === "string" ||
  p.type.endsWith("]") ||
  (p.type === "tuple" && (p.components ?? []).some((c) => isDynamic(c as Param)));

const staticSize = (p: Param): number =>
  p.type === "tuple" ? (p.components ?? []).reduce((s, c) => s + staticSize(c as Param), 0) : 32;

function encodeScalar(type: string, value: unknown): string {
  if (type === "address") return (value as string).slice(2).toLowerCase().padStart(64, "0");
  if (type === "bytes32") {
    const hex = (value as string).slice(2);
    if (hex.length !== 64) throw new Error(`batchReader: bad bytes32 ${String(value)}`);
    return hex;
  }
  if (type === "bool") return hexWord(value ? 1n : 0n);
  if (/^uint\d*$/.test(type)) return hexWord(BigInt(value as bigint | number));
  throw new Error(`batchReader: cannot encode ${type}`);
}

function encodeValue(p: Param, value: unknown): string {
  if (p.type === "tuple") {
    const components = (p.components ?? []) as readonly Param[];
    const values = Array.isArray(value)
      ? value
      : components.map((c) => (value as Record<string, unknown>)[c.name ?? ""]);
    return encodeParams(components, values);
  }
  const array = /^(.*)\[\]$/.exec(p.type);
  if (array !== null) {
    const items = value as readonly unknown[];
    const inner = { ...p, type: array[1]! } as Param;
    return hexWord(BigInt(items.length)) + encodeParams(Array<Param>(items.length).fill(inner), items);
  }
  return encodeScalar(p.type, value);
}

function encodeParams(params: readonly Param[], values: readonly unknown[]): string {
  const headSize = params.reduce((s, p) => s + (isDynamic(p) ? 32 : staticSize(p)), 0);
  let head = "";
  let tail = "";
  params.forEach((p, i) => {
    if (isDynamic(p)) {
      head += hexWord(BigInt(headSize + tail.length / 2));
      tail += encodeValue(p, values[i]);
    } else head += encodeValue(p, values[i]);
  });
  return head + tail;
}

/** Decodes static outputs (scalars and static tuples) at `offset` (in hex characters); returns value and next offset. */
function decodeValue(p: Param, hex: string, offset: number): [unknown, number] {
  if (p.type === "tuple") {
    const out: Record<string, unknown> = {};
    let at = offset;
    for (const c of (p.components ?? []) as readonly Param[]) {
      const [value, next] = decodeValue(c, hex, at);
      out[c.name ?? ""] = value;
      at = next;
    }
    return [out, at];
  }
  const word = hex.slice(offset, offset + 64);
  if (word.length !== 64) throw new Error(`batchReader: short return data for ${p.type}`);
  const next = offset + 64;
  if (p.type === "address") return [getAddress(`0x${word.slice(24)}`), next];
  if (p.type === "bytes32") return [`0x${word}`, next];
  if (p.type === "bool") return [BigInt(`0x${word}`) !== 0n, next];
  const uint = /^uint(\d*)$/.exec(p.type);
  if (uint !== null) {
    const value = BigInt(`0x${word}`);
    return [Number(uint[1] || 256) <= 48 ? Number(value) : value, next];
  }
  throw new Error(`batchReader: cannot decode ${p.type}`);
}

function decodeOutputs(outputs: readonly Param[], hex: string): unknown {
  if (outputs.some(isDynamic)) throw new Error("batchReader: dynamic outputs are not supported");
  let at = 0;
  const values = outputs.map((p) => {
    const [value, next] = decodeValue(p, hex, at);
    at = next;
    return value;
  });
  return values.length === 1 ? values[0] : values;
}

/** The calldata of one call (selector + arguments), without 0x. */
export function encodeCall(call: Call): string {
  const { selector, inputs } = prepare(call.abi, call.functionName);
  return selector + encodeParams(inputs, call.args);
}

type Caller = (data: Hex) => Promise<Hex>;

/**
 * Runs `calls` through the batch reader in chunks of `chunk` calls (each chunk is one `eth_call`); results in order,
 * decoded as viem decodes them (uint up to 48 bits as number, structs as objects, addresses checksummed).
 * A reverting call fails the whole batch with its decoded error.
 */
export async function batchRead(callBatch: Caller, calls: readonly Call[], chunk = 500): Promise<unknown[]> {
  const out: unknown[] = [];
  for (let start = 0; start < calls.length; start += chunk) {
    const part = calls.slice(start, start + chunk);
    let data = "0x";
    for (const call of part) {
      const encoded = encodeCall(call);
      data += call.address.slice(2).toLowerCase() + (encoded.length / 2).toString(16).padStart(8, "0") + encoded;
    }
    let result: Hex;
    try {
      result = await callBatch(data as Hex);
    } catch (error) {
      throw new Error(`batchReader: a view call reverted: ${describeRevert(error, part)}`, { cause: error });
    }
    let at = 2;
    for (const call of part) {
      const size = Number(BigInt(`0x${result.slice(at, at + 64)}`));
      at += 64;
      out.push(decodeOutputs(prepare(call.abi, call.functionName).outputs, result.slice(at, at + size * 2)));
      at += size * 2;
    }
    if (at !== result.length) throw new Error("batchReader: trailing return data");
  }
  return out;
}

function describeRevert(error: unknown, part: readonly Call[]): string {
  const data = findRevertData(error);
  if (data !== null)
    for (const abi of new Set(part.map((c) => c.abi)))
      try {
        const decoded = decodeErrorResult({ abi, data });
        return `${decoded.errorName}(${(decoded.args ?? []).map(String).join(", ")})`;
      } catch {
        // another ABI may know it
      }
  return error instanceof Error ? error.message.slice(0, 400) : String(error);
}

function findRevertData(error: unknown): Hex | null {
  for (let e: unknown = error; e !== null && typeof e === "object"; e = (e as { cause?: unknown }).cause) {
    const data = (e as { data?: unknown }).data;
    if (typeof data === "string" && data.startsWith("0x")) return data as Hex;
  }
  return null;
}
