/**
 * Opening a pannuke database: the file is checked, migrations from migrations/ are applied (so a file made by
 * an older version upgrades itself), the fixed `classes` rows are present, and the connection is set up for
 * one writer and many readers (WAL, foreign keys on).
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { sql } from 'drizzle-orm';
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { PannukeError } from '../errors.js';
import { shellQuote } from '../shell-quote.js';
import * as schema from './schema.js';
import { PACKAGE_ROOT, TOOL_VERSION } from '../meta/package.js';
import { DEFAULT_BUSY_TIMEOUT_MS } from './timeouts.js';

export type Db = BetterSQLite3Database<typeof schema> & { $client: Database.Database };

export const MIGRATIONS_FOLDER = path.join(PACKAGE_ROOT, 'migrations');

/** The migrations this version knows, from drizzle-kit's journal. */
function knownMigrations(): number {
  const journal = JSON.parse(fs.readFileSync(path.join(MIGRATIONS_FOLDER, 'meta', '_journal.json'), 'utf8')) as { entries: unknown[] };
  return journal.entries.length;
}

export interface OpenOptions {
  readonly?: boolean;
  /** How long to wait for another program's lock before failing, in ms (SQLite's busy_timeout). */
  busyTimeout?: number;
  /** Refuse to create the file (every writer but ingest works on an existing database). */
  mustExist?: boolean;
  /** Read-only: accept a schema older than this version's (to tell how old; `pannuke upgrade`). */
  allowOlderSchema?: boolean;
  /**
   * The caller writes in write-ahead-log mode (a Store that loads): a file created now takes it before its
   * schema, not at the first row (closeDatabase returns it to rollback-journal mode either way).
   */
  writeAheadLog?: boolean;
}

/** Bytes 18 and 19 of a SQLite file are 2 in WAL mode (the file format's write and read versions). */
function isWalFile(file: string): boolean {
  const header = Buffer.alloc(20);
  const fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  try {
    return fs.readSync(fd, header, 0, 20, 0) === 20 && header[18] === 2;
  } finally {
    fs.closeSync(fd);
  }
}

function writable(p: string): boolean {
  try {
    fs.accessSync(p, fs.constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/** What is at `file` before SQLite touches it: nothing, a regular file, or something to refuse. */
function checkPath(file: string, mustExist: boolean): boolean {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch {
    if (mustExist) throw new PannukeError('FILE_MISSING', 'database does not exist', { file, hint: 'create it with `pannuke ingest <root> --db <file>`' });
    return false;
  }
  // A FIFO or device would block or be read forever; a folder is not a database.
  if (stat.isDirectory()) throw new PannukeError('DB_OPEN', 'is a folder, not a database file', { file, hint: 'point --db at a .sqlite file' });
  if (!stat.isFile()) throw new PannukeError('DB_OPEN', 'not a regular file (a FIFO, socket or device)', { file, hint: 'point --db at a .sqlite file' });
  if (mustExist && stat.size === 0) {
    throw new PannukeError('DB_SCHEMA', 'database is empty (0 bytes): not made by pannuke ingest', { file, hint: 'create it with `pannuke ingest <root> --db <file>`' });
  }
  return true;
}

/** SQLite's error for a read-only connection that meets a hot rollback journal (a killed writer's). */
const HOT_JOURNAL = 'SQLITE_READONLY_ROLLBACK';

/** Whether opening failed on a rollback journal left by a killed writer (only a writable open plays it back). */
export function isInterruptedWrite(e: unknown): boolean {
  return e instanceof PannukeError && (e.cause as { code?: string } | undefined)?.code === HOT_JOURNAL;
}

export function openDatabase(file: string, options: OpenOptions = {}): Db {
  const readonly = options.readonly === true;
  const dir = path.dirname(path.resolve(file));
  if (!fs.existsSync(dir)) {
    throw new PannukeError('DB_OPEN', `folder '${dir}' does not exist`, { file, hint: 'create the folder first or choose another --db path' });
  }
  const exists = checkPath(file, readonly || options.mustExist === true);
  if (exists && isWalFile(file) && !writable(dir) && !fs.existsSync(`${file}-shm`)) {
    throw new PannukeError('DB_OPEN', 'database is in WAL mode (an ingest did not finish) and its folder cannot be written, so SQLite cannot read it', {
      file, hint: 'where it is writable, run `pannuke ingest` again or `sqlite3 <file> "PRAGMA journal_mode=DELETE"`; then it reads from anywhere',
    });
  }
  if (!readonly && exists && !writable(file)) {
    // With a killed writer's journal beside it, not even reading commands can use it (see below).
    const hint = fs.existsSync(`${file}-journal`)
      ? `make it writable (or copy it with ${path.basename(file)}-journal beside it): only a writable open plays back the journal a killed writer left`
      : 'reading commands work on it; to change it, make it writable or work on a copy';
    throw new PannukeError('DB_OPEN', 'database file is read-only', { file, hint });
  }
  if (!readonly && !writable(dir)) {
    throw new PannukeError('DB_OPEN', `cannot write in folder ${dir} (SQLite keeps a journal beside the database while it writes)`, { file, hint: 'choose a writable --db path' });
  }
  let client: Database.Database;
  try {
    client = new Database(file, { readonly, fileMustExist: readonly, timeout: options.busyTimeout ?? DEFAULT_BUSY_TIMEOUT_MS });
  } catch (cause) {
    throw new PannukeError('DB_OPEN', `cannot open database: ${(cause as Error).message}`, { file, cause });
  }
  try {
    // The first statement that touches the file tells whether it is SQLite at all.
    client.pragma('schema_version');
    client.pragma('foreign_keys = ON');
  } catch (cause) {
    client.close();
    const code = (cause as { code?: string }).code;
    if (code === 'SQLITE_NOTADB') throw new PannukeError('DB_OPEN', 'not a SQLite database', { file, cause, hint: 'point --db at a pannuke .sqlite file or a new path' });
    if (code === 'SQLITE_BUSY') throw lockedError(file, cause);
    // A writer killed mid-transaction (kill -9, a crash, power loss) left its rollback journal: SQLite must
    // play it back before anyone reads, and a read-only connection cannot. Nothing is lost: it restores the
    // last committed state, which the first writable open does by itself.
    if (code === HOT_JOURNAL) {
      throw new PannukeError('DB_OPEN', `a program writing the database was stopped mid-write and left ${path.basename(file)}-journal, which must be played back before the database can be read (a reading command opens it read-only)`, {
        file, cause, hint: `run \`pannuke upgrade --db ${shellQuote(file)}\` once: it plays the journal back (the database returns to its last committed state) and changes nothing else`,
      });
    }
    throw new PannukeError('DB_OPEN', `cannot use database: ${(cause as Error).message}`, { file, cause });
  }
  const db = drizzle(client, { schema }) as Db;
  try {
    // A file made just now for a loading Store takes write-ahead logging before its schema: the tables are
    // created in a few transactions, each of which would otherwise fsync the file and its journal 4 times
    // (~20 ms in all, while the ingest's workers wait for this thread). The switch is otherwise left for the
    // first write so that a refused command leaves a file unchanged: this one is new.
    if (!readonly && !exists && options.writeAheadLog === true) useWriteAheadLog(db, file);
    if (!readonly) upgrade(db, file);
    else checkSchema(db, file, true, options.allowOlderSchema === true);
  } catch (e) {
    client.close();
    if ((e as { code?: string }).code === 'SQLITE_BUSY') throw lockedError(file, e);
    throw e;
  }
  return db;
}

function lockedError(file: string, cause: unknown): PannukeError {
  return new PannukeError('DB_LOCKED', 'the database is locked by another program', { file, cause, hint: 'wait for it to finish and run the command again, or wait longer: --busy-timeout 600000 (10 min)' });
}

/**
 * Write-ahead logging from now on (ingest, eval run: readers are never blocked by the writer). Called before
 * the first write, not at open: the switch rewrites the file's header, so a command refused before it writes
 * leaves the file byte for byte as it was. `closeDatabase` returns the file to rollback-journal mode, so that
 * it needs nothing beside it to be read, even from a read-only folder or by another user.
 */
export function useWriteAheadLog(db: Db, file: string): void {
  const client = db.$client;
  try {
    client.pragma('journal_mode = WAL');
    client.pragma('synchronous = NORMAL');
  } catch (cause) {
    if ((cause as { code?: string }).code === 'SQLITE_BUSY') throw lockedError(file, cause);
    throw new PannukeError('DB_OPEN', `cannot use database: ${(cause as Error).message}`, { file, cause });
  }
}

/**
 * Closes a connection. One that wrote in WAL mode first returns the file to rollback-journal mode (which
 * checkpoints and removes the -wal and -shm files); if another connection still reads it, the file stays in
 * WAL mode until the next writer closes.
 */
export function closeDatabase(db: Db): void {
  const client = db.$client;
  if (!client.open) return;
  if (!client.readonly && client.inTransaction) client.exec('ROLLBACK');
  if (!client.readonly && String(client.pragma('journal_mode', { simple: true })) === 'wal') {
    try {
      client.pragma('journal_mode = DELETE');
    } catch {
      // Another connection holds the database: it stays in WAL mode, which is still correct.
    }
  }
  client.close();
}

function appliedMigrations(db: Db): number {
  const exists = db.$client.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '__drizzle_migrations'").get();
  if (exists === undefined) return 0;
  return (db.$client.prepare('SELECT count(*) AS n FROM __drizzle_migrations').get() as { n: number }).n;
}

function checkSchema(db: Db, file: string, reading = false, allowOlder = false): void {
  const applied = appliedMigrations(db);
  const known = knownMigrations();
  // drizzle's migrator creates its log table before the transaction that applies the migrations, so a process
  // killed in between leaves that empty table alone: a fresh file, not a foreign one. A foreign file is said
  // first: `pannuke upgrade` cannot make it one of ours, so it must not be suggested.
  const tables = db.$client.prepare("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name NOT IN ('__drizzle_migrations') AND name NOT LIKE 'sqlite_%'").pluck().get();
  if (applied === 0 && tables !== 0) {
    throw new PannukeError('DB_SCHEMA', 'file is a SQLite database but not a pannuke-db one (it has tables and no migration history)', {
      file, hint: reading ? 'point --db at a database made by pannuke ingest' : 'choose a new --db path',
    });
  }
  if (reading && tables === 0) {
    throw new PannukeError('DB_SCHEMA', 'database has no tables: not made by pannuke ingest', { file, hint: 'create it with `pannuke ingest <root> --db <file>`' });
  }
  if (reading && !allowOlder && applied < known) {
    throw new PannukeError('DB_SCHEMA', `database schema is older than this version of pannuke-db: ${applied} of ${known} migrations applied`, {
      file, hint: `upgrade it once with \`pannuke upgrade --db ${shellQuote(file)}\` (reading commands never change a file)`,
    });
  }
  if (applied > known) {
    throw new PannukeError('DB_SCHEMA', `database schema is newer than this version of pannuke-db knows: ${applied} migrations applied, ${known} known`, {
      file, hint: 'upgrade pannuke-db (npm install pannuke-db@latest)',
    });
  }
}

/** How many migrations a database has applied and this version knows. */
export function schemaVersions(db: Db): { applied: number; known: number } {
  return { applied: appliedMigrations(db), known: knownMigrations() };
}

/** Applies missing migrations and records the versions; writes nothing when the file is already current. */
function upgrade(db: Db, file: string): void {
  checkSchema(db, file);
  if (appliedMigrations(db) < knownMigrations()) {
    // A migration that changes a column's declared type rebuilds the table (drizzle-kit: create the new one,
    // copy, DROP the old, rename). With foreign keys on, that DROP would delete every child row by cascade
    // (subset members, evaluations), and the PRAGMA in the migration cannot turn them off inside its
    // transaction: they are turned off around it here, then checked. legacy_alter_table keeps the rename
    // from re-checking the views, which name the table between its DROP and its RENAME.
    db.$client.pragma('foreign_keys = OFF');
    db.$client.pragma('legacy_alter_table = ON');
    try {
      migrate(db, { migrationsFolder: MIGRATIONS_FOLDER });
      const broken = db.$client.pragma('foreign_key_check') as { table: string }[];
      if (broken.length > 0) {
        throw new PannukeError('DB_SCHEMA', `after migrating, ${broken.length} row(s) of ${[...new Set(broken.map((b) => b.table))].join(', ')} refer to rows that do not exist`, {
          file, hint: 'the file held inconsistent rows before; please report it with the file',
        });
      }
    } catch (cause) {
      if (cause instanceof PannukeError) throw cause;
      throw new PannukeError('DB_SCHEMA', `cannot apply migrations: ${(cause as Error).message}`, { file, cause });
    } finally {
      db.$client.pragma('legacy_alter_table = OFF');
      db.$client.pragma('foreign_keys = ON');
    }
  }
  const wanted = { schema_version: String(knownMigrations()), tool_version: TOOL_VERSION };
  const recorded = new Map(db.select().from(schema.metadata).all().map((r) => [r.key, r.value]));
  const classCount = db.$client.prepare('SELECT count(*) FROM classes').pluck().get();
  if (classCount === schema.CLASS_NAMES.length && Object.entries(wanted).every(([k, v]) => recorded.get(k) === v)) return;
  db.transaction((tx) => {
    tx.insert(schema.classes)
      .values(schema.CLASS_NAMES.map((name, i) => ({ id: i + 1, name })))
      .onConflictDoNothing()
      .run();
    tx.insert(schema.metadata)
      .values(Object.entries(wanted).map(([key, value]) => ({ key, value })))
      .onConflictDoUpdate({ target: schema.metadata.key, set: { value: sql`excluded.value` } })
      .run();
  });
}
