/**
 * COCO results (detectron2, mmdetection, YOLO's COCO export): a JSON array of `{image_id, category_id,
 * segmentation, score}`. `image_id` is the database's `images.id`,
 * `category_id` the class 1..5, `segmentation` an RLE `{size: [h, w], counts}`, its counts an array or the
 * compressed string pycocotools writes, or polygons (rasterized as pycocotools does: ./coco-polygon.ts). RLE is column-major: runs of 0s and 1s alternate, starting with 0s,
 * down each column in turn. Scores are not used: PanNuke's metrics take every predicted instance.
 */
import { PannukeError } from '../errors.js';
import { polygonPixels } from './coco-polygon.js';
import type { PredictedShape } from './shapes.js';

export interface CocoResult {
  image_id: number;
  category_id: number;
  segmentation: { size: [number, number]; counts: string | number[] } | number[][];
}

/**
 * The counts of a compressed RLE string, as pycocotools' rleFrString reads it: each count is 5-bit groups in
 * characters from '0' (48), low group first, 0x20 meaning another group follows, 0x10 in the last group the
 * sign; from the third count on, each is a difference from the count two before.
 */
export function decodeRleString(s: string, file: string, where: string): number[] {
  const counts: number[] = [];
  let p = 0;
  while (p < s.length) {
    let x = 0, k = 0, more = true;
    while (more) {
      if (p >= s.length) throw new PannukeError('FOLD_MISMATCH', 'the RLE string ends inside a count', { file, position: where });
      const c = s.charCodeAt(p) - 48;
      if (c < 0 || c > 63) throw new PannukeError('FOLD_MISMATCH', `character '${s[p]}' is not RLE`, { file, position: `${where}, character ${p}` });
      x |= (c & 0x1f) << (5 * k);
      more = (c & 0x20) !== 0;
      p++;
      k++;
      if (!more && (c & 0x10) !== 0) x |= -1 << (5 * k);
    }
    if (counts.length > 2) x += counts[counts.length - 2] as number;
    counts.push(x);
  }
  return counts;
}

/** The pixels (row × width + col) a segmentation sets (an RLE, or polygons: ./coco-polygon.ts), checked against the image's size. */
export function rlePixels(seg: unknown, width: number, height: number, file: string, where: string): Int32Array {
  if (Array.isArray(seg)) return polygonPixels(seg, width, height, file, where);
  const s = seg as { size?: unknown; counts?: unknown };
  if (s === null || typeof s !== 'object' || !Array.isArray(s.size) || s.counts === undefined) {
    throw new PannukeError('FOLD_MISMATCH', 'segmentation is neither an RLE {size, counts} nor a list of polygons', { file, position: where });
  }
  const [h, w] = s.size as [unknown, unknown];
  if (h !== height || w !== width) throw new PannukeError('FOLD_MISMATCH', `RLE size [${String(h)}, ${String(w)}], the image is ${height} × ${width}`, { file, position: where });
  const counts = typeof s.counts === 'string' ? decodeRleString(s.counts, file, where) : (s.counts as unknown[]);
  const out: number[] = [];
  let at = 0;
  counts.forEach((c, i) => {
    if (typeof c !== 'number' || !Number.isInteger(c) || c < 0) throw new PannukeError('FOLD_MISMATCH', `RLE count ${i} is ${String(c)}`, { file, position: where });
    if (at + c > width * height) throw new PannukeError('FOLD_MISMATCH', `the RLE covers more than ${width * height} pixels`, { file, position: where });
    if (i % 2 === 1) for (let q = at; q < at + c; q++) out.push((q % height) * width + Math.floor(q / height));
    at += c;
  });
  return Int32Array.from(out).sort();
}

/** A result's image id, the result checked for the fields used (called on each as the file is streamed). */
export function resultImage(file: string): (r: unknown, k: number) => number {
  return (r, k) => {
    const e = r as Partial<CocoResult> | null;
    if (e === null || typeof e !== 'object' || Array.isArray(e) || typeof e.image_id !== 'number' || typeof e.category_id !== 'number') {
      throw new PannukeError('FOLD_MISMATCH', 'expected {image_id, category_id, segmentation}', { file, position: `result ${k}` });
    }
    return e.image_id;
  };
}

/** The nuclei of one image's results (`numbers`: each result's place in the file, for messages). */
export function cocoShapes(results: readonly CocoResult[], width: number, height: number, file: string, numbers?: readonly number[]): PredictedShape[] {
  return results.map((r, k) => {
    const where = `result ${numbers?.[k] ?? k} (image_id ${r.image_id})`;
    if (!Number.isInteger(r.category_id) || r.category_id < 1 || r.category_id > 5) {
      throw new PannukeError('FOLD_MISMATCH', `category_id ${r.category_id} is not a PanNuke class (1..5)`, { file, position: where });
    }
    return { classId: r.category_id, pixels: rlePixels(r.segmentation, width, height, file, where) };
  });
}

/**
 * The compressed RLE of a pixel set (row × width + col), as pycocotools' encode writes it: column-major runs
 * of 0s and 1s (0s first), each count from the third on as the difference from the count two before, in
 * 5-bit groups from '0' (48), 0x20 for "more follows", the last group's 0x10 carrying the sign.
 */
export function encodeRle(pixels: ArrayLike<number>, width: number, height: number): { size: [number, number]; counts: string } {
  const inside = new Uint8Array(width * height);
  for (let k = 0; k < pixels.length; k++) {
    const p = pixels[k] as number;
    inside[(p % width) * height + Math.floor(p / width)] = 1; // column-major position
  }
  const counts: number[] = [];
  let value = 0, run = 0;
  for (let q = 0; q < inside.length; q++) {
    if (inside[q] !== value) {
      counts.push(run);
      run = 0;
      value = inside[q] as number;
    }
    run++;
  }
  counts.push(run);
  let out = '';
  counts.forEach((c, i) => {
    let x = i > 2 ? c - (counts[i - 2] as number) : c;
    let more = true;
    while (more) {
      let ch = x & 0x1f;
      x >>= 5;
      more = (ch & 0x10) !== 0 ? x !== -1 : x !== 0;
      if (more) ch |= 0x20;
      out += String.fromCharCode(ch + 48);
    }
  });
  return { size: [height, width], counts: out };
}
