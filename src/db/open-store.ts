/** Opens the Store a `--db` value names: a SQLite file or a PostgreSQL schema (src/db/location.ts). */
import { parseDbLocation, type DbLocation } from './location.js';
import { PostgresStore } from './postgres/store.js';
import { SqliteStore } from './sqlite-store.js';
import type { Store, StoreMode } from './store.js';
import type { IngestTarget } from './ingest-target.js';
import { PostgresIngestTarget } from './postgres/ingest-target.js';
import { SqliteIngestTarget } from './sqlite-ingest-target.js';

export interface StoreOptions {
  busyTimeout?: number;
  /** PostgreSQL: how long connecting may take (ms). */
  connectTimeoutMs?: number;
  /** Lines worth telling the user once (PostGIS missing, say). */
  onNote?: (line: string) => void;
}

/** The bulk-loading side of a store, for ingest. */
export function ingestTargetOf(store: Store): IngestTarget {
  if (store instanceof PostgresStore) return new PostgresIngestTarget(store);
  if (store instanceof SqliteStore) return new SqliteIngestTarget(store);
  throw new Error(`no ingest for a ${store.backend} store`);
}

export async function openStore(db: string | DbLocation, mode: StoreMode, options: StoreOptions = {}): Promise<Store> {
  const location = typeof db === 'string' ? parseDbLocation(db) : db;
  if (location.kind === 'postgres') {
    return PostgresStore.open(location, mode, {
      ...(options.onNote !== undefined && { onNote: options.onNote }),
      ...(options.connectTimeoutMs !== undefined && { connectTimeoutMs: options.connectTimeoutMs }),
    });
  }
  return SqliteStore.open(location.file, mode, options.busyTimeout === undefined ? {} : { busyTimeout: options.busyTimeout });
}
