import type { Address, Hex } from "viem";

/** A block header as the indexer needs it. */
export type RpcBlockHeader = { number: bigint; hash: Hex; parentHash: Hex; timestamp: bigint };

/** A log as `eth_getLogs` returns it, with the fields checked and converted. */
export type RpcLog = {
  address: Address;
  topics: [Hex, ...Hex[]] | [];
  data: Hex;
  blockNumber: bigint;
  blockHash: Hex;
  transactionHash: Hex;
  transactionIndex: number;
  logIndex: number;
  removed: boolean;
};

/** `eth_getLogs` over a block range, or for one block by hash (exact even while the chain reorganizes). */
export type GetLogsParameters =
  { address: readonly Address[]; fromBlock: bigint; toBlock: bigint } | { address: readonly Address[]; blockHash: Hex };

/**
 * JSON-RPC access for the indexer. Transient faults (timeouts, connection errors, HTTP 429 and 5xx, malformed or
 * incomplete responses) are retried with exponential backoff and full jitter; a method never returns data it did not
 * get and check. A range the provider refuses for its size throws {RpcRangeTooLargeError} at once (the caller splits
 * the range); anything else that cannot succeed throws {RpcError}.
 */
export type RpcClient = {
  chainId(): Promise<number>;
  blockNumber(): Promise<bigint>;
  /** The header of block `number`, or `null` when the node does not have it (yet). */
  block(number: bigint): Promise<RpcBlockHeader | null>;
  getLogs(parameters: GetLogsParameters): Promise<RpcLog[]>;
  /** `eth_call` of `data` on `to` at `blockNumber` (default latest): the raw return data. */
  call(parameters: { to: Address; data: Hex; blockNumber?: bigint }): Promise<Hex>;
  /** Counters for progress output and tests. */
  stats(): { requests: number; retries: number; rangeRefusals: number };
};
