/**
 * `pannuke eval run`: a model's prediction of one fold (PanNuke's format: masks.npy of shape (N, H, W, 5 or
 * 6), channels 0..4 instance ids per class) evaluated against the ground truth in the database. Workers read
 * the prediction's records themselves and extract + match them (worker.ts); the main thread reads each image's
 * ground truth from the database (SQLite or PostgreSQL) and writes the results in image order, one
 * transaction per batch. Bounded memory
 * (a few images in flight), resumable (a rerun continues after the last whole image), and a changed
 * prediction file under an existing name is refused unless --replace.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sampledFingerprint } from '../dataset/fingerprint.js';
import { TOOL_VERSION } from '../db/open.js';
import type { Store } from '../db/store.js';
import { PannukeError } from '../errors.js';
import { onInterrupt } from '../interrupt.js';
import { formatShape, NpyFile } from '../npy/reader.js';
import { runOrdered } from '../pipeline/ordered.js';
import { WorkerPool, workerEntry } from '../pipeline/pool.js';
import type { GtNucleus } from './match.js';
import type { EvalRequest, EvalResponse } from './protocol.js';
import { createSet, deleteSet, EvalWriter, evaluatedImages, findSet, type EvaluatedImage, type PredictionSet } from './store.js';

export interface EvalRunOptions {
  name: string;
  fold: number;
  /** The prediction's masks.npy, or a folder holding one. */
  prediction: string;
  replace?: boolean;
  workers?: number;
  /** Detection radius in pixels (HoVer-Net and CellViT use 12 for PanNuke). */
  radius: number;
  batchSize?: number;
  onProgress?: (done: number, total: number, nuclei: number) => void;
}

export interface EvalRunSummary {
  set: PredictionSet;
  images: number;
  skipped: number;
  predictedNuclei: number;
  replaced: boolean;
  seconds: number;
}

/** The prediction's masks.npy: the path itself, or `masks.npy` inside a folder. */
export function predictionFile(p: string): string {
  if (fs.existsSync(p) && fs.statSync(p).isDirectory()) {
    const inside = path.join(p, 'masks.npy');
    if (!fs.existsSync(inside)) throw new PannukeError('FILE_MISSING', 'no masks.npy in this folder', { file: p, hint: 'give the prediction\'s masks.npy, or the folder that holds it' });
    return inside;
  }
  return p;
}

export async function runEvaluation(store: Store, o: EvalRunOptions): Promise<EvalRunSummary> {
  const started = performance.now();
  const gtImages = (await store.all('SELECT id, fold_index, width, height FROM images WHERE fold = ? ORDER BY fold_index', [o.fold])).rows
    .map(([id, foldIndex, width, height]) => ({ id, foldIndex, width, height }) as { id: number; foldIndex: number; width: number; height: number });
  if (gtImages.length === 0) {
    throw new PannukeError('FOLD_NOT_FOUND', `fold ${o.fold} is not in the database`, { file: store.label, hint: `ingest it first: pannuke ingest <root> --db ${store.label} --folds ${o.fold}` });
  }
  const file = predictionFile(o.prediction);
  const masks = NpyFile.open(file);
  try {
    const { header } = masks;
    const [n, h, w, channels] = header.shape as number[];
    const { height, width } = gtImages[0] as (typeof gtImages)[number];
    const expected = `(${gtImages.length}, ${height}, ${width}, 5 or 6)`;
    const differs: string[] = [];
    if (header.dtype.kind !== 'numeric') differs.push(`dtype ${header.dtype.descr} is not numeric`);
    if (header.shape.length !== 4) differs.push(`${header.shape.length} dimensions, not 4`);
    else {
      if (n !== gtImages.length) differs.push(`N = ${n}, the database holds ${gtImages.length} images of fold ${o.fold}`);
      if (h !== height || w !== width) differs.push(`H × W = ${h} × ${w}, the ground truth is ${height} × ${width}`);
      if (channels !== 5 && channels !== 6) differs.push(`${channels} channels, not 5 or 6`);
    }
    if (gtImages.some((g, i) => g.foldIndex !== i)) differs.push(`the database holds fold ${o.fold} incompletely (an ingest did not finish)`);
    if (differs.length > 0 || header.dtype.kind !== 'numeric') {
      throw new PannukeError('FOLD_MISMATCH', `the prediction does not fit fold ${o.fold}: expected shape ${expected}, found ${formatShape(header.shape)} (${header.dtype.descr}): ${differs.join('; ')}`, {
        file, position: 'header', hint: 'evaluate a prediction of the same fold, in PanNuke\'s masks.npy layout',
      });
    }

    const { bytes, fingerprint } = sampledFingerprint(file);
    let set = await findSet(store, o.name);
    let replaced = false;
    if (set !== undefined && (set.fingerprint !== fingerprint || set.bytes !== bytes || set.fold !== o.fold)) {
      if (o.replace !== true) {
        throw new PannukeError('SOURCE_CHANGED', set.fold === o.fold
          ? `prediction set '${o.name}' was made from other data (${set.source} as it was then); this file differs in size or fingerprint`
          : `prediction set '${o.name}' is of fold ${set.fold}, not ${o.fold}`, {
          file, hint: 'add --replace to evaluate this file under that name (the old results are deleted), or choose another --name',
        });
      }
      await deleteSet(store, set.id);
      set = undefined;
      replaced = true;
    }
    const options = { radius: o.radius, channels };
    const created = set === undefined;
    set ??= await createSet(store, { name: o.name, fold: o.fold, source: path.resolve(file), bytes, fingerprint, createdAt: new Date().toISOString(), toolVersion: TOOL_VERSION, options: JSON.stringify(options) });
    const done = await evaluatedImages(store, set.id);
    const todo = gtImages.filter((g) => !done.has(g.id));
    const writer = new EvalWriter(store, set.id);
    const summary: EvalRunSummary = { set, images: 0, skipped: gtImages.length - todo.length, predictedNuclei: 0, replaced, seconds: 0 };
    try {
      if (todo.length > 0) await evaluateImages(store, o, masks, todo, writer, summary, { height, width, channels: channels as number });
    } catch (e) {
      if (created) await deleteSet(store, set.id).catch(() => undefined); // a set this run made, and that failed, leaves no trace
      throw e;
    }
    summary.set = (await findSet(store, o.name)) as PredictionSet;
    summary.seconds = (performance.now() - started) / 1000;
    return summary;
  } finally {
    masks.close();
  }
}

async function evaluateImages(store: Store, o: EvalRunOptions, masks: NpyFile, todo: readonly { id: number; foldIndex: number }[], writer: EvalWriter, summary: EvalRunSummary, shape: { height: number; width: number; channels: number }): Promise<void> {
  const dtype = masks.header.dtype;
  if (dtype.kind !== 'numeric') throw new Error('unreachable: checked above');
  const groundTruth = async (imageId: number) => (await store.all('SELECT id, class_id, instance_id, centroid_x, centroid_y, contour FROM nuclei WHERE image_id = ? ORDER BY class_id, instance_id', [imageId])).rows
    .map(([id, classId, instanceId, centroidX, centroidY, contour]) => ({ id, classId, instanceId, centroidX, centroidY, contour }) as GtNucleus & { id: number });
  const pool = new WorkerPool<EvalRequest, EvalResponse>(Math.max(1, o.workers ?? os.availableParallelism()), { entry: workerEntry('eval/worker'), transfer: () => [], youngGenerationMb: 16 /* cloned ground truth and results: fewer collections */ });
  const written: number[] = [];
  // Ctrl-C: the images written so far stay (a rerun resumes after them); the pool stops with the process.
  const unregister = onInterrupt(() => void pool.close());
  let batch: EvaluatedImage[] = [];
  const flush = async () => {
    if (batch.length === 0) return;
    const full = batch;
    batch = [];
    // Counted as written before the write: a failed write is rolled back, and remove() of nothing is harmless.
    written.push(...full.map((b) => b.imageId));
    await writer.write(full);
  };
  // Each image with its ground truth, read from the database when its turn to be sent comes.
  const items = (async function* () {
    for (const image of todo) yield { image, rows: await groundTruth(image.id) };
  })();
  try {
    await runOrdered(pool, items, {
      inFlight: pool.size * pool.depth + 2,
      request: ({ image, rows }) => ({
        context: { file: masks.path, fold: o.fold, index: image.foldIndex, rerun: 'eval run' },
        record: masks.recordLayout, dtype, layout: { ...shape, classChannels: 5 },
        gt: rows.map(({ id: _id, ...g }) => g), radius: o.radius,
      }),
      deliver: ({ image, rows }, response) => {
        if (response?.ok !== true) throw response === undefined ? new Error('unreachable: every image has a request') : PannukeError.fromJSON(response.error);
        batch.push({ imageId: image.id, gtIds: rows.map((r) => r.id), predicted: response.image, evaluation: response.evaluation });
        summary.images++;
        summary.predictedNuclei += response.image.nucleusCount;
        o.onProgress?.(summary.images, todo.length, summary.predictedNuclei);
        // A promise only when a batch is written: the other images are delivered synchronously.
        return batch.length >= (o.batchSize ?? 32) ? flush() : undefined;
      },
    });
    await flush();
  } catch (e) {
    // Bad input (a NaN in the prediction): this run's images are removed, so the set is as it was.
    await writer.remove(written).catch(() => undefined);
    throw e;
  } finally {
    unregister();
    await pool.close();
  }
}
