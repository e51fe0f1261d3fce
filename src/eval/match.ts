/**
 * One image of a prediction against its ground truth, on pixels: no I/O, no database (runs in the eval
 * workers). The ground truth comes as its stored outlines (filled back into per-class label maps, which
 * reproduce masks.npy exactly), the prediction as its mask record and its extracted nuclei.
 *
 * Modes, as PanNuke's official metrics define them (PanNuke-metrics run.py, get_fast_pq):
 *   1..5  class c: the instances of channel c − 1 of each map (every id one instance, fragments included);
 *   0     binary: the `binarize`d maps, where every (channel, id) of channels 0..4 is one instance and a later
 *         channel overwrites earlier ones on shared pixels, so an instance is its pixels still visible.
 * In each mode a pair matches when IoU = |G ∩ P| / |G ∪ P| > 0.5 (strict: at most one partner each, so no
 * assignment is needed); TP = matches, FP = predicted instances unmatched, FN = true ones unmatched,
 * iou_sum = Σ IoU over matches. `gtEmpty` is the NaN rule: the ground truth's map has a single distinct value.
 *
 * Detection (HoVer-Net compute_stats): every (channel, id) is a point of type channel + 1 at its centroid; a
 * minimum-total-distance assignment over all pairs, then pairs farther than `radius` dropped.
 */
import { decodeWkb } from '../extract/wkb.js';
import { fillPolygons } from '../extract/raster.js';
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
  classId: number;
  instanceId: number;
  centroidX: number;
  centroidY: number;
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
  gt?: Int32Array;
  pred?: Int32Array;
}

const CLASSES = 5;

/** Pair keys → intersection pixels: g and p are 1-based local indexes. */
function addPair(pairs: Map<number, number>, g: number, p: number, stride: number): void {
  const key = g * stride + p;
  pairs.set(key, (pairs.get(key) ?? 0) + 1);
}

export function evaluateImage(gt: readonly GtNucleus[], pred: readonly PredNucleus[], predValues: Float64Array, layout: PredLayout, radius: number, scratch: MatchScratch = {}): ImageEvaluation {
  const { height, width, channels } = layout;
  const hw = height * width;
  const size = CLASSES * hw;
  if (scratch.gt === undefined || scratch.gt.length < size) scratch.gt = new Int32Array(size);
  if (scratch.pred === undefined || scratch.pred.length < size) scratch.pred = new Int32Array(size);
  const gtLabel = scratch.gt.fill(0, 0, size);
  const predLabel = scratch.pred.fill(0, 0, size);

  // Ground truth: each outline filled back into its class channel (label = local index + 1).
  const gtArea = new Float64Array(gt.length);
  gt.forEach((n, k) => {
    const offset = (n.classId - 1) * hw;
    fillPolygons(decodeWkb(n.contour), width, height, (row, col) => {
      gtLabel[offset + row * width + col] = k + 1;
      gtArea[k] = (gtArea[k] as number) + 1;
    });
  });
  // Prediction: each (channel, value) to its nucleus's local index.
  const index = Array.from({ length: CLASSES }, () => new Map<number, number>());
  pred.forEach((n, k) => index[n.classId - 1]?.set(n.instanceId, k + 1));
  const predArea = new Float64Array(pred.length);
  for (let p = 0; p < hw; p++) {
    for (let c = 0; c < CLASSES; c++) {
      const v = predValues[p * channels + c] as number;
      if (v === 0) continue;
      const k = index[c]?.get(v) as number;
      predLabel[c * hw + p] = k;
      predArea[k - 1] = (predArea[k - 1] as number) + 1;
    }
  }

  // One pass over the pixels: class-mode intersections, the binarized maps' visible instances and theirs.
  const stride = pred.length + 1;
  const classPairs = new Map<number, number>();
  const binaryPairs = new Map<number, number>();
  const gtVisible = new Float64Array(gt.length);
  const predVisible = new Float64Array(pred.length);
  const gtZero = new Uint8Array(CLASSES), predZero = new Uint8Array(CLASSES);
  let gtBinaryZero = false;
  for (let p = 0; p < hw; p++) {
    let gb = 0, pb = 0;
    for (let c = 0; c < CLASSES; c++) {
      const g = gtLabel[c * hw + p] as number;
      const q = predLabel[c * hw + p] as number;
      if (g !== 0) gb = g;
      else gtZero[c] = 1;
      if (q !== 0) pb = q;
      else predZero[c] = 1;
      if (g !== 0 && q !== 0) addPair(classPairs, g, q, stride);
    }
    if (gb !== 0) gtVisible[gb - 1] = (gtVisible[gb - 1] as number) + 1;
    else gtBinaryZero = true;
    if (pb !== 0) predVisible[pb - 1] = (predVisible[pb - 1] as number) + 1;
    if (gb !== 0 && pb !== 0) addPair(binaryPairs, gb, pb, stride);
  }

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
