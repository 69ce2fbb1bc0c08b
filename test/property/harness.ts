/**
 * A Stemma deployment driven through viem (hardhat-viem), with the TypeScript ledger kept in step with the chain by
 * decoding the registry's and the router's logs after every transaction.
 */
import type { ContractReturnType, PublicClient, WalletClient } from "@nomicfoundation/hardhat-viem/types";
import hre from "hardhat";
import type { NetworkConnection } from "hardhat/types/network";
import { getAddress, type Abi, type Address, type Hex, type TransactionReceipt } from "viem";

import { BATCH_READER, batchRead, type Call } from "./batchReader.js";
import { decodeLedgerLogs } from "../../src/chain/decodeLogs.js";
import { NATIVE_TOKEN } from "../../src/core/constants.js";
import { createLedger, type Ledger } from "../../src/core/ledger.js";
import type { ContributorClaim } from "../../src/core/types.js";

/** Wallet indices (Hardhat's 20 default accounts). */
export const ADMIN = 0;
export const TREASURY = 1;
export const PAYER = 2;
export const DISPUTER = 3;
/** Signs attestations (EIP-712, eth_signTypedData_v4): the registry's one attester, threshold 1. */
export const ATTESTER = TREASURY;
/** Holds GUARDIAN_ROLE: may dismiss disputes at once. */
export const GUARDIAN = DISPUTER;
export const STEWARDS: readonly number[] = [4, 5, 6, 7];
export const CONTRIBUTORS: readonly number[] = [8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19];
export const WALLET_COUNT = 20;

/** What the payer holds in ETH and in each ERC-20: far above what any run pays (2^112 caps one model's total). */
const PAYER_FUNDS = 10n ** 34n;

export type Token = { symbol: string; address: Address; decimals: number };

export type Deployment = {
  label: string;
  publicClient: PublicClient;
  wallets: readonly WalletClient[];
  accounts: readonly Address[];
  router: ContractReturnType<"RevenueRouter">;
  registry: ContractReturnType<"ModelRegistry">;
  /** ETH, an 18-decimal ERC-20 and a 6-decimal ERC-20. */
  tokens: readonly Token[];
  erc20Abi: Abi;
  routerAbi: Abi;
  registryAbi: Abi;
  /** The registry's and the router's ABIs together, for decoding. */
  abi: Abi;
  disputeBond: bigint;
  /** The engine, fed with every ledger event of this deployment, in chain order. */
  ledger: Ledger;
  /** The first block of the deployment (its logs rebuild the ledger from scratch). */
  fromBlock: bigint;
  /** The first block whose logs the ledger has not seen yet. */
  nextBlock: bigint;
  /** Ledger events applied so far. */
  applied: number;
  /** The chain's clock (time warps for provisional windows). */
  time: NetworkConnection["networkHelpers"]["time"];
};

export type DeployParameters = { label: string; feePpm: number; disputeBond: bigint };

/** Deploys router (admin, treasury, fee) + registry, binds them, and deploys two TestTokens funded for the payer. */
export async function deploy(connection: NetworkConnection, parameters: DeployParameters): Promise<Deployment> {
  const { viem, networkHelpers } = connection;
  const publicClient = await viem.getPublicClient();
  const wallets = await viem.getWalletClients();
  if (wallets.length < WALLET_COUNT) throw new Error(`need ${WALLET_COUNT} accounts, got ${wallets.length}`);
  const accounts = wallets.map((w) => getAddress(w.account.address));
  const fromBlock = (await publicClient.getBlockNumber()) + 1n;

  const router = await viem.deployContract("RevenueRouter", [accounts[ADMIN]!, accounts[TREASURY]!, parameters.feePpm]);
  const registry = await viem.deployContract("ModelRegistry", [
    accounts[ADMIN]!,
    router.address,
    parameters.disputeBond,
    [accounts[ATTESTER]!],
    1,
    { provisional: 0, disputeCooldown: 0, epochRenewal: 0 },
  ]);
  const token18 = await viem.deployContract("TestToken", ["Test Dollar 18", "TD18", 18]);
  const token6 = await viem.deployContract("TestToken", ["Test Dollar 6", "TD6", 6]);
  const routerAbi = router.abi as Abi;
  const registryAbi = registry.abi as Abi;
  const erc20Abi = token18.abi as Abi;

  const deployment: Deployment = {
    label: parameters.label,
    publicClient,
    wallets,
    accounts,
    router,
    registry,
    tokens: [
      { symbol: "ETH", address: NATIVE_TOKEN, decimals: 18 },
      { symbol: "TD18", address: token18.address, decimals: 18 },
      { symbol: "TD6", address: token6.address, decimals: 6 },
    ],
    erc20Abi,
    routerAbi,
    registryAbi,
    abi: [...registryAbi, ...routerAbi],
    disputeBond: parameters.disputeBond,
    ledger: createLedger(),
    fromBlock,
    nextBlock: fromBlock,
    applied: 0,
    time: networkHelpers.time,
  };
  await send(deployment, ADMIN, router.address, routerAbi, "bindRegistry", [registry.address]);
  const guardianRole = (await registry.read.GUARDIAN_ROLE()) as Hex;
  await send(deployment, ADMIN, registry.address, registryAbi, "grantRole", [guardianRole, accounts[GUARDIAN]!]);
  for (const token of [token18, token6]) {
    await send(deployment, PAYER, token.address, erc20Abi, "mint", [accounts[PAYER]!, PAYER_FUNDS]);
    await send(deployment, PAYER, token.address, erc20Abi, "approve", [router.address, 2n ** 256n - 1n]);
  }
  await networkHelpers.setBalance(accounts[PAYER]!, PAYER_FUNDS);
  const reader = await hre.artifacts.readArtifact("BatchReader");
  await networkHelpers.setCode(BATCH_READER, reader.deployedBytecode as Hex);
  await sync(deployment);
  return deployment;
}

/** Sends a transaction from wallet `from` and returns its (successful) receipt. Automining: mined on return. */
export async function send(
  d: Deployment,
  from: number,
  address: Address,
  abi: Abi,
  functionName: string,
  args: readonly unknown[],
  value = 0n,
): Promise<TransactionReceipt> {
  const wallet = d.wallets[from]!;
  const hash = await wallet.writeContract({
    address,
    abi,
    functionName,
    args,
    account: wallet.account,
    chain: wallet.chain,
    ...(value !== 0n ? { value } : {}),
  });
  const receipt = await d.publicClient.getTransactionReceipt({ hash });
  if (receipt.status !== "success") throw new Error(`${d.label}: ${functionName} reverted (tx ${hash})`);
  return receipt;
}

/** Sends a transaction (as {send} takes it) that must revert with the custom error `errorName`. */
export async function sendExpectingRevert(errorName: string, ...transaction: Parameters<typeof send>): Promise<void> {
  const [d, , , , functionName] = transaction;
  let error: unknown = null;
  try {
    await send(...transaction);
  } catch (caught) {
    error = caught;
  }
  if (error === null) throw new Error(`${d.label}: ${functionName} should have reverted with ${errorName}`);
  const message = error instanceof Error ? error.message : String(error);
  if (!message.includes(errorName))
    throw new Error(`${d.label}: ${functionName} reverted, but not with ${errorName}: ${message.slice(0, 600)}`);
}

/** Applies the ledger events of every block not seen yet (decodeLedgerLogs over raw logs) to the engine. */
export async function sync(d: Deployment): Promise<number> {
  const latest = await d.publicClient.getBlockNumber();
  if (latest < d.nextBlock) return 0;
  const logs = await d.publicClient.getLogs({
    address: [d.router.address, d.registry.address],
    fromBlock: d.nextBlock,
    toBlock: latest,
  });
  const events = decodeLedgerLogs(d.abi, logs);
  d.ledger.applyAll(events);
  d.nextBlock = latest + 1n;
  d.applied += events.length;
  return events.length;
}

/** A fresh ledger rebuilt from every log of the deployment, in one pass. */
export async function rebuildLedger(d: Deployment): Promise<Ledger> {
  const logs = await d.publicClient.getLogs({
    address: [d.router.address, d.registry.address],
    fromBlock: d.fromBlock,
    toBlock: d.nextBlock - 1n,
  });
  const ledger = createLedger();
  ledger.applyAll(decodeLedgerLogs(d.abi, logs));
  return ledger;
}

export type { Call };

/** Many view calls, results in order (see batchReader.ts); any reverting call fails the batch. */
export function readMany(d: Deployment, calls: readonly Call[]): Promise<unknown[]> {
  return batchRead(async (data) => {
    const { data: result } = await d.publicClient.call({ to: BATCH_READER, data });
    return result ?? "0x";
  }, calls);
}

/** The balance of `account` in `token` (ETH for NATIVE_TOKEN). */
export async function balanceOf(d: Deployment, token: Address, account: Address): Promise<bigint> {
  if (token === NATIVE_TOKEN) return d.publicClient.getBalance({ address: account });
  return (await d.publicClient.readContract({
    address: token,
    abi: d.erc20Abi,
    functionName: "balanceOf",
    args: [account],
  })) as bigint;
}

/** What a transaction cost its sender in ETH. */
export const gasCost = (receipt: TransactionReceipt): bigint => receipt.gasUsed * receipt.effectiveGasPrice;

/** A ContributorClaim tuple for the router (built with src/core/contributorClaim.ts). */
export type ClaimArg = ContributorClaim;
