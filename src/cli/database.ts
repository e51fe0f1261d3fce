/**
 * How commands use their --db (the options are declared in db-options.ts): one way to open and always
 * close, and SQLite's own errors turned into one-line errors that name the file.
 */
import { closeDatabase, openDatabase, type Db } from '../db/open.js';
import { parseDbLocation } from '../db/location.js';
import { openStore, type StoreOptions } from '../db/open-store.js';
import { postgresError } from '../db/postgres/errors.js';
import { DEFAULT_BUSY_TIMEOUT_MS } from '../db/timeouts.js';
import type { Store, StoreMode } from '../db/store.js';
import { healthWarnings } from '../db/health.js';
import { onInterrupt } from '../interrupt.js';
import { asPannukeError } from './failure.js';
import { warnLine } from './warnings.js';
import type { DbOptions } from './db-options.js';

/**
 * A SQLite file's own connection, for `upgrade` (every other command goes through `withStore`): `inspect`
 * opens it read-only and accepts a schema older than this version's (to tell how old); `write` migrates it.
 * Opens, runs `work`, closes.
 */
export async function withDatabase<T>(o: DbOptions, mode: 'inspect' | 'write', work: (db: Db) => Promise<T> | T): Promise<T> {
  const db = openDatabase(o.db, {
    readonly: mode === 'inspect', mustExist: true, allowOlderSchema: mode === 'inspect',
    busyTimeout: o.busyTimeout ?? DEFAULT_BUSY_TIMEOUT_MS,
  });
  // Ctrl-C: closed like at the end (an open transaction rolled back, the file back in rollback-journal mode);
  // what the work registered itself runs first.
  const unregister = onInterrupt(() => closeDatabase(db));
  try {
    return await work(db);
  } catch (e) {
    // SQLite's own errors (locked, read-only, damaged …) as one line naming this database.
    throw asPannukeError(e, o.db) ?? e;
  } finally {
    unregister();
    try {
      closeDatabase(db);
    } catch {
      // Closing cannot lose data (every write is committed or rolled back by now).
    }
  }
}

/**
 * `withDatabase` for commands that work on either backend: opens the Store a --db value names (a SQLite file
 * or a postgres:// URL), runs `work`, closes it (also on Ctrl-C: PostgreSQL rolls back what was not
 * committed when the connection goes).
 */
export async function withStore<T>(db: string | DbOptions, mode: StoreMode, work: (store: Store) => Promise<T>, options: StoreOptions = {}): Promise<T> {
  if (typeof db !== 'string') {
    if (db.busyTimeout !== undefined && options.busyTimeout === undefined) options = { ...options, busyTimeout: db.busyTimeout };
    if (db.connectTimeout !== undefined && options.connectTimeoutMs === undefined) options = { ...options, connectTimeoutMs: db.connectTimeout * 1000 };
    db = db.db;
  }
  const location = parseDbLocation(db);
  let store: Store;
  try {
    store = await openStore(location, mode, options);
  } catch (e) {
    // The label, never the URL: it may hold a password.
    throw asPannukeError(e, location.label) ?? e;
  }
  const unregister = onInterrupt(() => void store.close());
  try {
    if (mode === 'read') for (const line of await healthWarnings(store)) warnLine(`warning: ${line}`);
    return await work(store);
  } catch (e) {
    throw asPannukeError(e, store.label) ?? (store.backend === 'postgres' ? postgresError(e, store.label, 'query') : e);
  } finally {
    unregister();
    await store.close().catch(() => undefined);
  }
}
