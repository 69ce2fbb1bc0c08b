import { erc20Abi, formatUnits, getAddress, isAddress, type Address } from "viem";

import { NATIVE_TOKEN } from "../core/constants.js";
import type { ChainContext } from "./connect.js";
import { CliError } from "./shared.js";

/** A token as amounts are written: its address (the ERC-7528 sentinel for ETH), symbol and decimals. */
export type TokenInfo = { address: Address; symbol: string; decimals: number };

export const ETH: TokenInfo = { address: NATIVE_TOKEN, symbol: "ETH", decimals: 18 };

/** An amount with its token, exactly: `amount` in the token's base units. */
export type TokenAmount = { token: TokenInfo; amount: bigint };

/** `1500000000000000000n` of ETH -> "1.5 ETH". */
export function formatAmount(amount: bigint, token: TokenInfo): string {
  return `${formatUnits(amount, token.decimals)} ${token.symbol}`;
}

/** A token's symbol and decimals, read from the chain (`symbol()`, `decimals()`); ETH needs no call. */
export async function tokenInfo(context: ChainContext, address: Address): Promise<TokenInfo> {
  if (address.toLowerCase() === NATIVE_TOKEN.toLowerCase()) return ETH;
  const erc20 = { address, abi: erc20Abi } as const;
  try {
    const [symbol, decimals] = await Promise.all([
      context.publicClient.readContract({ ...erc20, functionName: "symbol" }),
      context.publicClient.readContract({ ...erc20, functionName: "decimals" }),
    ]);
    return { address: getAddress(address), symbol, decimals: Number(decimals) };
  } catch {
    throw new CliError(
      `${address} is not an ERC-20 token on chain ${context.chain.id} (symbol() or decimals() failed): check the address.`,
    );
  }
}

/** Reads each token once. */
export function createTokenBook(context: ChainContext) {
  const known = new Map<string, Promise<TokenInfo>>();
  return (address: Address) => {
    const key = address.toLowerCase();
    if (!known.has(key)) known.set(key, tokenInfo(context, address));
    return known.get(key)!;
  };
}

/**
 * Parses an amount as people write it, in the token's own units: "1.5 ETH", "250 USDC", "250 0xTokenAddress". The
 * number is converted exactly with the token's decimals (more decimals than the token has is an error, never a
 * rounding). A symbol other than ETH is looked up among `knownTokens` (the tokens already paid on this ledger);
 * any ERC-20 can be named by its address.
 */
export async function parseAmount(
  text: string,
  context: ChainContext,
  knownTokens: readonly Address[],
): Promise<TokenAmount> {
  const match = /^\s*(\d+(?:\.\d+)?|\.\d+)\s+(\S+)\s*$/.exec(text);
  if (!match) {
    throw new CliError(
      `amount "${text}" is not an amount with its token: write it like "1.5 ETH", "250 USDC" or "250 0xTokenAddress".`,
    );
  }
  const [, number, tokenText] = match;
  const token = await resolveToken(tokenText, context, knownTokens);
  const [whole = "0", fraction = ""] = number.split(".");
  if (fraction.length > token.decimals) {
    throw new CliError(
      `${number} ${token.symbol} has more decimals than ${token.symbol}'s ${token.decimals}: write at most ${token.decimals} decimals.`,
    );
  }
  const amount = BigInt(whole) * 10n ** BigInt(token.decimals) + BigInt(fraction.padEnd(token.decimals, "0") || "0");
  if (amount === 0n) throw new CliError(`the amount must be more than zero, not "${text.trim()}".`);
  return { token, amount };
}

async function resolveToken(text: string, context: ChainContext, knownTokens: readonly Address[]): Promise<TokenInfo> {
  if (text.toUpperCase() === "ETH") return ETH;
  if (isAddress(text)) return tokenInfo(context, text);
  const infos = await Promise.all(knownTokens.filter((t) => t !== NATIVE_TOKEN).map((t) => tokenInfo(context, t)));
  const matching = infos.filter((info) => info.symbol.toLowerCase() === text.toLowerCase());
  if (matching.length === 1) return matching[0]!;
  if (matching.length > 1) {
    throw new CliError(
      `several tokens are called ${text} (${matching.map((m) => m.address).join(", ")}): name it by its address.`,
    );
  }
  throw new CliError(
    `unknown token "${text}": name it by its address, like "250 0xTokenAddress" (symbols are looked up among the tokens already paid on this ledger).`,
  );
}
