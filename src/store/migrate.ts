import { BaseError } from "../internal/errors.js";

import type { Sql, Store } from "./types.js";

/** One step of the schema. Versions start at 1 and go up by one; a released migration never changes. */
export type Migration = {
  version: number;
  /** Recorded with the version: a database whose name for a version differs was made by a different schema. */
  name: string;
  /** Statements without parameters that run unchanged on PGlite and PostgreSQL. */
  sql: string;
};

export type MigrateReturnType = {
  /** The versions this call applied, in order (empty when the database was up to date). */
  applied: number[];
  /** The database's schema version now. */
  version: number;
};

export type MigrateErrorType = InvalidMigrationsError | SchemaMismatchError | MigrationFailedError;

/**
 * The key of the transaction-level advisory lock each migration step takes: ASCII "STEMMA" followed by 0x0002. Two
 * processes migrating at once then take turns, and the second finds the work done. (Not the writer lock's key: that one
 * is held by another session for the writer's whole life, and waiting on it here would wait for ever.)
 */
const MIGRATION_LOCK_KEY = 0x5354454d4d410002n;

/**
 * Brings the database's schema up to the last of `migrations`, applying each missing one in its own transaction and
 * recording it in `schema_migrations(version, name, applied_at)`. Running it again applies nothing.
 *
 * It refuses, before changing anything, a database that records a version newer than the code knows (made by a newer
 * Stemma) or records a version under another name (made by a different schema). A migration that fails is rolled back
 * whole; the ones before it stay applied.
 *
 * @param store - The store to migrate.
 * @param migrations - Every migration, versions 1, 2, ... in order.
 * @returns What was applied. {@link MigrateReturnType}
 * @throws {SchemaMismatchError} The database was made by a newer or a different schema.
 * @throws {MigrationFailedError} A migration's SQL failed.
 *
 * @example
 * import { createStore } from "./createStore.js";
 * import { migrate } from "./migrate.js";
 * import { migrations } from "./migrations.js";
 *
 * const store = await createStore({});
 * const { applied, version } = await migrate(store, migrations);
 */
export async function migrate(store: Store, migrations: readonly Migration[]): Promise<MigrateReturnType> {
  checkMigrations(migrations);
  const latest = migrations.length;

  const recorded = await store.transaction(async (tx) => {
    await lockMigrations(tx);
    await tx.exec(
      `create table if not exists schema_migrations (
         version int primary key,
         name text not null,
         applied_at timestamptz not null default now()
       )`,
    );
    return tx.query<{ version: number; name: string }>("select version, name from schema_migrations order by version");
  });
  checkRecorded(store.location, recorded, migrations);

  const applied: number[] = [];
  for (const migration of migrations.slice(recorded.length)) {
    const done = await store.transaction(async (tx) => {
      await lockMigrations(tx);
      // Another process may have applied it while we waited for the lock.
      const [row] = await tx.query<{ name: string }>("select name from schema_migrations where version = $1", [
        migration.version,
      ]);
      if (row !== undefined) {
        checkRecorded(store.location, [{ version: migration.version, name: row.name }], migrations);
        return false;
      }
      try {
        await tx.exec(migration.sql);
      } catch (error) {
        throw new MigrationFailedError({ location: store.location, migration, cause: error });
      }
      await tx.query("insert into schema_migrations (version, name) values ($1, $2)", [
        migration.version,
        migration.name,
      ]);
      return true;
    });
    if (done) applied.push(migration.version);
  }
  return { applied, version: latest };
}

async function lockMigrations(tx: Sql): Promise<void> {
  await tx.query("select pg_advisory_xact_lock($1::bigint)", [MIGRATION_LOCK_KEY.toString()]);
}

function checkMigrations(migrations: readonly Migration[]): void {
  migrations.forEach((migration, index) => {
    if (migration.version !== index + 1)
      throw new InvalidMigrationsError(
        `migration at index ${index} has version ${migration.version}, expected ${index + 1}`,
      );
    if (migration.name.trim() === "") throw new InvalidMigrationsError(`migration ${migration.version} has no name`);
  });
}

function checkRecorded(
  location: string,
  recorded: readonly { version: number; name: string }[],
  migrations: readonly Migration[],
): void {
  const latest = migrations.length;
  const newest = recorded.at(-1)?.version ?? 0;
  if (newest > latest)
    throw new SchemaMismatchError({
      location,
      reason: `its schema is at version ${newest}, newer than the ${latest} this code knows`,
      details:
        "A newer Stemma migrated this database. Run that version, or point this one at another database (or data " +
        "folder); the schema is never migrated down.",
    });
  recorded.forEach(({ version, name }, index) => {
    if (version !== index + 1)
      throw new SchemaMismatchError({
        location,
        reason: `it records migration ${version} but not ${index + 1}`,
        details: "schema_migrations was edited by hand, or written by something else. Use another database.",
      });
    const expected = migrations[index]?.name;
    if (name !== expected)
      throw new SchemaMismatchError({
        location,
        reason: `its migration ${version} is "${name}", this code's is "${expected}"`,
        details:
          "The database was made by a different schema. Point this indexer at another database (or data folder), or " +
          "empty this one and index again from the chain.",
      });
  });
}

export type InvalidMigrationsErrorType = InvalidMigrationsError & { name: "InvalidMigrationsError" };

/** The code's own migration list is malformed (a programming error). Not retryable. */
export class InvalidMigrationsError extends BaseError {
  override name = "InvalidMigrationsError";

  constructor(reason: string) {
    super(`Invalid migration list: ${reason}.`, { details: "Versions are 1, 2, 3, ... in order, each with a name." });
  }
}

export type SchemaMismatchErrorType = SchemaMismatchError & { name: "SchemaMismatchError" };

/** The database was made by a newer or a different schema; nothing was changed. Not retryable. */
export class SchemaMismatchError extends BaseError {
  override name = "SchemaMismatchError";

  constructor({ location, reason, details }: { location: string; reason: string; details: string }) {
    super(`Refusing to use the database at ${location}: ${reason}.`, { details });
  }
}

export type MigrationFailedErrorType = MigrationFailedError & { name: "MigrationFailedError" };

/** A migration's SQL failed; that migration was rolled back and no later one ran. Not retryable. */
export class MigrationFailedError extends BaseError {
  override name = "MigrationFailedError";
  readonly version: number;

  constructor({ location, migration, cause }: { location: string; migration: Migration; cause: unknown }) {
    super(
      `Migration ${migration.version} ("${migration.name}") failed on ${location}: ` +
        `${cause instanceof Error ? cause.message : String(cause)}`,
      {
        details:
          "It was rolled back and no later migration ran; the earlier ones stay applied. Check the database for " +
          "objects that clash with the migration (tables made by hand or by another program).",
        cause,
      },
    );
    this.version = migration.version;
  }
}
