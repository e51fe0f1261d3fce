/**
 * Lossless verification: re-reads the masks and proves that the database reproduces them. Every stored
 * outline is first checked to be the geometry the contract promises (geometry.ts: grid vertices, axis-parallel
 * edges, orientation, shoelace area = area); then, for every image and class channel, every contour is filled
 * back into a raster (pixel centres inside the polygon) and compared with the source channel pixel by pixel;
 * row counts and areas are checked on the way. The first problem of each nucleus is reported.
 */
import { and, asc, eq, gte } from 'drizzle-orm';
import { CLASS_CHANNELS, MASK_CHANNELS, type OpenFold } from '../dataset/fold.js';
import type { Db } from '../db/open.js';
import { images, nuclei } from '../db/schema.js';
import { fillPolygons } from '../extract/raster.js';
import { decodeWkb } from '../extract/wkb.js';
import { decodeNumeric } from '../npy/decode.js';
import { yielder } from '../interrupt.js';
import { outlineProblem } from './geometry.js';

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
  onProgress?: (done: number, total: number, nuclei: number) => void;
}

export async function verify(db: Db, folds: readonly OpenFold[], options: VerifyOptions = {}): Promise<VerifyReport> {
  const cap = options.maxMismatches ?? 20;
  const report: VerifyReport = { images: 0, nuclei: 0, mismatches: [], truncated: false };
  const total = folds.reduce((s, f) => s + f.count, 0);
  const findImage = (fold: number, foldIndex: number) =>
    db.select({ id: images.id, nucleusCount: images.nucleusCount, width: images.width, height: images.height }).from(images)
      .where(and(eq(images.fold, fold), eq(images.foldIndex, foldIndex))).get();
  const rowsOf = (imageId: number) =>
    db.select({ classId: nuclei.classId, instanceId: nuclei.instanceId, area: nuclei.area, parts: nuclei.parts, holes: nuclei.holes, contour: nuclei.contour }).from(nuclei)
      .where(eq(nuclei.imageId, imageId)).orderBy(asc(nuclei.classId), asc(nuclei.instanceId)).all();

  const add = (m: Mismatch) => {
    if (report.mismatches.length < cap) report.mismatches.push(m);
    else report.truncated = true;
  };
  const pause = yielder();
  for (const fold of folds) {
    const dtype = fold.masks.header.dtype;
    if (dtype.kind !== 'numeric') throw new Error('unreachable: openFold checks the masks dtype');
    const hw = fold.height * fold.width;
    const raster = new Float64Array(CLASS_CHANNELS * hw);
    const extra = db.select({ i: images.foldIndex }).from(images).where(and(eq(images.fold, fold.fold), gte(images.foldIndex, fold.count))).all();
    for (const { i } of extra) add({ fold: fold.fold, foldIndex: i, problem: `image in the database but not in the fold (N = ${fold.count})` });

    const indexes = Array.from({ length: fold.count }, (_, i) => i);
    for await (const { index: i, bytes } of fold.masks.read(indexes)) {
      if (report.truncated) break;
      report.images++;
      await pause();
      const image = findImage(fold.fold, i);
      if (image === undefined) {
        add({ fold: fold.fold, foldIndex: i, problem: 'image missing from the database' });
        continue;
      }
      if (image.width !== fold.width || image.height !== fold.height) {
        add({ fold: fold.fold, foldIndex: i, problem: `size ${image.width}×${image.height} in the database, ${fold.width}×${fold.height} in the fold` });
      }
      const rows = rowsOf(image.id);
      report.nuclei += rows.length;
      options.onProgress?.(report.images, total, report.nuclei);
      if (rows.length !== image.nucleusCount) add({ fold: fold.fold, foldIndex: i, problem: `nucleus_count ${image.nucleusCount}, but ${rows.length} rows` });

      raster.fill(0);
      for (const row of rows) {
        const c = row.classId - 1;
        const problem = outlineProblem(row, fold.width, fold.height);
        if (problem !== undefined) {
          add({ fold: fold.fold, foldIndex: i, channel: c, problem: `id ${row.instanceId}: ${problem}` });
          continue;
        }
        let filled = 0;
        let clash = false;
        fillPolygons(decodeWkb(row.contour), fold.width, fold.height, (r, q) => {
          const p = c * hw + r * fold.width + q;
          if (raster[p] !== 0) clash = true;
          raster[p] = row.instanceId;
          filled++;
        });
        if (clash) add({ fold: fold.fold, foldIndex: i, channel: c, problem: `contour of id ${row.instanceId} overlaps another nucleus of its class` });
        else if (filled !== row.area) add({ fold: fold.fold, foldIndex: i, channel: c, problem: `contour of id ${row.instanceId} covers ${filled} pixels, area is ${row.area}` });
      }
      const values = decodeNumeric(bytes, dtype);
      for (let c = 0; c < CLASS_CHANNELS; c++) {
        for (let p = 0; p < hw; p++) {
          const source = values[p * MASK_CHANNELS + c] as number;
          const rebuilt = raster[c * hw + p] as number;
          if (source !== rebuilt) {
            const row = Math.floor(p / fold.width), col = p % fold.width;
            add({ fold: fold.fold, foldIndex: i, channel: c, problem: `pixel (row ${row}, col ${col}) is ${source} in the mask, ${rebuilt} from the contours` });
            break; // one report per channel is enough to locate it
          }
        }
      }
    }
  }
  return report;
}
