import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

import { mulberry32 } from "./mulberry32.js";

/** The faults the proxy injects at random, each with its own probability per request. */
export type RpcFaultKind = "http429" | "http5xx" | "hang" | "truncated" | "empty" | "badLog";

const FAULT_KINDS: readonly RpcFaultKind[] = ["http429", "http5xx", "hang", "truncated", "empty", "badLog"];

export type RpcFaultOptions = Partial<Record<RpcFaultKind, number>> & {
  /**
   * How long a `hang` holds the response before sending it (if the client is still there), in milliseconds; make it
   * longer than the client's timeout. At most 30 s.
   * @default 1_000
   */
  hangMs?: number;
  /**
   * The widest `eth_getLogs` range, in blocks, answered normally; wider ranges get the -32005 refusal Geth-style
   * providers send ("query returned more than 10000 results. Try with this block range [from, to]."). Not a random
   * fault: every such request is refused, as by a real provider.
   * @default no limit
   */
  maxLogRange?: number | bigint;
  /**
   * After this many faulted responses in a row the next request passes untouched, so a client with at least this many
   * retries always gets through. `Infinity` for a permanently failing endpoint.
   * @default 3
   */
  maxConsecutive?: number;
  /**
   * Faults injected in total before the proxy only forwards.
   * @default Infinity
   */
  maxFaults?: number;
};

export type StartRpcFaultProxyParameters = {
  /** The JSON-RPC endpoint to forward to (a `hardhat node`). */
  target: string;
  /** Seeds the fault choices: the same seed and the same request sequence give the same faults. */
  seed: number;
  /** Probabilities (each in [0, 1], summing to at most 1) and bounds; no faults when omitted. */
  faults?: RpcFaultOptions;
};

export type RpcFaultCounts = Record<RpcFaultKind | "requests" | "passed" | "rangeRefusal", number>;

export type StartRpcFaultProxyReturnType = {
  /** `http://127.0.0.1:<port>`. */
  url: string;
  /** Requests received, faults injected by kind, requests passed untouched, range refusals. Live. */
  counts: RpcFaultCounts;
  /** Stops listening, drops open connections and cancels pending hangs. */
  close(): Promise<void>;
};

const MAX_HANG_MS = 30_000;
const MAX_BODY_BYTES = 1 << 20;
const UPSTREAM_TIMEOUT_MS = 10_000;

/**
 * Starts an HTTP JSON-RPC proxy on 127.0.0.1 (random port) in front of `target` that injects faults chosen by a
 * seeded PRNG: HTTP 429 (`Retry-After: 0`), HTTP 500/502/503, a response held longer than the client's timeout
 * (`hangMs`), a truncated body, a JSON-RPC response with neither `result` nor `error`, and an `eth_getLogs` result with
 * one log missing a field (or pending). At most one fault per request, drawn from the cumulative probabilities;
 * `badLog` applies only to a non-empty `eth_getLogs` result and otherwise passes. Faults are bounded: `maxConsecutive`
 * in a row, `maxFaults` in total, hangs by `hangMs` (30 s at most). Batch bodies (arrays) are forwarded intact and a
 * fault hits the whole batch; over-wide `eth_getLogs` ranges are refused per request, in batches too.
 *
 * @example
 * import { startRpcFaultProxy } from "../helpers/rpcFaultProxy.js";
 *
 * const proxy = await startRpcFaultProxy({ target: "http://127.0.0.1:8545", seed: 1, faults: { http5xx: 0.3, maxLogRange: 100 } });
 * const client = createRpcClient({ url: proxy.url });
 * await client.blockNumber(); // retried past the 5xx
 * console.log(proxy.counts);
 * await proxy.close();
 */
export async function startRpcFaultProxy({
  target,
  seed,
  faults = {},
}: StartRpcFaultProxyParameters): Promise<StartRpcFaultProxyReturnType> {
  const { hangMs = 1_000, maxLogRange, maxConsecutive = 3, maxFaults = Infinity } = faults;
  const probabilities = FAULT_KINDS.map((kind) => faults[kind] ?? 0);
  if (probabilities.some((p) => !(p >= 0 && p <= 1)) || probabilities.reduce((a, b) => a + b, 0) > 1 + 1e-9)
    throw new RangeError(`Fault probabilities must each be in [0, 1] and sum to at most 1: ${probabilities}.`);
  if (!(hangMs >= 0 && hangMs <= MAX_HANG_MS)) throw new RangeError(`hangMs must be in [0, ${MAX_HANG_MS}].`);
  if (!(maxConsecutive >= 1)) throw new RangeError("maxConsecutive must be >= 1.");
  const maxRange = maxLogRange === undefined ? undefined : BigInt(maxLogRange);

  const random = mulberry32(seed);
  const counts: RpcFaultCounts = {
    requests: 0,
    passed: 0,
    rangeRefusal: 0,
    http429: 0,
    http5xx: 0,
    hang: 0,
    truncated: 0,
    empty: 0,
    badLog: 0,
  };
  let consecutive = 0;
  let injected = 0;
  const timers = new Set<NodeJS.Timeout>();

  /** The fault for the next request (or none), from one draw. */
  function drawFault(): RpcFaultKind | undefined {
    const draw = random();
    if (consecutive >= maxConsecutive || injected >= maxFaults) return undefined;
    let cumulative = 0;
    for (const [index, kind] of FAULT_KINDS.entries()) {
      cumulative += probabilities[index]!;
      if (draw < cumulative) return kind;
    }
    return undefined;
  }

  function record(kind: RpcFaultKind | undefined): void {
    if (kind === undefined) {
      consecutive = 0;
      counts.passed++;
    } else {
      consecutive++;
      injected++;
      counts[kind]++;
    }
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    if (request.method !== "POST") return reply(response, 405, "text/plain", "POST JSON-RPC only");
    const raw = await readBody(request);
    if (raw === undefined) return reply(response, 413, "text/plain", "body too large");
    counts.requests++;
    let body: unknown;
    try {
      body = JSON.parse(raw);
    } catch {
      body = undefined; // the target answers the parse error
    }
    const calls = (Array.isArray(body) ? body : [body]).filter(isRecord);

    // A provider refuses an over-wide range every time, before any transport trouble: no draw.
    const refusals = new Map(calls.flatMap((call) => refusalFor(call, maxRange)));
    if (!Array.isArray(body) && refusals.size > 0) {
      counts.rangeRefusal++;
      return reply(response, 200, "application/json", JSON.stringify([...refusals.values()][0]));
    }

    const fault = drawFault();
    const extra = random(); // which 5xx status / which log field; drawn every time to keep the sequence simple
    if (fault === "http429") {
      record(fault);
      const error = { code: 429, message: "Your app has exceeded its compute units per second capacity." };
      return reply(response, 429, "application/json", JSON.stringify({ jsonrpc: "2.0", id: null, error }), {
        "retry-after": "0",
      });
    }
    if (fault === "http5xx") {
      record(fault);
      const status = [500, 502, 503][Math.floor(extra * 3)]!;
      return reply(response, status, "text/html", `<html><body><h1>${status}</h1>upstream trouble</body></html>`);
    }
    if (fault === "hang") {
      record(fault);
      const live = await holdWhileConnected(response, hangMs);
      if (!live) return;
    }

    const upstream = await forward(raw);
    if (upstream === undefined) return reply(response, 502, "text/plain", "proxy: the target did not answer");
    let text = upstream.text;
    if (refusals.size > 0 && Array.isArray(body)) {
      counts.rangeRefusal++;
      text = JSON.stringify(
        (JSON.parse(text) as unknown[]).map((answer) =>
          isRecord(answer) && refusals.has(answer.id) ? refusals.get(answer.id) : answer,
        ),
      );
    }
    if (fault === "truncated") {
      record(fault);
      return reply(response, 200, "application/json", text.slice(0, Math.floor(text.length / 2)));
    }
    if (fault === "empty") {
      record(fault);
      const strip = (answer: unknown) => (isRecord(answer) ? { jsonrpc: "2.0", id: answer.id } : answer);
      const parsed: unknown = JSON.parse(text);
      return reply(
        response,
        200,
        "application/json",
        JSON.stringify(Array.isArray(parsed) ? parsed.map(strip) : strip(parsed)),
      );
    }
    if (fault === "badLog") {
      const broken = breakLog(calls, body, text, extra);
      if (broken !== undefined) {
        record(fault);
        return reply(response, 200, "application/json", broken);
      }
    }
    if (fault !== "hang") record(undefined);
    return reply(response, upstream.status, "application/json", text);
  }

  async function forward(raw: string): Promise<{ status: number; text: string } | undefined> {
    try {
      const response = await fetch(target, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: raw,
        signal: AbortSignal.timeout(UPSTREAM_TIMEOUT_MS),
      });
      return { status: response.status, text: await response.text() };
    } catch {
      return undefined;
    }
  }

  /** Waits `ms` unless the client hangs up first or the proxy closes; whether the client is still there. */
  function holdWhileConnected(response: ServerResponse, ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => finish(true), ms);
      timers.add(timer);
      const onClose = () => finish(false);
      function finish(live: boolean) {
        clearTimeout(timer);
        timers.delete(timer);
        response.off("close", onClose);
        resolve(live && !response.destroyed);
      }
      response.on("close", onClose);
    });
  }

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) reply(response, 500, "text/plain", `proxy error: ${String(error)}`);
      else response.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    counts,
    close: () =>
      new Promise<void>((resolve, reject) => {
        for (const timer of timers) clearTimeout(timer);
        timers.clear();
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

/** `[id, refusal]` when `call` is an `eth_getLogs` over more than `maxRange` blocks (hex bounds only). */
function refusalFor(call: Record<string, unknown>, maxRange: bigint | undefined): [unknown, unknown][] {
  if (maxRange === undefined || call.method !== "eth_getLogs" || !Array.isArray(call.params)) return [];
  const filter: unknown = call.params[0];
  if (!isRecord(filter) || !isQuantity(filter.fromBlock) || !isQuantity(filter.toBlock)) return [];
  const from = BigInt(filter.fromBlock);
  const to = BigInt(filter.toBlock);
  if (to - from + 1n <= maxRange) return [];
  const end = from + maxRange - 1n;
  const message = `query returned more than 10000 results. Try with this block range [0x${from.toString(16)}, 0x${end.toString(16)}].`;
  return [[call.id, { jsonrpc: "2.0", id: call.id, error: { code: -32005, message } }]];
}

/** The target's answer to a single `eth_getLogs` with one log damaged, or `undefined` when there is no log to damage. */
function breakLog(calls: Record<string, unknown>[], body: unknown, text: string, extra: number): string | undefined {
  if (Array.isArray(body) || calls[0]?.method !== "eth_getLogs") return undefined;
  const answer: unknown = JSON.parse(text);
  if (!isRecord(answer) || !Array.isArray(answer.result) || answer.result.length === 0) return undefined;
  const damage = ["blockHash", "logIndex", "transactionHash", "pending"][Math.floor(extra * 4)]!;
  const log: unknown = answer.result[Math.floor(((extra * 4) % 1) * answer.result.length)];
  if (!isRecord(log)) return undefined;
  if (damage === "pending") log.blockNumber = null;
  else delete log[damage];
  return JSON.stringify(answer);
}

function reply(
  response: ServerResponse,
  status: number,
  contentType: string,
  body: string,
  headers: Record<string, string> = {},
): void {
  if (response.destroyed) return;
  response.writeHead(status, { "content-type": contentType, "content-length": Buffer.byteLength(body), ...headers });
  response.end(body);
}

function readBody(request: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    request.on("end", () => resolve(size > MAX_BODY_BYTES ? undefined : Buffer.concat(chunks).toString("utf8")));
    request.on("error", reject);
  });
}

function isQuantity(value: unknown): value is string {
  return typeof value === "string" && /^0x[0-9a-f]+$/i.test(value);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
