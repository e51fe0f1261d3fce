/** The IngestTarget over a SQLite file: the bulk writer's prepared statements and the ingest_runs lock. */
import type { IngestTarget, RecordedSource } from './ingest-target.js';
import { countCommitted, finishRun, interruptRun, startRun } from './runs.js';
import type { SqliteStore } from './sqlite-store.js';
import { BulkWriter, type ImageToLoad, type SourceRow, type WriteMark } from './writer.js';

/** SQLite's page cache during ingest, in KiB as `PRAGMA cache_size` takes it (negative: a size, not pages). */
const INGEST_CACHE_KIB = -4000;

export class SqliteIngestTarget implements IngestTarget {
  private readonly writer: BulkWriter;
  private readonly cacheSize: unknown;

  constructor(readonly store: SqliteStore) {
    this.writer = new BulkWriter(store.db);
    // Rows are appended, so pages once written are rarely read again: a 4 MB page cache loads as fast as
    // better-sqlite3's default 16 MB, and memory stays the same from a small fold to the whole release.
    this.cacheSize = store.db.$client.pragma('cache_size', { simple: true });
    store.db.$client.pragma(`cache_size = ${INGEST_CACHE_KIB}`);
  }

  async startRun(options: Record<string, unknown>): Promise<number> {
    return startRun(this.store.db, this.store.label, options);
  }

  interrupt(runId: number): void {
    if (this.store.db.$client.inTransaction) this.store.db.$client.exec('ROLLBACK');
    interruptRun(this.store.db, runId);
  }

  async finishRun(runId: number, status: 'finished' | 'failed', counts?: { images: number; nuclei: number }, error?: string): Promise<void> {
    finishRun(this.store.db, runId, status, counts, error);
  }

  async tissueIds(names: readonly string[]): Promise<Map<string, number>> {
    return this.writer.tissueIds(names);
  }

  async loadedIndexes(fold: number): Promise<Set<number>> {
    return this.writer.loadedIndexes(fold);
  }

  async sourcesOf(fold: number): Promise<RecordedSource[]> {
    return this.writer.sourcesOf(fold);
  }

  async recordSources(rows: readonly SourceRow[]): Promise<void> {
    this.writer.recordSources(rows);
  }

  async mark(): Promise<WriteMark> {
    return this.writer.mark();
  }

  async rollbackTo(mark: WriteMark): Promise<void> {
    this.writer.rollbackTo(mark);
  }

  async deleteFold(fold: number): Promise<void> {
    this.writer.deleteFold(fold);
  }

  async write(batch: readonly ImageToLoad[], runId: number): Promise<void> {
    this.writer.write(batch, () => countCommitted(this.store.db, runId, batch.length, batch.reduce((n, b) => n + b.nuclei.nucleusCount, 0)));
  }

  close(): void {
    if (this.store.db.$client.open) this.store.db.$client.pragma(`cache_size = ${Number(this.cacheSize)}`);
  }
}
