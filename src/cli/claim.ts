/**
 * `stemma claim`: everything an account can claim, on every model, in one transaction per token. The entries and
 * their Merkle proofs come from the chain's ContributorsSet events, rebuilt by the engine.
 */
import { decodeLedgerLogs } from "../chain/decodeLogs.js";
import { contributorClaim } from "../core/contributorClaim.js";
import { createTokenBook, formatAmount } from "./amounts.js";
import { CHAIN_HELP, parseCommand } from "./chainFlags.js";
import { readChainLedger } from "./chainLedger.js";
import { connect } from "./connect.js";
import { stdout, type Output } from "./output.js";
import { addressFlag } from "./registrationFlags.js";
import { CliError } from "./shared.js";
import { resolveSigner } from "./signer.js";
import { sendContractCall } from "./transaction.js";

export const CLAIM_HELP = `Usage: stemma claim [--for ADDRESS | --to ADDRESS]

Claims everything the signer (or --for ADDRESS: anyone may send a claim, the funds only ever go to that account) is
owed on every model, one transaction per token. Revenue still on its way up the lineage is not claimable yet:
stemma propagate --all moves it first.

  --for ADDRESS   claim for this account instead of the signer
  --to ADDRESS    send the signer's funds to this address instead (claimTo): for an account that cannot receive
                  a token (a contract refusing ETH, an address a stablecoin blocks)

${CHAIN_HELP}
`;

export async function claim(argv: string[], say: Output = stdout): Promise<number> {
  const { values, positionals } = parseCommand(argv, { for: { type: "string" }, to: { type: "string" } });
  if (values.help) {
    say(CLAIM_HELP.trimEnd());
    return 0;
  }
  if (positionals.length > 0)
    throw new CliError(`stemma claim takes no arguments (got "${positionals[0]}"): see stemma claim --help.`);
  if (values.for !== undefined && values.to !== undefined)
    throw new CliError(
      "--to redirects the signer's own claim: it cannot go with --for (only an account may redirect its funds).",
    );
  const other = values.for === undefined ? undefined : addressFlag(values.for, "--for");
  const recipient = values.to === undefined ? undefined : addressFlag(values.to, "--to");
  const context = await connect(values);
  const signer = await resolveSigner(context, values);
  const account = other ?? signer.address;
  const chain = await readChainLedger(context);
  const tokenOf = createTokenBook(context);
  let claimed = 0;
  for (const tokenAddress of chain.ledger.tokens()) {
    const entries = chain.ledger.claimableEntries(account, tokenAddress);
    if (entries.length === 0) continue;
    const token = await tokenOf(tokenAddress);
    const expected = entries.reduce((sum, entry) => sum + entry.amount, 0n);
    const models = [...new Set(entries.map((entry) => chain.keyOf(entry.modelId)))];
    const from = `from ${models.length} model${models.length === 1 ? "" : "s"} (${models.join(", ")})`;
    const target = { address: context.router, abi: context.abi.router } as const;
    const claims = entries.map(contributorClaim);
    const receipt = recipient
      ? await sendContractCall(
          context,
          signer,
          {
            ...target,
            label: `Claiming ${formatAmount(expected, token)} of ${account} ${from}, paid to ${recipient}`,
            functionName: "claimTo",
            args: [tokenAddress, claims, recipient],
          },
          say,
          chain.keyOf,
        )
      : await sendContractCall(
          context,
          signer,
          {
            ...target,
            label: `Claiming ${formatAmount(expected, token)} for ${account} ${from}`,
            functionName: "claim",
            args: [tokenAddress, claims],
          },
          say,
          chain.keyOf,
        );
    const paid = decodeLedgerLogs(context.abi.both, receipt.logs).reduce(
      (sum, event) => (event.type === "Claimed" ? sum + event.amount : sum),
      0n,
    );
    say(`  claimed ${formatAmount(paid, token)}${recipient ? `, paid to ${recipient}` : ""}`);
    claimed++;
  }
  if (claimed === 0) {
    const later = chain.ledger
      .tokens()
      .filter((t) => (chain.ledger.owedAfterFullPropagation(t).accounts.get(account) ?? 0n) > 0n);
    say(
      later.length > 0
        ? `Nothing to claim now for ${account}; revenue is still on its way up the lineage: run stemma propagate --all first.`
        : `Nothing to claim for ${account}.`,
    );
  }
  return 0;
}
