/**
 * `stemma claim`: everything an account can claim, on every model, in one transaction per token. The entries and
 * their Merkle proofs come from the chain's ContributorsSet events, rebuilt by the engine.
 */
import { getAddress, isAddress } from "viem";

import { decodeLedgerLogs } from "../chain/decodeLogs.js";
import { contributorClaim } from "../core/contributorClaim.js";
import { createTokenBook, formatAmount } from "./amounts.js";
import { CHAIN_HELP, parseCommand } from "./chainFlags.js";
import { readChainLedger } from "./chainLedger.js";
import { connect } from "./connect.js";
import { stdout, type Output } from "./output.js";
import { CliError } from "./shared.js";
import { resolveSigner } from "./signer.js";
import { sendContractCall } from "./transaction.js";

export const CLAIM_HELP = `Usage: stemma claim [--for ADDRESS]

Claims everything the signer (or --for ADDRESS: anyone may send a claim, the funds only ever go to that account) is
owed on every model, one transaction per token. Revenue still on its way up the lineage is not claimable yet:
stemma propagate --all moves it first.

  --for ADDRESS   claim for this account instead of the signer

${CHAIN_HELP}
`;

export async function claim(argv: string[], say: Output = stdout): Promise<number> {
  const { values, positionals } = parseCommand(argv, { for: { type: "string" } });
  if (values.help) {
    say(CLAIM_HELP.trimEnd());
    return 0;
  }
  if (positionals.length > 0)
    throw new CliError(`stemma claim takes no arguments (got "${positionals[0]}"): see stemma claim --help.`);
  if (values.for !== undefined && !isAddress(values.for)) {
    throw new CliError(`--for must be an address (0x and 40 hex digits), not "${values.for}".`);
  }
  const context = await connect(values);
  const signer = await resolveSigner(context, values);
  const account = values.for ? getAddress(values.for) : signer.address;
  const chain = await readChainLedger(context);
  const tokenOf = createTokenBook(context);
  let claimed = 0;
  for (const tokenAddress of chain.ledger.tokens()) {
    const entries = chain.ledger.claimableEntries(account, tokenAddress);
    if (entries.length === 0) continue;
    const token = await tokenOf(tokenAddress);
    const expected = entries.reduce((sum, entry) => sum + entry.amount, 0n);
    const models = [...new Set(entries.map((entry) => chain.keyOf(entry.modelId)))];
    const receipt = await sendContractCall(
      context,
      signer,
      {
        label: `Claiming ${formatAmount(expected, token)} for ${account} from ${models.length} model${models.length === 1 ? "" : "s"} (${models.join(", ")})`,
        address: context.router,
        abi: context.abi.router,
        functionName: "claim",
        args: [tokenAddress, entries.map(contributorClaim)],
      },
      say,
      chain.keyOf,
    );
    const paid = decodeLedgerLogs(context.abi.both, receipt.logs).reduce(
      (sum, event) => (event.type === "Claimed" ? sum + event.amount : sum),
      0n,
    );
    say(`  claimed ${formatAmount(paid, token)}`);
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
