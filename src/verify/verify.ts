/**
 * Lossless verification: re-reads the masks and proves that the database reproduces them. Every stored
 * outline is checked to be the geometry the contract promises and filled back into a raster that must equal
 * the mask's channel pixel by pixel (check.ts), on the worker threads: the main thread reads each image's rows
 * from the database, SQLite or PostgreSQL (and, from a zip, streams the records) and collects the problems in
 * image order.
 */
import os from 'node:os';
import { CLASS_CHANNELS, MASK_CHANNELS, type OpenFold } from '../dataset/fold.js';
import type { Store } from '../db/store.js';
import { PannukeError } from '../errors.js';
import { checkedOnFailure, recordRefs } from '../npy/source.js';
import { isBadMaskValue } from '../extract/regions.js';
import { runOrdered } from '../pipeline/ordered.js';
import { WorkerPool } from '../pipeline/pool.js';
import { THREADS } from '../worker-threads.js';
import type { ImageProblem, StoredNucleus } from './check.js';
import type { VerifyRequest, VerifyResponse } from './protocol.js';

export interface Mismatch {
  fold: number;
  foldIndex: number;
  /** Mask channel, when the problem is in one. */
  channel?: number;
  problem: string;
}

export interface VerifyReport {
  images: number;
  nuclei: number;
  /** All mismatches found (capped by `maxMismatches`). */
  mismatches: Mismatch[];
  /** Whether the scan stopped early at the cap. */
  truncated: boolean;
}

export interface VerifyOptions {
  maxMismatches?: number;
  workers?: number;
  onProgress?: (done: number, total: number, nuclei: number) => void;
}

/** What the database holds for one image of a fold: its row and its nuclei, or nothing. */
interface StoredImage {
  image?: { id: number; nucleusCount: number; width: number; height: number };
  rows: StoredNucleus[];
}

async function storedImage(store: Store, fold: number, index: number): Promise<StoredImage> {
  const row = (await store.all('SELECT id, nucleus_count, width, height FROM images WHERE fold = ? AND fold_index = ?', [fold, index])).rows[0];
  if (row === undefined) return { rows: [] };
  const [id, nucleusCount, width, height] = row as [number, number, number, number];
  const rows = (await store.all('SELECT class_id, instance_id, area, parts, holes, contour FROM nuclei WHERE image_id = ? ORDER BY class_id, instance_id', [id])).rows
    .map(([classId, instanceId, area, parts, holes, contour]) => ({ classId, instanceId, area, parts, holes, contour }) as StoredNucleus);
  return { image: { id, nucleusCount, width, height }, rows };
}

export async function verify(store: Store, folds: readonly OpenFold[], options: VerifyOptions = {}): Promise<VerifyReport> {
  const cap = options.maxMismatches ?? 20;
  const report: VerifyReport = { images: 0, nuclei: 0, mismatches: [], truncated: false };
  const total = folds.reduce((s, f) => s + f.count, 0);
  const add = (m: Mismatch) => {
    if (report.mismatches.length < cap) report.mismatches.push(m);
    else report.truncated = true;
  };
  const pool = new WorkerPool<VerifyRequest, VerifyResponse>(Math.max(1, options.workers ?? os.availableParallelism()), {
    threads: THREADS.verification,
    transfer: (r) => ('buffer' in r.record ? [r.record.buffer] : []),
  });
  try {
    for (const fold of folds) {
      if (report.truncated) break;
      const extra = (await store.all('SELECT fold_index FROM images WHERE fold = ? AND fold_index >= ? ORDER BY fold_index', [fold.fold, fold.count])).rows;
      for (const [i] of extra) add({ fold: fold.fold, foldIndex: i as number, problem: `image in the database but not in the fold (N = ${fold.count})` });
      await verifyFold(store, fold, pool, report, add, (done) => options.onProgress?.(done, total, report.nuclei));
    }
  } finally {
    await pool.close();
  }
  return report;
}

async function verifyFold(store: Store, fold: OpenFold, pool: WorkerPool<VerifyRequest, VerifyResponse>, report: VerifyReport, add: (m: Mismatch) => void, progress: (done: number) => void): Promise<void> {
  const dtype = fold.masks.header.dtype;
  if (dtype.kind !== 'numeric') throw new Error('unreachable: openFold checks the masks dtype');
  const layout = { height: fold.height, width: fold.width, channels: MASK_CHANNELS, classChannels: CLASS_CHANNELS };
  const masks = fold.masks;
  const indexes = Array.from({ length: fold.count }, (_, i) => i);
  type Item = { index: number; record: VerifyRequest['record']; stored: StoredImage; own?: Mismatch[] };
  // Each record with what the database holds for it, read as its turn to be sent comes.
  const items = (async function* () {
    for await (const r of recordRefs(masks, indexes)) yield { ...r, stored: await storedImage(store, fold.fold, r.index) } as Item;
  })();
  // Garbage decoded from a zip member is checked against its CRC-32 first: a damaged download says so.
  await checkedOnFailure(masks, () => runOrdered<Item, VerifyRequest, VerifyResponse>(pool, items, {
    inFlight: pool.size * pool.depth + 2,
    stop: () => report.truncated,
    request: (item) => {
      const { index, record } = item;
      const { image, rows } = item.stored;
      if (image === undefined) {
        if ('buffer' in record) masks.recycle(record.buffer);
        item.own = [{ fold: fold.fold, foldIndex: index, problem: 'image missing from the database' }];
        return undefined;
      }
      report.nuclei += rows.length;
      item.own = [];
      if (image.width !== fold.width || image.height !== fold.height) item.own.push({ fold: fold.fold, foldIndex: index, problem: `size ${image.width}×${image.height} in the database, ${fold.width}×${fold.height} in the fold` });
      if (rows.length !== image.nucleusCount) item.own.push({ fold: fold.fold, foldIndex: index, problem: `nucleus_count ${image.nucleusCount}, but ${rows.length} rows` });
      return { context: { file: fold.files.masks, fold: fold.fold, index }, record, dtype, layout, rows };
    },
    deliver: ({ index, own }, response) => {
      if (response?.record !== undefined) masks.recycle(response.record);
      if (response !== undefined && !response.ok) throw PannukeError.fromJSON(response.error);
      for (const m of own ?? []) add(m);
      for (const p of response?.problems ?? []) add({ fold: fold.fold, foldIndex: index, ...(p as ImageProblem) });
      report.images++;
      progress(report.images);
    },
  }), isBadMaskValue);
}
