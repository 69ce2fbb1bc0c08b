/**
 * `stemma show <model key|id>` and `stemma show <address>`: a model or an account as readable tables, read from the
 * chain's events through the exact engine, in human units.
 */
import { getAddress, isAddress, type Address, type Hex } from "viem";

import { PPM, ZERO_ADDRESS } from "../core/constants.js";
import { edgeSharePpm } from "../core/validateParentTerms.js";
import { formatAmount, createTokenBook } from "./amounts.js";
import { CHAIN_HELP, parseCommand } from "./chainFlags.js";
import { readChainLedger, type ChainLedger } from "./chainLedger.js";
import { connect, type ChainContext } from "./connect.js";
import { relationName, roleName, statusName } from "./enumNames.js";
import { resolveModel } from "./modelRef.js";
import { stdout, type Output } from "./output.js";
import { formatPercent } from "../core/percent.js";
import { renderTable } from "./table.js";

export const SHOW_HELP = `Usage: stemma show <model key|id>      a model: steward, status, upstream, terms, parents, contributors, revenue
       stemma show <address>           an account: what it can claim now and after full propagation, its contributions

Reads the chain's events from the deployment's start block through the exact engine (src/core/ledger.ts), so the
figures are the contracts', to the wei, shown in the tokens' units.

  stemma show hf:meta-llama/llama-3.1-8b
  stemma show 0x70997970C51812dc3A010C7d01b50e0d17dc79C8

${CHAIN_HELP}
`;

export async function show(argv: string[], say: Output = stdout): Promise<number> {
  const { values, positionals } = parseCommand(argv, {});
  if (values.help) {
    say(SHOW_HELP.trimEnd());
    return 0;
  }
  const context = await connect(values);
  const chain = await readChainLedger(context);
  const [subject] = positionals;
  if (subject && isAddress(subject)) await showAccount(context, chain, getAddress(subject), say);
  else await showModel(context, chain, resolveModel(subject, chain, "stemma show <model key|id|address>").id, say);
  return 0;
}

async function showModel(context: ChainContext, chain: ChainLedger, id: Hex, say: Output): Promise<void> {
  const { ledger, keyOf } = chain;
  const model = ledger.model(id);
  const metadata = chain.metadata.get(id);
  const tokenOf = createTokenBook(context);
  say(`${model.key}`);
  say(`  id          ${model.id}`);
  say(
    `  steward     ${model.placeholder ? "none: an unclaimed placeholder (its kept share accrues in escrow)" : model.steward}`,
  );
  say(`  status      ${statusName(model.status)}${model.beneficiary ? `, funds go to ${model.beneficiary}` : ""}`);
  say(`  upstream    ${formatPercent(model.upstreamPpm)} of its revenue flows to its parents`);
  say(
    `  terms       ${model.terms.derivativesAllowed ? `derivatives allowed; each must pass it at least ${formatPercent(model.terms.minDerivativePpm)} of its revenue` : "no derivatives allowed"}`,
  );
  if (metadata) {
    say(`  license     ${metadata.license || "(none)"}`);
    if (metadata.metadataURI) say(`  metadata    ${metadata.metadataURI}`);
  }
  say(`  epoch       ${model.epoch} (the current contributor set)`);

  if (model.parents.length > 0) {
    say();
    say("Parents");
    const rows = model.parents.map((edge) => [
      keyOf(edge.parentId),
      relationName(edge.relation),
      formatPercent(edge.weightPpm),
      formatPercent(edgeSharePpm(model.upstreamPpm, edge.weightPpm)),
    ]);
    for (const line of renderTable(["model", "relation", "weight", "of revenue"], rows, [2, 3])) say(`  ${line}`);
  }

  say();
  const set = ledger.contributorSet(id, model.epoch);
  if (set === null) say("Contributors: none yet (a placeholder's escrow)");
  else {
    say(
      `Contributors (epoch ${model.epoch}; they share the ${formatPercent(PPM - BigInt(model.upstreamPpm))} it keeps)`,
    );
    const rows = set.entries.map((entry) => [entry.account, roleName(entry.role), formatPercent(entry.weightPpm)]);
    for (const line of renderTable(["account", "role", "share"], rows, [2])) say(`  ${line}`);
  }

  say();
  const rows: string[][] = [];
  for (const tokenAddress of ledger.tokens()) {
    const balance = ledger.modelBalance(id, tokenAddress);
    if (balance.received === 0n) continue;
    const token = await tokenOf(tokenAddress);
    const pending = balance.upstream - balance.pushed;
    rows.push([
      token.symbol,
      ...[balance.received, balance.upstream, pending, balance.kept].map((a) => formatAmount(a, token)),
    ]);
  }
  if (rows.length === 0) say("Revenue: none yet");
  else {
    say("Revenue (lifetime, after the protocol fee)");
    const headers = ["token", "received", "to parents", "not yet pushed", "kept by contributors"];
    for (const line of renderTable(headers, rows, [1, 2, 3, 4])) say(`  ${line}`);
  }
}

async function showAccount(context: ChainContext, chain: ChainLedger, account: Address, say: Output): Promise<void> {
  const { ledger, keyOf } = chain;
  const tokenOf = createTokenBook(context);
  say(`${account}`);
  say();
  const rows: string[][] = [];
  for (const tokenAddress of ledger.tokens()) {
    const now = ledger.claimable(account, tokenAddress);
    const later = ledger.owedAfterFullPropagation(tokenAddress).accounts.get(account) ?? 0n;
    if (now === 0n && later === 0n) continue;
    const token = await tokenOf(tokenAddress);
    rows.push([token.symbol, formatAmount(now, token), formatAmount(later, token)]);
  }
  if (rows.length === 0) say("Owed: nothing, now or after full propagation");
  else {
    say("Owed (claim with stemma claim; stemma propagate --all moves what is still upstream)");
    for (const line of renderTable(["token", "claimable now", "after full propagation"], rows, [1, 2]))
      say(`  ${line}`);
  }

  const contributions: string[][] = [];
  const stewarded: string[] = [];
  for (const id of ledger.models()) {
    const model = ledger.model(id);
    if (model.steward !== ZERO_ADDRESS && getAddress(model.steward) === account) stewarded.push(model.key);
    for (const entry of ledger.contributorSet(id, model.epoch)?.entries ?? []) {
      if (getAddress(entry.account) === account) {
        contributions.push([keyOf(id), roleName(entry.role), formatPercent(entry.weightPpm), String(model.epoch)]);
      }
    }
  }
  say();
  if (contributions.length === 0) say("Contributions: none in any model's current contributor set");
  else {
    say("Contributions (current contributor sets)");
    for (const line of renderTable(["model", "role", "share", "epoch"], contributions, [2, 3])) say(`  ${line}`);
  }
  if (stewarded.length > 0) {
    say();
    say(`Steward of: ${stewarded.join(", ")}`);
  }
}
