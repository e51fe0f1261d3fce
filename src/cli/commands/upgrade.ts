import type { Command } from 'commander';
import { isInterruptedWrite, schemaVersions } from '../../db/open.js';
import { parseDbLocation } from '../../db/location.js';
import type { PostgresStore } from '../../db/postgres/store.js';
import { withDatabase, withStore } from '../database.js';
import { dbOptions, type DbOptions } from '../db-options.js';
import type { Io } from '../io.js';

/**
 * `pannuke upgrade --db`: brings a database made by an older version to this version's schema. Opening it for
 * writing applies the missing migrations (in one transaction); reading commands never change a file, so they
 * ask for this instead. It is also how a file a killed writer left mid-write (a hot rollback journal beside it,
 * which a read-only open cannot play back) returns to its last committed state.
 */
export async function runUpgrade(o: DbOptions, io: Io): Promise<void> {
  if (parseDbLocation(o.db).kind === 'postgres') {
    // A writer's open migrates (under the schema's writer lock); it says what it found.
    const m = await withStore(o, 'write', async (store) => (store as PostgresStore).migrations);
    const label = parseDbLocation(o.db).label;
    io.stdout.write(m.before === m.known ? `${label} is up to date (${m.known} migrations)\n` : `upgraded ${label}: ${m.known - m.before} migration(s) applied, ${m.known} of ${m.known}\n`);
    return;
  }
  let before: ReturnType<typeof schemaVersions>;
  try {
    before = await withDatabase(o, 'inspect', (db) => schemaVersions(db));
  } catch (e) {
    if (!isInterruptedWrite(e)) throw e;
    // A writable open plays the journal back (SQLite does it at the first read), then migrates if need be.
    const after = await withDatabase(o, 'write', (db) => schemaVersions(db));
    io.stdout.write(`${o.db}: rolled back the write that was interrupted (its journal played back: the database is as it was at its last commit); ${after.applied} of ${after.known} migrations\n`);
    return;
  }
  if (before.applied === before.known) {
    io.stdout.write(`${o.db} is up to date (${before.known} migrations)\n`);
    return;
  }
  const after = await withDatabase(o, 'write', (db) => schemaVersions(db));
  io.stdout.write(`upgraded ${o.db}: ${after.applied - before.applied} migration(s) applied, ${after.applied} of ${after.known}\n`);
}

export function registerUpgrade(program: Command, io: Io): void {
  dbOptions(program
    .command('upgrade')
    .description("bring a database made by an older pannuke-db to this version's schema (reading commands never change a file)"))
    .addHelpText('after', '\nExit codes: 0 done (or nothing to do), 1 an unusable database or one from a newer version, 2 bad usage.')
    .action((o: DbOptions) => runUpgrade(o, io));
}
