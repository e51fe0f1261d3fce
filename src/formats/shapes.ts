/**
 * What every prediction format reads into: per image, the predicted nuclei as pixel sets with a class, in the
 * order the file lists them. Painting them into a PanNuke label record (H × W × 6 float64: channels 0..4
 * instance ids per class, 5 background) is what makes every format evaluate exactly as the masks.npy it stands
 * for: the same extract stage and the same matching read that record.
 */

/** PanNuke's classes, 1..5: channel classId − 1. */
export const CLASS_COUNT = 5;
const CHANNELS = 6;

export interface PredictedShape {
  /** 1..5 (Neoplastic, Inflammatory, Connective, Dead, Epithelial); 0 for a nucleus given no class (HoVer-Net's type 0). */
  classId: number;
  /** Pixel indexes, row × width + col (any order, no repeats needed). */
  pixels: Int32Array;
}

export interface PaintSummary {
  /** Nuclei painted. */
  nuclei: number;
  /** Pixels of a nucleus painted over by a later nucleus of the same class. */
  hiddenPixels: number;
  /** Nuclei left with no pixel of their own (painted over whole, or empty). */
  hiddenNuclei: number;
}

export interface PaintedRecord {
  record: Float64Array;
  summary: PaintSummary;
  /** Per shape, its id in its class channel (its rank among that class's shapes, from 1). */
  ids: Int32Array;
  /** The shapes that lost a pixel to a later one of their class (or were empty), in order. */
  lost: number[];
}

/**
 * The label record of `shapes`: nucleus k of class c gets id (its rank among class c's nuclei) in channel
 * c − 1; a later nucleus of the same class overwrites an earlier one on shared pixels, as painting a label map
 * does (PanNuke's own masks hold one id per pixel and class). Nuclei of different classes keep their pixels
 * (the masks' channels may overlap). Background (channel 5) is 1 where no class is set.
 */
export function paintRecord(shapes: readonly PredictedShape[], height: number, width: number, into?: Float64Array): PaintedRecord {
  const hw = height * width;
  const record = into !== undefined && into.length === hw * CHANNELS ? into.fill(0) : new Float64Array(hw * CHANNELS);
  for (let p = 0; p < hw; p++) record[p * CHANNELS + CLASS_COUNT] = 1;
  // Pixels each nucleus still owns, per class by id (ids are 1..n per class, in file order).
  const owned: number[][] = Array.from({ length: CLASS_COUNT }, () => [0]);
  // Per class, the shape each id came from.
  const shapeOf: number[][] = Array.from({ length: CLASS_COUNT }, () => [-1]);
  const summary: PaintSummary = { nuclei: shapes.length, hiddenPixels: 0, hiddenNuclei: 0 };
  const ids = new Int32Array(shapes.length);
  const lost = new Uint8Array(shapes.length);
  shapes.forEach((shape, k) => {
    const c = shape.classId - 1;
    if (!(c >= 0 && c < CLASS_COUNT)) throw new RangeError(`paintRecord: class ${shape.classId} is not 1..5`);
    const counts = owned[c] as number[];
    const id = counts.length;
    counts.push(0);
    (shapeOf[c] as number[]).push(k);
    ids[k] = id;
    for (const p of shape.pixels) {
      const at = p * CHANNELS + c;
      const before = record[at] as number;
      if (before === id) continue; // a pixel listed twice
      if (before !== 0) {
        summary.hiddenPixels++;
        counts[before]!--;
        lost[(shapeOf[c] as number[])[before] as number] = 1;
      }
      record[at] = id;
      record[p * CHANNELS + CLASS_COUNT] = 0;
      counts[id]!++;
    }
  });
  owned.forEach((counts, c) => {
    for (let id = 1; id < counts.length; id++) {
      if (counts[id] !== 0) continue;
      summary.hiddenNuclei++;
      lost[(shapeOf[c] as number[])[id] as number] = 1;
    }
  });
  const lostShapes: number[] = [];
  lost.forEach((l, k) => { if (l === 1) lostShapes.push(k); });
  return { record, summary, ids, lost: lostShapes };
}

/**
 * `record` with class channel `classId − 1` holding `shape` alone (id `id`), the other channels as they are:
 * the record in which a shape that lost pixels to a later one of its class is measured whole.
 */
export function recordWithAlone(record: Float64Array, shape: PredictedShape, id: number, into?: Float64Array): Float64Array {
  const alone = into !== undefined && into.length === record.length ? into : new Float64Array(record.length);
  alone.set(record);
  const c = shape.classId - 1;
  for (let at = c; at < alone.length; at += CHANNELS) alone[at] = 0;
  for (const p of shape.pixels) alone[p * CHANNELS + c] = id;
  return alone;
}
