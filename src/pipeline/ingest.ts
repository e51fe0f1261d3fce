/**
 * The staged ingest: read + extract in worker threads (each reads its mask record with a positioned read
 * into a buffer it reuses) → load on the main thread (batched transactions, in fold order). A bounded number
 * of images is in flight, whatever the size of the dataset, so memory stays flat.
 *
 * Every fold is opened and checked before anything is written. Images already in the database are skipped,
 * so an interrupted ingest continues where it stopped and a repeated one changes nothing. An error found
 * mid-run (a NaN id in image 1,900, say) undoes the run's writes, so the database is left as it was.
 */
import os from 'node:os';
import { CLASS_CHANNELS, MASK_CHANNELS, type OpenFold } from '../dataset/fold.js';
import type { Db } from '../db/open.js';
import { dropPredictionSets, keepSubsetMembers, restoreSubsetMembers } from '../db/kept-members.js';
import { BulkWriter, type ImageToLoad } from '../db/writer.js';
import { PannukeError } from '../errors.js';
import { NUMBER_FIELDS, packedNumbers, type PackedImage } from '../extract/packed.js';
import { NpyFile } from '../npy/reader.js';
import { planFolds } from './plan.js';
import { runOrdered } from './ordered.js';
import { WorkerPool } from './pool.js';
import type { ExtractRequest, ExtractResponse } from './protocol.js';
import { onInterrupt } from '../interrupt.js';
import { countCommitted, finishRun, interruptRun, startRun } from '../db/runs.js';

const CLASS_ID = NUMBER_FIELDS.indexOf('classId');
/** SQLite's page cache during ingest, in KiB as `PRAGMA cache_size` takes it (negative: a size, not pages). */
const INGEST_CACHE_KIB = -4000;

export interface IngestOptions {
  /** The database file, for messages. */
  dbFile: string;
  /** Extraction threads (default: the machine's available parallelism). */
  workers?: number;
  /** Images per transaction. */
  batchSize?: number;
  /** Re-ingest folds whose files changed since they were loaded (each such fold is replaced in one transaction). */
  replace?: boolean;
  /** Fingerprint sources by hashing every byte instead of sampling records. */
  hash?: boolean;
  onProgress?: (event: IngestProgress) => void;
  /** Short notes on what is happening ("fingerprinting fold 1"). */
  onStage?: (message: string) => void;
}

export interface IngestProgress {
  fold: number;
  /** Images handled so far in this run, over all folds. */
  done: number;
  /** Images this run will handle (excluding those already in the database). */
  total: number;
  nuclei: number;
  seconds: number;
}

export interface IngestSummary {
  folds: { fold: number; images: number; skipped: number; replaced: boolean }[];
  images: number;
  skipped: number;
  nuclei: number;
  /** Nuclei per class id (1..5). */
  nucleiPerClass: Record<number, number>;
  seconds: number;
  /** Warnings worth a user's attention (e.g. an empty fold). */
  warnings: string[];
  /** What else happened (subsets carried over a replaced fold). */
  notes: string[];
}

/**
 * Loads the (already opened and checked) folds into `db`. The caller keeps ownership of `folds`.
 */
export async function ingest(db: Db, folds: readonly OpenFold[], options: IngestOptions): Promise<IngestSummary> {
  const started = performance.now();
  const writer = new BulkWriter(db);
  const runId = startRun(db, options.dbFile, {
    folds: folds.map((f) => f.fold), masks: folds.map((f) => f.files.masks), replace: options.replace === true, hash: options.hash === true,
  });
  // Ctrl-C: an open transaction (a fold being replaced) is rolled back, the run is logged as interrupted.
  const unregister = onInterrupt(() => {
    if (db.$client.inTransaction) db.$client.exec('ROLLBACK');
    interruptRun(db, runId);
  });
  // Rows are appended, so pages once written are rarely read again: a 4 MB page cache loads as fast as
  // better-sqlite3's default 16 MB, and memory stays the same from a small fold to the whole release.
  const cacheSize = db.$client.pragma('cache_size', { simple: true });
  db.$client.pragma(`cache_size = ${INGEST_CACHE_KIB}`);
  const summary: IngestSummary = {
    folds: [], images: 0, skipped: 0, nuclei: 0, nucleiPerClass: { 1: 0, 2: 0, 3: 0, 4: 0, 5: 0 }, seconds: 0, notes: [],
    warnings: folds.filter((f) => f.count === 0).map((f) => `fold ${f.fold} has no images (N = 0): ${f.files.masks}`),
  };
  // Workers start (loading their modules) while the main thread fingerprints the sources.
  let pool = folds.some((f) => f.count > 0)
    ? new WorkerPool<ExtractRequest, ExtractResponse>(Math.max(1, options.workers ?? os.availableParallelism()), { transfer: (r) => ('buffer' in r.record ? [r.record.buffer] : []) })
    : undefined;
  try {
    const plan = await planFolds(writer, folds, options);
    summary.folds = plan.map((p) => ({ fold: p.fold.fold, images: p.indexes.length, skipped: p.fold.count - p.indexes.length, replaced: p.replace }));
    summary.skipped = summary.folds.reduce((s, f) => s + f.skipped, 0);
    const total = plan.reduce((s, p) => s + p.indexes.length, 0);
    const mark = writer.mark();
    if (total === 0) {
      await pool?.close();
      pool = undefined;
    }
    try {
      for (const p of plan) {
        const onImage = (image: PackedImage) => {
          summary.images++;
          summary.nuclei += image.nucleusCount;
          const numbers = packedNumbers(image);
          for (let i = 0; i < image.nucleusCount; i++) {
            const classId = numbers[i * NUMBER_FIELDS.length + CLASS_ID] as number;
            summary.nucleiPerClass[classId] = (summary.nucleiPerClass[classId] ?? 0) + 1;
          }
          options.onProgress?.({ fold: p.fold.fold, done: summary.images, total, nuclei: summary.nuclei, seconds: (performance.now() - started) / 1000 });
        };
        const commit = (batch: readonly ImageToLoad[]) =>
          writer.write(batch, () => countCommitted(db, runId, batch.length, batch.reduce((n, b) => n + b.nuclei.nucleusCount, 0)));
        const load = () => (p.indexes.length === 0 ? Promise.resolve() : ingestFold(p.fold, p.indexes, writer, pool as WorkerPool, options.batchSize ?? 64, onImage, commit));
        if (p.replace) {
          // The old rows go and the new ones arrive in one transaction: readers and crashes see one or the other.
          db.$client.exec('BEGIN IMMEDIATE');
          try {
            keepSubsetMembers(db, p.fold.fold);
            for (const name of dropPredictionSets(db, p.fold.fold)) {
              summary.warnings.push(`prediction set '${name}' was of fold ${p.fold.fold}'s old ground truth and was deleted; evaluate it again with pannuke eval run`);
            }
            writer.deleteFold(p.fold.fold);
            writer.recordSources(p.sources);
            await load();
            for (const s of restoreSubsetMembers(db, p.fold.fold)) {
              (s.after === s.before ? summary.notes : summary.warnings).push(s.after === s.before
                ? `subset '${s.name}': its ${s.before} nuclei in fold ${p.fold.fold} were found again in the new files`
                : `subset '${s.name}': ${s.before - s.after} of its ${s.before} nuclei in fold ${p.fold.fold} are not in the new files and left the subset (see \`pannuke subset show ${s.name}\`)`);
            }
            db.$client.exec('COMMIT');
          } catch (e) {
            if (db.$client.inTransaction) db.$client.exec('ROLLBACK');
            throw e;
          }
        } else {
          writer.recordSources(p.sources);
          await load();
        }
      }
    } catch (e) {
      // Bad input leaves the database as it was: this run's images are removed. (A crash instead leaves whole
      // images only, and a rerun resumes after them.)
      writer.rollbackTo(mark);
      throw e;
    }
    summary.seconds = (performance.now() - started) / 1000;
    finishRun(db, runId, 'finished');
    return summary;
  } catch (e) {
    // The run's writes were removed above (or never committed): it leaves nothing.
    finishRun(db, runId, 'failed', { images: 0, nuclei: 0 }, e instanceof PannukeError ? e.describe() : String(e));
    throw e;
  } finally {
    unregister();
    await pool?.close();
    db.$client.pragma(`cache_size = ${Number(cacheSize)}`);
  }
}

async function ingestFold(
  fold: OpenFold,
  indexes: readonly number[],
  writer: BulkWriter,
  pool: WorkerPool,
  batchSize: number,
  onImage: (image: PackedImage) => void,
  commit: (batch: readonly ImageToLoad[]) => void,
): Promise<void> {
  const tissueIds = writer.tissueIds([...new Set(fold.tissues)].sort());
  const layout = { height: fold.height, width: fold.width, channels: MASK_CHANNELS, classChannels: CLASS_CHANNELS };
  let batch: ImageToLoad[] = [];
  const dtype = fold.masks.header.dtype;
  if (dtype.kind !== 'numeric') throw new Error('unreachable: openFold checks the masks dtype');
  // An .npy on disk is read by the workers themselves (positioned reads); a zip member is streamed here, in
  // order, and each record's buffer handed over. Streamed record buffers come back from the workers and are
  // filled again: no allocation per image.
  const free: ArrayBuffer[] = [];
  const allocate = () => new Uint8Array(free.pop() ?? new ArrayBuffer(fold.masks.recordBytes));
  const masks = fold.masks;
  const records: AsyncIterable<{ index: number; record: ExtractRequest['record'] }> =
    masks instanceof NpyFile
      ? (async function* () { for (const index of indexes) yield { index, record: { file: masks.recordLayout } }; })()
      : (async function* () { for await (const r of masks.read(indexes, allocate)) yield { index: r.index, record: { buffer: r.bytes.buffer as ArrayBuffer } }; })();
  await runOrdered(pool, records, {
    // The workers' queued images plus a few results waiting for their turn to load.
    inFlight: pool.size * pool.depth + 2,
    request: ({ index, record }) => ({ layout, context: { file: fold.files.masks, fold: fold.fold, index }, dtype, record }),
    deliver: ({ index }, response) => {
      if (response?.record !== undefined) free.push(response.record);
      if (response?.ok !== true) throw response === undefined ? new Error('unreachable: every image has a request') : PannukeError.fromJSON(response.error);
      const image = response.image;
      batch.push({
        image: {
          fold: fold.fold, foldIndex: index, tissueId: tissueIds.get(fold.tissues[index] as string) as number,
          width: fold.width, height: fold.height, nucleusCount: image.nucleusCount,
          voidPixels: image.voidPixels, overlapPixels: image.overlapPixels,
        },
        nuclei: image,
      });
      onImage(image);
      if (batch.length >= batchSize) {
        const full = batch;
        batch = [];
        commit(full);
      }
    },
  });
  if (batch.length > 0) commit(batch);
}
