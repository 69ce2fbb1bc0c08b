import {
  BaseError,
  ContractFunctionRevertedError,
  createPublicClient,
  createTestClient,
  createWalletClient,
  getAddress,
  http,
  keccak256,
  maxUint256,
  toHex,
  type Abi,
  type Address,
  type ContractFunctionArgs,
  type ContractFunctionName,
  type Hex,
  type Log,
  type TransactionReceipt,
} from "viem";

import { decodeLedgerLogs } from "../chain/decodeLogs.js";
import type { FunctionCall, WriteMutability } from "../chain/functionCall.js";
import type { modelRegistryAbi, revenueRouterAbi, testTokenAbi } from "../contracts/abis.js";
import { NATIVE_TOKEN } from "../core/constants.js";
import { contributorClaim } from "../core/contributorClaim.js";
import { createLedger, type Ledger } from "../core/ledger.js";
import type { LedgerEvent } from "../core/ledgerEvent.js";
import { modelId } from "../core/modelId.js";
import { planPropagation } from "../core/planPropagation.js";
import { sliceOf } from "../core/splitMath.js";
import type { PlannedPayment } from "./planPayments.js";
import type { Progress } from "./progress.js";
import { reconcileWithChain, type ChainReconcile } from "./reconcileWithChain.js";
import { applyPolicy } from "./scenario/applyPolicy.js";
import type { Policy, Scenario, SimModel } from "./scenario/types.js";

/** A chain with the whole system freshly deployed on it (scripts/sim/openSimChain.ts opens one per policy). */
export type SimChain = {
  rpcUrl: string;
  registry: Address;
  router: Address;
  /** The deployment's first block: the engine replays every event from here. */
  startBlock: bigint;
  abis: { registry: typeof modelRegistryAbi; router: typeof revenueRouterAbi; token: typeof testTokenAbi };
  /** The test ERC-20's creation code (constructor: name, symbol, decimals). */
  tokenBytecode: Hex;
  /** Stops what opening the chain started (a hardhat node); nothing for an --rpc chain. */
  close(): Promise<void>;
};

/** What the transactions of one kind cost: count and gas (units and wei paid). */
export type GasTally = { transactions: number; gas: bigint; costWei: bigint };

export type TxKind = "setup" | "register" | "pay" | "propagate" | "claim";

/** One step's figures, per token symbol where money is concerned; `earnings` holds cumulative values. */
export type StepRecord = {
  step: number;
  /** Seconds of chain time since the run started. */
  chainSeconds: number;
  paid: Map<string, bigint>;
  fees: Map<string, bigint>;
  /** Upstream pushed by propagation this step (every hop counted). */
  moved: Map<string, bigint>;
  claimed: Map<string, bigint>;
  propagation: GasTally;
  /** Transactions sent so far in this run. */
  transactions: number;
  /** Cumulative entitlement per `account|role|token` (see {@link earningKey}), only the keys that changed. */
  earnings: Map<string, bigint>;
};

export type PolicyRun = {
  policy: Policy;
  models: SimModel[];
  /** Token symbol to its address on this run's chain. */
  tokenAddresses: Map<string, Address>;
  steps: StepRecord[];
  /** Paid directly to each model, per `key|token symbol`: the gross amount and the fee taken from it. */
  paidTo: Map<string, { amount: bigint; fee: bigint }>;
  /** Final cumulative entitlement per `account|role|token`. */
  earnings: Map<string, bigint>;
  /** The engine rebuilt from all of the deployment's events once the run ended. */
  ledger: Ledger;
  gas: Record<TxKind, GasTally>;
  reconcile: ChainReconcile;
  /** Stopped by Ctrl-C before the last step (no final propagation either). */
  interrupted: boolean;
};

export type RunPolicyParameters = {
  scenario: Scenario;
  policyIndex: number;
  plan: PlannedPayment[][];
  chain: SimChain;
  progress: Progress;
  /** Steps finished before this policy (progress counts over all policies). */
  stepsBefore: number;
  /** Aborted by Ctrl-C: the run stops after the transaction in flight. */
  signal: AbortSignal;
};

/** The key of an earnings entry: one account in one role, in one token. */
export const earningKey = (account: Address, role: number, token: string) => `${account}|${role}|${token}`;

/** A propagation batch stays far below the node's 16.7M gas cap per transaction. */
const PROPAGATIONS_PER_TX = 40;
const TOKEN_SUPPLY_HEADROOM = 2n;

/**
 * Runs one policy of a scenario on a freshly deployed chain with real transactions from the node's first account:
 * deploys the test tokens, registers the lineage, then per step pays the planned revenue, lets the keeper propagate
 * (every N steps, or when a token's pending upstream passes its threshold) and claim (every M steps), and feeds the
 * engine the chain's events after each phase. After the last step the keeper propagates what is still pending,
 * so totals are final. Ends with the engine rebuilt from every event, reconciled with the router's views.
 *
 * @example
 * import { runPolicy } from "./runPolicy.js";
 * const run = await runPolicy({ scenario, policyIndex: 0, plan, chain, progress, stepsBefore: 0, signal });
 * run.reconcile.differences.length; // 0
 */
export async function runPolicy({
  scenario,
  policyIndex,
  plan,
  chain,
  progress,
  stepsBefore,
  signal,
}: RunPolicyParameters): Promise<PolicyRun> {
  const policy = scenario.policies[policyIndex]!;
  const models = applyPolicy(scenario, policyIndex);
  const label = `policy ${policyIndex + 1}/${scenario.policies.length} ${policy.name}`;
  const transport = http(chain.rpcUrl, { batch: { batchSize: 500 }, timeout: 120_000, retryCount: 0 });
  const publicClient = createPublicClient({ transport, pollingInterval: 100 });
  const testClient = createTestClient({ mode: "hardhat", transport });
  const [operator] = await createWalletClient({ transport }).getAddresses();
  if (!operator) throw new Error(`the node at ${chain.rpcUrl} has no unlocked account to send transactions from`);
  const wallet = createWalletClient({ account: operator, transport: http(chain.rpcUrl, { timeout: 120_000 }) });
  const abi = [...chain.abis.registry, ...chain.abis.router];

  const gas: Record<TxKind, GasTally> = {
    setup: tally(),
    register: tally(),
    pay: tally(),
    propagate: tally(),
    claim: tally(),
  };
  let transactions = 0;
  let stepPropagation = tally();

  async function send<const abi extends Abi, functionName extends ContractFunctionName<abi, WriteMutability>>(
    kind: TxKind,
    address: Address,
    contractAbi: abi,
    functionName: functionName,
    args: ContractFunctionArgs<abi, WriteMutability, functionName>,
    value = 0n,
  ): Promise<TransactionReceipt> {
    const typed: FunctionCall<abi, WriteMutability, functionName> = { abi: contractAbi, functionName, args };
    const call: FunctionCall = typed;
    let hash: Hex;
    try {
      hash = await wallet.writeContract({
        address,
        ...call,
        chain: null,
        ...(value ? { value } : {}),
      });
    } catch (error) {
      throw new Error(`${functionName} failed: ${describeRevert(error)}`, { cause: error });
    }
    const receipt =
      (await publicClient.getTransactionReceipt({ hash }).catch(() => null)) ??
      (await publicClient.waitForTransactionReceipt({ hash }));
    if (receipt.status !== "success") throw new Error(`${functionName} reverted (transaction ${hash})`);
    transactions++;
    for (const t of kind === "propagate" ? [gas[kind], stepPropagation] : [gas[kind]]) {
      t.transactions++;
      t.gas += receipt.gasUsed;
      t.costWei += receipt.gasUsed * receipt.effectiveGasPrice;
    }
    return receipt;
  }

  // ---- the engine, fed the chain's events after each phase
  const ledger = createLedger();
  const paidTo = new Map<string, { amount: bigint; fee: bigint }>();
  let synced = chain.startBlock - 1n;
  async function sync(): Promise<LedgerEvent[]> {
    const head = await publicClient.getBlockNumber({ cacheTime: 0 });
    if (head <= synced) return [];
    const logs: Log<bigint, number, false>[] = await publicClient.getLogs({
      address: [chain.registry, chain.router],
      fromBlock: synced + 1n,
      toBlock: head,
    });
    const events = decodeLedgerLogs(abi, logs);
    ledger.applyAll(events);
    for (const event of events) {
      if (event.type !== "Paid") continue;
      const key = `${ledger.model(event.modelId).key}|${symbolOf.get(event.token) ?? event.token}`;
      const total = paidTo.get(key) ?? { amount: 0n, fee: 0n };
      paidTo.set(key, { amount: total.amount + event.amount, fee: total.fee + event.fee });
    }
    synced = head;
    return events;
  }

  // ---- tokens
  const tokenAddresses = new Map<string, Address>();
  const symbolOf = new Map<Address, string>();
  const planned = new Map<string, bigint>();
  for (const payment of plan.flat()) planned.set(payment.token, (planned.get(payment.token) ?? 0n) + payment.amount);
  for (const token of scenario.tokens) {
    let address: Address = NATIVE_TOKEN;
    if (token.native) {
      const balance = await publicClient.getBalance({ address: operator });
      const needed = planned.get(token.symbol) ?? 0n;
      if (balance < needed) {
        throw new Error(
          `the payer ${operator} holds ${balance} wei but the revenue process pays ${needed} wei of ETH: ` +
            "lower the ETH amounts or use fewer steps",
        );
      }
    } else {
      progress.note(`  deploying the test token ${token.symbol} (${token.decimals} decimals)`);
      const hash = await wallet.deployContract({
        abi: chain.abis.token,
        bytecode: chain.tokenBytecode,
        args: [`Test ${token.symbol}`, token.symbol, token.decimals],
        chain: null,
      });
      const receipt = await publicClient.waitForTransactionReceipt({ hash });
      if (!receipt.contractAddress) throw new Error(`deploying ${token.symbol} returned no contract address`);
      transactions++;
      address = getAddress(receipt.contractAddress);
      const supply = (planned.get(token.symbol) ?? 0n) * TOKEN_SUPPLY_HEADROOM + 1n;
      await send("setup", address, chain.abis.token, "mint", [operator, supply]);
      await send("setup", address, chain.abis.token, "approve", [chain.router, maxUint256]);
    }
    tokenAddresses.set(token.symbol, address);
    symbolOf.set(address, token.symbol);
  }

  // ---- the lineage
  progress.note(`  registering ${models.length} models`);
  const byKey = new Map(models.map((m) => [m.key, m]));
  const edgesOf = (model: SimModel) =>
    model.parents.map((p) => ({ parentId: modelId(p.key), relation: p.relation, weightPpm: p.weightPpm }));
  for (const model of models) {
    if (signal.aborted) break;
    await send("register", chain.registry, chain.abis.registry, "register", [
      {
        key: model.key,
        steward: operator,
        upstreamPpm: model.upstreamPpm,
        parents: edgesOf(model),
        expectedParentTerms: model.parents.map((p) => byKey.get(p.key)!.terms),
        contributors: model.contributors.map(({ account, role, weightPpm }) => ({ account, role, weightPpm })),
        terms: model.terms,
        weightsDigest: keccak256(toHex(`weights of ${model.key}`)),
        metadataURI: model.key.startsWith("hf:") ? `https://huggingface.co/${model.key.slice(3)}` : "",
        license: model.license,
      },
    ]);
  }
  await sync();

  // ---- the steps
  const accounts = [...new Set(models.flatMap((m) => m.contributors.map((c) => c.account)))];
  const steps: StepRecord[] = [];
  let earnings = new Map<string, bigint>();
  const { keeper } = scenario;

  /** Moves everything pending in `token` as far up as it goes (the engine plans the pushes, children first). */
  async function propagate(token: Address): Promise<void> {
    const steps = planPropagation(ledger, { tokens: [token] });
    for (let i = 0; i < steps.length; i += PROPAGATIONS_PER_TX) {
      const chunk = steps.slice(i, i + PROPAGATIONS_PER_TX);
      await send("propagate", chain.router, chain.abis.router, "propagateBatch", [
        chunk.map(({ modelId: id, parents }) => ({ modelId: id, token, parents })),
      ]);
    }
  }

  const pendingTotal = (token: Address) =>
    models.reduce((sum, m) => sum + ledger.pendingUpstream(modelId(m.key), token), 0n);

  let interrupted = false;
  for (let step = 1; step <= scenario.duration.steps; step++) {
    if (signal.aborted) {
      interrupted = true;
      break;
    }
    stepPropagation = tally();
    const events: LedgerEvent[] = [];
    if (scenario.duration.stepSeconds > 0) await testClient.increaseTime({ seconds: scenario.duration.stepSeconds });
    for (const payment of plan[step - 1]!) {
      if (signal.aborted) break;
      const token = tokenAddresses.get(payment.token)!;
      await send(
        "pay",
        chain.router,
        chain.abis.router,
        "pay",
        [modelId(payment.key), token, payment.amount],
        token === NATIVE_TOKEN ? payment.amount : 0n,
      );
    }
    events.push(...(await sync()));
    for (const token of scenario.tokens) {
      const address = tokenAddresses.get(token.symbol)!;
      const threshold = keeper.propagateThreshold.get(token.symbol);
      const scheduled = keeper.propagateEvery !== null && step % keeper.propagateEvery === 0;
      if (!signal.aborted && (scheduled || (threshold !== undefined && pendingTotal(address) > threshold))) {
        await propagate(address);
      }
    }
    events.push(...(await sync()));
    if (keeper.claimEvery !== null && step % keeper.claimEvery === 0) {
      for (const token of tokenAddresses.values()) {
        for (const account of accounts) {
          if (signal.aborted) break;
          const entries = ledger.claimableEntries(account, token);
          if (entries.length === 0) continue;
          await send("claim", chain.router, chain.abis.router, "claim", [token, entries.map(contributorClaim)]);
        }
      }
      events.push(...(await sync()));
    }
    if (step === scenario.duration.steps && !signal.aborted) {
      // Settle: what is still pending moves up, so every figure of the report is final.
      for (const token of tokenAddresses.values()) if (pendingTotal(token) > 0n) await propagate(token);
      events.push(...(await sync()));
    }
    const now = entitlements(ledger, symbolOf);
    steps.push({
      step,
      chainSeconds: step * scenario.duration.stepSeconds,
      ...sums(events, symbolOf),
      propagation: stepPropagation,
      transactions,
      earnings: changed(earnings, now),
    });
    earnings = now;
    progress.update(stepsBefore + step, transactions, label);
  }
  if (signal.aborted) interrupted = true;

  // ---- reconcile: the engine rebuilt from every event of the deployment, against the router's views
  await sync();
  const logs = await publicClient.getLogs({
    address: [chain.registry, chain.router],
    fromBlock: chain.startBlock,
    toBlock: synced,
  });
  const rebuilt = createLedger();
  rebuilt.applyAll(decodeLedgerLogs(abi, logs));
  const reconcile = await reconcileWithChain({
    publicClient,
    ledger: rebuilt,
    router: chain.router,
    routerAbi: chain.abis.router,
    tokenAbi: chain.abis.token,
    tokens: [...tokenAddresses.values()],
  });
  return {
    policy,
    models,
    tokenAddresses,
    steps,
    paidTo,
    earnings: entitlements(rebuilt, symbolOf),
    ledger: rebuilt,
    gas,
    reconcile,
    interrupted,
  };
}

const tally = (): GasTally => ({ transactions: 0, gas: 0n, costWei: 0n });

/**
 * Every contributor entry's entitlement so far: its cumulative-rounding slice of what its epoch kept (claimed or
 * not), added up per account, role and token. Summed over all entries it is everything the models kept.
 */
function entitlements(ledger: Ledger, symbolOf: ReadonlyMap<Address, string>): Map<string, bigint> {
  const out = new Map<string, bigint>();
  for (const id of ledger.models()) {
    for (let epoch = 0; epoch <= ledger.model(id).epoch; epoch++) {
      const entries = ledger.contributorSet(id, epoch)?.entries ?? [];
      for (const [token, symbol] of symbolOf) {
        const kept = ledger.keptInEpoch(id, token, epoch);
        if (kept === 0n) continue;
        for (const entry of entries) {
          const key = earningKey(entry.account, entry.role, symbol);
          const slice = sliceOf(kept, BigInt(entry.cumulativeBefore), BigInt(entry.weightPpm));
          out.set(key, (out.get(key) ?? 0n) + slice);
        }
      }
    }
  }
  return out;
}

function changed(before: ReadonlyMap<string, bigint>, after: ReadonlyMap<string, bigint>): Map<string, bigint> {
  return new Map([...after].filter(([key, value]) => before.get(key) !== value));
}

function sums(events: readonly LedgerEvent[], symbolOf: ReadonlyMap<Address, string>) {
  const paid = new Map<string, bigint>();
  const fees = new Map<string, bigint>();
  const moved = new Map<string, bigint>();
  const claimed = new Map<string, bigint>();
  const add = (map: Map<string, bigint>, token: Address, amount: bigint) => {
    const symbol = symbolOf.get(token) ?? token;
    map.set(symbol, (map.get(symbol) ?? 0n) + amount);
  };
  for (const event of events) {
    if (event.type === "Paid") {
      add(paid, event.token, event.amount);
      add(fees, event.token, event.fee);
    } else if (event.type === "Propagated") add(moved, event.token, event.amount);
    else if (event.type === "Claimed") add(claimed, event.token, event.amount);
  }
  return { paid, fees, moved, claimed };
}

/** A revert as its custom error's name and arguments (never hex), or the client's one-line message. */
function describeRevert(error: unknown): string {
  if (error instanceof BaseError) {
    const revert = error.walk((e) => e instanceof ContractFunctionRevertedError);
    if (revert instanceof ContractFunctionRevertedError && revert.data) {
      const args = (revert.data.args ?? []).map((a) => String(a)).join(", ");
      return `reverted with ${revert.data.errorName}(${args})`;
    }
    return error.shortMessage;
  }
  return error instanceof Error ? error.message : String(error);
}
