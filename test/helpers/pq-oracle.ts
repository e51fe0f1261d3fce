/**
 * An independent reference for PanNuke's evaluation, for tests only: it shares no code with src/eval. It
 * follows PanNuke-metrics' run.py step by step on whole rasters (binarize, remap, a dense pairwise IoU
 * matrix, NaN-means), except that instances are found by id value without the script's list indexing (so it
 * is defined where the script crashes), plus CoNIC's pooled PQ and HoVer-Net's detection statistics with a
 * minimum-cost matching found by a different algorithm (successive shortest paths on a flow network).
 */

export type Raster = Float64Array; // H × W × C, C-order

/** Instances of a label map: id value → pixel indexes (0 is background). */
function instances(map: ArrayLike<number>): Map<number, number[]> {
  const out = new Map<number, number[]>();
  for (let p = 0; p < map.length; p++) {
    const v = map[p] as number;
    if (v === 0) continue;
    if (!out.has(v)) out.set(v, []);
    out.get(v)!.push(p);
  }
  return new Map([...out].sort((a, b) => a[0] - b[0]));
}

export function channel(record: Raster, hw: number, channels: number, c: number): Float64Array {
  const out = new Float64Array(hw);
  for (let p = 0; p < hw; p++) out[p] = record[p * channels + c]!;
  return out;
}

/** PanNuke-metrics' binarize: (channel, id) numbered from 1 in channel order, ids ascending; later overwrites. */
export function binarize(record: Raster, hw: number, channels: number): Float64Array {
  const out = new Float64Array(hw);
  let count = 1;
  for (let c = 0; c < 5; c++) {
    const ch = channel(record, hw, channels, c);
    const ids = [...new Set(ch)].filter((v) => v !== 0).sort((a, b) => a - b);
    for (const id of ids) {
      for (let p = 0; p < hw; p++) if (ch[p] === id) out[p] = count;
      count++;
    }
  }
  return out;
}

export interface PqCounts { tp: number; fp: number; fn: number; iouSum: number; nan: boolean }

/** get_fast_pq at match_iou 0.5 on two label maps, by id value. */
export function fastPq(truth: ArrayLike<number>, pred: ArrayLike<number>): PqCounts {
  const t = instances(truth), p = instances(pred);
  const distinct = new Set(Array.from(truth)).size;
  const predAt = new Map<number, number>();
  for (const [id, px] of p) for (const q of px) predAt.set(q, id);
  let tp = 0, iouSum = 0;
  const pairedPred = new Set<number>();
  for (const [, tpx] of t) {
    const tset = new Set(tpx);
    const overlapping = new Set(tpx.map((q) => predAt.get(q)).filter((x): x is number => x !== undefined));
    for (const pid of overlapping) {
      const ppx = p.get(pid)!;
      const inter = ppx.filter((q) => tset.has(q)).length;
      const iou = inter / (tpx.length + ppx.length - inter);
      if (iou > 0.5) {
        tp++;
        iouSum += iou;
        pairedPred.add(pid);
      }
    }
  }
  return { tp, fp: p.size - pairedPred.size, fn: t.size - tp, iouSum, nan: distinct === 1 };
}

export const pqOf = (c: PqCounts) => (c.nan ? Number.NaN : (c.tp / (c.tp + 0.5 * c.fp + 0.5 * c.fn)) * (c.iouSum / (c.tp + 1e-6)));
export const nanmean = (xs: number[]) => {
  const ok = xs.filter((x) => !Number.isNaN(x));
  return ok.length === 0 ? Number.NaN : ok.reduce((a, b) => a + b, 0) / ok.length;
};

export interface ImageResult { classes: PqCounts[]; binary: PqCounts; fails: boolean }

export function evaluateRecord(truth: Raster, pred: Raster, hw: number, predChannels: number): ImageResult {
  const classes = [0, 1, 2, 3, 4].map((c) => fastPq(channel(truth, hw, 6, c), channel(pred, hw, predChannels, c)));
  const tb = binarize(truth, hw, 6), pb = binarize(pred, hw, predChannels);
  const gap = (map: Float64Array) => {
    const ids = [...new Set(map)].filter((v) => v !== 0);
    return ids.length > 0 && Math.max(...ids) !== ids.length;
  };
  const noZero = (r: Raster, ch: number) => [0, 1, 2, 3, 4].some((c) => !channel(r, hw, ch, c).includes(0));
  return { classes, binary: fastPq(tb, pb), fails: gap(tb) || gap(pb) || noZero(truth, 6) || noZero(pred, predChannels) };
}

/** The official aggregation, CellViT's image average, CoNIC's pooled PQ. */
export function aggregate(results: ImageResult[], tissues: string[]) {
  const imageMpq = results.map((r) => nanmean(r.classes.map(pqOf)));
  const imageBpq = results.map((r) => pqOf(r.binary));
  const names = [...new Set(tissues)];
  const perTissue = Object.fromEntries(names.map((t) => {
    const idx = tissues.map((x, i) => (x === t ? i : -1)).filter((i) => i >= 0);
    return [t, { images: idx.length, mPQ: nanmean(idx.map((i) => imageMpq[i]!)), bPQ: nanmean(idx.map((i) => imageBpq[i]!)) }];
  }));
  const plus = (pick: (r: ImageResult) => PqCounts) => {
    const s = results.reduce((a, r) => ({ tp: a.tp + pick(r).tp, fp: a.fp + pick(r).fp, fn: a.fn + pick(r).fn, iou: a.iou + pick(r).iouSum }), { tp: 0, fp: 0, fn: 0, iou: 0 });
    return (s.tp / (s.tp + 0.5 * s.fp + 0.5 * s.fn + 1e-6)) * (s.iou / (s.tp + 1e-6));
  };
  const classPlus = [0, 1, 2, 3, 4].map((c) => plus((r) => r.classes[c]!));
  return {
    mPQ: nanmean(Object.values(perTissue).map((t) => t.mPQ)),
    bPQ: nanmean(Object.values(perTissue).map((t) => t.bPQ)),
    mPQ_image_avg: nanmean(imageMpq),
    bPQ_image_avg: nanmean(imageBpq),
    class_PQ: [0, 1, 2, 3, 4].map((c) => nanmean(results.map((r) => pqOf(r.classes[c]!)))),
    classPlus,
    mPQ_plus: classPlus.reduce((a, b) => a + b, 0) / 5,
    bPQ_plus: plus((r) => r.binary),
    tissues: perTissue,
    fails: results.filter((r) => r.fails).length,
  };
}

export interface Point { x: number; y: number; type: number }

/** Every (channel, id) of channels 0..4 as a point of type channel + 1 at the mean of its pixel centres. */
export function points(record: Raster, h: number, w: number, channels: number): Point[] {
  const out: Point[] = [];
  for (let c = 0; c < 5; c++) {
    for (const [, px] of instances(channel(record, h * w, channels, c))) {
      out.push({ x: px.reduce((s, p) => s + (p % w) + 0.5, 0) / px.length, y: px.reduce((s, p) => s + Math.floor(p / w) + 0.5, 0) / px.length, type: c + 1 });
    }
  }
  return out;
}

/**
 * A minimum-cost matching of min(n, m) pairs by successive shortest paths (Bellman–Ford) on a flow network:
 * source → each true point → each predicted point (cost = distance) → sink, one unit per point.
 */
export function minCostPairs(a: Point[], b: Point[]): [number, number][] {
  const n = a.length, m = b.length, k = Math.min(n, m);
  const dist = (i: number, j: number) => Math.hypot(a[i]!.x - b[j]!.x, a[i]!.y - b[j]!.y);
  const matchA = new Array<number>(n).fill(-1), matchB = new Array<number>(m).fill(-1);
  for (let step = 0; step < k; step++) {
    // Nodes: A 0..n-1, B n..n+m-1. Residual edges: free A → B (cost d), matched B → its A (cost −d).
    const best = new Array<number>(n + m).fill(Infinity), from = new Array<number>(n + m).fill(-1);
    for (let i = 0; i < n; i++) if (matchA[i] === -1) best[i] = 0;
    for (let round = 0; round < n + m; round++) {
      let changed = false;
      for (let i = 0; i < n; i++) {
        if (best[i] === Infinity) continue;
        for (let j = 0; j < m; j++) {
          if (matchA[i] === j) continue;
          const c = best[i]! + dist(i, j);
          if (c < best[n + j]! - 1e-12) { best[n + j] = c; from[n + j] = i; changed = true; }
        }
      }
      for (let j = 0; j < m; j++) {
        const i = matchB[j]!;
        if (i === -1 || best[n + j] === Infinity) continue;
        const c = best[n + j]! - dist(i, j);
        if (c < best[i]! - 1e-12) { best[i] = c; from[i] = n + j; changed = true; }
      }
      if (!changed) break;
    }
    let end = -1;
    for (let j = 0; j < m; j++) if (matchB[j] === -1 && (end === -1 || best[n + j]! < best[n + end]!)) end = j;
    // Augment along the path back to a free A.
    let j = end;
    while (j !== -1) {
      const i = from[n + j]!;
      matchA[i] = j;
      matchB[j] = i;
      j = from[i] === -1 ? -1 : from[i]! - n;
    }
  }
  return matchA.map((j, i) => [i, j] as [number, number]).filter(([, j]) => j >= 0);
}

/** HoVer-Net's compute_stats over all images, pairs within `radius`. */
export function detectionStats(images: { truth: Point[]; pred: Point[] }[], radius: number) {
  const paired: [number, number][] = [];
  const unpairedTrue: number[] = [], unpairedPred: number[] = [];
  let cost = 0;
  for (const { truth, pred } of images) {
    const pairs = minCostPairs(truth, pred);
    cost += pairs.reduce((s, [i, j]) => s + Math.hypot(truth[i]!.x - pred[j]!.x, truth[i]!.y - pred[j]!.y), 0);
    const kept = pairs.filter(([i, j]) => Math.hypot(truth[i]!.x - pred[j]!.x, truth[i]!.y - pred[j]!.y) <= radius);
    for (const [i, j] of kept) paired.push([truth[i]!.type, pred[j]!.type]);
    truth.forEach((p, i) => { if (!kept.some(([a]) => a === i)) unpairedTrue.push(p.type); });
    pred.forEach((p, j) => { if (!kept.some(([, b]) => b === j)) unpairedPred.push(p.type); });
  }
  const tp = paired.length, fp = unpairedPred.length, fn = unpairedTrue.length;
  const types = [1, 2, 3, 4, 5].map((t) => {
    const sel = paired.filter(([a, b]) => a === t || b === t);
    const tpt = sel.filter(([a, b]) => a === t && b === t).length;
    const fpt = sel.filter(([a, b]) => a !== t && b === t).length;
    const fnt = sel.filter(([a, b]) => a === t && b !== t).length;
    const fpd = unpairedPred.filter((x) => x === t).length, fnd = unpairedTrue.filter((x) => x === t).length;
    const den = 2 * tpt + 2 * fpt + 2 * fnt + fpd + fnd;
    return den === 0 ? Number.NaN : (2 * tpt) / den;
  });
  return { F1: (2 * tp) / (2 * tp + fp + fn), precision: tp / (tp + fp), recall: tp / (tp + fn), types, tp, fp, fn, cost };
}
