/**
 * What `ingest` needs from the database it loads, on either backend: the run log and writer lock, the
 * recorded sources (to resume or refuse), tissues, and the bulk write of images with their nuclei (an image
 * commits whole, with the area histogram and the run's counts). SQLite: prepared statements bound from the
 * packed results (./writer.ts); PostgreSQL: COPY (./postgres/ingest-target.ts).
 */
import type { sources } from './schema.js';
import type { Store } from './store.js';
import type { ImageToLoad, SourceRow, WriteMark } from './writer.js';


export type RecordedSource = typeof sources.$inferSelect;

export interface IngestTarget {
  readonly store: Store;
  /** Logs a run as `running`, refusing while another writer holds the database. */
  startRun(options: Record<string, unknown>): Promise<number>;
  /** Ctrl-C (synchronous, best effort): the open transaction is abandoned, the run marked interrupted. */
  interrupt(runId: number): void;
  /** Ends a run; `counts`, if given, replace the committed counts (a failed run's writes are removed: 0). */
  finishRun(runId: number, status: 'finished' | 'failed', counts?: { images: number; nuclei: number }, error?: string): Promise<void>;
  tissueIds(names: readonly string[]): Promise<Map<string, number>>;
  loadedIndexes(fold: number): Promise<Set<number>>;
  sourcesOf(fold: number): Promise<RecordedSource[]>;
  recordSources(rows: readonly SourceRow[]): Promise<void>;
  mark(): Promise<WriteMark>;
  /** Removes every image (nuclei by cascade), tissue and source added since `mark`, in one transaction. */
  rollbackTo(mark: WriteMark): Promise<void>;
  /** Removes a fold's images (their nuclei go by cascade) and its area counts. */
  deleteFold(fold: number): Promise<void>;
  /** Images and their nuclei in one transaction, with the area histogram and the run's counts. */
  write(batch: readonly ImageToLoad[], runId: number): Promise<void>;
  /** Puts back what the target changed on the connection for loading. */
  close(): void;
}
