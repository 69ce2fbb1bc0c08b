import { getAddress, numberToHex, type Address, type Hex } from "viem";

import {
  isRangeRefusal,
  RpcError,
  RpcRangeTooLargeError,
  RpcTransientError,
  type RpcErrorType,
  type RpcRangeTooLargeErrorType,
} from "./errors.js";
import type { GetLogsParameters, RpcBlockHeader, RpcClient, RpcLog } from "./types.js";
import { sleep } from "../../internal/sleep.js";

export type CreateRpcClientParameters = {
  /** The node's HTTP(S) JSON-RPC endpoint. Error messages name only its origin, never the path (API keys). */
  url: string;
  /**
   * How long one attempt may take, sending the request and reading the whole body, in milliseconds.
   * @default 10_000
   */
  timeoutMs?: number | undefined;
  /**
   * How many times a transiently failed request is sent again, so a call makes at most `maxRetries + 1` attempts.
   * @default 10
   */
  maxRetries?: number | undefined;
  /**
   * The backoff unit in milliseconds: retry n waits a uniformly random time in `[0, min(maxDelayMs, baseDelayMs * 2^(n-1))]`
   * ("full jitter"), so clients that failed together do not retry together.
   * @default 50
   */
  baseDelayMs?: number | undefined;
  /**
   * The longest wait before a retry in milliseconds; also caps the `Retry-After` of an HTTP 429.
   * @default 5_000
   */
  maxDelayMs?: number | undefined;
  /** Called before each retry's wait, for logs and metrics. */
  onRetry?: ((event: RpcRetryEvent) => void) | undefined;
  /**
   * The `fetch` to send requests with (tests, instrumentation).
   * @default globalThis.fetch
   */
  fetch?: typeof globalThis.fetch | undefined;
};

/** One retry about to happen: `attempt` (1-based) failed with `error`, and the next one starts after `delayMs`. */
export type RpcRetryEvent = { method: string; attempt: number; delayMs: number; error: RpcTransientError };

export type CreateRpcClientReturnType = RpcClient;

/**
 * What the client's methods throw. Transient failures are retried and surface only as the `cause` of an {RpcError}
 * when the retries ran out, which is then `retryable`.
 */
export type CreateRpcClientErrorType = RpcErrorType | RpcRangeTooLargeErrorType;

/**
 * Creates the indexer's JSON-RPC client: plain `fetch` with JSON-RPC 2.0 POST bodies, one `AbortSignal.timeout` per
 * attempt, and exponential backoff with full jitter between attempts (the `Retry-After` of an HTTP 429, capped at
 * `maxDelayMs`, when the server sends one).
 *
 * Retried: network errors, timeouts, HTTP 408/429/5xx, bodies that are not a JSON-RPC answer to the request (not
 * JSON, wrong id, neither `result` nor `error`), results that fail validation (a log without `blockHash`, a pending
 * log, a header without `parentHash`, a number that is not a hex quantity, ...) and JSON-RPC errors that say "try
 * again" (rate limits, "header not found", timeouts, internal errors). Not retried: an `eth_getLogs` range the provider
 * refuses for its size ({RpcRangeTooLargeError}, at once) and errors that mean bad input (invalid params, a reverted
 * `eth_call`, an unknown method, HTTP 401/403/404): {RpcError}. When the retries run out the call throws a retryable
 * {RpcError} naming the method and the attempts, with the last failure as `cause`.
 *
 * Results are checked and converted: quantities to `bigint` (block numbers, timestamps) or `number` (chain id,
 * indexes), addresses checksummed with viem's `getAddress`, hashes, topics and data lower-cased. A log from a range
 * query must lie in the range and come from a requested address, a log from a hash query must be in that block, and a
 * header must be the requested block's. `getLogs` with an empty address list returns `[]` without a request (a node
 * reads an empty list as "every contract"). `stats()` counts HTTP requests sent (every attempt), retries and range
 * refusals.
 *
 * @param parameters - {@link CreateRpcClientParameters}
 * @returns The client. {@link CreateRpcClientReturnType}
 *
 * @example
 * import { createRpcClient } from "./src/chain/rpc/createRpcClient.js";
 * import { RpcRangeTooLargeError } from "./src/chain/rpc/errors.js";
 *
 * const client = createRpcClient({ url: "http://127.0.0.1:8545", onRetry: (event) => console.warn(event.error.shortMessage) });
 * const head = await client.blockNumber();
 * try {
 *   const logs = await client.getLogs({ address: ["0x5FbDB2315678afecb367f032d93F642f64180aa3"], fromBlock: 0n, toBlock: head });
 *   console.log(logs.length, client.stats());
 * } catch (error) {
 *   if (!(error instanceof RpcRangeTooLargeError)) throw error;
 *   // split error.fromBlock..error.toBlock and ask again
 * }
 */
export function createRpcClient({
  url,
  timeoutMs = 10_000,
  maxRetries = 10,
  baseDelayMs = 50,
  maxDelayMs = 5_000,
  onRetry,
  fetch: fetchFn = globalThis.fetch,
}: CreateRpcClientParameters): CreateRpcClientReturnType {
  const origin = endpointOrigin(url);
  if (!(timeoutMs > 0 && Number.isFinite(timeoutMs))) throw new RangeError(`timeoutMs must be > 0, got ${timeoutMs}.`);
  if (!(Number.isInteger(maxRetries) && maxRetries >= 0))
    throw new RangeError(`maxRetries must be an integer >= 0, got ${maxRetries}.`);
  if (!(baseDelayMs >= 0 && maxDelayMs >= 0 && Number.isFinite(baseDelayMs) && Number.isFinite(maxDelayMs)))
    throw new RangeError(`baseDelayMs and maxDelayMs must be finite and >= 0, got ${baseDelayMs} and ${maxDelayMs}.`);

  const counters = { requests: 0, retries: 0, rangeRefusals: 0 };
  let nextId = 1;

  /**
   * Sends `method` until an attempt's result passes `parse`, a failure is not retryable, or the retries run out.
   * `range` tells how to report an `eth_getLogs` range refusal: with the refused range, or for a block hash.
   */
  async function request<T>(
    method: string,
    params: readonly unknown[],
    parse: (result: unknown) => T,
    range?: { fromBlock: bigint; toBlock: bigint } | { blockHash: Hex },
  ): Promise<T> {
    let last: RpcTransientError | undefined;
    for (let attempt = 1; attempt <= maxRetries + 1; attempt++) {
      if (last !== undefined) {
        const cap = Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 2));
        const delayMs =
          last.retryAfterMs === undefined ? Math.round(Math.random() * cap) : Math.min(maxDelayMs, last.retryAfterMs);
        counters.retries++;
        onRetry?.({ method, attempt: attempt - 1, delayMs, error: last });
        await sleep(delayMs);
      }
      counters.requests++;
      const id = nextId++;
      try {
        const answer = await send(method, params, id);
        if (answer.kind === "result") {
          try {
            return parse(answer.result);
          } catch (error) {
            if (!(error instanceof InvalidResultError)) throw error;
            throw new RpcTransientError(`${method} returned an invalid result: ${error.message}.`, {
              method,
              reason: "result",
              cause: error,
            });
          }
        }
        const { error, status } = answer;
        if (method === "eth_getLogs" && isRangeRefusal(error)) {
          counters.rangeRefusals++;
          if (range !== undefined && "fromBlock" in range)
            throw new RpcRangeTooLargeError({ ...range, code: error.code, rpcMessage: error.message });
          throw new RpcError(`The provider refused eth_getLogs for one block as too large: ${error.message}`, {
            method,
            code: error.code,
            rpcMessage: error.message,
            attempts: attempt,
            details:
              "A single block cannot be split. Raise the provider's limit (its plan, or node flags such as Erigon's --rpc.logs.maxresults) or use another endpoint.",
          });
        }
        if (isTransient(error, status))
          throw new RpcTransientError(`${method}: the node answered "${error.message}" (code ${error.code}).`, {
            method,
            reason: "rpc",
            status,
            code: error.code,
            retryAfterMs: status === 429 ? answer.retryAfterMs : undefined,
          });
        throw new RpcError(`${method} was rejected: ${error.message} (code ${error.code}).`, {
          method,
          code: error.code,
          rpcMessage: error.message,
          attempts: attempt,
          details: rejectionAdvice(method, error),
        });
      } catch (error) {
        if (!(error instanceof RpcTransientError)) throw error;
        last = error;
      }
    }
    throw new RpcError(`${method} failed after ${maxRetries + 1} attempts; the last one: ${last!.shortMessage}`, {
      method,
      code: last!.code,
      attempts: maxRetries + 1,
      cause: last,
      // An unreachable or overloaded node ends here: the same call may succeed once it answers again.
      retryable: true,
      details: `Every attempt failed in a way that is usually temporary. Check that the node at ${origin} is up and is not rate-limiting this client; for a slow or busy provider raise timeoutMs or maxRetries.`,
    });
  }

  /** One HTTP attempt: the JSON-RPC answer, or a thrown {RpcTransientError} / {RpcError}. */
  async function send(method: string, params: readonly unknown[], id: number): Promise<Answer> {
    let status: number;
    let retryAfter: string | null;
    let text: string;
    try {
      const response = await fetchFn(url, {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id, method, params }),
        signal: AbortSignal.timeout(timeoutMs),
      });
      status = response.status;
      retryAfter = response.headers.get("retry-after");
      text = await response.text();
    } catch (error) {
      if (error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError"))
        throw new RpcTransientError(`${method}: no complete answer from ${origin} within ${timeoutMs} ms.`, {
          method,
          reason: "timeout",
          cause: error,
        });
      throw new RpcTransientError(`${method}: the request to ${origin} failed (${describe(error)}).`, {
        method,
        reason: "network",
        cause: error,
      });
    }

    const envelope = readEnvelope(text, id);
    const retryAfterMs = status === 429 ? parseRetryAfter(retryAfter) : undefined;
    if (envelope?.kind === "error") return { kind: "error", error: envelope.error, status, retryAfterMs };
    if (status === 408 || status === 429 || status >= 500)
      throw new RpcTransientError(`${method}: HTTP ${status} from ${origin}.`, {
        method,
        reason: "http",
        status,
        retryAfterMs,
      });
    if (status < 200 || status >= 300)
      throw new RpcError(`${method}: HTTP ${status} from ${origin}.`, {
        method,
        details: `${preview(text)}\nCheck the URL and the API key: the endpoint refuses this client or does not exist.`,
      });
    if (envelope === undefined)
      throw new RpcTransientError(`${method}: the answer is not a JSON-RPC response to request ${id}.`, {
        method,
        reason: "body",
        status,
        details: preview(text),
      });
    return envelope;
  }

  function getLogs(parameters: GetLogsParameters): Promise<RpcLog[]> {
    // An empty list would reach the node as "no address filter" (every contract's logs): no address, no logs.
    if (parameters.address.length === 0) return Promise.resolve([]);
    const addresses = new Set(parameters.address.map((address) => address.toLowerCase()));
    if ("blockHash" in parameters) {
      const blockHash = parameters.blockHash.toLowerCase();
      return request(
        "eth_getLogs",
        [{ address: parameters.address, blockHash: parameters.blockHash }],
        (result) =>
          parseLogs(result, addresses, (log) => {
            if (log.blockHash !== blockHash) throw new InvalidResultError(`a log of block ${log.blockHash}`);
          }),
        { blockHash: parameters.blockHash },
      );
    }
    const { fromBlock, toBlock } = parameters;
    if (fromBlock < 0n || toBlock < fromBlock)
      return Promise.reject(
        new RpcError(`eth_getLogs was not sent: the range ${fromBlock}-${toBlock} is empty or negative.`, {
          method: "eth_getLogs",
          attempts: 0,
          details: "Pass 0 <= fromBlock <= toBlock (both inclusive).",
        }),
      );
    return request(
      "eth_getLogs",
      [{ address: parameters.address, fromBlock: numberToHex(fromBlock), toBlock: numberToHex(toBlock) }],
      (result) =>
        parseLogs(result, addresses, (log) => {
          if (log.blockNumber < fromBlock || log.blockNumber > toBlock)
            throw new InvalidResultError(`a log of block ${log.blockNumber}, outside ${fromBlock}-${toBlock}`);
        }),
      { fromBlock, toBlock },
    );
  }

  return {
    chainId: () =>
      request("eth_chainId", [], (result) => {
        const chainId = quantity(result, "the chain id");
        if (chainId > BigInt(Number.MAX_SAFE_INTEGER)) throw new InvalidResultError(`chain id ${chainId} is too large`);
        return Number(chainId);
      }),
    blockNumber: () => request("eth_blockNumber", [], (result) => quantity(result, "the block number")),
    block: (number) => {
      if (number < 0n)
        return Promise.reject(
          new RpcError(`eth_getBlockByNumber was not sent: block ${number} is negative.`, {
            method: "eth_getBlockByNumber",
            attempts: 0,
          }),
        );
      return request("eth_getBlockByNumber", [numberToHex(number), false], (result) => parseHeader(result, number));
    },
    getLogs,
    call: ({ to, data, blockNumber }) =>
      request("eth_call", [{ to, data }, blockNumber === undefined ? "latest" : numberToHex(blockNumber)], (result) =>
        hexData(result, "the return data"),
      ),
    stats: () => ({ ...counters }),
  };
}

/** What one attempt got: a result to validate, or a JSON-RPC error with the HTTP status it came with. */
type Answer =
  | { kind: "result"; result: unknown }
  | { kind: "error"; error: JsonRpcError; status: number; retryAfterMs: number | undefined };

type JsonRpcError = { code: number; message: string; data?: unknown };

/** Thrown by the result parsers; the request loop turns it into a retryable {RpcTransientError}. */
class InvalidResultError extends Error {}

/** The JSON-RPC response to request `id` in `text`, or `undefined` when `text` is not one. */
function readEnvelope(
  text: string,
  id: number,
): { kind: "result"; result: unknown } | { kind: "error"; error: JsonRpcError } | undefined {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isRecord(body)) return undefined;
  if ("result" in body && body.id === id) return { kind: "result", result: body.result };
  const error = body.error;
  // A node that could not read the request answers with id null.
  if (isRecord(error) && (body.id === id || body.id === null) && typeof error.code === "number") {
    const message = typeof error.message === "string" ? error.message : JSON.stringify(error.message);
    return { kind: "error", error: { code: error.code, message, data: error.data } };
  }
  return undefined;
}

// Bad input is final whatever the message says (a revert reason may well contain "timeout"): parse error, invalid
// request, method not found, invalid params (range refusals are matched before this), execution reverted (EIP-1474,
// Geth's code 3).
const BAD_INPUT_CODES: ReadonlySet<number> = new Set([-32700, -32600, -32601, -32602, 3]);
const TRANSIENT_MESSAGE =
  /header not found|timeout|timed out|rate limit|request rate|too many requests|try again|temporar|unavailable|busy|overload|capacity|internal error|no backend|connection reset/i;

/** Whether a JSON-RPC error may go away on retry: rate limits, node faults, or any non-input error under HTTP 5xx. */
function isTransient(error: JsonRpcError, status: number): boolean {
  if (status === 429 || error.code === 429) return true;
  if (BAD_INPUT_CODES.has(error.code) || /revert/i.test(error.message)) return false;
  if (status === 408 || status >= 500) return true;
  return TRANSIENT_MESSAGE.test(error.message);
}

function rejectionAdvice(method: string, error: JsonRpcError): string {
  if (/revert/i.test(error.message) || error.code === 3)
    return "The call reverted: check the target address, the calldata and the block it runs at.";
  if (error.code === -32601 || /not (?:supported|found|available)/i.test(error.message))
    return `Check that the node at this endpoint serves ${method}.`;
  return "The node rejected the request itself: check the addresses, block numbers and hashes it carries.";
}

function parseLogs(result: unknown, addresses: ReadonlySet<string>, check: (log: RpcLog) => void): RpcLog[] {
  if (!Array.isArray(result)) throw new InvalidResultError(`expected an array of logs, got ${typeof result}`);
  return result.map((raw: unknown, index) => {
    if (!isRecord(raw)) throw new InvalidResultError(`log ${index} is not an object`);
    const field = (name: string) => `log ${index} field ${name}`;
    if (raw.blockNumber === null || raw.blockHash === null)
      throw new InvalidResultError(`log ${index} is pending (no block number or hash)`);
    if (!Array.isArray(raw.topics) || raw.topics.length > 4)
      throw new InvalidResultError(`${field("topics")} is not a list of at most 4 topics`);
    const log: RpcLog = {
      address: address(raw.address, field("address")),
      topics: raw.topics.map((topic: unknown, position) =>
        hash(topic, field(`topics[${position}]`)),
      ) as RpcLog["topics"],
      data: hexData(raw.data, field("data")),
      blockNumber: quantity(raw.blockNumber, field("blockNumber")),
      blockHash: hash(raw.blockHash, field("blockHash")),
      transactionHash: hash(raw.transactionHash, field("transactionHash")),
      transactionIndex: smallQuantity(raw.transactionIndex, field("transactionIndex")),
      logIndex: smallQuantity(raw.logIndex, field("logIndex")),
      removed: raw.removed === undefined ? false : boolean(raw.removed, field("removed")),
    };
    if (!addresses.has(log.address.toLowerCase()))
      throw new InvalidResultError(`a log of ${log.address}, not requested`);
    check(log);
    return log;
  });
}

function parseHeader(result: unknown, number: bigint): RpcBlockHeader | null {
  if (result === null) return null;
  if (!isRecord(result)) throw new InvalidResultError(`expected a block or null, got ${typeof result}`);
  const header: RpcBlockHeader = {
    number: quantity(result.number, "the block's number"),
    hash: hash(result.hash, "the block's hash"),
    parentHash: hash(result.parentHash, "the block's parentHash"),
    timestamp: quantity(result.timestamp, "the block's timestamp"),
  };
  if (header.number !== number) throw new InvalidResultError(`asked for block ${number}, got block ${header.number}`);
  return header;
}

function quantity(value: unknown, what: string): bigint {
  if (typeof value !== "string" || !/^0x[0-9a-f]+$/i.test(value))
    throw new InvalidResultError(`${what} is not a hex quantity: ${JSON.stringify(value)}`);
  return BigInt(value);
}

function smallQuantity(value: unknown, what: string): number {
  const big = quantity(value, what);
  if (big > BigInt(Number.MAX_SAFE_INTEGER)) throw new InvalidResultError(`${what} is too large: ${big}`);
  return Number(big);
}

function hash(value: unknown, what: string): Hex {
  if (typeof value !== "string" || !/^0x[0-9a-f]{64}$/i.test(value))
    throw new InvalidResultError(`${what} is not a 32-byte hash: ${JSON.stringify(value)}`);
  return value.toLowerCase() as Hex;
}

function address(value: unknown, what: string): Address {
  if (typeof value !== "string" || !/^0x[0-9a-f]{40}$/i.test(value))
    throw new InvalidResultError(`${what} is not an address: ${JSON.stringify(value)}`);
  return getAddress(value.toLowerCase());
}

function hexData(value: unknown, what: string): Hex {
  if (typeof value !== "string" || !/^0x(?:[0-9a-f]{2})*$/i.test(value))
    throw new InvalidResultError(`${what} is not hex bytes: ${JSON.stringify(value)?.slice(0, 80)}`);
  return value.toLowerCase() as Hex;
}

function boolean(value: unknown, what: string): boolean {
  if (typeof value !== "boolean") throw new InvalidResultError(`${what} is not a boolean: ${JSON.stringify(value)}`);
  return value;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** `Retry-After` in milliseconds: delta-seconds or an HTTP date; `undefined` when absent or unreadable. */
function parseRetryAfter(value: string | null): number | undefined {
  if (value === null) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

/** The scheme, host and port of `url` (its path and query may hold an API key). */
function endpointOrigin(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (error) {
    throw new TypeError(`createRpcClient: url is not a URL.`, { cause: error });
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:")
    throw new TypeError(`createRpcClient: url must be http(s), got ${parsed.protocol}.`);
  return parsed.origin;
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : "";
  return `${error.message}${cause}`;
}

function preview(text: string): string {
  return text.length === 0
    ? "The body is empty."
    : `The body (${text.length} characters) starts: ${JSON.stringify(text.slice(0, 120))}`;
}
