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
import type { OpenFold } from '../dataset/fold.js';
import type { IngestTarget } from '../db/ingest-target.js';
import { dropPredictionSets, keepSubsetMembers, restoreSubsetMembers } from '../db/kept-members.js';
import type { ImageToLoad } from '../db/writer.js';
import { PannukeError } from '../errors.js';
import { NUMBER_FIELDS, packedNumbers, type PackedImage } from '../handoff/packed.js';
import { FoldExtraction } from './fold-extraction.js';
import { planFolds, type FoldPlan } from './plan.js';
import { WorkerPool } from './pool.js';
import type { ExtractRequest, ExtractResponse } from './protocol.js';
import { onInterrupt } from '../interrupt.js';
import { shellQuote } from '../shell-quote.js';

const CLASS_ID = NUMBER_FIELDS.indexOf('classId');
/**
 * Extracted images of the next fold held while the current one loads its last images, at most (~10 KB an
 * image: ~1,600 images; past it the next fold waits for its turn).
 */
const HOLD_BYTES = 16 << 20;
/**
 * Images queued per worker. A request for an image on disk is a few bytes (the worker reads the record
 * itself), and its answer ~10 KB: 64 queued keep the workers busy while the main thread cannot feed them,
 * through its batch writes (~30 ms each) and the fsyncs of SQLite's checkpoints, which block it for 3–12 ms
 * (with 16 queued both cores were idle 0.14 s of a 2.4 s ingest of 2,400 images, and one of them 0.3 s more:
 * perf sched; 2 were worse still). A streamed record travels with its request (3 MiB for PanNuke): at most
 * STREAMED_IN_FLIGHT of them per fold.
 */
const WORKER_QUEUE = 64;
const STREAMED_IN_FLIGHT = 6;

export interface IngestOptions {
  /** Extraction threads (default: the machine's available parallelism). */
  workers?: number;
  /**
   * The extraction pool, when the caller started it early (startExtractionPool) so that its threads boot
   * while the database opens. Ingest closes it once the last image is extracted; the caller closes it too,
   * whatever happens (`close()` is idempotent). Without one, ingest starts (and closes) its own.
   */
  pool?: ExtractionPool;
  /**
   * The first fold's extraction, started before the database was opened (`extractAhead`): used if the plan
   * wants every image of that fold (a database being created), stopped otherwise. The caller stops it
   * (`stop()`: nothing left to do after a finished run) whatever happens, as it closes the pool.
   */
  ahead?: FoldExtraction;
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

export type ExtractionPool = WorkerPool<ExtractRequest, ExtractResponse>;

/** The extraction workers ingest uses, started now (each thread takes ~0.1 s of CPU to boot). */
export function startExtractionPool(workers?: number): ExtractionPool {
  return new WorkerPool<ExtractRequest, ExtractResponse>(Math.max(1, workers ?? os.availableParallelism()), { depth: WORKER_QUEUE, transfer: (r) => ('buffer' in r.record ? [r.record.buffer] : []) });
}

/**
 * Starts extracting the first fold with images, every image of it, before the database is open: what a
 * database being created will want. Opening (creating, migrating) and planning take ~0.1 s of the main
 * thread, during which the workers would otherwise wait. Results are held (bounded: FoldExtraction) until
 * `ingest` takes them, or dropped if its plan differs (another program created the database meanwhile).
 * The caller yields to the event loop before blocking on the database, so that the requests go out.
 */
export function extractAhead(folds: readonly OpenFold[], pool: ExtractionPool): FoldExtraction | undefined {
  const fold = folds.find((f) => f.count > 0);
  if (fold === undefined) return undefined;
  return new FoldExtraction(fold, Array.from({ length: fold.count }, (_, i) => i), pool, { inFlight: inFlightOf(fold, pool), holdBytes: HOLD_BYTES });
}

/** Images out on the workers at once for one fold: every queue full, or a few streamed records. */
function inFlightOf(fold: OpenFold, pool: ExtractionPool): number {
  return fold.masks.recordLayout === undefined ? STREAMED_IN_FLIGHT : pool.size * pool.depth;
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
 * Loads the (already opened and checked) folds into a database (SQLite or PostgreSQL, through its
 * IngestTarget). The caller keeps ownership of `folds` and of the target.
 */
export async function ingest(target: IngestTarget, folds: readonly OpenFold[], options: IngestOptions): Promise<IngestSummary> {
  const started = performance.now();
  const store = target.store;
  const runId = await target.startRun({
    folds: folds.map((f) => f.fold), masks: folds.map((f) => f.files.masks), replace: options.replace === true, hash: options.hash === true,
  });
  // Ctrl-C: an open transaction (a fold being replaced) is abandoned, the run is logged as interrupted.
  const unregister = onInterrupt(() => target.interrupt(runId));
  const summary: IngestSummary = {
    folds: [], images: 0, skipped: 0, nuclei: 0, nucleiPerClass: { 1: 0, 2: 0, 3: 0, 4: 0, 5: 0 }, seconds: 0, notes: [],
    warnings: folds.filter((f) => f.count === 0).map((f) => `fold ${f.fold} has no images (N = 0): ${f.files.masks}`),
  };
  // Workers start (loading their modules) while the main thread fingerprints the sources.
  const ownPool = options.pool === undefined && folds.some((f) => f.count > 0) ? startExtractionPool(options.workers) : undefined;
  let pool = options.pool ?? ownPool;
  // Taken by the plan's first fold if it wants exactly its images; otherwise stopped before anything loads.
  let ahead = options.ahead;
  // Whether a failure left nothing of this run (its counts are then 0); nothing is written before the mark.
  let rolledBack = true;
  try {
    const plan = await planFolds(target, folds, options);
    const first = plan.find((p) => p.indexes.length > 0);
    const aheadFits = ahead !== undefined && first !== undefined && first.fold === ahead.fold && !first.replace && first.indexes.length === first.fold.count;
    if (ahead !== undefined && !aheadFits) {
      await ahead.stop();
      ahead = undefined;
    }
    summary.folds = plan.map((p) => ({ fold: p.fold.fold, images: p.indexes.length, skipped: p.fold.count - p.indexes.length, replaced: p.replace }));
    summary.skipped = summary.folds.reduce((s, f) => s + f.skipped, 0);
    const total = plan.reduce((s, p) => s + p.indexes.length, 0);
    const mark = await target.mark();
    rolledBack = false;
    if (total === 0) {
      await ownPool?.close();
      pool = undefined;
    }
    // Each fold's extraction starts once the fold before it has been read through (see fold-extraction.ts);
    // none starts after the run has ended.
    const extractions = new Map<FoldPlan, FoldExtraction>();
    const lastWithImages = plan.findLastIndex((q) => q.indexes.length > 0);
    let ended = false;
    const extractionOf = (p: FoldPlan | undefined) => {
      if (ended || p === undefined || p.indexes.length === 0 || pool === undefined) return undefined;
      let e = extractions.get(p);
      if (e === undefined) {
        e = ahead?.fold === p.fold ? ahead : new FoldExtraction(p.fold, p.indexes, pool, { inFlight: inFlightOf(p.fold, pool), holdBytes: HOLD_BYTES });
        extractions.set(p, e);
      }
      return e;
    };
    try {
      for (const [k, p] of plan.entries()) {
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
        const commit = (batch: readonly ImageToLoad[]) => target.write(batch, runId);
        const load = async () => {
          const extraction = extractionOf(p);
          void extraction?.readThrough.then(() => extractionOf(plan[k + 1]));
          // The threads end once the last image is extracted: their teardown (~10 ms of each) runs on the
          // cores the last batches' writes and the checkpoint's fsyncs leave idle.
          if (k === lastWithImages) void extraction?.answered.then(() => pool?.close());
          if (extraction !== undefined) await loadFold(p.fold, extraction, target, options.batchSize ?? 64, onImage, commit);
        };
        if (p.replace) {
          // The old rows go and the new ones arrive in one transaction: readers and crashes see one or the other.
          await store.transaction(async () => {
            await keepSubsetMembers(store, p.fold.fold);
            for (const name of await dropPredictionSets(store, p.fold.fold)) {
              summary.warnings.push(`prediction set '${name}' was of fold ${p.fold.fold}'s old ground truth and was deleted; evaluate it again with pannuke eval run`);
            }
            await target.deleteFold(p.fold.fold);
            await target.recordSources(p.sources);
            await load();
            for (const s of await restoreSubsetMembers(store, p.fold.fold)) {
              (s.after === s.before ? summary.notes : summary.warnings).push(s.after === s.before
                ? `subset '${s.name}': its ${s.before} nuclei in fold ${p.fold.fold} were found again in the new files`
                : `subset '${s.name}': ${s.before - s.after} of its ${s.before} nuclei in fold ${p.fold.fold} are not in the new files and left the subset (see \`pannuke subset show ${shellQuote(s.name)}\`)`);
            }
          });
        } else if (p.indexes.length > 0 || (await target.sourcesOf(p.fold.fold)).length === 0) {
          // Sources record the files rows were loaded from: a run that loads nothing of a fold leaves them be.
          await target.recordSources(p.sources);
          await load();
        }
      }
    } catch (e) {
      // Nothing more may be written: the folds still extracting stop (their images out on the workers come
      // back first), then bad input leaves the database as it was: this run's images are removed. (A crash instead leaves whole
      // images only, and a rerun resumes after them.) If even that fails (a full disk), the run's counts keep
      // saying what it committed.
      ended = true;
      for (const extraction of extractions.values()) await extraction.stop();
      await target.rollbackTo(mark);
      rolledBack = true;
      throw e;
    }
    ended = true;
    summary.seconds = (performance.now() - started) / 1000;
    await target.finishRun(runId, 'finished');
    return summary;
  } catch (e) {
    // The run's writes were removed above (or never committed): it leaves nothing.
    // Best effort: a lost connection must not hide the error that ended the run.
    await target.finishRun(runId, 'failed', rolledBack ? { images: 0, nuclei: 0 } : undefined, e instanceof PannukeError ? e.describe() : String(e)).catch(() => undefined);
    throw e;
  } finally {
    unregister();
    await ownPool?.close();
  }
}

/** Loads one fold's extracted images in fold_index order, in batches of `batchSize` per transaction. */
async function loadFold(
  fold: OpenFold,
  extraction: FoldExtraction,
  target: IngestTarget,
  batchSize: number,
  onImage: (image: PackedImage) => void,
  commit: (batch: readonly ImageToLoad[]) => Promise<void>,
): Promise<void> {
  const tissueIds = await target.tissueIds([...new Set(fold.tissues)].sort());
  let batch: ImageToLoad[] = [];
  await extraction.load(({ index, response }) => {
    const image = response.image;
    batch.push({
      image: {
        fold: fold.fold, foldIndex: index, tissueId: tissueIds.get(fold.tissues[index] as string) as number,
        width: fold.width, height: fold.height, nucleusCount: image.nucleusCount,
        voidPixels: image.voidPixels, overlapPixels: image.overlapPixels, maskDigest: response.digest,
      },
      nuclei: image,
    });
    onImage(image);
    if (batch.length >= batchSize) {
      const full = batch;
      batch = [];
      return commit(full);
    }
    return undefined;
  }, () => target.store.idle());
  if (batch.length > 0) await commit(batch);
}
