/**
 * Opening a pannuke database: the file is checked, migrations from migrations/ are applied (so a file made by
 * an older version upgrades itself), the fixed `classes` rows are present, and the connection is set up for
 * one writer and many readers (WAL, foreign keys on).
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { sql } from 'drizzle-orm';
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { PannukeError } from '../errors.js';
import * as schema from './schema.js';

export type Db = BetterSQLite3Database<typeof schema> & { $client: Database.Database };

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const MIGRATIONS_FOLDER = path.join(ROOT, 'migrations');

export const TOOL_VERSION: string = (JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

/** The migrations this version knows, from drizzle-kit's journal. */
function knownMigrations(): number {
  const journal = JSON.parse(fs.readFileSync(path.join(MIGRATIONS_FOLDER, 'meta', '_journal.json'), 'utf8')) as { entries: unknown[] };
  return journal.entries.length;
}

export interface OpenOptions {
  readonly?: boolean;
}

export function openDatabase(file: string, options: OpenOptions = {}): Db {
  const dir = path.dirname(path.resolve(file));
  if (!fs.existsSync(dir)) {
    throw new PannukeError('DB_OPEN', `folder '${dir}' does not exist`, { file, hint: 'create the folder first or choose another --db path' });
  }
  if (options.readonly === true && !fs.existsSync(file)) {
    throw new PannukeError('FILE_MISSING', 'database does not exist', { file, hint: 'create it with `pannuke ingest <root> --db <file>`' });
  }
  let client: Database.Database;
  try {
    client = new Database(file, { readonly: options.readonly === true, fileMustExist: options.readonly === true });
  } catch (cause) {
    throw new PannukeError('DB_OPEN', `cannot open database: ${(cause as Error).message}`, { file, cause });
  }
  try {
    // The first statement that touches the file tells whether it is SQLite at all.
    client.pragma('schema_version');
    if (options.readonly !== true) {
      client.pragma('journal_mode = WAL');
      client.pragma('synchronous = NORMAL');
    }
    client.pragma('foreign_keys = ON');
    client.pragma('busy_timeout = 5000');
  } catch (cause) {
    client.close();
    const notDb = (cause as { code?: string }).code === 'SQLITE_NOTADB';
    if (notDb) throw new PannukeError('DB_OPEN', 'not a SQLite database', { file, cause, hint: 'point --db at a pannuke .sqlite file or a new path' });
    throw new PannukeError('DB_OPEN', `cannot use database: ${(cause as Error).message}`, { file, cause });
  }
  const db = drizzle(client, { schema }) as Db;
  try {
    if (options.readonly !== true) upgrade(db, file);
    else checkSchema(db, file);
  } catch (e) {
    client.close();
    throw e;
  }
  return db;
}

function appliedMigrations(db: Db): number {
  const exists = db.$client.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '__drizzle_migrations'").get();
  if (exists === undefined) return 0;
  return (db.$client.prepare('SELECT count(*) AS n FROM __drizzle_migrations').get() as { n: number }).n;
}

function checkSchema(db: Db, file: string): void {
  const applied = appliedMigrations(db);
  const known = knownMigrations();
  if (applied > known) {
    throw new PannukeError('DB_SCHEMA', `database schema is newer than this version of pannuke-db knows: ${applied} migrations applied, ${known} known`, {
      file, hint: 'upgrade pannuke-db (npm install pannuke-db@latest)',
    });
  }
  if (applied === 0 && db.$client.prepare("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table'").pluck().get() !== 0) {
    throw new PannukeError('DB_SCHEMA', 'file is a SQLite database but not a pannuke-db one (it has tables and no migration history)', {
      file, hint: 'choose a new --db path',
    });
  }
}

function upgrade(db: Db, file: string): void {
  checkSchema(db, file);
  try {
    migrate(db, { migrationsFolder: MIGRATIONS_FOLDER });
  } catch (cause) {
    throw new PannukeError('DB_SCHEMA', `cannot apply migrations: ${(cause as Error).message}`, { file, cause });
  }
  db.transaction((tx) => {
    tx.insert(schema.classes)
      .values(schema.CLASS_NAMES.map((name, i) => ({ id: i + 1, name })))
      .onConflictDoNothing()
      .run();
    tx.insert(schema.metadata)
      .values([
        { key: 'schema_version', value: String(knownMigrations()) },
        { key: 'tool_version', value: TOOL_VERSION },
      ])
      .onConflictDoUpdate({ target: schema.metadata.key, set: { value: sql`excluded.value` } })
      .run();
  });
}
