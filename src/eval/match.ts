/**
 * One image of a prediction against its ground truth, on pixels: no I/O, no database (runs in the eval
 * workers). Both sides come as nuclei with their exact outlines (the ground truth's stored ones, the
 * prediction's just extracted): filled back, an outline is exactly its nucleus's pixels (what verify proves),
 * so every count below is a count of pixels.
 *
 * Modes, as PanNuke's official metrics define them (PanNuke-metrics run.py, get_fast_pq):
 *   1..5  class c: the instances of channel c − 1 of each map (every id one instance, fragments included);
 *   0     binary: the `binarize`d maps, where every (channel, id) of channels 0..4 is one instance and a later
 *         channel overwrites earlier ones on shared pixels, so an instance is its pixels still visible.
 *         Untyped predicted nuclei (class 0, listed first) are written before channel 0.
 * In each mode a pair matches when IoU = |G ∩ P| / |G ∪ P| > 0.5 (strict: at most one partner each, so no
 * assignment is needed); TP = matches, FP = predicted instances unmatched, FN = true ones unmatched,
 * iou_sum = Σ IoU over matches. `gtEmpty` is the NaN rule: the ground truth's map has a single distinct value.
 *
 * Detection (HoVer-Net compute_stats): every (channel, id) is a point of type channel + 1 at its centroid; a
 * minimum-total-distance assignment over all pairs, then pairs farther than `radius` dropped.
 */
import { fillPolygons } from '../extract/raster.js';
import { decodeWkb } from '../extract/wkb.js';
import { minCostAssignment } from './assign.js';

export const CLASS_MODES = [1, 2, 3, 4, 5] as const;
export const BINARY_MODE = 0;

export interface GtNucleus {
  classId: number;
  instanceId: number;
  centroidX: number;
  centroidY: number;
  contour: Uint8Array;
}

export interface PredNucleus {
  /** 1..5, or 0 for an untyped nucleus (a prediction format's type 0): binary figures and detection only. */
  classId: number;
  instanceId: number;
  centroidX: number;
  centroidY: number;
  /** Its exact outline (filled back, it is the nucleus's pixels: the extract stage's contract). */
  contour: Uint8Array;
}

export interface ModeCounts {
  mode: number;
  tp: number;
  fp: number;
  fn: number;
  iouSum: number;
  gtEmpty: boolean;
}

/** `gt` and `pred` index the image's ground-truth and predicted nuclei as given. */
export interface Match {
  mode: number;
  gt: number;
  pred: number;
  intersection: number;
  iou: number;
}

/** A centroid pair (both indexes) or an unpaired nucleus (the other index −1, distance NaN). */
export interface Detection {
  gt: number;
  pred: number;
  distance: number;
}

export interface ImageEvaluation {
  /** Index = mode: 0 binary, 1..5 classes. */
  counts: ModeCounts[];
  matches: Match[];
  detections: Detection[];
  /** The official script would raise on this image (see officialFailure). */
  officialFails: boolean;
}

export interface PredLayout {
  height: number;
  width: number;
  /** Channels per pixel of the prediction record (5 or 6). */
  channels: number;
}

export interface MatchScratch {
  /** Per class channel, the predicted nucleus at each pixel (1-based; 0 none). */
  predLabel?: Int32Array;
  /** The binarized maps: the last-written nucleus at each pixel (1-based; 0 none). */
  gtBin?: Int32Array;
  predBin?: Int32Array;
  gtPixels?: { buffer?: Int32Array };
  predPixels?: { buffer?: Int32Array };
}

const CLASSES = 5;

/** Pair keys → intersection pixels: g and p are 1-based local indexes. */
function addPair(pairs: Map<number, number>, g: number, p: number, stride: number): void {
  const key = g * stride + p;
  pairs.set(key, (pairs.get(key) ?? 0) + 1);
}

/**
 * Every nucleus's pixels (row × width + col), from its outline, as views into one buffer (reused across
 * images: no array per nucleus for the garbage collector).
 */
function pixelsOf(nuclei: readonly { contour: Uint8Array }[], width: number, height: number, scratch: { buffer?: Int32Array }): Int32Array[] {
  let buffer = scratch.buffer ?? new Int32Array(1 << 16);
  let n = 0;
  const ends: number[] = [];
  for (const nucleus of nuclei) {
    fillPolygons(decodeWkb(nucleus.contour), width, height, (row, col) => {
      if (n === buffer.length) {
        const grown = new Int32Array(buffer.length * 2);
        grown.set(buffer);
        buffer = grown;
      }
      buffer[n++] = row * width + col;
    });
    ends.push(n);
  }
  scratch.buffer = buffer;
  return ends.map((end, k) => buffer.subarray(k === 0 ? 0 : (ends[k - 1] as number), end));
}

/**
 * Sparse throughout: every step walks the nuclei's own pixels (a few thousand per image), never the whole
 * H × W × 5 raster, and the label maps are cleared where they were written.
 */
export function evaluateImage(gt: readonly GtNucleus[], pred: readonly PredNucleus[], layout: PredLayout, radius: number, scratch: MatchScratch = {}): ImageEvaluation {
  const { height, width } = layout;
  const hw = height * width;
  if (scratch.predLabel === undefined || scratch.predLabel.length < CLASSES * hw) scratch.predLabel = new Int32Array(CLASSES * hw);
  if (scratch.gtBin === undefined || scratch.gtBin.length < hw) scratch.gtBin = new Int32Array(hw);
  if (scratch.predBin === undefined || scratch.predBin.length < hw) scratch.predBin = new Int32Array(hw);
  const { predLabel, gtBin, predBin } = scratch;

  const gtPixels = pixelsOf(gt, width, height, (scratch.gtPixels ??= {}));
  const predPixels = pixelsOf(pred, width, height, (scratch.predPixels ??= {}));
  const gtArea = Float64Array.from(gtPixels, (px) => px.length);
  const predArea = Float64Array.from(predPixels, (px) => px.length);

  // Class mode: the prediction's labels per channel, then each true nucleus's pixels looked up in its channel.
  const stride = pred.length + 1;
  const classPairs = new Map<number, number>();
  predPixels.forEach((px, j) => {
    const classId = (pred[j] as PredNucleus).classId;
    if (classId === 0) return; // untyped: in no class channel
    const offset = (classId - 1) * hw;
    for (const p of px) predLabel[offset + p] = j + 1;
  });
  gtPixels.forEach((px, k) => {
    const offset = ((gt[k] as GtNucleus).classId - 1) * hw;
    for (const p of px) {
      const q = predLabel[offset + p] as number;
      if (q !== 0) addPair(classPairs, k + 1, q, stride);
    }
  });
  predPixels.forEach((px, j) => {
    const classId = (pred[j] as PredNucleus).classId;
    if (classId === 0) return;
    const offset = (classId - 1) * hw;
    for (const p of px) predLabel[offset + p] = 0;
  });

  // Binary mode: binarize writes nuclei in channel order (ids ascending within one), later ones over earlier
  // ones; both lists come in (class, id) order, so writing them in order is binarize.
  gtPixels.forEach((px, k) => { for (const p of px) gtBin[p] = k + 1; });
  predPixels.forEach((px, j) => { for (const p of px) predBin[p] = j + 1; });
  const gtVisible = new Float64Array(gt.length);
  const predVisible = new Float64Array(pred.length);
  const binaryPairs = new Map<number, number>();
  gtPixels.forEach((px, k) => {
    for (const p of px) {
      if (gtBin[p] !== k + 1) continue;
      gtVisible[k] = (gtVisible[k] as number) + 1;
      const q = predBin[p] as number;
      if (q !== 0) addPair(binaryPairs, k + 1, q, stride);
    }
  });
  predPixels.forEach((px, j) => { for (const p of px) if (predBin[p] === j + 1) predVisible[j] = (predVisible[j] as number) + 1; });
  gtPixels.forEach((px) => { for (const p of px) gtBin[p] = 0; });
  predPixels.forEach((px) => { for (const p of px) predBin[p] = 0; });

  // Zero pixels: a channel's nuclei are disjoint, so the channel has a zero pixel unless they cover it all.
  const covered = (nuclei: readonly { classId: number }[], px: Int32Array[], c: number) => nuclei.reduce((s, n, k) => s + (n.classId === c + 1 ? (px[k] as Int32Array).length : 0), 0);
  const gtZero = Uint8Array.from({ length: CLASSES }, (_, c) => (covered(gt, gtPixels, c) < hw ? 1 : 0));
  const predZero = Uint8Array.from({ length: CLASSES }, (_, c) => (covered(pred, predPixels, c) < hw ? 1 : 0));
  const gtBinaryZero = gtVisible.reduce((s, a) => s + a, 0) < hw;

  const matches: Match[] = [];
  const counts: ModeCounts[] = [];
  const matchPairs = (pairs: Map<number, number>, mode: (g: number) => number, areaG: Float64Array, areaP: Float64Array) => {
    const sorted = [...pairs].sort((a, b) => a[0] - b[0]);
    for (const [key, intersection] of sorted) {
      const g = Math.floor(key / stride) - 1, q = (key % stride) - 1;
      const iou = intersection / ((areaG[g] as number) + (areaP[q] as number) - intersection);
      if (iou > 0.5) matches.push({ mode: mode(g), gt: g, pred: q, intersection, iou });
    }
  };
  matchPairs(binaryPairs, () => BINARY_MODE, gtVisible, predVisible);
  matchPairs(classPairs, (g) => (gt[g] as GtNucleus).classId, gtArea, predArea);

  const tally = (mode: number, nGt: number, nPred: number, gtDistinct: number) => {
    const mine = matches.filter((m) => m.mode === mode);
    const tp = mine.length;
    counts[mode] = { mode, tp, fp: nPred - tp, fn: nGt - tp, iouSum: mine.reduce((s, m) => s + m.iou, 0), gtEmpty: gtDistinct <= 1 };
  };
  const visibleGt = gtVisible.reduce((n, a) => n + (a > 0 ? 1 : 0), 0);
  tally(BINARY_MODE, visibleGt, predVisible.reduce((n, a) => n + (a > 0 ? 1 : 0), 0), visibleGt + (gtBinaryZero ? 1 : 0));
  for (const mode of CLASS_MODES) {
    const nGt = gt.filter((n) => n.classId === mode).length;
    tally(mode, nGt, pred.filter((n) => n.classId === mode).length, nGt + (gtZero[mode - 1] === 1 ? 1 : 0));
  }

  return { counts, matches, detections: detect(gt, pred, radius), officialFails: officialFailure(gtVisible, predVisible, gtZero, predZero) };
}

/**
 * Whether PanNuke-metrics' run.py raises on this image: it indexes its list of instance masks by id value,
 * so a `binarize`d map whose ids leave a gap (an instance wholly overwritten by a later channel, in the ground
 * truth or the prediction) fails with IndexError; and `list.remove(0)` fails on a class channel with no zero
 * pixel. The metrics here are computed by instance, not by id value, and are defined on those images too.
 */
function officialFailure(gtVisible: Float64Array, predVisible: Float64Array, gtZero: Uint8Array, predZero: Uint8Array): boolean {
  return gtVisible.some((a) => a === 0) || predVisible.some((a) => a === 0) || gtZero.some((z) => z === 0) || predZero.some((z) => z === 0);
}

/** Centroid pairs by minimum total distance, then those farther than `radius` dropped (HoVer-Net's rule: ≤ kept). */
function detect(gt: readonly GtNucleus[], pred: readonly PredNucleus[], radius: number): Detection[] {
  const n = gt.length, m = pred.length;
  const cost = new Float64Array(n * m);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < m; j++) cost[i * m + j] = Math.hypot((gt[i] as GtNucleus).centroidX - (pred[j] as PredNucleus).centroidX, (gt[i] as GtNucleus).centroidY - (pred[j] as PredNucleus).centroidY);
  }
  const assigned = minCostAssignment(cost, n, m);
  const out: Detection[] = [];
  const predPaired = new Uint8Array(m);
  for (let i = 0; i < n; i++) {
    const j = assigned[i] as number;
    const d = j >= 0 ? (cost[i * m + j] as number) : Infinity;
    if (j >= 0 && d <= radius) {
      out.push({ gt: i, pred: j, distance: d });
      predPaired[j] = 1;
    } else {
      out.push({ gt: i, pred: -1, distance: Number.NaN });
    }
  }
  for (let j = 0; j < m; j++) if (predPaired[j] === 0) out.push({ gt: -1, pred: j, distance: Number.NaN });
  return out;
}
