import assert from "node:assert/strict";

import {
  decodeEventLog,
  encodeAbiParameters,
  encodeEventTopics,
  getAddress,
  keccak256,
  toHex,
  type Abi,
  type AbiEvent,
  type Hex,
} from "viem";

import { LEDGER_EVENT_NAMES } from "../../src/core/ledgerEvent.js";
import { ledgerAbi } from "../../src/contracts/abis.js";
import type { RpcLog } from "../../src/chain/rpc/types.js";
import { decodeLogs } from "../../src/chain/decodeLogs.js";
import { Rng } from "../property/rng.js";

const abi: Abi = ledgerAbi;
const ledgerEvents = abi.filter((item): item is AbiEvent => item.type === "event" && LEDGER_EVENT_NAMES.has(item.name));

/** A random value of an ABI type, at the edges of its range as often as inside it. */
function randomValue(rng: Rng, type: string, components?: readonly { type: string; name?: string }[]): unknown {
  if (type.endsWith("[]"))
    return Array.from({ length: rng.int(3) }, () => randomValue(rng, type.slice(0, -2), components));
  if (type === "tuple")
    return Object.fromEntries(
      (components ?? []).map((c) => [c.name, randomValue(rng, c.type, (c as { components?: [] }).components)]),
    );
  if (type === "address") return getAddress(keccak256(toHex(rng.int(1e9))).slice(0, 42));
  if (type === "bytes32") return keccak256(toHex(rng.int(1e9)));
  if (type === "bool") return rng.chance(0.5);
  if (type === "string") return `key-${rng.int(1e6)}`;
  const bits = Number(type.slice(4) || 256);
  const max = (1n << BigInt(bits)) - 1n;
  const value = rng.pick([0n, 1n, max, max - 1n, BigInt(rng.int(1e9))]) % (max + 1n);
  return bits <= 48 ? Number(value) : value;
}

function logOf(item: AbiEvent, args: Record<string, unknown>, logIndex: number): RpcLog {
  const topics = encodeEventTopics({ abi: [item], eventName: item.name, args } as never) as Hex[];
  const plain = item.inputs.filter((i) => !i.indexed);
  const data = encodeAbiParameters(plain, plain.map((i) => args[i.name!]) as never);
  return {
    address: "0x0000000000000000000000000000000000000001",
    topics: topics as [Hex, ...Hex[]],
    data,
    blockNumber: 7n,
    blockHash: `0x${"ab".repeat(32)}`,
    transactionHash: `0x${"cd".repeat(32)}`,
    transactionIndex: 0,
    logIndex,
    removed: false,
  };
}

describe("decodeLogs (src/chain)", function () {
  it("decodes every ledger event exactly as viem does, edge values included", function () {
    const rng = new Rng(3);
    assert.ok(ledgerEvents.length >= 13);
    let index = 0;
    for (const item of ledgerEvents) {
      for (let round = 0; round < 40; round++) {
        const args = Object.fromEntries(
          item.inputs.map((i) => [i.name, randomValue(rng, i.type, (i as { components?: [] }).components)]),
        );
        const log = logOf(item, args, index++);
        const [ours] = decodeLogs(abi, [log]);
        const theirs = decodeEventLog({
          abi: [item],
          topics: log.topics as [Hex, ...Hex[]],
          data: log.data,
          strict: true,
        });
        assert.deepEqual(ours?.event, { type: theirs.eventName, ...(theirs.args as object) }, item.name);
      }
    }
  });

  it("rejects a word that does not fit its type, like viem's strict decoding", function () {
    const paid = ledgerEvents.find((e) => e.name === "Paid")!;
    const log = logOf(
      paid,
      {
        modelId: keccak256("0x01"),
        token: getAddress(`0x${"11".repeat(20)}`),
        payer: getAddress(`0x${"22".repeat(20)}`),
        amount: 5n,
        fee: 1n,
      },
      0,
    );
    const dirtyAddress = {
      ...log,
      topics: [log.topics[0]!, log.topics[1]!, `0xff${log.topics[2]!.slice(4)}` as Hex, log.topics[3]!] as [
        Hex,
        ...Hex[],
      ],
    };
    assert.throws(() => decodeLogs(abi, [dirtyAddress]), /Paid\.token: .* is not a valid address/);
    assert.throws(() => decodeLogs(abi, [{ ...log, data: `${log.data}00` as Hex }]), /does not match the ABI/);
  });

  it("skips logs of events that move no money", function () {
    const bound = abi.find((i): i is AbiEvent => i.type === "event" && i.name === "RegistryBound")!;
    assert.deepEqual(decodeLogs(abi, [logOf(bound, { registry: getAddress(`0x${"33".repeat(20)}`) }, 0)]), []);
  });
});
