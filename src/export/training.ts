/**
 * Training sets in the layouts models train on (issue 21), written from the database and the H&E pixels of
 * the source folds, image by image: `images` (PNG per image and index.csv) and `coco` (COCO instances with
 * exact compressed-RLE masks). Each image's file is named `{fold}_{fold_index}`: the names `eval run` matches
 * predictions by.
 */
import fs from 'node:fs';
import path from 'node:path';
import { encode as encodePng } from 'fast-png';
import type { OpenFold } from '../dataset/fold.js';
import { CLASS_NAMES } from '../db/schema.js';
import { TOOL_VERSION } from '../meta/package.js';
import type { Store } from '../db/store.js';
import { PannukeError } from '../errors.js';
import { fillPolygons } from '../extract/raster.js';
import { decodeWkb } from '../extract/wkb.js';
import { encodeRle } from '../formats/coco.js';
import { encodeTiff32 } from '../formats/tiff.js';
import { traceBoundary } from '../formats/boundary.js';
import { NpyWriter } from '../npy/writer.js';
import { yielder } from '../interrupt.js';
import { decodeNumeric } from '../npy/decode.js';
import { csvField } from './text.js';

export interface ChosenImage {
  id: number;
  fold: number;
  foldIndex: number;
  tissue: string;
}

/** The images of the database, or of a subset, in (fold, fold_index) order. */
export async function chosenImages(store: Store, subsetId?: number): Promise<ChosenImage[]> {
  return (subsetId === undefined
    ? await store.all('SELECT i.id, i.fold, i.fold_index, t.name FROM images i JOIN tissues t ON t.id = i.tissue_id ORDER BY i.fold, i.fold_index')
    : await store.all(`SELECT DISTINCT i.id, i.fold, i.fold_index, t.name FROM subset_members m JOIN images i ON i.id = m.image_id
                         JOIN tissues t ON t.id = i.tissue_id WHERE m.subset_id = ? ORDER BY i.fold, i.fold_index`, [subsetId])
  ).rows.map(([id, fold, foldIndex, tissue]) => ({ id, fold, foldIndex, tissue }) as ChosenImage);
}

/** The images a training export writes; none is an error (an empty layout helps no one). */
async function imagesToExport(store: Store, subsetId?: number): Promise<ChosenImage[]> {
  const chosen = await chosenImages(store, subsetId);
  if (chosen.length === 0) throw new PannukeError('SUBSET', 'nothing to export: no images selected');
  return chosen;
}

/** `{fold}_{fold_index}`: the base name of every per-image file a training export writes. */
export const imageName = (image: { fold: number; foldIndex: number }) => `${image.fold}_${image.foldIndex}`;

/**
 * An image's H&E pixels as 8-bit RGB: every value must be a whole number in 0..255 (PanNuke's images.npy
 * holds float64 values that are whole numbers in that range); anything else is refused, naming the place.
 */
export function rgb8(values: Float64Array, image: ChosenImage, width: number, file: string): Uint8Array {
  const out = new Uint8Array(values.length);
  for (let k = 0; k < values.length; k++) {
    const v = values[k] as number;
    if (!(v >= 0 && v <= 255 && Number.isInteger(v))) {
      const p = Math.floor(k / 3);
      throw new PannukeError('BAD_MASK_VALUE', `pixel value ${v} is not a whole number in 0..255`, {
        file, position: `fold ${image.fold}, image ${image.foldIndex}, row ${Math.floor(p / width)}, col ${p % width}, channel ${k % 3}`,
        hint: 'PNG holds 8-bit RGB: rescale the images to 0..255 first',
      });
    }
    out[k] = v;
  }
  return out;
}

/** The H&E pixels of `chosen`, fold by fold in fold_index order (one pass over each images.npy). */
async function* imagePixels(folds: readonly OpenFold[], chosen: readonly ChosenImage[]): AsyncGenerator<{ image: ChosenImage; rgb: Uint8Array; width: number; height: number }> {
  const byFold = new Map(folds.map((f) => [f.fold, f]));
  for (const fold of new Set(chosen.map((c) => c.fold))) {
    if (!byFold.has(fold)) throw new PannukeError('FOLD_NOT_FOUND', `fold ${fold} is needed for the export but was not found`, { hint: 'point --data at the folder the database was ingested from' });
  }
  for (const fold of folds) {
    const mine = chosen.filter((c) => c.fold === fold.fold);
    if (mine.length === 0) continue;
    const dtype = fold.images.header.dtype;
    if (dtype.kind !== 'numeric') throw new Error('unreachable: openFold checks the dtypes');
    let k = 0;
    for await (const { bytes } of fold.images.read(mine.map((c) => c.foldIndex))) {
      const image = mine[k++] as ChosenImage;
      yield { image, rgb: rgb8(decodeNumeric(bytes, dtype), image, fold.width, fold.files.images), width: fold.width, height: fold.height };
    }
  }
}

/** Synchronous appends to a file (errors surface at the write that fails, named by the atomic writer). */
class FileAppender {
  private readonly fd: number;
  private buffer = '';
  constructor(readonly file: string) {
    this.fd = fs.openSync(file, 'w');
  }
  write(text: string): void {
    this.buffer += text;
    if (this.buffer.length >= 1 << 16) this.flush();
  }
  flush(): void {
    if (this.buffer !== '') fs.writeSync(this.fd, this.buffer);
    this.buffer = '';
  }
  close(): void {
    this.flush();
    fs.closeSync(this.fd);
  }
}

export interface TrainingExportOptions {
  subsetId?: number;
  /** COCO: polygons (one per part, its exterior on pixel edges; holes dropped) instead of exact RLE. */
  polygons?: boolean;
  /** With a subset: only its member nuclei (default: every nucleus of its images). */
  membersOnly?: boolean;
  onImage?: (done: number, total: number, nuclei: number) => void;
}

export interface TrainingExportSummary {
  images: number;
  nuclei: number;
}

/** `export images`: `{fold}_{fold_index}.png` (8-bit RGB) per image and index.csv (file, image_id, fold, fold_index, tissue). */
export async function exportImages(store: Store, folds: readonly OpenFold[], out: string, options: TrainingExportOptions = {}): Promise<TrainingExportSummary> {
  const chosen = await imagesToExport(store, options.subsetId);
  const pause = yielder();
  const index = ['file,image_id,fold,fold_index,tissue'];
  let done = 0;
  for await (const { image, rgb, width, height } of imagePixels(folds, chosen)) {
    const file = `${imageName(image)}.png`;
    fs.writeFileSync(path.join(out, file), encodePng({ width, height, data: rgb, channels: 3, depth: 8 }));
    index.push([file, image.id, image.fold, image.foldIndex, image.tissue].map((v) => csvField(v)).join(','));
    options.onImage?.(++done, chosen.length, 0);
    await pause();
  }
  fs.writeFileSync(path.join(out, 'index.csv'), `${index.join('\n')}\n`);
  return { images: chosen.length, nuclei: 0 };
}

/**
 * `export coco`: annotations.json (COCO instances) and images/{fold}_{fold_index}.png. With `polygons`, each
 * segmentation is a list of polygons, one per part (its exterior on pixel edges), for frameworks that need
 * polygons: holes are lost, and counted. Image `id` = images.id;
 * categories 1..5 with PanNuke's names; annotation `id` = nuclei.id, `category_id` = class_id, `iscrowd` 0,
 * `area` = the pixel count, `bbox` = [x0, y0, x1 − x0, y1 − y0] from the half-open bbox, `segmentation` = the
 * exact pixels as compressed RLE (column-major, as pycocotools writes it), holes and fragments included.
 */
export async function exportCoco(store: Store, folds: readonly OpenFold[], out: string, options: TrainingExportOptions = {}): Promise<TrainingExportSummary & { holeNuclei: number; holePixels: number }> {
  const changed = { nuclei: 0, pixels: 0 };
  const chosen = await imagesToExport(store, options.subsetId);
  const pause = yielder();
  fs.mkdirSync(path.join(out, 'images'));
  const json = new FileAppender(path.join(out, 'annotations.json'));
  let nuclei = 0;
  try {
    const byFold = new Map(folds.map((f) => [f.fold, f]));
    json.write(`{"info":${JSON.stringify({ description: 'PanNuke nuclei, exported by pannuke-db', version: TOOL_VERSION, date_created: new Date().toISOString() })},"licenses":[],\n"images":[`);
    chosen.forEach((image, k) => {
      const fold = byFold.get(image.fold);
      json.write(`${k === 0 ? '\n' : ',\n'}${JSON.stringify({ id: image.id, file_name: `${imageName(image)}.png`, width: fold?.width ?? 0, height: fold?.height ?? 0, fold: image.fold, fold_index: image.foldIndex, tissue: image.tissue })}`);
    });
    json.write('],\n"annotations":[');
    let done = 0;
    for await (const { image, rgb, width, height } of imagePixels(folds, chosen)) {
      fs.writeFileSync(path.join(out, 'images', `${imageName(image)}.png`), encodePng({ width, height, data: rgb, channels: 3, depth: 8 }));
      const rows = (options.subsetId !== undefined && options.membersOnly === true
        ? await store.all(`SELECT n.id, n.class_id, n.area, n.bbox_x0, n.bbox_y0, n.bbox_x1, n.bbox_y1, n.contour FROM nuclei n
                             JOIN subset_members m ON m.nucleus_id = n.id AND m.subset_id = ? WHERE n.image_id = ? ORDER BY n.id`, [options.subsetId, image.id])
        : await store.all('SELECT id, class_id, area, bbox_x0, bbox_y0, bbox_x1, bbox_y1, contour FROM nuclei WHERE image_id = ? ORDER BY id', [image.id])).rows;
      for (const [id, classId, area, x0, y0, x1, y1, contour] of rows as [number, number, number, number, number, number, number, Uint8Array][]) {
        const polygons = decodeWkb(contour);
        let segmentation: unknown;
        if (options.polygons === true) {
          // one flat [x1, y1, x2, y2, …] list per part: its exterior on pixel edges (the closing vertex dropped)
          segmentation = polygons.map((rings) => (rings[0] as number[]).slice(0, -2));
          const holes = polygons.reduce((s, rings) => s + rings.length - 1, 0);
          if (holes > 0) {
            let withHoles = 0, without = 0;
            fillPolygons(polygons, width, height, () => withHoles++);
            fillPolygons(polygons.map((rings) => [rings[0] as number[]]), width, height, () => without++);
            changed.nuclei++;
            changed.pixels += without - withHoles;
          }
        } else {
          const pixels: number[] = [];
          fillPolygons(polygons, width, height, (row, col) => pixels.push(row * width + col));
          segmentation = encodeRle(pixels, width, height);
        }
        const annotation = { id, image_id: image.id, category_id: classId, iscrowd: 0, area, bbox: [x0, y0, x1 - x0, y1 - y0], segmentation };
        json.write(`${nuclei === 0 ? '\n' : ',\n'}${JSON.stringify(annotation)}`);
        nuclei++;
      }
      options.onImage?.(++done, chosen.length, nuclei);
      await pause();
    }
    json.write(`],\n"categories":${JSON.stringify(CLASS_NAMES.map((name, k) => ({ id: k + 1, name, supercategory: 'nucleus' })))}}\n`);
  } finally {
    json.close();
  }
  return { images: chosen.length, nuclei, holeNuclei: changed.nuclei, holePixels: changed.pixels };
}

/** One instance map of an image: nuclei painted class by class (a later class wins a shared pixel, as binarize). */
interface InstanceMaps {
  /** Instance id per pixel (0 background): nuclei numbered 1..n in (class_id, instance_id) order. */
  instances: Uint32Array;
  /** class_id per pixel (0 background). */
  types: Uint8Array;
  /** id → class_id of the instances still visible. */
  visible: Map<number, number>;
  hiddenPixels: number;
  hiddenNuclei: number;
}

async function instanceMaps(store: Store, image: ChosenImage, width: number, height: number, subsetId: number | undefined): Promise<InstanceMaps> {
  const rows = (subsetId !== undefined
    ? await store.all(`SELECT n.class_id, n.contour FROM nuclei n JOIN subset_members m ON m.nucleus_id = n.id AND m.subset_id = ?
                        WHERE n.image_id = ? ORDER BY n.class_id, n.instance_id`, [subsetId, image.id])
    : await store.all('SELECT class_id, contour FROM nuclei WHERE image_id = ? ORDER BY class_id, instance_id', [image.id])).rows as [number, Uint8Array][];
  const instances = new Uint32Array(width * height);
  const types = new Uint8Array(width * height);
  const owned: number[] = [0];
  let hiddenPixels = 0;
  rows.forEach(([classId, contour], k) => {
    const id = k + 1;
    owned.push(0);
    fillPolygons(decodeWkb(contour), width, height, (row, col) => {
      const p = row * width + col;
      const before = instances[p] as number;
      if (before !== 0) {
        hiddenPixels++;
        owned[before]!--;
      }
      instances[p] = id;
      types[p] = classId;
      owned[id]!++;
    });
  });
  const visible = new Map<number, number>();
  rows.forEach(([classId], k) => { if ((owned[k + 1] as number) > 0) visible.set(k + 1, classId); });
  return { instances, types, visible, hiddenPixels, hiddenNuclei: rows.length - visible.size };
}

export interface LayoutSummary extends TrainingExportSummary {
  /** Pixels of a nucleus covered by a nucleus of a later class (one instance map holds one id per pixel). */
  hiddenPixels: number;
  /** Nuclei with no pixel left in the instance map. */
  hiddenNuclei: number;
}

/**
 * `export hovernet`: `{fold}_{fold_index}.npy` per image, H × W × 5 int32: RGB, instance map (1..n per image),
 * type map (class_id, 0 background): the patch layout hover_net's train_loader reads (nr_type 6 for PanNuke).
 */
export async function exportHovernet(store: Store, folds: readonly OpenFold[], out: string, options: TrainingExportOptions = {}): Promise<LayoutSummary> {
  const chosen = await imagesToExport(store, options.subsetId);
  const pause = yielder();
  const summary: LayoutSummary = { images: chosen.length, nuclei: 0, hiddenPixels: 0, hiddenNuclei: 0 };
  let done = 0;
  for await (const { image, rgb, width, height } of imagePixels(folds, chosen)) {
    const maps = await instanceMaps(store, image, width, height, options.membersOnly === true ? options.subsetId : undefined);
    const patch = new Int32Array(width * height * 5);
    for (let p = 0; p < width * height; p++) {
      patch[p * 5] = rgb[p * 3] as number;
      patch[p * 5 + 1] = rgb[p * 3 + 1] as number;
      patch[p * 5 + 2] = rgb[p * 3 + 2] as number;
      patch[p * 5 + 3] = maps.instances[p] as number;
      patch[p * 5 + 4] = maps.types[p] as number;
    }
    const writer = new NpyWriter(path.join(out, `${imageName(image)}.npy`), '<i4', [height, width, 5], 4);
    writer.append(patch);
    writer.close();
    summary.nuclei += maps.visible.size + maps.hiddenNuclei;
    summary.hiddenPixels += maps.hiddenPixels;
    summary.hiddenNuclei += maps.hiddenNuclei;
    options.onImage?.(++done, chosen.length, summary.nuclei);
    await pause();
  }
  return summary;
}

/**
 * `export labels`: per image `labels/{fold}_{fold_index}.tif` (32-bit instance label image; with `png`, a 16-bit
 * PNG, refused when an image has more than 65,535 nuclei) and `labels/{name}.csv` (instance_id,class_id of the
 * instances in the image), with `images/{name}.png`: what Cellpose, StarDist and InstanSeg train on.
 */
export async function exportLabels(store: Store, folds: readonly OpenFold[], out: string, options: TrainingExportOptions & { png?: boolean } = {}): Promise<LayoutSummary> {
  const chosen = await imagesToExport(store, options.subsetId);
  const pause = yielder();
  fs.mkdirSync(path.join(out, 'images'));
  fs.mkdirSync(path.join(out, 'labels'));
  const summary: LayoutSummary = { images: chosen.length, nuclei: 0, hiddenPixels: 0, hiddenNuclei: 0 };
  let done = 0;
  for await (const { image, rgb, width, height } of imagePixels(folds, chosen)) {
    const maps = await instanceMaps(store, image, width, height, options.membersOnly === true ? options.subsetId : undefined);
    const name = imageName(image);
    fs.writeFileSync(path.join(out, 'images', `${name}.png`), encodePng({ width, height, data: rgb, channels: 3, depth: 8 }));
    if (options.png === true) {
      const top = Math.max(0, ...maps.visible.keys());
      if (top > 65535) throw new PannukeError('BAD_OPTION', `image ${name} has instance ids up to ${top}: more than a 16-bit PNG holds`, { hint: 'write 32-bit TIFFs (without --png)' });
      fs.writeFileSync(path.join(out, 'labels', `${name}.png`), encodePng({ width, height, data: Uint16Array.from(maps.instances), channels: 1, depth: 16 }));
    } else {
      fs.writeFileSync(path.join(out, 'labels', `${name}.tif`), encodeTiff32(maps.instances, width, height));
    }
    fs.writeFileSync(path.join(out, 'labels', `${name}.csv`), `instance_id,class_id\n${[...maps.visible].map(([id, c]) => `${id},${c}\n`).join('')}`);
    summary.nuclei += maps.visible.size + maps.hiddenNuclei;
    summary.hiddenPixels += maps.hiddenPixels;
    summary.hiddenNuclei += maps.hiddenNuclei;
    options.onImage?.(++done, chosen.length, summary.nuclei);
    await pause();
  }
  return summary;
}

/** Twice the signed area of a flat ring (shoelace). */
function ringArea2(ring: readonly number[]): number {
  let a = 0;
  for (let i = 0; i + 3 < ring.length; i += 2) a += (ring[i] as number) * (ring[i + 3] as number) - (ring[i + 2] as number) * (ring[i + 1] as number);
  return a;
}

export interface YoloSummary extends TrainingExportSummary {
  /** Nuclei whose line lost something: a hole or a part other than the largest. */
  changedNuclei: number;
  /** Pixels of those nuclei the exterior of their largest part does not cover exactly (both ways). */
  changedPixels: number;
}

/**
 * `export yolo`: Ultralytics' segmentation layout: `images/{name}.png`, `labels/{name}.txt` with a line per
 * nucleus, `cls x1 y1 x2 y2 …` (cls = class_id − 1; the boundary of its largest part through pixel centres
 * (x + ½, y + ½), normalised by the image's width and height), and `data.yaml` (path, train, val, names). A line holds one
 * ring: holes and other parts are lost, and counted.
 */
export async function exportYolo(store: Store, folds: readonly OpenFold[], out: string, finalPath: string, options: TrainingExportOptions = {}): Promise<YoloSummary> {
  const chosen = await imagesToExport(store, options.subsetId);
  const pause = yielder();
  fs.mkdirSync(path.join(out, 'images'));
  fs.mkdirSync(path.join(out, 'labels'));
  const summary: YoloSummary = { images: chosen.length, nuclei: 0, changedNuclei: 0, changedPixels: 0 };
  let done = 0;
  for await (const { image, rgb, width, height } of imagePixels(folds, chosen)) {
    const name = imageName(image);
    fs.writeFileSync(path.join(out, 'images', `${name}.png`), encodePng({ width, height, data: rgb, channels: 3, depth: 8 }));
    const rows = (options.subsetId !== undefined && options.membersOnly === true
      ? await store.all(`SELECT n.class_id, n.area, n.parts, n.holes, n.contour FROM nuclei n JOIN subset_members m ON m.nucleus_id = n.id AND m.subset_id = ?
                           WHERE n.image_id = ? ORDER BY n.class_id, n.instance_id`, [options.subsetId, image.id])
      : await store.all('SELECT class_id, area, parts, holes, contour FROM nuclei WHERE image_id = ? ORDER BY class_id, instance_id', [image.id])).rows as [number, number, number, number, Uint8Array][];
    const lines: string[] = [];
    for (const [classId, area, parts, holes, contour] of rows) {
      const polygons = decodeWkb(contour);
      let best = polygons[0] as (typeof polygons)[number];
      for (const p of polygons) if (Math.abs(ringArea2(p[0] as number[])) > Math.abs(ringArea2(best[0] as number[]))) best = p;
      const ring = best[0] as number[];
      // The line is the part's boundary through pixel centres (what Ultralytics' polygon2mask, OpenCV's
      // fillPoly, fills back to the part with its holes filled), not its pixel-edge outline, which that fill
      // would grow by a pixel on two sides (mean IoU 0.73 against 0.99 on the demo data).
      const filled = new Uint8Array(width * height);
      fillPolygons([[ring]], width, height, (row, col) => { filled[row * width + col] = 1; });
      const chain = traceBoundary(filled, width, height);
      const coords: string[] = [];
      // the centre of pixel (x, y) is (x + ½, y + ½): Ultralytics' int32 cast of it × size is x again, however
      // the division rounds (x / size × size can land just below x)
      for (let i = 0; i < chain.length; i += 2) coords.push(String(((chain[i] as number) + 0.5) / width), String(((chain[i + 1] as number) + 0.5) / height));
      lines.push(`${classId - 1} ${coords.join(' ')}`);
      if (parts > 1 || holes > 0) {
        summary.changedNuclei++;
        // the exterior covers its part's holes and misses the other parts: both are changed pixels
        let exterior = 0, part = 0;
        fillPolygons([[ring]], width, height, () => exterior++);
        fillPolygons([best], width, height, () => part++);
        summary.changedPixels += (exterior - part) + (area - part);
      }
    }
    fs.writeFileSync(path.join(out, 'labels', `${name}.txt`), lines.length === 0 ? '' : `${lines.join('\n')}\n`);
    summary.nuclei += rows.length;
    options.onImage?.(++done, chosen.length, summary.nuclei);
    await pause();
  }
  const names = CLASS_NAMES.map((n, k) => `  ${k}: ${n}`).join('\n');
  fs.writeFileSync(path.join(out, 'data.yaml'), `# Ultralytics segmentation dataset written by pannuke-db ${TOOL_VERSION}\npath: ${JSON.stringify(finalPath)}\ntrain: images\nval: images\nnames:\n${names}\n`);
  return summary;
}
