/**
 * `pannuke eval run`: a model's prediction of one fold (PanNuke's format: masks.npy of shape (N, H, W, 5 or
 * 6), channels 0..4 instance ids per class) evaluated against the ground truth in the database. Workers read
 * the prediction's records themselves and extract + match them (worker.ts); the main thread reads each image's
 * ground truth from SQLite and writes the results in image order, one transaction per batch. Bounded memory
 * (a few images in flight), resumable (a rerun continues after the last whole image), and a changed
 * prediction file under an existing name is refused unless --replace.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { asc, eq } from 'drizzle-orm';
import { sampledFingerprint } from '../dataset/fingerprint.js';
import { TOOL_VERSION, type Db } from '../db/open.js';
import { images } from '../db/schema.js';
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
  dbFile: string;
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

export async function runEvaluation(db: Db, o: EvalRunOptions): Promise<EvalRunSummary> {
  const started = performance.now();
  const gtImages = db.select({ id: images.id, foldIndex: images.foldIndex, width: images.width, height: images.height }).from(images)
    .where(eq(images.fold, o.fold)).orderBy(asc(images.foldIndex)).all();
  if (gtImages.length === 0) {
    throw new PannukeError('FOLD_NOT_FOUND', `fold ${o.fold} is not in the database`, { file: o.dbFile, hint: `ingest it first: pannuke ingest <root> --db ${o.dbFile} --folds ${o.fold}` });
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
    let set = findSet(db, o.name);
    let replaced = false;
    if (set !== undefined && (set.fingerprint !== fingerprint || set.bytes !== bytes || set.fold !== o.fold)) {
      if (o.replace !== true) {
        throw new PannukeError('SOURCE_CHANGED', set.fold === o.fold
          ? `prediction set '${o.name}' was made from other data (${set.source} as it was then); this file differs in size or fingerprint`
          : `prediction set '${o.name}' is of fold ${set.fold}, not ${o.fold}`, {
          file, hint: 'add --replace to evaluate this file under that name (the old results are deleted), or choose another --name',
        });
      }
      deleteSet(db, set.id);
      set = undefined;
      replaced = true;
    }
    const options = { radius: o.radius, channels };
    const created = set === undefined;
    set ??= createSet(db, { name: o.name, fold: o.fold, source: path.resolve(file), bytes, fingerprint, createdAt: new Date().toISOString(), toolVersion: TOOL_VERSION, options: JSON.stringify(options) });
    const done = evaluatedImages(db, set.id);
    const todo = gtImages.filter((g) => !done.has(g.id));
    const writer = new EvalWriter(db, set.id);
    const summary: EvalRunSummary = { set, images: 0, skipped: gtImages.length - todo.length, predictedNuclei: 0, replaced, seconds: 0 };
    try {
      if (todo.length > 0) await evaluateImages(db, o, masks, todo, writer, summary, { height, width, channels: channels as number });
    } catch (e) {
      if (created) deleteSet(db, set.id); // a set this run made, and that failed, leaves no trace
      throw e;
    }
    summary.set = findSet(db, o.name) as PredictionSet;
    summary.seconds = (performance.now() - started) / 1000;
    return summary;
  } finally {
    masks.close();
  }
}

async function evaluateImages(db: Db, o: EvalRunOptions, masks: NpyFile, todo: readonly { id: number; foldIndex: number }[], writer: EvalWriter, summary: EvalRunSummary, shape: { height: number; width: number; channels: number }): Promise<void> {
  const dtype = masks.header.dtype;
  if (dtype.kind !== 'numeric') throw new Error('unreachable: checked above');
  const gtStatement = db.$client.prepare('SELECT id, class_id AS classId, instance_id AS instanceId, centroid_x AS centroidX, centroid_y AS centroidY, contour FROM nuclei WHERE image_id = ? ORDER BY class_id, instance_id');
  const pool = new WorkerPool<EvalRequest, EvalResponse>(Math.max(1, o.workers ?? os.availableParallelism()), { entry: workerEntry('eval/worker'), transfer: () => [], youngGenerationMb: 16 /* cloned ground truth and results: fewer collections */ });
  const written: number[] = [];
  // Ctrl-C: the images written so far stay (a rerun resumes after them); the pool stops with the process.
  const unregister = onInterrupt(() => void pool.close());
  let batch: EvaluatedImage[] = [];
  const flush = () => {
    if (batch.length === 0) return;
    writer.write(batch);
    written.push(...batch.map((b) => b.imageId));
    batch = [];
  };
  // Each image with its ground truth, read from SQLite when its turn to be sent comes.
  const items = (function* () {
    for (const image of todo) yield { image, rows: gtStatement.all(image.id) as (GtNucleus & { id: number })[] };
  })();
  try {
    await runOrdered(pool, items, {
      inFlight: pool.size * pool.depth + 2,
      request: ({ image, rows }) => ({
        context: { file: masks.path, fold: o.fold, index: image.foldIndex },
        record: masks.recordLayout, dtype, layout: { ...shape, classChannels: 5 },
        gt: rows.map(({ id: _id, ...g }) => g), radius: o.radius,
      }),
      deliver: ({ image, rows }, response) => {
        if (response?.ok !== true) throw response === undefined ? new Error('unreachable: every image has a request') : PannukeError.fromJSON(response.error);
        batch.push({ imageId: image.id, gtIds: rows.map((r) => r.id), predicted: response.image, evaluation: response.evaluation });
        summary.images++;
        summary.predictedNuclei += response.image.nucleusCount;
        o.onProgress?.(summary.images, todo.length, summary.predictedNuclei);
        if (batch.length >= (o.batchSize ?? 32)) flush();
      },
    });
    flush();
  } catch (e) {
    // Bad input (a NaN in the prediction): this run's images are removed, so the set is as it was.
    writer.remove(written);
    throw e;
  } finally {
    unregister();
    await pool.close();
  }
}
