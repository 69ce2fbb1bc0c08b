/**
 * Errors of the indexer's JSON-RPC client (`src/chain/rpc`).
 *
 * Each error says whether repeating the same request can help (`retryable`). The client retries the transient
 * failures itself ({RpcTransientError}); callers see {RpcError} and {RpcRangeTooLargeError} (the provider refuses an
 * `eth_getLogs` range for its size: split it and ask again). An {RpcError} is retryable exactly when the client's own
 * retries ran out on transient failures (its `cause` is the last one): the node did not answer, timed out, or kept
 * failing in a way that is usually temporary, which is how an unreachable or overloaded node shows. Trying the step
 * again later may then succeed, so a service starting up waits for the node; bad input or a refusal is not retryable.
 */

import { BaseError, type BaseErrorParameters } from "../../internal/errors.js";

export type RpcBaseErrorParameters = BaseErrorParameters & {
  /** The JSON-RPC method of the request that failed. */
  method: string;
};

/** The base of every RPC client error: a {BaseError} that names the JSON-RPC method. */
export abstract class RpcBaseError extends BaseError {
  override name = "RpcBaseError";
  /** The JSON-RPC method of the request that failed (`eth_getLogs`, ...). */
  readonly method: string;

  constructor(shortMessage: string, { method, ...parameters }: RpcBaseErrorParameters) {
    super(shortMessage, parameters);
    this.method = method;
  }
}

export type RpcErrorParameters = RpcBaseErrorParameters & {
  /** The JSON-RPC error code, when the node answered with an error object. */
  code?: number | undefined;
  /** The node's own error message, when it answered with an error object. */
  rpcMessage?: string | undefined;
  /** How many HTTP requests were sent for this call (1 when the failure was not retried). */
  attempts?: number | undefined;
};

export type RpcErrorType = RpcError & { name: "RpcError" };

/**
 * A call the client gave up on: the node rejected the input (invalid params, a reverted `eth_call`) or refused access
 * (not retryable), or every attempt failed transiently until the retry budget ran out (`cause` is the last
 * {RpcTransientError}; retryable: the node may answer later).
 */
export class RpcError extends RpcBaseError {
  override name = "RpcError";
  /** The JSON-RPC error code, or `undefined` when the failure was below JSON-RPC (HTTP status, network, timeout). */
  readonly code: number | undefined;
  /** The node's error message, or `undefined` when it sent no error object. */
  readonly rpcMessage: string | undefined;
  /** HTTP requests sent for this call. */
  readonly attempts: number;

  constructor(shortMessage: string, parameters: RpcErrorParameters) {
    super(shortMessage, parameters);
    this.code = parameters.code;
    this.rpcMessage = parameters.rpcMessage;
    this.attempts = parameters.attempts ?? 1;
  }
}

export type RpcRangeTooLargeErrorType = RpcRangeTooLargeError & { name: "RpcRangeTooLargeError" };

/**
 * The provider refused an `eth_getLogs` block range for its size (too many blocks, logs or bytes). The same request
 * will be refused again, so the client does not retry it: split `fromBlock..toBlock` and ask for the parts.
 */
export class RpcRangeTooLargeError extends RpcError {
  override name = "RpcRangeTooLargeError";
  /** First block of the refused range. */
  readonly fromBlock: bigint;
  /** Last block of the refused range (inclusive). */
  readonly toBlock: bigint;
  /**
   * The last block of a smaller range starting at `fromBlock` that the provider's message suggests (Alchemy, Infura
   * and reth name one), or `undefined` when it names none or names one that is not strictly smaller.
   */
  readonly suggestedToBlock: bigint | undefined;

  constructor({
    fromBlock,
    toBlock,
    code,
    rpcMessage,
  }: {
    fromBlock: bigint;
    toBlock: bigint;
    code: number | undefined;
    rpcMessage: string;
  }) {
    const suggestedToBlock = suggestedRangeEnd(rpcMessage, fromBlock, toBlock);
    super(
      `The provider refused eth_getLogs over blocks ${fromBlock}-${toBlock} (${toBlock - fromBlock + 1n} blocks) as too large: ${rpcMessage}`,
      {
        method: "eth_getLogs",
        code,
        rpcMessage,
        details:
          suggestedToBlock === undefined
            ? "Split the range (halve it) and request the parts; each provider caps blocks, logs or bytes per call, by plan."
            : `Split the range; the provider suggests ending the first part at block ${suggestedToBlock}.`,
      },
    );
    this.fromBlock = fromBlock;
    this.toBlock = toBlock;
    this.suggestedToBlock = suggestedToBlock;
  }
}

export type RpcTransientErrorType = RpcTransientError & { name: "RpcTransientError" };

/** What went wrong in one attempt that may go right in the next. */
export type RpcTransientReason =
  | "network" // the connection failed or was reset
  | "timeout" // no complete answer within the attempt's timeout
  | "http" // HTTP 429, 408 or 5xx
  | "body" // the body is not JSON, or not a JSON-RPC response to this request
  | "rpc" // a JSON-RPC error that says "try again" (rate limit, node busy, header not found yet)
  | "result"; // the result failed validation (wrong shape, missing field, pending log)

/**
 * One attempt failed in a way that sending the request again may fix. The client retries these with backoff; a caller
 * sees one only as the `cause` of an {RpcError} when the retries ran out, and in the client's `onRetry` hook.
 */
export class RpcTransientError extends RpcBaseError {
  override name = "RpcTransientError";
  readonly reason: RpcTransientReason;
  /** The HTTP status, when the server answered. */
  readonly status: number | undefined;
  /** The JSON-RPC error code, when the node answered with an error object. */
  readonly code: number | undefined;
  /** How long the server asked us to wait (`Retry-After` on HTTP 429), in milliseconds. */
  readonly retryAfterMs: number | undefined;

  constructor(
    shortMessage: string,
    parameters: Omit<RpcBaseErrorParameters, "retryable"> & {
      reason: RpcTransientReason;
      status?: number | undefined;
      code?: number | undefined;
      retryAfterMs?: number | undefined;
    },
  ) {
    super(shortMessage, { ...parameters, retryable: true });
    this.reason = parameters.reason;
    this.status = parameters.status;
    this.code = parameters.code;
    this.retryAfterMs = parameters.retryAfterMs;
  }
}

/**
 * Whether a JSON-RPC error answering `eth_getLogs` is a refusal of the range's size (blocks, results or bytes), as
 * opposed to bad input, rate limiting or a node fault. Providers disagree on the code (-32005, -32602, -32600, -32000,
 * -32614, -32001 all occur), so the message decides; some put the reason in `data` (Tenderly), so `data` is read too.
 * Wordings and their sources (provider docs and public issue threads):
 * - "query returned more than 10000 results" (-32005): Infura docs, Geth-style nodes behind Alchemy/zkEVM/Aurora,
 *   aurora-relayer#327, "query returns too many logs, narrow your filter": Erigon 3.5 `--rpc.logs.maxresults` (#19721)
 * - "query timeout exceeded" (-32005): Infura docs list it with the results cap and tell to narrow the range
 * - "Log response size exceeded. You can make eth_getLogs requests with up to a 2K block range ... this block range
 *   should work: [0x.., 0x..]", "up to a 500 block range" (-32602/-32600): Alchemy (bancor webapp#523, dank_mids#772)
 * - "eth_getLogs is limited to a 10,000 range" (-32614, HTTP 413): QuickNode (arbitrum-sdk#609); Blast, 1RPC alike
 * - "range 1000000 exceeds limit of 10000" (-32602): Infura live API (INFURA/infura#237)
 * - "query block range exceeds server limit": Erigon `--rpc.blockrange.limit`; "block range too large, max range":
 *   cdk-erigon#1706, Base; "Block range is too large": Optimism
 * - "exceed maximum block range: 50000": publicnode and BSC Geth forks; "maximum block range: N": publicnode
 * - "block range is too wide": Ankr, Moonbeam; "block range is bigger than maxBlockRange": Scroll Geth (#529);
 *   "block range is larger than max block range": Morph; "block range exceeds configured limit": Polygon Amoy
 * - "range 9009594 is bigger than range limit 2000": Tenderly (boba_legacy#827); "Block range limit exceeded.": Chainstack
 * - "requested too many blocks from X to Y": Avalanche; "query exceeds max results 20000, retry with the range a-b":
 *   reth/Base (reth#23810), LlamaRPC, Ankr; "response size should not greater than N bytes": 1RPC
 * - "logs matched by query exceeds limit of N": Arbitrum; "backend response too large": Optimism; "Max range: N":
 *   Cloudflare; "please limit the query to at most N blocks": Coinbase; "ranges over N blocks are not supported": dRPC;
 *   "Maximum allowed number of requested blocks is N": thirdweb; "maximum [from, to] blocks distance: N": Ankr
 */
export function isRangeRefusal(error: { code: number; message: string; data?: unknown }): boolean {
  const text = `${error.message} ${error.data === undefined ? "" : JSON.stringify(error.data)}`.toLowerCase();
  return RANGE_REFUSAL.some((pattern) => pattern.test(text));
}

const RANGE_REFUSAL: readonly RegExp[] = [
  /more than [\d,.]+ results|too many (?:results|logs|blocks)|max(?:imum)? results/,
  /response size|response too large|query timeout exceeded|logs matched by query exceeds/,
  /block range (?:is )?(?:too|bigger|larger|greater|exceed|limit)|(?:max|maximum) (?:block )?range|range limit/,
  /up to a [\d,.]+k? block range|limited to (?:a )?[\d,.]+ ?(?:block|range)|range [\d,.]+ exceeds limit|ranges over [\d,.]+ blocks/,
  /range (?:is )?too (?:large|wide)|limit the query to|blocks distance|number of requested blocks|exceeds the range allowed|smaller than size/,
];

/** The end of the range an error message suggests, when it starts at `fromBlock` and ends before `toBlock`. */
function suggestedRangeEnd(message: string, fromBlock: bigint, toBlock: bigint): bigint | undefined {
  // Alchemy "this block range should work: [0x1, 0x2]", Infura "Try with this block range [0x1, 0x2]",
  // reth "retry with the range 1-2" (decimal). reth has been seen to suggest the very range it refused.
  const hex = /\[\s*(0x[0-9a-f]+)\s*,\s*(0x[0-9a-f]+)\s*\]/i.exec(message);
  const decimal = /retry with the range (\d+)-(\d+)/i.exec(message);
  const [start, end] = hex
    ? [BigInt(hex[1]!), BigInt(hex[2]!)]
    : decimal
      ? [BigInt(decimal[1]!), BigInt(decimal[2]!)]
      : [];
  if (start === undefined || end === undefined) return undefined;
  return start === fromBlock && end >= fromBlock && end < toBlock ? end : undefined;
}
