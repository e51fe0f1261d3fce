/**
 * The staged ingest: read (positioned reads of one mask record at a time) → extract (worker threads) →
 * load (batched transactions, in fold order). At most `inFlight` records exist at once, whatever the size
 * of the dataset, and record buffers are recycled, so memory stays flat.
 *
 * Every fold is opened and checked before anything is written. Images already in the database are skipped,
 * so an interrupted ingest continues where it stopped and a repeated one changes nothing. An error found
 * mid-run (a NaN id in image 1,900, say) undoes the run's writes, so the database is left as it was.
 */
import os from 'node:os';
import { openFold, CLASS_CHANNELS, MASK_CHANNELS, type OpenFold } from '../dataset/fold.js';
import { findFolds } from '../dataset/layout.js';
import type { Db } from '../db/open.js';
import { BulkWriter, type ImageToLoad } from '../db/writer.js';
import { PannukeError } from '../errors.js';
import type { ExtractedImage } from '../extract/image.js';
import { WorkerPool } from './pool.js';

export interface IngestOptions {
  root: string;
  folds?: readonly number[];
  /** Extraction threads (default: the machine's available parallelism). */
  workers?: number;
  /** Images per transaction. */
  batchSize?: number;
  onProgress?: (event: IngestProgress) => void;
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
  folds: { fold: number; images: number; skipped: number }[];
  images: number;
  skipped: number;
  nuclei: number;
  /** Nuclei per class id (1..5). */
  nucleiPerClass: Record<number, number>;
  seconds: number;
  /** Warnings worth a user's attention (e.g. an empty fold). */
  warnings: string[];
}

export async function ingest(db: Db, options: IngestOptions): Promise<IngestSummary> {
  const started = performance.now();
  const files = findFolds(options.root, options.folds);
  const folds: OpenFold[] = [];
  const writer = new BulkWriter(db);
  try {
    for (const f of files) folds.push(openFold(f));
    const todo = folds.map((f) => {
      const loaded = writer.loadedIndexes(f.fold);
      const indexes: number[] = [];
      for (let i = 0; i < f.count; i++) if (!loaded.has(i)) indexes.push(i);
      return { fold: f, indexes, skipped: loaded.size };
    });
    const summary: IngestSummary = {
      folds: todo.map((t) => ({ fold: t.fold.fold, images: t.indexes.length, skipped: t.skipped })),
      images: 0, skipped: todo.reduce((s, t) => s + t.skipped, 0), nuclei: 0,
      nucleiPerClass: { 1: 0, 2: 0, 3: 0, 4: 0, 5: 0 }, seconds: 0,
      warnings: folds.filter((f) => f.count === 0).map((f) => `fold ${f.fold} has no images (N = 0): ${f.files.masks}`),
    };
    const total = todo.reduce((s, t) => s + t.indexes.length, 0);
    if (total === 0) {
      summary.seconds = (performance.now() - started) / 1000;
      return summary;
    }
    const pool = new WorkerPool(Math.max(1, options.workers ?? os.availableParallelism()));
    const mark = writer.mark();
    try {
      for (const t of todo) {
        if (t.indexes.length === 0) continue;
        await ingestFold(t.fold, t.indexes, writer, pool, options.batchSize ?? 64, (image) => {
          summary.images++;
          summary.nuclei += image.nuclei.length;
          for (const n of image.nuclei) summary.nucleiPerClass[n.classId] = (summary.nucleiPerClass[n.classId] ?? 0) + 1;
          options.onProgress?.({ fold: t.fold.fold, done: summary.images, total, nuclei: summary.nuclei, seconds: (performance.now() - started) / 1000 });
        });
      }
    } catch (e) {
      // Bad input leaves the database as it was: this run's images are removed. (A crash instead leaves whole
      // images only, and a rerun resumes after them.)
      writer.rollbackTo(mark);
      throw e;
    } finally {
      await pool.close();
    }
    summary.seconds = (performance.now() - started) / 1000;
    return summary;
  } finally {
    for (const f of folds) f.close();
  }
}

async function ingestFold(
  fold: OpenFold,
  indexes: readonly number[],
  writer: BulkWriter,
  pool: WorkerPool,
  batchSize: number,
  onImage: (image: ExtractedImage) => void,
): Promise<void> {
  const dtype = fold.masks.header.dtype;
  if (dtype.kind !== 'numeric') throw new Error('unreachable: openFold checks the masks dtype');
  const tissueIds = writer.tissueIds([...new Set(fold.tissues)].sort());
  const layout = { height: fold.height, width: fold.width, channels: MASK_CHANNELS, classChannels: CLASS_CHANNELS };
  const inFlight = pool.size * 2 + 2;
  const free: ArrayBuffer[] = [];
  const done = new Map<number, ExtractedImage>(); // position in `indexes` → result, until its turn to load
  let nextToLoad = 0;
  let batch: ImageToLoad[] = [];
  let failure: unknown;
  let pending = 0;
  let wake: (() => void) | undefined;

  const loadReady = () => {
    for (let image = done.get(nextToLoad); image !== undefined; image = done.get(nextToLoad)) {
      done.delete(nextToLoad);
      const foldIndex = indexes[nextToLoad] as number;
      batch.push({
        image: {
          fold: fold.fold, foldIndex, tissueId: tissueIds.get(fold.tissues[foldIndex] as string) as number,
          width: fold.width, height: fold.height, nucleusCount: image.nuclei.length,
          voidPixels: image.voidPixels, overlapPixels: image.overlapPixels,
        },
        nuclei: image.nuclei.map((n) => ({ ...n, contour: Buffer.from(n.contour.buffer, n.contour.byteOffset, n.contour.byteLength) })),
      });
      onImage(image);
      nextToLoad++;
      if (batch.length >= batchSize) {
        const full = batch;
        batch = [];
        writer.write(full);
      }
    }
  };

  for (let k = 0; k < indexes.length && failure === undefined; k++) {
    while (pending >= inFlight && failure === undefined) await new Promise<void>((r) => (wake = r));
    if (failure !== undefined) break;
    const i = indexes[k] as number;
    const buffer = free.pop() ?? new ArrayBuffer(fold.masks.recordBytes);
    fold.masks.readRecord(i, new Uint8Array(buffer));
    pending++;
    const position = k;
    pool
      .run({ buffer, byteOffset: 0, byteLength: fold.masks.recordBytes, dtype, layout, context: { file: fold.files.masks, fold: fold.fold, index: i } })
      .then((response) => {
        free.push(response.buffer);
        if (!response.ok) throw PannukeError.fromJSON(response.error);
        done.set(position, response.image);
        loadReady();
      })
      .catch((e: unknown) => {
        failure ??= e;
      })
      .finally(() => {
        pending--;
        wake?.();
        wake = undefined;
      });
  }
  while (pending > 0) await new Promise<void>((r) => (wake = r));
  if (batch.length > 0) writer.write(batch);
  if (failure !== undefined) throw failure;
}
