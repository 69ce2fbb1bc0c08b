import {
  createWalletClient,
  http,
  isHex,
  type Account,
  type Address,
  type Chain,
  type HttpTransport,
  type WalletClient,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";

import type { ChainFlagValues } from "./chainFlags.js";
import type { ChainContext } from "./connect.js";
import { readKeystoreKey } from "./keystore.js";
import { CliError } from "./shared.js";

/** The local Hardhat chain's id: the only chain whose node holds unlocked accounts we may use. */
const LOCAL_CHAIN_ID = 31337;

export type Signer = {
  address: Address;
  /** Where the key came from, for the report ("STEMMA_PRIVATE_KEY", "keystore NAME", "node account 0"). */
  source: string;
  wallet: WalletClient<HttpTransport, Chain, Account>;
};

/**
 * Who signs: the key in env STEMMA_PRIVATE_KEY, else the key `--keystore NAME` names in Hardhat's keystore, else (on
 * the local chain only) the node's unlocked account `--account N`.
 */
export async function resolveSigner(context: ChainContext, flags: ChainFlagValues): Promise<Signer> {
  const wallet = (account: Account | Address) =>
    createWalletClient({ account, chain: context.chain, transport: http(context.rpcUrl) }) as WalletClient<
      HttpTransport,
      Chain,
      Account
    >;
  const fromKey = (key: string, source: string): Signer => {
    const normalized = key.startsWith("0x") ? key : `0x${key}`;
    if (!isHex(normalized) || normalized.length !== 66) {
      throw new CliError(`${source} is not a private key (32 bytes of hex): fix it, or unset it.`);
    }
    const account = privateKeyToAccount(normalized);
    return { address: account.address, source, wallet: wallet(account) };
  };

  const envKey = process.env.STEMMA_PRIVATE_KEY?.trim();
  if (envKey) return fromKey(envKey, "STEMMA_PRIVATE_KEY");
  if (flags.keystore || flags["keystore-dev"]) {
    const name = flags.keystore ?? "STEMMA_PRIVATE_KEY";
    return fromKey(await readKeystoreKey(name, flags["keystore-dev"] ?? false), `keystore ${name}`);
  }
  if (context.chain.id !== LOCAL_CHAIN_ID) {
    throw new CliError(
      `no signer for chain ${context.chain.id}: set STEMMA_PRIVATE_KEY, or store the key with \`npx hardhat keystore set STEMMA_PRIVATE_KEY\` and pass --keystore STEMMA_PRIVATE_KEY.`,
    );
  }
  const index = flags.account ?? "0";
  const accounts = await createWalletClient({ chain: context.chain, transport: http(context.rpcUrl) }).getAddresses();
  if (!/^\d+$/.test(index) || Number(index) >= accounts.length) {
    throw new CliError(
      `--account must be the number of one of the local node's ${accounts.length} unlocked accounts (0-${accounts.length - 1}), not "${index}".`,
    );
  }
  const address = accounts[Number(index)]!;
  return { address, source: `node account ${index}`, wallet: wallet(address) };
}
