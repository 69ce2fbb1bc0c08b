/**
 * `stemma reconcile` and `npm run reconcile -- [flags]`: compares the indexer's mirror with the contracts' view
 * functions at the block the mirror reflects; prints every difference and exits non-zero if there is one.
 */
import { readDeploymentRecord } from "../chain/deploymentRecord.js";
import { createRpcClient } from "../chain/rpc/createRpcClient.js";
import { revenueRouterAbi } from "../contracts/abis.js";
import { reconcile as reconcileMirror } from "../indexer/reconcile.js";
import { describeError } from "../internal/describeError.js";
import { createStore } from "../store/createStore.js";
import { SHARED_HELP, parseOptions } from "./indexerFlags.js";

const HELP = `Usage: npm run reconcile -- [flags]

Checks the mirror against the chain for every model, contributor entry, account and token, to the wei.
Exits 0 when they agree, 1 when any figure differs (each difference is printed).

${SHARED_HELP}
`;

/** Resolves with 0 when the mirror equals the chain, 1 when a figure differs or it failed (errors printed here). */
export async function reconcile(argv: string[]): Promise<number> {
  try {
    const options = parseOptions(argv, {});
    if (options.help) {
      process.stdout.write(HELP);
      return 0;
    }
    const deployment = await readDeploymentRecord(options.deployment);
    const store = await createStore({
      ...(options.database ? { databaseUrl: options.database } : { dataDir: options["data-dir"] }),
    });
    try {
      const report = await reconcileMirror({
        rpc: createRpcClient({ url: options.rpc }),
        sql: store,
        deployment,
        routerAbi: revenueRouterAbi,
      });
      const { models, totals, entries, accounts, tokens } = report.checked;
      process.stdout.write(
        `Checked at block ${report.block}: ${models} models, ${totals} model-token totals, ${entries} contributor entries, ${accounts} accounts, ${tokens} tokens.\n`,
      );
      for (const d of report.differences) {
        process.stdout.write(`DIFFERENT ${d.what}: mirror ${d.mirror}, chain ${d.chain}\n`);
      }
      process.stdout.write(
        report.differences.length === 0
          ? "The mirror equals the chain, to the wei.\n"
          : `${report.differences.length} difference(s).\n`,
      );
      return report.differences.length > 0 ? 1 : 0;
    } finally {
      await store.close();
    }
  } catch (error) {
    process.stderr.write(`error: ${describeError(error, "npm run reconcile -- --help")}\n`);
    return 1;
  }
}
