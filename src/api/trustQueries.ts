import type { Address } from "viem";

import type { Sql } from "../store/types.js";
import { cursorOf, positionOf } from "./eventQueries.js";
import { checkPageSize } from "./modelQueries.js";
import { badInput } from "./scalars.js";

type RedirectionRow = {
  block_number: string;
  log_index: number;
  transaction_hash: string;
  account: string;
  token: string;
  recipient: string;
  total: string;
};

/**
 * One page of claim redirections (claimTo) by the account that claimed or by the recipient paid (exactly one),
 * newest first, as a Relay connection. Both lookups use migration 4's indexes.
 */
export async function claimRedirectionsPage(
  sql: Sql,
  args: { account?: Address | null; recipient?: Address | null; first: number; after?: string | null },
) {
  if ((args.account == null) === (args.recipient == null)) {
    throw badInput("Give claimRedirections either account or recipient, not both.");
  }
  checkPageSize(args.first);
  const column = args.account != null ? "account" : "recipient";
  const params: unknown[] = [args.account ?? args.recipient];
  let keyset = "";
  if (args.after != null) {
    params.push(...positionOf(args.after));
    keyset = "AND (block_number, log_index) < ($2, $3)";
  }
  params.push(args.first + 1);
  const rows = await sql.query<RedirectionRow>(
    `SELECT block_number, log_index, transaction_hash, account, token, recipient, total FROM claim_redirections
     WHERE ${column} = $1 ${keyset} ORDER BY block_number DESC, log_index DESC LIMIT $${params.length}`,
    params,
  );
  const page = rows.slice(0, args.first);
  const cursors = page.map((r) => cursorOf({ blockNumber: BigInt(r.block_number), logIndex: r.log_index }));
  return {
    edges: page.map((r, i) => ({
      cursor: cursors[i],
      node: {
        account: r.account,
        token: r.token,
        recipient: r.recipient,
        total: r.total,
        block: r.block_number,
        transactionHash: r.transaction_hash,
        logIndex: r.log_index,
      },
    })),
    pageInfo: {
      hasNextPage: rows.length > args.first,
      hasPreviousPage: false,
      startCursor: cursors[0] ?? null,
      endCursor: cursors[cursors.length - 1] ?? null,
    },
  };
}
