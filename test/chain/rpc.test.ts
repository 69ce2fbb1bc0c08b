import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

import {
  createPublicClient,
  createTestClient,
  createWalletClient,
  encodeFunctionData,
  getAddress,
  http,
  type Abi,
  type Address,
  type Hex,
  type Log,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { hardhat } from "viem/chains";

import { createRpcClient, type CreateRpcClientParameters } from "../../src/chain/rpc/createRpcClient.js";
import { isRangeRefusal, RpcError, RpcRangeTooLargeError, RpcTransientError } from "../../src/chain/rpc/errors.js";
import type { RpcBlockHeader, RpcClient, RpcLog } from "../../src/chain/rpc/types.js";
import { startHardhatNode } from "../helpers/hardhatNode.js";
import { startRpcFaultProxy, type RpcFaultKind, type RpcFaultOptions } from "../helpers/rpcFaultProxy.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const TEST_TOKEN_ARTIFACT = join(ROOT, "artifacts", "contracts", "mocks", "TestToken.sol", "TestToken.json");
/** Hardhat's first default account (public test key). */
const DEPLOYER_KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
const BOB: Address = "0x000000000000000000000000000000000000b0b0";
const CAROL: Address = "0x000000000000000000000000000000000000ca01";
const NODE_START_TIMEOUT_MS = 20_000;
/** Fast backoff so fault runs take milliseconds; the retry logic is the same at any scale. */
const FAST: Partial<CreateRpcClientParameters> = { baseDelayMs: 1, maxDelayMs: 10 };

/** Everything the workload reads, in the client's own types: the fault runs must reproduce it exactly. */
type Snapshot = {
  chainId: number;
  head: bigint;
  blocks: (RpcBlockHeader | null)[];
  logs: RpcLog[];
  tokenLogs: RpcLog[];
  logsByHash: RpcLog[][];
  balance: Hex;
  balanceAt5: Hex;
};

type Chain = { url: string; token: Address; otherToken: Address; abi: Abi; head: bigint };

let node: { url: string; stop(): Promise<void> } | undefined;
let chain: Chain;
let expected: Snapshot;

/** Reads the chain through `client`: about 25 requests covering every method and both getLogs forms. */
async function observe(client: RpcClient): Promise<Snapshot> {
  const head = await client.blockNumber();
  const blocks: (RpcBlockHeader | null)[] = [];
  for (let number = 0n; number <= head + 1n; number++) blocks.push(await client.block(number));
  const addresses = [chain.token, chain.otherToken];
  const logs = await client.getLogs({ address: addresses, fromBlock: 0n, toBlock: head });
  const tokenLogs = await client.getLogs({ address: [chain.token], fromBlock: 0n, toBlock: head });
  const logsByHash: RpcLog[][] = [];
  for (const blockHash of new Set(logs.map((log) => log.blockHash)))
    logsByHash.push(await client.getLogs({ address: addresses, blockHash }));
  const data = encodeFunctionData({ abi: chain.abi, functionName: "balanceOf", args: [BOB] });
  return {
    chainId: await client.chainId(),
    head,
    blocks,
    logs,
    tokenLogs,
    logsByHash,
    balance: await client.call({ to: chain.token, data }),
    balanceAt5: await client.call({ to: chain.token, data, blockNumber: 5n }),
  };
}

function fromViemLog(log: Log): RpcLog {
  return {
    address: getAddress(log.address),
    topics: log.topics,
    data: log.data,
    blockNumber: log.blockNumber!,
    blockHash: log.blockHash!,
    transactionHash: log.transactionHash!,
    transactionIndex: log.transactionIndex!,
    logIndex: log.logIndex!,
    removed: log.removed,
  };
}

function injected(counts: Record<RpcFaultKind, number>): number {
  return counts.http429 + counts.http5xx + counts.hang + counts.truncated + counts.empty + counts.badLog;
}

describe("createRpcClient (src/chain/rpc)", function () {
  before(async function () {
    this.timeout(40_000);
    node = await startHardhatNode({ timeoutMs: NODE_START_TIMEOUT_MS });
    chain = await seedChain(node.url);
    expected = await observe(createRpcClient({ url: node.url }));
  });

  after(async function () {
    this.timeout(10_000);
    await node?.stop();
  });

  describe("against a hardhat node", function () {
    it("reads the chain id and head", async function () {
      const client = createRpcClient({ url: chain.url });
      assert.equal(await client.chainId(), 31337);
      assert.equal(await client.blockNumber(), chain.head);
      assert.deepEqual(client.stats(), { requests: 2, retries: 0, rangeRefusals: 0 });
    });

    it("returns headers equal to viem's and null past the head", async function () {
      const viem = createPublicClient({ chain: hardhat, transport: http(chain.url) });
      for (let number = 0n; number <= chain.head; number++) {
        const block = await viem.getBlock({ blockNumber: number });
        assert.deepEqual(expected.blocks[Number(number)], {
          number: block.number,
          hash: block.hash,
          parentHash: block.parentHash,
          timestamp: block.timestamp,
        });
      }
      assert.equal(expected.blocks[Number(chain.head) + 1], null);
    });

    it("returns the logs viem returns, by range and by block hash", async function () {
      const viem = createPublicClient({ chain: hardhat, transport: http(chain.url) });
      const both = await viem.getLogs({ address: [chain.token, chain.otherToken], fromBlock: 0n, toBlock: chain.head });
      const token = await viem.getLogs({ address: [chain.token], fromBlock: 0n, toBlock: chain.head });
      assert.equal(both.length, 5);
      assert.deepEqual(expected.logs, both.map(fromViemLog));
      assert.deepEqual(expected.tokenLogs, token.map(fromViemLog));
      const hashes = [...new Set(both.map((log) => log.blockHash!))];
      assert.equal(expected.logsByHash.length, hashes.length);
      for (const [index, blockHash] of hashes.entries()) {
        const logs = await viem.getLogs({ address: [chain.token, chain.otherToken], blockHash });
        assert.deepEqual(expected.logsByHash[index], logs.map(fromViemLog));
      }
      assert.deepEqual(
        await createRpcClient({ url: chain.url }).getLogs({ address: [], fromBlock: 0n, toBlock: 1n }),
        [],
      );
    });

    it("returns eth_call data at latest and at a given block", async function () {
      const viem = createPublicClient({ chain: hardhat, transport: http(chain.url) });
      const data = encodeFunctionData({ abi: chain.abi, functionName: "balanceOf", args: [BOB] });
      assert.equal(expected.balance, (await viem.call({ to: chain.token, data })).data);
      assert.equal(expected.balanceAt5, (await viem.call({ to: chain.token, data, blockNumber: 5n })).data);
      assert.equal(BigInt(expected.balance), 15n);
      assert.equal(BigInt(expected.balanceAt5), 10n);
    });

    it("does not retry bad input: a reverting eth_call, an unknown block hash, a block tag past the head", async function () {
      const client = createRpcClient({ url: chain.url, ...FAST });
      // More than the caller (Hardhat's first account, the default `from`) holds: ERC20InsufficientBalance.
      const transfer = encodeFunctionData({ abi: chain.abi, functionName: "transfer", args: [BOB, 10n ** 30n] });
      await assert.rejects(client.call({ to: chain.token, data: transfer }), (error: unknown) => {
        assert.ok(error instanceof RpcError && !(error instanceof RpcRangeTooLargeError));
        assert.equal(error.method, "eth_call");
        assert.equal(error.attempts, 1);
        assert.match(error.message, /revert/i);
        return true;
      });
      const unknownHash = `0x${"11".repeat(32)}` as Hex;
      await assert.rejects(client.getLogs({ address: [chain.token], blockHash: unknownHash }), RpcError);
      await assert.rejects(
        client.call({ to: chain.token, data: transfer, blockNumber: chain.head + 100n }),
        (error: unknown) => error instanceof RpcError && error.method === "eth_call",
      );
      assert.deepEqual(client.stats(), { requests: 3, retries: 0, rangeRefusals: 0 });
    });
  });

  describe("through the fault proxy", function () {
    const single: { kind: RpcFaultKind; faults: RpcFaultOptions; timeoutMs?: number }[] = [
      { kind: "http429", faults: { http429: 0.6 } },
      { kind: "http5xx", faults: { http5xx: 0.6 } },
      { kind: "truncated", faults: { truncated: 0.6 } },
      { kind: "empty", faults: { empty: 0.6 } },
      { kind: "badLog", faults: { badLog: 0.9 } },
      { kind: "hang", faults: { hang: 0.2, hangMs: 2_000 }, timeoutMs: 150 },
    ];
    for (const { kind, faults, timeoutMs } of single) {
      it(`retries past ${kind} faults to the exact direct results`, async function () {
        const proxy = await startRpcFaultProxy({ target: chain.url, seed: 42, faults });
        try {
          const client = createRpcClient({ url: proxy.url, ...FAST, ...(timeoutMs ? { timeoutMs } : {}) });
          assert.deepEqual(await observe(client), expected);
          const stats = client.stats();
          assert.ok(proxy.counts[kind] > 0, `no ${kind} fault was injected`);
          assert.equal(injected(proxy.counts), proxy.counts[kind]);
          assert.equal(stats.requests, proxy.counts.requests);
          // Every fault is detected and costs exactly one retry; a short client timeout may add a few more.
          if (timeoutMs === undefined) assert.equal(stats.retries, proxy.counts[kind]);
          else assert.ok(stats.retries >= proxy.counts[kind]);
        } finally {
          await proxy.close();
        }
      });
    }

    it("retries past all faults mixed, to the exact direct results", async function () {
      const faults = { http429: 0.08, http5xx: 0.08, hang: 0.05, truncated: 0.08, empty: 0.08, badLog: 0.15 };
      const proxy = await startRpcFaultProxy({ target: chain.url, seed: 7, faults: { ...faults, hangMs: 2_000 } });
      try {
        const client = createRpcClient({ url: proxy.url, ...FAST, timeoutMs: 150 });
        assert.deepEqual(await observe(client), expected);
        assert.deepEqual(await observe(client), expected);
        const kinds = (Object.keys(faults) as RpcFaultKind[]).filter((kind) => proxy.counts[kind] > 0);
        assert.ok(kinds.length >= 4, `only ${kinds.join(", ")} injected`);
        assert.ok(client.stats().retries >= injected(proxy.counts));
        assert.ok(client.stats().retries > 0);
      } finally {
        await proxy.close();
      }
    });

    it("injects the same faults for the same seed and requests", async function () {
      const faults = { http429: 0.1, http5xx: 0.1, truncated: 0.1, empty: 0.1, badLog: 0.2 };
      const runs = [];
      for (let run = 0; run < 2; run++) {
        const proxy = await startRpcFaultProxy({ target: chain.url, seed: 99, faults });
        try {
          await observe(createRpcClient({ url: proxy.url, ...FAST }));
          runs.push({ ...proxy.counts });
        } finally {
          await proxy.close();
        }
      }
      assert.deepEqual(runs[0], runs[1]);
    });

    it("throws RpcRangeTooLargeError with the range at once when the provider refuses its size", async function () {
      const proxy = await startRpcFaultProxy({ target: chain.url, seed: 1, faults: { maxLogRange: 4 } });
      try {
        const client = createRpcClient({ url: proxy.url, ...FAST });
        await assert.rejects(
          client.getLogs({ address: [chain.token], fromBlock: 0n, toBlock: chain.head }),
          (error: unknown) => {
            assert.ok(error instanceof RpcRangeTooLargeError);
            assert.equal(error.fromBlock, 0n);
            assert.equal(error.toBlock, chain.head);
            assert.equal(error.suggestedToBlock, 3n);
            assert.equal(error.code, -32005);
            assert.equal(error.method, "eth_getLogs");
            assert.match(error.message, /query returned more than 10000 results/);
            return true;
          },
        );
        assert.deepEqual(client.stats(), { requests: 1, retries: 0, rangeRefusals: 1 });
        const inRange = await client.getLogs({ address: [chain.token], fromBlock: 5n, toBlock: 8n });
        assert.deepEqual(
          inRange,
          expected.tokenLogs.filter((log) => log.blockNumber >= 5n && log.blockNumber <= 8n),
        );
        assert.equal(proxy.counts.rangeRefusal, 1);
      } finally {
        await proxy.close();
      }
    });

    it("gives up after maxRetries with an RpcError naming the method, the attempts and the last cause", async function () {
      const proxy = await startRpcFaultProxy({
        target: chain.url,
        seed: 1,
        faults: { http5xx: 1, maxConsecutive: Infinity },
      });
      try {
        const retried: number[] = [];
        const client = createRpcClient({
          url: proxy.url,
          ...FAST,
          maxRetries: 3,
          onRetry: (event) => retried.push(event.attempt),
        });
        await assert.rejects(client.blockNumber(), (error: unknown) => {
          assert.ok(error instanceof RpcError && !(error instanceof RpcRangeTooLargeError));
          assert.equal(error.method, "eth_blockNumber");
          assert.equal(error.attempts, 4);
          assert.match(error.message, /eth_blockNumber failed after 4 attempts.*HTTP 50[023]/);
          assert.ok(error.cause instanceof RpcTransientError && error.cause.reason === "http");
          return true;
        });
        assert.deepEqual(retried, [1, 2, 3]);
        assert.equal(proxy.counts.requests, 4);
      } finally {
        await proxy.close();
      }
    });

    it("forwards batch bodies intact, refusing over-wide ranges per request and faulting the whole batch", async function () {
      const batch = [
        { jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] },
        { jsonrpc: "2.0", id: 2, method: "eth_getLogs", params: [{ fromBlock: "0x0", toBlock: "0xa" }] },
        { jsonrpc: "2.0", id: 3, method: "eth_getLogs", params: [{ fromBlock: "0x0", toBlock: "0x1" }] },
      ];
      const post = async (url: string) =>
        (await (await fetch(url, { method: "POST", body: JSON.stringify(batch) })).json()) as Record<string, unknown>[];
      const refusing = await startRpcFaultProxy({ target: chain.url, seed: 1, faults: { maxLogRange: 4 } });
      const emptying = await startRpcFaultProxy({ target: chain.url, seed: 1, faults: { empty: 1 } });
      try {
        const [chainId, refused, small] = await post(refusing.url);
        assert.equal(chainId!.result, "0x7a69");
        assert.equal((refused!.error as { code: number }).code, -32005);
        assert.deepEqual(small!.result, []);
        const answers = await post(emptying.url);
        assert.deepEqual(
          answers,
          batch.map(({ id }) => ({ jsonrpc: "2.0", id })),
        );
      } finally {
        await refusing.close();
        await emptying.close();
      }
    });
  });

  describe("with a scripted fetch", function () {
    it("honours Retry-After on HTTP 429, capped at maxDelayMs", async function () {
      const delays: number[] = [];
      const { fetch, calls } = scripted([
        () => new Response("slow down", { status: 429, headers: { "retry-after": "2" } }),
        (id) => jsonRpc({ jsonrpc: "2.0", id, result: "0x10" }),
      ]);
      const client = createRpcClient({
        url: "http://rpc.test/v2/secret-key",
        fetch,
        maxDelayMs: 30,
        onRetry: (event) => delays.push(event.delayMs),
      });
      assert.equal(await client.blockNumber(), 16n);
      assert.deepEqual(delays, [30]);
      assert.equal(calls.length, 2);
    });

    it("backs off with full jitter under min(maxDelayMs, baseDelayMs * 2^n)", async function () {
      const delays: number[] = [];
      const { fetch } = scripted([
        ...Array.from({ length: 6 }, () => () => new Response("<html>503</html>", { status: 503 })),
        (id) => jsonRpc({ jsonrpc: "2.0", id, result: "0x1" }),
      ]);
      const client = createRpcClient({
        url: "http://rpc.test/",
        fetch,
        baseDelayMs: 2,
        maxDelayMs: 20,
        onRetry: (event) => delays.push(event.delayMs),
      });
      assert.equal(await client.chainId(), 1);
      assert.equal(delays.length, 6);
      delays.forEach((delay, n) => assert.ok(delay >= 0 && delay <= Math.min(20, 2 * 2 ** n), `${delay} at ${n}`));
    });

    it("retries node faults that say so and rejects wrong answers, then succeeds", async function () {
      const { fetch } = scripted([
        (id) => jsonRpc({ jsonrpc: "2.0", id, error: { code: -32000, message: "header not found" } }),
        (id) => jsonRpc({ jsonrpc: "2.0", id, error: { code: -32603, message: "request timed out, try again" } }),
        (id) => jsonRpc({ jsonrpc: "2.0", id: id + 1000, result: "0x5" }), // someone else's answer
        (id) => jsonRpc({ jsonrpc: "2.0", id, result: "0x" }), // not a quantity
        (id) => jsonRpc({ jsonrpc: "2.0", id, result: "0x5" }),
      ]);
      const reasons: string[] = [];
      const client = createRpcClient({
        url: "http://rpc.test/",
        fetch,
        ...FAST,
        onRetry: (e) => reasons.push(e.error.reason),
      });
      assert.equal(await client.blockNumber(), 5n);
      assert.deepEqual(reasons, ["rpc", "rpc", "body", "result"]);
    });

    it("turns a refusal under HTTP 413 into RpcRangeTooLargeError, and one for a block hash into RpcError", async function () {
      const quickNode = { code: -32614, message: "eth_getLogs is limited to a 10,000 range" };
      const { fetch } = scripted([
        (id) => jsonRpc({ jsonrpc: "2.0", id, error: quickNode }, 413),
        (id) =>
          jsonRpc({ jsonrpc: "2.0", id, error: { code: -32602, message: "query returned more than 10000 results" } }),
      ]);
      const client = createRpcClient({ url: "http://rpc.test/", fetch, ...FAST });
      const address = ["0x5FbDB2315678afecb367f032d93F642f64180aa3" as Address];
      await assert.rejects(
        client.getLogs({ address, fromBlock: 100n, toBlock: 30_000n }),
        (error: unknown) => error instanceof RpcRangeTooLargeError && error.fromBlock === 100n && error.code === -32614,
      );
      await assert.rejects(client.getLogs({ address, blockHash: `0x${"ab".repeat(32)}` }), (error: unknown) => {
        assert.ok(error instanceof RpcError && !(error instanceof RpcRangeTooLargeError));
        assert.match(error.message, /one block/);
        return true;
      });
      assert.deepEqual(client.stats(), { requests: 2, retries: 0, rangeRefusals: 2 });
    });

    it("does not retry HTTP 401 and names only the endpoint's origin", async function () {
      const { fetch } = scripted([() => new Response("invalid api key", { status: 401 })]);
      const client = createRpcClient({ url: "https://eth.example/v2/secret-key", fetch, ...FAST });
      await assert.rejects(client.chainId(), (error: unknown) => {
        assert.ok(error instanceof RpcError);
        assert.match(error.message, /HTTP 401 from https:\/\/eth\.example/);
        assert.doesNotMatch(error.message, /secret-key/);
        return true;
      });
      assert.equal(client.stats().retries, 0);
    });

    it("rejects logs that were not asked for: outside the range, another address, pending", async function () {
      const log = {
        address: "0x5fbdb2315678afecb367f032d93f642f64180aa3",
        topics: [`0x${"dd".repeat(32)}`],
        data: "0x",
        blockNumber: "0x9",
        blockHash: `0x${"0a".repeat(32)}`,
        transactionHash: `0x${"0b".repeat(32)}`,
        transactionIndex: "0x0",
        logIndex: "0x0",
        removed: false,
      };
      const { fetch } = scripted([
        (id) => jsonRpc({ jsonrpc: "2.0", id, result: [{ ...log, blockNumber: "0x20" }] }),
        (id) => jsonRpc({ jsonrpc: "2.0", id, result: [{ ...log, address: `0x${"12".repeat(20)}` }] }),
        (id) => jsonRpc({ jsonrpc: "2.0", id, result: [{ ...log, blockNumber: null }] }),
        (id) => jsonRpc({ jsonrpc: "2.0", id, result: [log] }),
      ]);
      const client = createRpcClient({ url: "http://rpc.test/", fetch, ...FAST });
      const [only] = await client.getLogs({ address: [getAddress(log.address)], fromBlock: 0n, toBlock: 10n });
      assert.deepEqual(only, {
        ...log,
        address: getAddress(log.address),
        blockNumber: 9n,
        transactionIndex: 0,
        logIndex: 0,
      });
      assert.equal(client.stats().retries, 3);
    });
  });

  describe("isRangeRefusal", function () {
    const refusals: [number, string][] = [
      [-32005, "query returned more than 10000 results. Try with this block range [0x1, 0x2]."],
      [-32602, "Log response size exceeded. You can make eth_getLogs requests with up to a 2K block range."],
      [-32600, "You can make eth_getLogs requests with up to a 500 block range."],
      [-32614, "eth_getLogs is limited to a 10,000 range"],
      [-32602, "range 1000000 exceeds limit of 10000"],
      [-32600, "block range is too wide"],
      [-32000, "exceed maximum block range: 50000"],
      [-32000, "block range is bigger than maxBlockRange"],
      [-32602, "query exceeds max results 20000, retry with the range 25766988-25775072"],
      [-32000, "query returns too many logs, narrow your filter: 20000"],
      [-32000, "query block range exceeds server limit, narrow your filter: 1000"],
      [-32000, "requested too many blocks from 0 to 100000, maximum is set to 2048"],
      [-32000, "response size should not greater than 10000000 bytes"],
      [-32000, "Block range limit exceeded."],
      [-32005, "query timeout exceeded"],
    ];
    const others: [number, string][] = [
      [3, "execution reverted: timeout"],
      [-32000, "header not found"],
      [-32000, "invalid block range params"],
      [-32005, "daily request count exceeded, request rate limited"],
      [429, "Your app has exceeded its compute units per second capacity."],
      [-32602, "query exceeds the maximum of 1000 addresses or topics per search position"],
      [-32602, "blockHash cannot be found"],
    ];
    it("recognises providers' range refusals", function () {
      for (const [code, message] of refusals) assert.ok(isRangeRefusal({ code, message }), message);
      assert.ok(
        isRangeRefusal({
          code: -32602,
          message: "invalid params",
          data: { payload: "range 9009594 is bigger than range limit 2000" },
        }),
      );
    });
    it("leaves rate limits, reverts and other bad input alone", function () {
      for (const [code, message] of others) assert.ok(!isRangeRefusal({ code, message }), message);
    });
  });
});

/** A fetch that answers the n-th request with the n-th responder (given the request's id), and records requests. */
function scripted(responders: ((id: number) => Response)[]): { fetch: typeof fetch; calls: unknown[] } {
  const calls: unknown[] = [];
  const fetch: typeof globalThis.fetch = async (_input, init) => {
    const body = JSON.parse(String(init?.body)) as { id: number };
    calls.push(body);
    const responder = responders[calls.length - 1];
    if (responder === undefined) throw new Error(`scripted fetch: no response for request ${calls.length}`);
    return responder(body.id);
  };
  return { fetch, calls };
}

function jsonRpc(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
}

/** Deploys two TestTokens and makes five Transfer logs over blocks 3-10, with empty blocks 6-8 between them. */
async function seedChain(url: string): Promise<Chain> {
  const { abi, bytecode } = JSON.parse(await readFile(TEST_TOKEN_ARTIFACT, "utf8")) as { abi: Abi; bytecode: Hex };
  const account = privateKeyToAccount(DEPLOYER_KEY);
  const wallet = createWalletClient({ account, chain: hardhat, transport: http(url) });
  const viem = createPublicClient({ chain: hardhat, transport: http(url), pollingInterval: 50 });
  const mined = async (hash: Hex) => {
    const receipt = await viem.waitForTransactionReceipt({ hash, pollingInterval: 50, timeout: 10_000 });
    assert.equal(receipt.status, "success");
    return receipt;
  };
  const deploy = async () =>
    (await mined(await wallet.deployContract({ abi, bytecode, args: ["Test", "TST", 18] }))).contractAddress!;
  const write = async (address: Address, functionName: string, args: readonly unknown[]) =>
    mined(await wallet.writeContract({ address, abi, functionName, args }));

  const token = await deploy(); // block 1
  const otherToken = await deploy(); // block 2
  await write(token, "mint", [account.address, 1_000n]); // block 3
  await write(otherToken, "mint", [account.address, 7n]); // block 4
  await write(token, "transfer", [BOB, 10n]); // block 5
  await createTestClient({ mode: "hardhat", chain: hardhat, transport: http(url) }).mine({ blocks: 3 }); // 6-8
  await write(token, "transfer", [CAROL, 20n]); // block 9
  await write(token, "mint", [BOB, 5n]); // block 10
  const head = await viem.getBlockNumber();
  assert.equal(head, 10n);
  return { url, token, otherToken, abi, head };
}
