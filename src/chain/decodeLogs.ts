import { decodeEventLog, getAddress, toEventSelector, type Abi, type AbiEvent, type Address, type Hex } from "viem";

import type { LedgerEvent } from "../core/ledgerEvent.js";
import { STORED_EVENT_NAMES, isLedgerEvent, type StoredEvent } from "../core/recordEvents.js";

/**
 * A stored event (a ledger event or a record) with where it happened. `raw` is the log as stored, so a replay decodes
 * exactly the same event.
 */
export type IndexedEvent = {
  blockNumber: bigint;
  logIndex: number;
  blockHash: Hex;
  transactionHash: Hex;
  event: StoredEvent;
  raw: RawLog;
};

/** The part of a log that decoding needs. */
export type RawLog = { address: Address; topics: Hex[]; data: Hex };

/** A mined log: what decoding needs and where it happened (`eth_getLogs` entries and receipts' logs alike). */
export type MinedLog = {
  address: Address;
  topics: readonly Hex[];
  data: Hex;
  blockNumber: bigint;
  logIndex: number;
  blockHash: Hex;
  transactionHash: Hex;
};

type Decoder = (topics: readonly Hex[], data: Hex) => { eventName: string; args: Record<string, unknown> };

/** Per ABI: a decoder for each stored event, by topic 0. */
const decodersByAbi = new WeakMap<Abi, Map<Hex, Decoder>>();

function decodersOf(abi: Abi): Map<Hex, Decoder> {
  let byTopic = decodersByAbi.get(abi);
  if (!byTopic) {
    byTopic = new Map();
    for (const item of abi) {
      if (item.type === "event" && STORED_EVENT_NAMES.has(item.name)) {
        byTopic.set(toEventSelector(item), staticDecoder(item) ?? viemDecoder(item));
      }
    }
    decodersByAbi.set(abi, byTopic);
  }
  return byTopic;
}

function viemDecoder(item: AbiEvent): Decoder {
  const abi = [item] as const;
  return (topics, data) => {
    // A log reaches here by its topic 0, so topics is not empty; every stored event names its inputs, so viem's
    // "list or record" of an ABI item read at run time is a record.
    const { eventName, args } = decodeEventLog({ abi, topics: topics as [Hex, ...Hex[]], data, strict: true });
    return { eventName, args: args as Record<string, unknown> };
  };
}

const ELEMENTARY = /^(uint(\d*)|address|bool|bytes32)$/;

/**
 * A decoder for events made only of 32-byte elementary values (the payment, propagation and claim events that make
 * up nearly every log): it reads the words directly instead of going through viem's generic ABI decoder, about
 * four times faster. Same results as viem, including its strictness (test/indexer/decodeLogs.test.ts compares
 * them); other events (lists, structs, strings) return `null` and use viem.
 */
function staticDecoder(item: AbiEvent): Decoder | null {
  if (!item.inputs.every((input) => ELEMENTARY.test(input.type))) return null;
  const indexedCount = item.inputs.filter((input) => input.indexed).length;
  const dataWords = item.inputs.length - indexedCount;
  const fields = item.inputs.map((input) => ({
    name: input.name!,
    indexed: input.indexed === true,
    read: wordReader(input.type, `${item.name}.${input.name}`),
  }));
  return (topics, data) => {
    if (topics.length !== indexedCount + 1 || data.length !== 2 + 64 * dataWords) {
      throw new Error(
        `A ${item.name} log has ${topics.length - 1} indexed values and ${(data.length - 2) / 2} data bytes: it does not match the ABI.`,
      );
    }
    const args: Record<string, unknown> = {};
    let topic = 1;
    let word = 0;
    for (const field of fields) {
      args[field.name] = field.read(
        field.indexed ? topics[topic++]!.slice(2) : data.slice(2 + 64 * word, 2 + 64 * ++word),
      );
    }
    return { eventName: item.name, args };
  };
}

/** Reads one 64-hex-digit word as `type`, rejecting values that do not fit it (as viem's strict decoding does). */
function wordReader(type: string, what: string): (word: string) => unknown {
  const bad = (word: string) => new Error(`${what}: 0x${word} is not a valid ${type}.`);
  if (type === "bytes32") return (word) => `0x${word}` as Hex;
  if (type === "address") {
    return (word) => {
      if (!word.startsWith("000000000000000000000000")) throw bad(word);
      return getAddress(`0x${word.slice(24)}`);
    };
  }
  if (type === "bool") {
    return (word) => {
      const value = BigInt(`0x${word}`);
      if (value > 1n) throw bad(word);
      return value === 1n;
    };
  }
  const bits = Number(type.slice(4) || 256);
  const limit = 1n << BigInt(bits);
  return (word) => {
    const value = BigInt(`0x${word}`);
    if (value >= limit) throw bad(word);
    return bits <= 48 ? Number(value) : value;
  };
}

/**
 * Decodes the registry's and router's logs into stored events (the ledger's and the records of recordEvents.ts), in
 * the order given, keeping their positions. Other logs (roles, bond and token policy settings) are dropped. A log
 * whose topics or data do not match its event's ABI throws: the indexer never guesses.
 */
export function decodeLogs(abi: Abi, logs: readonly MinedLog[]): IndexedEvent[] {
  const decoders = decodersOf(abi);
  const events: IndexedEvent[] = [];
  for (const log of logs) {
    const topic0 = log.topics[0];
    const decode = topic0 === undefined ? undefined : decoders.get(topic0);
    if (!decode) continue;
    const { eventName, args } = decode(log.topics, log.data);
    events.push({
      blockNumber: log.blockNumber,
      logIndex: log.logIndex,
      blockHash: log.blockHash,
      transactionHash: log.transactionHash,
      event: { type: eventName, ...args } as StoredEvent,
      raw: { address: log.address, topics: [...log.topics], data: log.data },
    });
  }
  return events;
}

/**
 * The ledger's events among `logs` (mined registry and router logs in chain order), for the engine: records and
 * other events are dropped.
 *
 * @example
 * ledger.applyAll(decodeLedgerLogs(ledgerAbi, receipt.logs));
 */
export function decodeLedgerLogs(abi: Abi, logs: readonly MinedLog[]): LedgerEvent[] {
  return decodeLogs(abi, logs)
    .map(({ event }) => event)
    .filter(isLedgerEvent);
}
