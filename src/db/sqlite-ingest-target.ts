/** The IngestTarget over a SQLite file: the ingest_runs lock and the bulk writer's prepared statements. */
import { StoreIngestTarget } from './ingest-target.js';
import { countCommitted, interruptRun, startRun } from './runs.js';
import type { SqliteStore } from './sqlite-store.js';
import { BulkWriter, type ImageToLoad } from './writer.js';

/** SQLite's page cache during ingest, in KiB as `PRAGMA cache_size` takes it (negative: a size, not pages). */
const INGEST_CACHE_KIB = -4000;

export class SqliteIngestTarget extends StoreIngestTarget {
  private readonly writer: BulkWriter;
  private readonly cacheSize: unknown;

  constructor(override readonly store: SqliteStore) {
    super(store);
    this.writer = new BulkWriter(store.db);
    // Rows are appended, so pages once written are rarely read again: a 4 MB page cache loads as fast as
    // better-sqlite3's default 16 MB, and memory stays the same from a small fold to the whole release.
    this.cacheSize = store.db.$client.pragma('cache_size', { simple: true });
    store.db.$client.pragma(`cache_size = ${INGEST_CACHE_KIB}`);
  }

  async startRun(options: Record<string, unknown>): Promise<number> {
    this.store.startWriting();
    return startRun(this.store.db, this.store.label, options);
  }

  interrupt(runId: number): void {
    if (this.store.db.$client.inTransaction) this.store.db.$client.exec('ROLLBACK');
    interruptRun(this.store.db, runId);
  }

  async write(batch: readonly ImageToLoad[], runId: number): Promise<void> {
    this.store.startWriting();
    this.writer.write(batch, () => countCommitted(this.store.db, runId, batch.length, batch.reduce((n, b) => n + b.nuclei.nucleusCount, 0)));
  }

  close(): void {
    if (this.store.db.$client.open) this.store.db.$client.pragma(`cache_size = ${Number(this.cacheSize)}`);
  }
}
