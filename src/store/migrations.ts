import type { Migration } from "./migrate.js";

/**
 * The indexer's schema, oldest first; `migrate` applies what a database lacks. Append, never edit: a released
 * migration has run on databases that will not run it again.
 *
 * Conventions (the SQL runs unchanged on PGlite and PostgreSQL):
 * - Token amounts are `numeric(78,0)`: every uint256 fits (2^256 - 1 has 78 digits), and they come back as decimal
 *   strings. Never floats.
 * - Block numbers, timestamps and chain ids are `bigint` (strings when read); weights are `int` parts per million
 *   (1_000_000 = all); enums from the contracts are `smallint`.
 */
export const migrations: readonly Migration[] = [
  {
    version: 1,
    name: "indexer schema",
    sql: `
-- Where indexing stands: one row. block_* is the last indexed block; finalized_block is the chain's finalized head
-- when it was written; backfill_done turns true once the historical sync has reached the head.
create table indexer_checkpoint (
  id smallint primary key check (id = 1),
  chain_id bigint not null,
  registry text not null,
  router text not null,
  block_number bigint not null,
  block_hash text not null,
  block_timestamp bigint not null,
  finalized_block bigint not null,
  backfill_done boolean not null,
  updated_at timestamptz not null default now()
);

-- The recent blocks the indexer applied, to find where a reorg forked.
create table indexed_blocks (
  number bigint primary key,
  hash text not null,
  parent_hash text not null,
  timestamp bigint not null
);

-- Every decoded ledger event, keyed by its place in the chain.
create table ledger_events (
  block_number bigint not null,
  log_index int not null,
  block_hash text not null,
  transaction_hash text not null,
  event_type text not null,
  address text not null,
  topics text not null,
  data text not null,
  primary key (block_number, log_index)
);

create table models (
  id text primary key,
  key text not null,
  steward text not null,
  placeholder boolean not null,
  status smallint not null,
  beneficiary text,
  upstream_ppm int not null,
  epoch int not null,
  terms jsonb not null,
  registered_block bigint not null
);

create table model_parents (
  model_id text not null,
  position int not null,
  parent_id text not null,
  relation smallint not null,
  weight_ppm int not null,
  primary key (model_id, position)
);
create index model_parents_parent_id_idx on model_parents (parent_id);

create table contributors (
  model_id text not null,
  epoch int not null,
  position int not null,
  account text not null,
  role smallint not null,
  weight_ppm int not null,
  cumulative_before int not null,
  primary key (model_id, epoch, position)
);
create index contributors_account_idx on contributors (account);

create table model_token_totals (
  model_id text not null,
  token text not null,
  received numeric(78,0) not null,
  kept numeric(78,0) not null,
  upstream numeric(78,0) not null,
  pushed numeric(78,0) not null,
  primary key (model_id, token)
);

create table account_balances (
  account text not null,
  token text not null,
  claimable numeric(78,0) not null,
  owed_after_propagation numeric(78,0) not null,
  primary key (account, token)
);

-- kind is as in src/core/effectiveShares.ts; role is -1 for entries without one (its null there), since a primary key
-- column cannot be null.
create table effective_shares (
  model_id text not null,
  kind text not null,
  party text not null,
  role smallint not null default -1,
  numerator numeric(78,0) not null,
  denominator numeric(78,0) not null,
  ppm int not null,
  primary key (model_id, kind, party, role)
);

create table token_fees (
  token text primary key,
  fees numeric(78,0) not null
);
`,
  },
  {
    version: 2,
    name: "metadata, disputes, contributor epochs, event lookups",
    sql: `
-- Model metadata from ModelRegistered and MetadataUpdated (null for placeholders).
alter table models add column weights_digest text, add column metadata_uri text, add column license text;

-- When each contributor epoch's set took effect, and its Merkle root.
create table contributor_epochs (
  model_id text not null,
  epoch int not null,
  root text not null,
  block_number bigint not null,
  transaction_hash text not null,
  primary key (model_id, epoch)
);

-- outcome is IModelRegistry.DisputeOutcome: 0 pending, 1 dismissed, 2 upheld. bond_recipient is set once the bond
-- was paid out.
create table disputes (
  id numeric(78,0) primary key,
  model_id text not null,
  disputer text not null,
  evidence_hash text not null,
  bond numeric(78,0) not null,
  raised_block bigint not null,
  raised_transaction text not null,
  outcome smallint not null,
  beneficiary text,
  resolved_block bigint,
  bond_recipient text
);
create index disputes_model_id_idx on disputes (model_id, id);

-- Payments into a model (topic 1 of Paid) and an account's claims (topic 3 of Claimed), newest first, without a scan.
-- The API's queries use these exact expressions and event types.
create index ledger_events_paid_model_idx on ledger_events (split_part(topics, ',', 2), block_number, log_index)
  where event_type = 'Paid';
create index ledger_events_claimed_account_idx on ledger_events (split_part(topics, ',', 4), block_number, log_index)
  where event_type = 'Claimed';

-- Version 1 dropped the events above instead of storing them: the indexer starts again from the deployment.
delete from indexer_checkpoint;
delete from indexed_blocks;
delete from ledger_events;
delete from models;
delete from model_parents;
delete from contributors;
delete from model_token_totals;
delete from account_balances;
delete from effective_shares;
delete from token_fees;
`,
  },
  {
    version: 3,
    name: "announce every checkpoint change on the stemma_checkpoint channel",
    sql: `
-- Every commit of the indexer (a batch, or a reorg's rollback) moves the checkpoint. API replicas LISTEN here to
-- drop the answers they cached for the previous state (src/api/responseCache.ts). NOTIFY is delivered at commit.
create function stemma_notify_checkpoint() returns trigger language plpgsql as $$
begin
  perform pg_notify('stemma_checkpoint', '');
  return null;
end;
$$;
create trigger indexer_checkpoint_notify after insert or update or delete on indexer_checkpoint
  for each row execute function stemma_notify_checkpoint();
`,
  },
  {
    version: 4,
    name: "trust: identity, attestations, guardians, cool-downs, claim recipients, token policies",
    sql: `
-- Each model's identity as the registry's identity(id) view has it. provisional_until is null when the model is not
-- provisional (2^40 - 1 for a placeholder: until claimed or assigned); dispute_cooldown_until is null before a
-- first dismissal.
alter table models
  add column verified boolean not null default false,
  add column provisional_until bigint,
  add column dispute_cooldown_until bigint,
  add column dismissed_disputes int not null default 0;

-- Histories, one row per event, keyed by its place in the chain.
create table attestations (
  block_number bigint not null,
  log_index int not null,
  transaction_hash text not null,
  model_id text not null,
  steward text not null,
  revision text not null,
  nonce bigint not null,
  primary key (block_number, log_index)
);
create index attestations_model_id_idx on attestations (model_id);

-- parents is the corrected lineage's edges as JSON: [{parentId, relation, weightPpm}].
create table lineage_corrections (
  block_number bigint not null,
  log_index int not null,
  transaction_hash text not null,
  model_id text not null,
  upstream_ppm int not null,
  parents jsonb not null,
  primary key (block_number, log_index)
);
create index lineage_corrections_model_id_idx on lineage_corrections (model_id);

create table model_reassignments (
  block_number bigint not null,
  log_index int not null,
  transaction_hash text not null,
  model_id text not null,
  steward text not null,
  primary key (block_number, log_index)
);
create index model_reassignments_model_id_idx on model_reassignments (model_id);

create table beneficiary_replacements (
  block_number bigint not null,
  log_index int not null,
  transaction_hash text not null,
  model_id text not null,
  previous text not null,
  beneficiary text not null,
  primary key (block_number, log_index)
);
create index beneficiary_replacements_model_id_idx on beneficiary_replacements (model_id);

-- claimTo: what an account's claims of a token paid to another recipient in one transaction.
create table claim_redirections (
  block_number bigint not null,
  log_index int not null,
  transaction_hash text not null,
  account text not null,
  token text not null,
  recipient text not null,
  total numeric(78,0) not null,
  primary key (block_number, log_index)
);
create index claim_redirections_account_idx on claim_redirections (account, block_number, log_index);
create index claim_redirections_recipient_idx on claim_redirections (recipient, block_number, log_index);

-- The current attesters and guardians (GUARDIAN_ROLE holders), with the block and transaction that appointed them.
create table attesters (
  account text primary key,
  block_number bigint not null,
  transaction_hash text not null
);
create table guardians (
  account text primary key,
  block_number bigint not null,
  transaction_hash text not null
);

-- policy is IRevenueRouter.TokenPolicy (1 allowed, 2 blocked); tokens back at NONE have no row.
create table token_policies (
  token text primary key,
  policy smallint not null,
  block_number bigint not null,
  transaction_hash text not null
);

-- The governed settings, as last set: one row once the registry is deployed.
create table trust_settings (
  id smallint primary key check (id = 1),
  attester_threshold int not null,
  dispute_bond numeric(78,0) not null,
  provisional_period bigint not null,
  dispute_cooldown bigint not null,
  epoch_renewal bigint not null,
  allowlist_only boolean not null
);

-- Timestamps of the blocks the derived tables need one of (a dismissal starts a cool-down from its block's time):
-- raw data like ledger_events, removed with its block by a rollback.
create table block_times (
  number bigint primary key,
  timestamp bigint not null
);

-- Versions 1-3 dropped the events above instead of storing them: the indexer starts again from the deployment.
delete from indexer_checkpoint;
delete from indexed_blocks;
delete from ledger_events;
delete from models;
delete from model_parents;
delete from contributors;
delete from contributor_epochs;
delete from disputes;
delete from model_token_totals;
delete from account_balances;
delete from effective_shares;
delete from token_fees;
`,
  },
  {
    version: 5,
    name: "indexes for the API's pages",
    sql: `
-- Pages of models are keyset-paginated on (order column, id): without these, every page sorted the whole table.
-- The key index also finds model(key:).
create index models_key_idx on models (key, id);
create index models_registered_block_idx on models (registered_block, id);
create index models_upstream_ppm_idx on models (upstream_ppm, id);
-- effectiveShares pages a model's shares largest first: read in that order, not sorted per request.
create index effective_shares_ppm_idx on effective_shares (model_id, ppm desc, kind, party, role);
`,
  },
];
