/**
 * `stemma pay <model> <amount>`: pays revenue to a model in ETH or an ERC-20, in the token's own units. For an ERC-20
 * it approves the router first when the allowance is short, and says so.
 */
import { erc20Abi } from "viem";

import { NATIVE_TOKEN } from "../core/constants.js";
import { formatAmount, parseAmount } from "./amounts.js";
import { CHAIN_HELP, parseCommand } from "./chainFlags.js";
import { readChainLedger } from "./chainLedger.js";
import { connect } from "./connect.js";
import { resolveModel } from "./modelRef.js";
import { stdout, type Output } from "./output.js";
import { CliError } from "./shared.js";
import { resolveSigner } from "./signer.js";
import { sendContractCall } from "./transaction.js";

export const PAY_HELP = `Usage: stemma pay <model key|id> <amount> <token>

Pays revenue to a model. The amount is in the token's units, with its decimals: ETH, a token already paid on this
ledger by its symbol, or any ERC-20 by its address. For an ERC-20 the router must be allowed to take the amount:
when the allowance is short, an approval for exactly the amount is sent first.

  stemma pay hf:org/model 1.5 ETH
  stemma pay hf:org/model 250 USDC
  stemma pay hf:org/model 250 0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48

The protocol fee (at most 10%) goes to the DAO's treasury; the rest is the model's revenue.

${CHAIN_HELP}
`;

export async function pay(argv: string[], say: Output = stdout): Promise<number> {
  const { values, positionals } = parseCommand(argv, {});
  if (values.help) {
    say(PAY_HELP.trimEnd());
    return 0;
  }
  const [reference, ...amountWords] = positionals;
  if (amountWords.length === 0) throw new CliError("name the amount and its token: stemma pay <model> 1.5 ETH.");
  const context = await connect(values);
  const chain = await readChainLedger(context);
  const { id, key } = resolveModel(reference, chain, "stemma pay <model key|id> <amount> <token>");
  const { token, amount } = await parseAmount(amountWords.join(" "), context, chain.ledger.tokens());
  const signer = await resolveSigner(context, values);
  const { publicClient, router, abi } = context;
  const shown = formatAmount(amount, token);

  if (token.address !== NATIVE_TOKEN) {
    const erc20 = { address: token.address, abi: erc20Abi } as const;
    const balance = await publicClient.readContract({ ...erc20, functionName: "balanceOf", args: [signer.address] });
    if (balance < amount) {
      throw new CliError(
        `insufficient funds: ${signer.address} has ${formatAmount(balance, token)} but the payment needs ${shown}: get more ${token.symbol}, or pay less.`,
      );
    }
    const allowance = await publicClient.readContract({
      ...erc20,
      functionName: "allowance",
      args: [signer.address, router],
    });
    if (allowance < amount) {
      await sendContractCall(
        context,
        signer,
        {
          label: `Approving the router to take ${shown} (its allowance, ${formatAmount(allowance, token)}, is short)`,
          address: token.address,
          abi: erc20Abi,
          functionName: "approve",
          args: [router, amount],
        },
        say,
      );
    }
  }
  const [fee, net] = await publicClient.readContract({
    address: router,
    abi: abi.router,
    functionName: "previewPay",
    args: [amount],
  });
  await sendContractCall(
    context,
    signer,
    {
      label: `Paying ${shown} to ${key} from ${signer.address} (${signer.source})`,
      address: router,
      abi: abi.router,
      functionName: "pay",
      args: [id, token.address, amount],
      ...(token.address === NATIVE_TOKEN ? { value: amount } : {}),
    },
    say,
    chain.keyOf,
  );
  say(`Paid ${shown} to ${key}: ${formatAmount(fee, token)} protocol fee, ${formatAmount(net, token)} to the model.`);
  return 0;
}
