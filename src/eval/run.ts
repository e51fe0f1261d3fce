/**
 * `pannuke eval run`: a model's prediction of one fold evaluated against the ground truth in the database. The
 * prediction is PanNuke's masks.npy (N, H, W, 5 or 6), or another format (src/formats/: per-image GeoJSON
 * or label images, COCO results) painted into the same label record per image, so every format is scored
 * exactly as the masks.npy it stands for. Workers read
 * the prediction's records themselves and extract + match them (worker.ts), with each image's ground truth
 * (read by the worker from a SQLite file, or by the main thread from PostgreSQL: ground-truth.ts); the main
 * thread writes the results in image order, one transaction per batch. Bounded memory
 * (a few images in flight), resumable (a rerun continues after the last whole image), and a changed
 * prediction file under an existing name is refused unless --replace.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sampledFingerprint } from '../dataset/fingerprint.js';
import { TOOL_VERSION } from '../meta/package.js';
import type { Store } from '../db/store.js';
import { PannukeError } from '../errors.js';
import { onInterrupt } from '../interrupt.js';
import { formatShape, NpyFile } from '../npy/reader.js';
import { runOrdered } from '../pipeline/ordered.js';
import { WorkerPool } from '../pipeline/pool.js';
import { THREADS } from '../worker-threads.js';
import { readGroundTruth } from './ground-truth.js';
import type { EvalRequest, EvalResponse, PaintCounts } from './protocol.js';
import { describeInput, filesFingerprint, matchFiles, type PredictionFormat, type PredictionInput } from '../formats/files.js';
import { createSet, deleteSet, EvalWriter, evaluatedImages, findSet, type EvaluatedImage, type PredictionSet } from './store.js';

export interface EvalRunOptions {
  name: string;
  fold: number;
  /** The prediction: a masks.npy (or the folder holding one), a folder of per-image files, COCO results. */
  prediction: string;
  /** The format, when not detected from the content. */
  format?: PredictionFormat;
  /** How per-image files are named (src/formats/files.ts); default {fold}_{index}. */
  names?: string;
  /** Another class vocabulary: 'Tumor=Neoplastic,…'. */
  classes?: string;
  /** Skip files that name no image of the fold instead of refusing them. */
  ignoreUnmatched?: boolean;
  replace?: boolean;
  workers?: number;
  /** Detection radius in pixels (HoVer-Net and CellViT use 12 for PanNuke). */
  radius: number;
  batchSize?: number;
  onProgress?: (done: number, total: number, nuclei: number) => void;
}

export interface EvalRunSummary {
  set: PredictionSet;
  format: PredictionFormat;
  /** Painted from another format (not npy): nuclei read, pixels and nuclei hidden by a later one of their class, entries without a nucleus. */
  painted: PaintCounts;
  /** Images of the fold with no prediction file (empty predictions). */
  withoutFile: number;
  /** Files that name no image of the fold (with --ignore-unmatched). */
  unmatched: string[];
  /** Features of other folds in one GeoJSON for the fold, left out. */
  otherFolds: number;
  images: number;
  skipped: number;
  predictedNuclei: number;
  replaced: boolean;
  seconds: number;
}

export async function runEvaluation(store: Store, o: EvalRunOptions): Promise<EvalRunSummary> {
  const started = performance.now();
  const gtImages = (await store.all('SELECT id, fold_index, width, height FROM images WHERE fold = ? ORDER BY fold_index', [o.fold])).rows
    .map(([id, foldIndex, width, height]) => ({ id, foldIndex, width, height }) as { id: number; foldIndex: number; width: number; height: number });
  if (gtImages.length === 0) {
    throw new PannukeError('FOLD_NOT_FOUND', `fold ${o.fold} is not in the database`, { file: store.label, hint: `ingest it first: pannuke ingest <root> --db ${store.label} --folds ${o.fold}` });
  }
  const input = describeInput(o.prediction, o.format);
  // Only GeoJSON and label images name their classes: elsewhere the option would be ignored without a word.
  if (o.classes !== undefined && input.format !== 'geojson' && input.format !== 'labels') {
    throw new PannukeError('BAD_OPTION', `--classes maps the class names of GeoJSON and of label images' CSVs; a ${input.format} prediction gives PanNuke's classes by number already`, {
      file: input.path, hint: 'leave --classes out',
    });
  }
  // The workers boot (~0.1 s of CPU each) while the prediction is prepared and the set looked up.
  const pool = startEvalPool(o.workers);
  // Ctrl-C: the images written so far stay (a rerun resumes after them); the pool stops with the process.
  const unregister = onInterrupt(() => void pool.close());
  try {
    return await evaluateWith(pool, store, o, input, gtImages, started);
  } finally {
    unregister();
    await pool.close();
  }
}

type EvalPool = WorkerPool<EvalRequest, EvalResponse>;

/**
 * Images queued per worker: a request is a few bytes when the worker reads the ground truth itself, and 32
 * keep the workers busy while the main thread writes a batch or waits for a checkpoint's fsync (fold 1 at
 * 4×, 800 images: 8 queued 2.21 s, 32 queued 2.12 s).
 */
const EVAL_QUEUE = 32;

function startEvalPool(workers: number | undefined): EvalPool {
  return new WorkerPool<EvalRequest, EvalResponse>(Math.max(1, workers ?? os.availableParallelism()), {
    threads: THREADS.evaluation, depth: EVAL_QUEUE, transfer: () => [],
  });
}

async function evaluateWith(pool: EvalPool, store: Store, o: EvalRunOptions, input: PredictionInput, gtImages: readonly GtImage[], started: number): Promise<EvalRunSummary> {
  const prepared = input.format === 'npy' ? prepareNpy(input.path, o, gtImages) : await prepareFiles(input, o, gtImages);
  try {
    const { bytes, fingerprint, source } = prepared;
    let set = await findSet(store, o.name);
    let replaced = false;
    if (set !== undefined && (set.fingerprint !== fingerprint || set.bytes !== bytes || set.fold !== o.fold)) {
      if (o.replace !== true) {
        throw new PannukeError('SOURCE_CHANGED', set.fold === o.fold
          ? `prediction set '${o.name}' was made from other data (${set.source} as it was then); this prediction differs in size or content`
          : `prediction set '${o.name}' is of fold ${set.fold}, not ${o.fold}`, {
          file: source, hint: 'add --replace to evaluate this prediction under that name (the old results are deleted), or choose another --name',
        });
      }
      await deleteSet(store, set.id);
      set = undefined;
      replaced = true;
    }
    const options = { radius: o.radius, channels: prepared.channels, format: input.format, ...(prepared.options ?? {}) };
    const created = set === undefined;
    // A new set is this run's first write: write-ahead logging from here on, so that the set's row is
    // committed to the log (no fsync) instead of through a rollback journal (three fsyncs, ~4 ms before any
    // image goes to the workers).
    if (created) store.startWriting();
    set ??= await createSet(store, { name: o.name, fold: o.fold, source, bytes, fingerprint, createdAt: new Date().toISOString(), toolVersion: TOOL_VERSION, options: JSON.stringify(options) });
    const done = await evaluatedImages(store, set.id);
    const todo = gtImages.filter((g) => !done.has(g.id));
    const writer = new EvalWriter(store, set.id);
    const summary: EvalRunSummary = {
      set, format: input.format, images: 0, skipped: gtImages.length - todo.length, predictedNuclei: 0, replaced, seconds: 0,
      painted: { nuclei: 0, hiddenPixels: 0, hiddenNuclei: 0, skipped: 0, untyped: 0, invalid: 0 }, withoutFile: prepared.withoutFile ?? 0, unmatched: prepared.unmatched ?? [], otherFolds: prepared.otherFolds ?? 0,
    };
    const { height, width } = gtImages[0] as (typeof gtImages)[number];
    try {
      if (todo.length > 0) {
        // Before the workers open the file to read the ground truth: SQLite switches to write-ahead logging here.
        store.startWriting();
        await evaluateImages(pool, store, o, prepared, todo, writer, summary, { height, width, channels: prepared.channels });
      }
    } catch (e) {
      if (created) await deleteSet(store, set.id).catch(() => undefined); // a set this run made, and that failed, leaves no trace
      throw e;
    }
    summary.set = (await findSet(store, o.name)) as PredictionSet;
    summary.seconds = (performance.now() - started) / 1000;
    return summary;
  } finally {
    prepared.close();
  }
}

/** A prediction ready to evaluate: its identity, and what each image's request carries. */
interface Prepared {
  source: string;
  bytes: number;
  fingerprint: string;
  channels: number;
  /** The file named in errors about an image. */
  file: string;
  prediction(image: { id: number; foldIndex: number }): EvalRequest['prediction'];
  options?: Record<string, unknown>;
  withoutFile?: number;
  unmatched?: string[];
  /** Features of other folds in one GeoJSON for the fold, left out. */
  otherFolds?: number;
  close(): void;
}

type GtImage = { id: number; foldIndex: number; width: number; height: number };

/** PanNuke's own layout: a masks.npy of the fold's N, H and W, read by the workers record by record. */
function prepareNpy(file: string, o: EvalRunOptions, gtImages: readonly GtImage[]): Prepared {
  const masks = NpyFile.open(file);
  try {
    const { header } = masks;
    const [n, h, w, channels] = header.shape as number[];
    const { height, width } = gtImages[0] as GtImage;
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
    const dtype = header.dtype;
    if (differs.length > 0 || dtype.kind !== 'numeric') {
      throw new PannukeError('FOLD_MISMATCH', `the prediction does not fit fold ${o.fold}: expected shape ${expected}, found ${formatShape(header.shape)} (${header.dtype.descr}): ${differs.join('; ')}`, {
        file, position: 'header', hint: 'evaluate a prediction of the same fold, in PanNuke\'s masks.npy layout',
      });
    }
    const { bytes, fingerprint } = sampledFingerprint(file);
    const record = masks.recordLayout;
    return {
      source: path.resolve(file), bytes, fingerprint, channels: channels as number, file,
      prediction: () => ({ record, dtype }),
      close: () => masks.close(),
    };
  } catch (e) {
    masks.close();
    throw e;
  }
}

/** Another format: per-image files matched to the fold's images by name, or COCO results by image id. */
async function prepareFiles(input: PredictionInput, o: EvalRunOptions, gtImages: readonly GtImage[]): Promise<Prepared> {
  // The readers of these formats (streamed JSON, label images' decoders) load only for such a prediction: the
  // main thread's start is the serial part of an evaluation, and a masks.npy one needs none of them.
  const [{ classCsvOf }, { resultImage }, { featureImage }, { indexEntries }, { classMap }] = await Promise.all([
    import('../formats/read.js'), import('../formats/coco.js'), import('../formats/geojson.js'), import('../formats/json-entries.js'), import('../formats/classes.js'),
  ]);
  const classes = o.classes;
  if (classes !== undefined) classMap(classes); // checked before any work
  const base = { channels: 6, close: () => undefined, options: { ...(o.names !== undefined && { names: o.names }), ...(classes !== undefined && { classes }) } };
  // One file for the fold: streamed once for each entry's image and byte range; the workers read their own.
  if (input.format === 'coco') {
    const grouped = await indexEntries(input.path, resultImage(input.path));
    const ids = new Set(gtImages.map((g) => g.id));
    const foreign = [...grouped.keys()].filter((id) => !ids.has(id));
    if (foreign.length > 0) {
      throw new PannukeError('FOLD_MISMATCH', `image_id ${foreign.slice(0, 5).join(', ')}${foreign.length > 5 ? ` and ${foreign.length - 5} more` : ''} ${foreign.length > 1 ? 'are' : 'is'} not an image of fold ${o.fold} (image_id is the database's images.id)`, { file: input.path });
    }
    const { bytes, fingerprint } = await filesFingerprint([input.path]);
    return {
      ...base, source: path.resolve(input.path), bytes, fingerprint, file: input.path,
      withoutFile: gtImages.filter((g) => !grouped.has(g.id)).length,
      prediction: (image) => ({ source: { format: 'coco', file: input.path, entries: grouped.get(image.id) ?? [] } }),
    };
  }
  if (input.format === 'geojson' && input.files.length === 0) {
    const counts = { otherFolds: 0 };
    const byIndex = await indexEntries(input.path, featureImage(o.fold, gtImages, input.path, counts));
    const { bytes, fingerprint } = await filesFingerprint([input.path]);
    return {
      ...base, source: path.resolve(input.path), bytes, fingerprint, file: input.path, otherFolds: counts.otherFolds,
      withoutFile: gtImages.filter((g) => !byIndex.has(g.foldIndex)).length,
      prediction: (image) => ({ source: { format: 'geojson-features', file: input.path, entries: byIndex.get(image.foldIndex) ?? [] }, ...(classes !== undefined && { classes }) }),
    };
  }
  if (input.files.length === 0) throw new PannukeError('BAD_OPTION', `a ${input.format} prediction is a folder of per-image files`, { file: input.path, hint: 'give the folder that holds them' });
  const { byIndex, unmatched } = matchFiles(input.files, o.names ?? '{fold}_{index}', o.fold, gtImages);
  if (unmatched.length > 0 && o.ignoreUnmatched !== true) {
    throw new PannukeError('FOLD_MISMATCH', `${unmatched.length} file${unmatched.length > 1 ? 's' : ''} match${unmatched.length > 1 ? '' : 'es'} no image of fold ${o.fold} (first: ${path.basename(unmatched[0] as string)}; names are matched as '${o.names ?? '{fold}_{index}'}')`, {
      file: input.path, hint: 'name files {fold}_{fold_index}, give --names <template>, or --ignore-unmatched',
    });
  }
  const used = [...byIndex.values()].sort();
  const csvs = input.format === 'labels' ? used.map(classCsvOf).filter((f) => fs.existsSync(f)) : [];
  // Label images with no class CSV at all are a class-agnostic prediction; some with and some without, an error.
  const agnostic = input.format === 'labels' && csvs.length === 0;
  if (input.format === 'labels' && !agnostic && csvs.length < used.length) {
    const without = used.find((f) => !fs.existsSync(classCsvOf(f))) as string;
    throw new PannukeError('FILE_MISSING', `no classes for this label image: expected ${path.basename(classCsvOf(without))} beside it (${used.length - csvs.length} of ${used.length} images have none)`, {
      file: without, hint: 'give every image its CSV (instance_id,class_id), or none for a class-agnostic evaluation',
    });
  }
  const { bytes, fingerprint } = await filesFingerprint([...used, ...csvs].sort());
  const format = input.format;
  if (format === 'npy') throw new Error('unreachable: npy is prepared by prepareNpy');
  return {
    ...base, source: path.resolve(input.path), bytes, fingerprint, file: input.path, unmatched,
    withoutFile: gtImages.filter((g) => !byIndex.has(g.foldIndex)).length,
    ...(agnostic && { options: { ...base.options, classAgnostic: true } }),
    prediction: (image) => ({ source: format === 'labels' ? { format, file: byIndex.get(image.foldIndex), agnostic } : { format, file: byIndex.get(image.foldIndex) }, ...(classes !== undefined && { classes }) }),
  };
}

async function evaluateImages(pool: EvalPool, store: Store, o: EvalRunOptions, prepared: Prepared, todo: readonly { id: number; foldIndex: number }[], writer: EvalWriter, summary: EvalRunSummary, shape: { height: number; width: number; channels: number }): Promise<void> {
  const written: number[] = [];
  let batch: EvaluatedImage[] = [];
  const flush = async () => {
    if (batch.length === 0) return;
    const full = batch;
    batch = [];
    // Counted as written before the write: a failed write is rolled back, and remove() of nothing is harmless.
    written.push(...full.map((b) => b.imageId));
    await writer.write(full);
  };
  // Each image with its ground truth: read by the worker from a SQLite file, or here from the database when
  // the image's turn to be sent comes.
  const file = store.threadReadableFile;
  const items = (async function* () {
    for (const image of todo) yield { image, rows: file === undefined ? await readGroundTruth(store, image.id) : undefined };
  })();
  try {
    await runOrdered(pool, items, {
      inFlight: pool.size * pool.depth + 2,
      request: ({ image, rows }) => ({
        context: { file: prepared.file, fold: o.fold, index: image.foldIndex, rerun: 'eval run' },
        prediction: prepared.prediction(image), layout: { ...shape, classChannels: 5 },
        groundTruth: rows === undefined ? { file: file as string, imageId: image.id } : { nuclei: rows.map(({ id: _id, ...g }) => g) }, radius: o.radius,
      }),
      deliver: ({ image, rows }, response) => {
        if (response?.ok !== true) throw response === undefined ? new Error('unreachable: every image has a request') : PannukeError.fromJSON(response.error);
        const gtIds = rows?.map((r) => r.id) ?? response.gtIds;
        if (gtIds === undefined) throw new Error('unreachable: a worker that read the ground truth names its ids');
        batch.push({ imageId: image.id, gtIds, predicted: response.image, evaluation: response.evaluation });
        summary.images++;
        summary.predictedNuclei += response.image.nucleusCount;
        if (response.painted !== undefined) for (const k of ['nuclei', 'hiddenPixels', 'hiddenNuclei', 'skipped', 'untyped', 'invalid'] as const) summary.painted[k] += response.painted[k];
        o.onProgress?.(summary.images, todo.length, summary.predictedNuclei);
        // A promise only when a batch is written: the other images are delivered synchronously.
        return batch.length >= (o.batchSize ?? 32) ? flush() : undefined;
      },
      idle: () => store.idle(),
    });
    // Every image is back: the threads end while the last batch is written (closed again by the caller: idempotent).
    void pool.close();
    await flush();
    // The threads hold the file open (each reads the ground truth) until they have ended, and only then can
    // the close return it to rollback-journal mode: the log is copied into the file now, while they end.
    store.idle();
  } catch (e) {
    // Bad input (a NaN in the prediction): this run's images are removed, so the set is as it was.
    await writer.remove(written).catch(() => undefined);
    throw e;
  }
}
