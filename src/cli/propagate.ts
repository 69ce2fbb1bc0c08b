/**
 * `stemma propagate <model>` and `stemma propagate --all`: pushes upstream revenue to parents. With --all, every
 * model with something pending, children before parents, in batches through `propagateBatch`, so one run moves
 * everything as far up the lineage as it can go.
 */
import type { Hex } from "viem";

import { decodeLedgerLogs } from "../chain/decodeLogs.js";
import type { Ledger } from "../core/ledger.js";
import { planPropagation, type PropagationStep } from "../core/planPropagation.js";
import { createTokenBook, formatAmount } from "./amounts.js";
import { CHAIN_HELP, parseCommand } from "./chainFlags.js";
import { readChainLedger } from "./chainLedger.js";
import { connect } from "./connect.js";
import { resolveModel } from "./modelRef.js";
import { stdout, type Output } from "./output.js";
import { CliError } from "./shared.js";
import { resolveSigner } from "./signer.js";
import { sendContractCall } from "./transaction.js";

export const PROPAGATE_HELP = `Usage: stemma propagate <model key|id>      push one model's pending upstream to its parents (every token)
       stemma propagate --all                every model with pending upstream, children before parents

A push moves revenue one hop up the lineage. --all plans the pushes on the exact engine so that a child's push
lands in its parents before they push theirs, and sends them in batches (propagateBatch): one run moves everything
as far as it can go. Disputed and revoked models hold their upstream and are skipped. Anyone may propagate.

  --all         every model with something pending
  --batch N     pushes per transaction                      [40]

${CHAIN_HELP}
`;

/**
 * The pushes to send: with `only`, that model's in every token it has upstream pending in, whatever its status (a
 * disputed or revoked model's push then reverts with the router's reason); otherwise the core plan, which moves
 * everything pending as far as it goes.
 */
export function pushesToSend(ledger: Ledger, only?: Hex): PropagationStep[] {
  if (only === undefined) return planPropagation(ledger);
  const { parents } = ledger.model(only);
  return ledger
    .tokens()
    .map((token) => ({ modelId: only, token, parents, amount: ledger.pendingUpstream(only, token) }))
    .filter((step) => step.amount > 0n);
}

export async function propagate(argv: string[], say: Output = stdout): Promise<number> {
  const { values, positionals } = parseCommand(argv, {
    all: { type: "boolean", default: false },
    batch: { type: "string", default: "40" },
  });
  if (values.help) {
    say(PROPAGATE_HELP.trimEnd());
    return 0;
  }
  if (values.all === positionals.length > 0) {
    throw new CliError("name one model, or pass --all: stemma propagate <model> | stemma propagate --all.");
  }
  if (!/^\d+$/.test(values.batch) || Number(values.batch) < 1) {
    throw new CliError(`--batch must be a whole number of pushes per transaction (1 or more), not "${values.batch}".`);
  }
  const batchSize = Number(values.batch);
  const context = await connect(values);
  const chain = await readChainLedger(context);
  const only = values.all ? undefined : resolveModel(positionals[0], chain, "stemma propagate <model key|id>").id;
  const steps = pushesToSend(chain.ledger, only);
  if (steps.length === 0) {
    say(
      only
        ? `Nothing to propagate: ${chain.keyOf(only)} has no upstream pending.`
        : "Nothing to propagate: no active model has upstream pending (disputed and revoked models hold theirs).",
    );
    return 0;
  }
  const signer = await resolveSigner(context, values);
  const tokenOf = createTokenBook(context);
  let moved = 0;
  for (let start = 0; start < steps.length; start += batchSize) {
    const batch = steps.slice(start, start + batchSize);
    const label =
      steps.length > batchSize
        ? `Propagating pushes ${start + 1}-${start + batch.length} of ${steps.length}`
        : `Propagating ${steps.length} push${steps.length === 1 ? "" : "es"}`;
    const receipt = await sendContractCall(
      context,
      signer,
      {
        label,
        address: context.router,
        abi: context.abi.router,
        functionName: "propagateBatch",
        args: [batch.map(({ modelId, token, parents }) => ({ modelId, token, parents }))],
      },
      say,
      chain.keyOf,
    );
    for (const event of decodeLedgerLogs(context.abi.both, receipt.logs)) {
      if (event.type !== "Propagated") continue;
      const parents = chain.ledger.model(event.modelId).parents.map((edge) => chain.keyOf(edge.parentId));
      say(
        `  ${formatAmount(event.amount, await tokenOf(event.token))} from ${chain.keyOf(event.modelId)} to ${parents.join(", ")}`,
      );
      moved++;
    }
  }
  say(`Done: ${moved} push${moved === 1 ? "" : "es"} moved revenue up the lineage.`);
  return 0;
}
