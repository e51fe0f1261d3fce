/**
 * What `ingest` needs from the database it loads, on either backend: the run log and writer lock, the
 * recorded sources (to resume or refuse), tissues, and the bulk write of images with their nuclei (an image
 * commits whole, with the area histogram and the run's counts). Everything but the run lock and the bulk
 * write is the same SQL on both backends (`StoreIngestTarget`); SQLite binds prepared statements from the
 * packed results (./sqlite-ingest-target.ts), PostgreSQL uses COPY (./postgres/ingest-target.ts).
 */
import { rebuildAreaHistogram } from './area-histogram.js';
import type { sources } from './schema.js';
import type { Store } from './store.js';
import type { ImageToLoad, SourceRow } from './writer.js';

export type RecordedSource = typeof sources.$inferSelect;

/** Where the database stood before a run, to undo the run's writes. */
export interface WriteMark {
  imageId: number;
  tissueId: number;
  sourceId: number;
}

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
  /** fold_index → the stored digest of its mask record (null where it was loaded without one). */
  maskDigests(fold: number): Promise<Map<number, number | null>>;
  /** fold_index → the tissue name stored for the image. */
  tissueNames(fold: number): Promise<Map<number, string>>;
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

/** The part of an IngestTarget that is the same SQL on both backends. */
export abstract class StoreIngestTarget implements IngestTarget {
  constructor(readonly store: Store) {}

  abstract startRun(options: Record<string, unknown>): Promise<number>;
  abstract interrupt(runId: number): void;
  abstract write(batch: readonly ImageToLoad[], runId: number): Promise<void>;
  abstract close(): void;

  async finishRun(runId: number, status: 'finished' | 'failed', counts?: { images: number; nuclei: number }, error?: string): Promise<void> {
    await this.store.run(
      'UPDATE ingest_runs SET status = ?, finished_at = ?, images = coalesce(?, images), nuclei = coalesce(?, nuclei), error = ? WHERE id = ?',
      [status, new Date().toISOString(), counts?.images ?? null, counts?.nuclei ?? null, error ?? null, runId],
    );
  }

  /** Ids of the given tissue names, inserting the new ones in the order given. */
  async tissueIds(names: readonly string[]): Promise<Map<string, number>> {
    const ids = new Map<string, number>();
    await this.store.transaction(async () => {
      for (const name of names) {
        await this.store.run('INSERT INTO tissues (name) VALUES (?) ON CONFLICT (name) DO NOTHING', [name]);
        ids.set(name, (await this.store.all('SELECT id FROM tissues WHERE name = ?', [name])).rows[0]?.[0] as number);
      }
    });
    return ids;
  }

  async loadedIndexes(fold: number): Promise<Set<number>> {
    return new Set((await this.store.all('SELECT fold_index FROM images WHERE fold = ?', [fold])).rows.map((r) => r[0] as number));
  }

  async sourcesOf(fold: number): Promise<RecordedSource[]> {
    return (await this.store.all('SELECT id, fold, role, path, bytes, mtime, fingerprint, fingerprint_kind FROM sources WHERE fold = ?', [fold])).rows
      .map(([id, f, role, path, bytes, mtime, fingerprint, fingerprintKind]) => ({ id, fold: f, role, path, bytes, mtime, fingerprint, fingerprintKind }) as RecordedSource);
  }

  async maskDigests(fold: number): Promise<Map<number, number | null>> {
    const rows = (await this.store.all('SELECT fold_index, mask_digest FROM images WHERE fold = ?', [fold])).rows;
    return new Map(rows.map((r) => [Number(r[0]), r[1] === null ? null : Number(r[1])]));
  }

  async tissueNames(fold: number): Promise<Map<number, string>> {
    const rows = (await this.store.all('SELECT i.fold_index, t.name FROM images i JOIN tissues t ON t.id = i.tissue_id WHERE i.fold = ?', [fold])).rows;
    return new Map(rows.map((r) => [Number(r[0]), String(r[1])]));
  }

  /** Records (or updates in place) the source files of a fold. */
  async recordSources(rows: readonly SourceRow[]): Promise<void> {
    await this.store.transaction(async () => {
      for (const s of rows) {
        await this.store.run(
          `INSERT INTO sources (fold, role, path, bytes, mtime, fingerprint, fingerprint_kind) VALUES (?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (fold, role) DO UPDATE SET path = excluded.path, bytes = excluded.bytes, mtime = excluded.mtime,
             fingerprint = excluded.fingerprint, fingerprint_kind = excluded.fingerprint_kind`,
          [s.fold, s.role, s.path, s.bytes, s.mtime, s.fingerprint, s.fingerprintKind],
        );
      }
    });
  }

  async mark(): Promise<WriteMark> {
    const [imageId, tissueId, sourceId] = (await this.store.all(
      'SELECT (SELECT coalesce(max(id), 0) FROM images), (SELECT coalesce(max(id), 0) FROM tissues), (SELECT coalesce(max(id), 0) FROM sources)',
    )).rows[0] as [number, number, number];
    return { imageId, tissueId, sourceId };
  }

  async rollbackTo(mark: WriteMark): Promise<void> {
    await this.store.transaction(async () => {
      await this.store.run('DELETE FROM images WHERE id > ?', [mark.imageId]);
      await rebuildAreaHistogram(this.store);
      await this.store.run('DELETE FROM tissues WHERE id > ?', [mark.tissueId]);
      await this.store.run('DELETE FROM sources WHERE id > ?', [mark.sourceId]);
    });
  }

  async deleteFold(fold: number): Promise<void> {
    await this.store.run('DELETE FROM images WHERE fold = ?', [fold]);
    await this.store.run('DELETE FROM area_histogram WHERE fold = ?', [fold]);
  }
}
