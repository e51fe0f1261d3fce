/**
 * Opens the Store a `--db` value names: a SQLite file or a PostgreSQL schema (src/db/location.ts). The
 * PostgreSQL backend is imported when a location names it: node-postgres costs every command ~30 ms to load.
 */
import { parseDbLocation, type DbLocation } from './location.js';
import type { PostgresStore } from './postgres/store.js';
import { SqliteStore } from './sqlite-store.js';
import type { Store, StoreMode } from './store.js';
import type { IngestTarget } from './ingest-target.js';
import { SqliteIngestTarget } from './sqlite-ingest-target.js';

export interface StoreOptions {
  busyTimeout?: number;
  /** PostgreSQL: how long connecting may take (ms). */
  connectTimeoutMs?: number;
  /** Lines worth telling the user once (PostGIS missing, say). */
  onNote?: (line: string) => void;
}

/** The bulk-loading side of a store, for ingest. */
export async function ingestTargetOf(store: Store): Promise<IngestTarget> {
  if (store instanceof SqliteStore) return new SqliteIngestTarget(store);
  if (store.backend === 'postgres') {
    const { PostgresIngestTarget } = await import('./postgres/ingest-target.js');
    return new PostgresIngestTarget(store as PostgresStore);
  }
  throw new Error(`no ingest for a ${store.backend} store`);
}

export async function openStore(db: string | DbLocation, mode: StoreMode, options: StoreOptions = {}): Promise<Store> {
  const location = typeof db === 'string' ? parseDbLocation(db) : db;
  if (location.kind === 'postgres') {
    const { PostgresStore } = await import('./postgres/store.js');
    return PostgresStore.open(location, mode, {
      ...(options.onNote !== undefined && { onNote: options.onNote }),
      ...(options.connectTimeoutMs !== undefined && { connectTimeoutMs: options.connectTimeoutMs }),
    });
  }
  return SqliteStore.open(location.file, mode, options.busyTimeout === undefined ? {} : { busyTimeout: options.busyTimeout });
}
