/**
 * The training export: images.npy, masks.npy and types.npy in PanNuke's own layout and dtypes for a set of
 * images, with masks rebuilt from the stored contours (every nucleus of each image, its id in its class
 * channel), so training code written for PanNuke reads them unchanged. Channel 5 (background) and the H&E
 * pixels are copied from the source files. `index.csv` maps each row back to (fold, fold_index).
 *
 * Rebuilt channels 0..4 equal the source channels exactly: the contours are exact, and filling them is the
 * inverse of tracing them (tested bit for bit).
 */
import fs from 'node:fs';
import path from 'node:path';
import { CLASS_CHANNELS, MASK_CHANNELS, type OpenFold } from '../dataset/fold.js';
import type { Store } from '../db/store.js';
import { PannukeError } from '../errors.js';
import { fillPolygons } from '../extract/raster.js';
import { decodeWkb } from '../extract/wkb.js';
import { decodeNumeric } from '../npy/decode.js';
import { encodeUnicode, formatHeader, NpyWriter } from '../npy/writer.js';
import { csvField } from './text.js';
import { yielder } from '../interrupt.js';
import { chosenImages } from './training.js';

export interface MaskExportSummary {
  images: number;
  /** Nuclei drawn into the masks. */
  nuclei: number;
  /** Of those, the subset's own members (= nuclei without a subset, or with membersOnly). */
  members: number;
  dir: string;
}

export interface MaskExportOptions {
  /** Only the images of this subset. */
  subsetId?: number;
  /** With a subset: draw only its members (other nuclei of its images are left out of channels 0..4). */
  membersOnly?: boolean;
  onImage?: (done: number, total: number, nuclei: number) => void;
}

export async function exportMasks(store: Store, folds: readonly OpenFold[], out: string, options: MaskExportOptions = {}): Promise<MaskExportSummary> {
  const { subsetId, onImage } = options;
  const pause = yielder();
  const chosen = await chosenImages(store, subsetId);
  const byFold = new Map(folds.map((f) => [f.fold, f]));
  for (const fold of new Set(chosen.map((c) => c.fold))) {
    if (!byFold.has(fold)) throw new PannukeError('FOLD_NOT_FOUND', `fold ${fold} is needed for the export but was not found under --data`, { hint: 'point --data at the folder the database was ingested from' });
  }
  const first = folds.find((f) => chosen.some((c) => c.fold === f.fold));
  if (first === undefined) throw new PannukeError('SUBSET', 'nothing to export: no images selected');
  const { height, width } = first;
  for (const f of folds) {
    if (chosen.some((c) => c.fold === f.fold) && (f.height !== height || f.width !== width)) {
      throw new PannukeError('FOLD_MISMATCH', `folds differ in image size (${f.width}×${f.height} vs ${width}×${height}); export them separately`, { file: f.files.masks });
    }
  }
  const n = chosen.length;
  const nucleiOf = async (imageId: number) => (subsetId === undefined
    ? await store.all('SELECT class_id, instance_id, contour, id FROM nuclei WHERE image_id = ? ORDER BY class_id, instance_id', [imageId])
    : await store.all(`SELECT n.class_id, n.instance_id, n.contour, m.nucleus_id FROM nuclei n
                         LEFT JOIN subset_members m ON m.nucleus_id = n.id AND m.subset_id = ? WHERE n.image_id = ? ORDER BY n.class_id, n.instance_id`, [subsetId, imageId])
  ).rows.map(([classId, instanceId, contour, member]) => ({ classId, instanceId, contour, member }) as { classId: number; instanceId: number; contour: Uint8Array; member: number | null });
  let memberCount = 0;
  const imagesOut = new NpyWriter(path.join(out, 'images.npy'), '<f8', [n, height, width, 3], 8);
  const masksOut = new NpyWriter(path.join(out, 'masks.npy'), '<f8', [n, height, width, MASK_CHANNELS], 8);
  const hw = height * width;
  const mask = new Float64Array(hw * MASK_CHANNELS);
  let nucleusCount = 0;
  const index: string[] = ['row,fold,fold_index,image_id,tissue'];
  try {
    let row = 0;
    for (const fold of folds) {
      const mine = chosen.filter((c) => c.fold === fold.fold); // in fold_index order
      if (mine.length === 0) continue;
      const dtype = fold.masks.header.dtype;
      const imageDtype = fold.images.header.dtype;
      if (dtype.kind !== 'numeric' || imageDtype.kind !== 'numeric') throw new Error('unreachable: openFold checks the dtypes');
      const indexes = mine.map((c) => c.foldIndex);
      // Each file is read in one pass, in fold order (a stream from a zip cannot go back).
      const imageRecords = fold.images.read(indexes)[Symbol.asyncIterator]();
      let k = 0;
      for await (const { bytes } of fold.masks.read(indexes)) {
        const image = mine[k++] as (typeof mine)[number];
        const pixels = await imageRecords.next();
        if (pixels.done === true) throw new Error('unreachable: images.npy has as many records as masks.npy');
        // The H&E pixels, as float64 whatever the source dtype.
        imagesOut.append(decodeNumeric(pixels.value.bytes, imageDtype));
        // Channel 5 from the source; channels 0..4 rebuilt from the contours.
        const values = decodeNumeric(bytes, dtype);
        mask.fill(0);
        for (let p = 0; p < hw; p++) mask[p * MASK_CHANNELS + 5] = values[p * MASK_CHANNELS + 5] as number;
        const all = await nucleiOf(image.id);
        const rows = options.membersOnly === true ? all.filter((r) => r.member !== null) : all;
        memberCount += all.filter((r) => r.member !== null).length;
        for (const r of rows) {
          const c = r.classId - 1;
          if (c < 0 || c >= CLASS_CHANNELS) continue;
          fillPolygons(decodeWkb(r.contour), width, height, (y, x) => {
            mask[(y * width + x) * MASK_CHANNELS + c] = r.instanceId;
          });
        }
        nucleusCount += rows.length;
        masksOut.append(mask);
        index.push([row, image.fold, image.foldIndex, image.id, image.tissue].map((v) => csvField(v)).join(','));
        row++;
        onImage?.(row, n, nucleusCount);
        await pause();
      }
      await imageRecords.return?.();
    }
  } finally {
    imagesOut.close();
    masksOut.close();
  }
  const names = chosen.map((c) => c.tissue);
  const widthChars = Math.max(13, ...names.map((s) => [...s].length));
  fs.writeFileSync(path.join(out, 'types.npy'), Buffer.concat([formatHeader(`<U${widthChars}`, [n]), encodeUnicode(names, widthChars)]));
  fs.writeFileSync(path.join(out, 'index.csv'), `${index.join('\n')}\n`);
  return { images: n, nuclei: nucleusCount, members: memberCount, dir: out };
}
