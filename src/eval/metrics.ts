/**
 * Every published way of scoring a PanNuke prediction, computed by SQL from the stored counts, each named
 * for how it averages (see the README's "Evaluating a model"):
 *
 *   official (PanNuke-metrics run.py)  per image PQ per class and binary; NaN (NULL) where the ground truth's
 *       map has a single distinct value. Image mPQ = NaN-mean of its class PQs; a tissue's mPQ and bPQ =
 *       NaN-means over its images; mPQ and bPQ = NaN-means over the tissues. Class PQ = NaN-mean over images.
 *       PQ = DQ·SQ, DQ = TP / (TP + FP/2 + FN/2), SQ = ΣIoU / (TP + 1e-6).
 *   image-averaged (CellViT's JSON)    mPQ, bPQ = NaN-means of the images' mPQ and bPQ.
 *   pooled, "+" (CoNIC)                per class TP, FP, FN, ΣIoU summed over all images (false positives in
 *       images without that class count); DQ+ = TP / (TP + FP/2 + FN/2 + 1e-6), SQ+ = ΣIoU / (TP + 1e-6),
 *       PQ+ = DQ+·SQ+; mPQ+ = mean over the five classes; bPQ+ the same on the binary counts.
 *   detection (HoVer-Net compute_stats, pooled over the fold)  F1 = 2TP / (2TP + FP + FN); per type t over
 *       the pairs where either side is t: F1_t = 2TP_t / (2TP_t + 2FP_t + 2FN_t + FP_d,t + FN_d,t).
 *
 * NaN-means are SQL's avg(), which skips NULL as numpy's nanmean skips NaN. NaN is null in JSON.
 */
import { byCodePoint, type Store } from '../db/store.js';
import { CLASS_NAMES } from '../db/schema.js';
import { PannukeError } from '../errors.js';
import { findSet, listSets, type PredictionSet } from './store.js';

type N = number | null;

/** Counts are null only where they are not defined (the class figures of a class-agnostic set). */
export interface PqFigures { PQ: N; DQ: N; SQ: N; TP: N; FP: N; FN: N }
export interface DetectionType { F1: N; TP: N; FP: N; FN: N; FP_d: N; FN_d: N }

export interface EvalReport {
  set: string;
  fold: number;
  images: number;
  /** The fold's images in the database: what a complete evaluation covers. */
  fold_images: number;
  /** Whether the evaluation covers every image of its fold (false while a run is unfinished). */
  complete: boolean;
  /** The prediction has no classes (label images without class CSVs): only the binary figures and untyped detection are defined; every class figure is null. */
  class_agnostic: boolean;
  mPQ: N;
  bPQ: N;
  mPQ_image_avg: N;
  bPQ_image_avg: N;
  mPQ_plus: N;
  bPQ_plus: N;
  class_PQ: Record<string, N>;
  /** Official per-class figures (NaN-means over images; counts summed over the images that count). */
  classes: Record<string, PqFigures>;
  /** Pooled ("+") per-class figures. */
  classes_plus: Record<string, PqFigures>;
  binary: PqFigures;
  binary_plus: PqFigures;
  tissues: Record<string, { images: number; mPQ: N; bPQ: N; mPQ_plus: N }>;
  detection: { F1: N; precision: N; recall: N; TP: number; FP: number; FN: number; type_accuracy: N; radius: number; types: Record<string, DetectionType> };
  /**
   * Ground-truth class (rows) × predicted class (columns) over the binary matches (mode 0); column `missed`:
   * ground-truth nuclei of the evaluated images with no binary match; row `false_positive`: predicted nuclei
   * evaluated with no binary match; column `untyped`: predicted nuclei without a class. A nucleus wholly
   * hidden by binarize has no binary match: it is counted missed (false positive), not in binary FN (FP).
   */
  confusion: Record<string, Record<string, number>>;
  official_script_would_fail: number;
}

export const CONFUSION_ROWS = [...CLASS_NAMES, 'false_positive'] as const;
export const CONFUSION_COLUMNS = [...CLASS_NAMES, 'untyped', 'missed'] as const;

/** The confusion matrix of a set (see EvalReport.confusion). */
export async function confusionOf(store: Store, setId: number): Promise<EvalReport['confusion']> {
  const out: EvalReport['confusion'] = Object.fromEntries(CONFUSION_ROWS.map((r) => [r, Object.fromEntries(CONFUSION_COLUMNS.map((c) => [c, 0]))]));
  const name = (classId: number | null) => (classId === null || classId === 0 ? 'untyped' : (CLASS_NAMES[classId - 1] as string));
  const add = (row: string, column: string, n: unknown) => {
    (out[row] as Record<string, number>)[column] = ((out[row] as Record<string, number>)[column] as number) + Number(n);
  };
  for (const [g, q, n] of (await store.all(`SELECT g.class_id, p.class_id, count(*) FROM eval_matches m JOIN nuclei g ON g.id = m.gt_nucleus_id
      JOIN predicted_nuclei p ON p.id = m.pred_nucleus_id WHERE m.set_id = ? AND m.mode = 0 GROUP BY g.class_id, p.class_id`, [setId])).rows) add(name(g as number), name(q as number | null), n);
  for (const [g, n] of (await store.all(`SELECT n.class_id, count(*) FROM nuclei n WHERE n.image_id IN (SELECT image_id FROM eval_counts WHERE set_id = ? AND mode = 0)
      AND NOT EXISTS (SELECT 1 FROM eval_matches m WHERE m.set_id = ? AND m.mode = 0 AND m.gt_nucleus_id = n.id) GROUP BY n.class_id`, [setId, setId])).rows) add(name(g as number), 'missed', n);
  // the predicted nuclei evaluated (every one has a detection entry; a row painted over whole has none)
  for (const [q, n] of (await store.all(`SELECT p.class_id, count(*) FROM predicted_nuclei p WHERE p.set_id = ?
      AND EXISTS (SELECT 1 FROM eval_detections d WHERE d.set_id = p.set_id AND d.pred_nucleus_id = p.id)
      AND NOT EXISTS (SELECT 1 FROM eval_matches m WHERE m.set_id = p.set_id AND m.mode = 0 AND m.pred_nucleus_id = p.id) GROUP BY p.class_id`, [setId])).rows) add('false_positive', name(q as number | null), n);
  return out;
}

const div = (a: number, b: number): N => (b === 0 ? null : a / b);

function pooled(tp: number, fp: number, fn: number, iou: number): PqFigures {
  const DQ = tp / (tp + 0.5 * fp + 0.5 * fn + 1e-6);
  const SQ = iou / (tp + 1e-6);
  return { PQ: DQ * SQ, DQ, SQ, TP: tp, FP: fp, FN: fn };
}

export async function evaluationReport(store: Store, name: string): Promise<EvalReport> {
  const set = await findSet(store, name);
  if (set === undefined) {
    const known = (await listSets(store)).map((s) => s.name);
    throw new PannukeError('BAD_OPTION', `no prediction set named '${name}'${known.length > 0 ? ` (known: ${known.join(', ')})` : ''}`, { file: store.label, hint: 'pannuke eval list shows them' });
  }
  return reportOf(store, set);
}

/** A statement's rows as objects keyed by column name (the SQL is read alike by both backends). */
async function objects<T>(store: Store, sql: string, params: readonly unknown[]): Promise<T[]> {
  const r = await store.all(sql, params);
  return r.rows.map((row) => Object.fromEntries(r.columns.map((c, i) => [c, row[i]])) as T);
}

async function reportOf(store: Store, set: PredictionSet): Promise<EvalReport> {
  const foldImages = Number((await store.all('SELECT count(*) FROM images WHERE fold = ?', [set.fold])).rows[0]?.[0]);
  const [overall] = await objects<{ mpq: N; bpq: N }>(store, `WITH t AS (SELECT tissue, avg(mpq) AS mpq, avg(bpq) AS bpq FROM eval_image_summary WHERE set_id = ? GROUP BY tissue)
                     SELECT avg(mpq) AS mpq, avg(bpq) AS bpq FROM t`, [set.id]) as [{ mpq: N; bpq: N }];
  const [imageAvg] = await objects<{ mpq: N; bpq: N; fails: N }>(store, 'SELECT avg(mpq) AS mpq, avg(bpq) AS bpq, sum(official_fails) AS fails FROM eval_image_summary WHERE set_id = ?', [set.id]) as [{ mpq: N; bpq: N; fails: N }];
  // Official per mode: NaN-means of DQ, SQ, PQ over the images where the ground truth is not empty.
  const official = new Map((await objects<PqFigures & { mode: number }>(store, `SELECT mode, avg(pq) AS "PQ", avg(dq) AS "DQ", avg(sq) AS "SQ", coalesce(sum(tp) FILTER (WHERE pq IS NOT NULL), 0) AS "TP",
                                 coalesce(sum(fp) FILTER (WHERE pq IS NOT NULL), 0) AS "FP", coalesce(sum(fn) FILTER (WHERE pq IS NOT NULL), 0) AS "FN"
                            FROM eval_pq WHERE set_id = ? GROUP BY mode`, [set.id])).map(({ mode, ...f }) => [mode, f]));
  const sums = new Map((await objects<{ mode: number; tp: number; fp: number; fn: number; iou: number }>(store, 'SELECT mode, sum(tp) AS tp, sum(fp) AS fp, sum(fn) AS fn, sum(iou_sum) AS iou FROM eval_counts WHERE set_id = ? GROUP BY mode', [set.id])).map((r) => [r.mode, pooled(r.tp, r.fp, r.fn, r.iou)]));
  const empty: PqFigures = { PQ: null, DQ: null, SQ: null, TP: 0, FP: 0, FN: 0 };
  const classes: Record<string, PqFigures> = {};
  const classesPlus: Record<string, PqFigures> = {};
  CLASS_NAMES.forEach((c, k) => {
    classes[c] = official.get(k + 1) ?? empty;
    classesPlus[c] = sums.get(k + 1) ?? empty;
  });
  const plusValues = CLASS_NAMES.map((c) => classesPlus[c]?.PQ);
  const mPQPlus = plusValues.every((v) => typeof v === 'number') ? (plusValues as number[]).reduce((a, b) => a + b, 0) / plusValues.length : null;

  const tissues: EvalReport['tissues'] = {};
  const perTissuePlus = new Map<string, N>();
  const pooledRows = await objects<{ tissue: string; tp: number; fp: number; fn: number; iou: number }>(store, `SELECT t.name AS tissue, c.mode, sum(c.tp) AS tp, sum(c.fp) AS fp, sum(c.fn) AS fn, sum(c.iou_sum) AS iou
                          FROM eval_counts c JOIN images i ON i.id = c.image_id JOIN tissues t ON t.id = i.tissue_id
                         WHERE c.set_id = ? AND c.mode BETWEEN 1 AND 5 GROUP BY t.name, c.mode ORDER BY t.name, c.mode`, [set.id]);
  for (const r of pooledRows) perTissuePlus.set(r.tissue, (perTissuePlus.get(r.tissue) ?? 0) + (pooled(r.tp, r.fp, r.fn, r.iou).PQ as number) / CLASS_NAMES.length);
  const perTissue = await objects<{ tissue: string; images: number; mPQ: N; bPQ: N }>(store, 'SELECT tissue, count(*) AS images, avg(mpq) AS "mPQ", avg(bpq) AS "bPQ" FROM eval_image_summary WHERE set_id = ? GROUP BY tissue', [set.id]);
  for (const r of perTissue.sort((a, b) => byCodePoint(a.tissue, b.tissue))) {
    tissues[r.tissue] = { images: r.images, mPQ: r.mPQ, bPQ: r.bPQ, mPQ_plus: perTissuePlus.get(r.tissue) ?? null };
  }

  const report: EvalReport = {
    set: set.name, fold: set.fold, images: set.images, fold_images: foldImages, complete: set.images === foldImages, class_agnostic: false,
    mPQ: overall.mpq, bPQ: overall.bpq, mPQ_image_avg: imageAvg.mpq, bPQ_image_avg: imageAvg.bpq,
    mPQ_plus: mPQPlus, bPQ_plus: sums.get(0)?.PQ ?? null,
    class_PQ: Object.fromEntries(CLASS_NAMES.map((c) => [c, classes[c]?.PQ ?? null])),
    classes, classes_plus: classesPlus, binary: official.get(0) ?? empty, binary_plus: sums.get(0) ?? empty,
    tissues, detection: await detection(store, set), confusion: await confusionOf(store, set.id), official_script_would_fail: imageAvg.fails ?? 0,
  };
  return (JSON.parse(set.options) as { classAgnostic?: boolean }).classAgnostic === true || (await untypedOnly(store, set)) ? withoutClasses(report) : report;
}

/** Whether every stored nucleus of the set is untyped (a prediction without classes): then it is class-agnostic. */
async function untypedOnly(store: Store, set: PredictionSet): Promise<boolean> {
  const [row] = (await store.all('SELECT count(*), count(class_id) FROM predicted_nuclei WHERE set_id = ?', [set.id])).rows;
  return Number(row?.[0]) > 0 && Number(row?.[1]) === 0;
}

/** A class-agnostic set's report: its prediction put every nucleus in one class, so no class figure means anything. */
function withoutClasses(r: EvalReport): EvalReport {
  const none: PqFigures = { PQ: null, DQ: null, SQ: null, TP: null, FP: null, FN: null };
  const noType: DetectionType = { F1: null, TP: null, FP: null, FN: null, FP_d: null, FN_d: null };
  return {
    ...r, class_agnostic: true, mPQ: null, mPQ_image_avg: null, mPQ_plus: null,
    class_PQ: Object.fromEntries(CLASS_NAMES.map((c) => [c, null])),
    classes: Object.fromEntries(CLASS_NAMES.map((c) => [c, none])), classes_plus: Object.fromEntries(CLASS_NAMES.map((c) => [c, none])),
    tissues: Object.fromEntries(Object.entries(r.tissues).map(([t, v]) => [t, { ...v, mPQ: null, mPQ_plus: null }])),
    detection: { ...r.detection, type_accuracy: null, types: Object.fromEntries(CLASS_NAMES.map((c) => [c, noType])) },
  };
}

/**
 * HoVer-Net's compute_stats on the stored pairs: counts by (true type, predicted type), NULL for the side an
 * unpaired nucleus lacks; an untyped predicted nucleus has type 0 (paired, it is a wrong type for every class).
 */
async function detection(store: Store, set: PredictionSet): Promise<EvalReport['detection']> {
  const rows = await objects<{ t: number | null; q: number | null; n: number }>(store, `SELECT g.class_id AS t, CASE WHEN d.pred_nucleus_id IS NULL THEN NULL ELSE coalesce(p.class_id, 0) END AS q, count(*) AS n
      FROM eval_detections d LEFT JOIN nuclei g ON g.id = d.gt_nucleus_id LEFT JOIN predicted_nuclei p ON p.id = d.pred_nucleus_id
     WHERE d.set_id = ? GROUP BY 1, 2`, [set.id]);
  const count = (f: (t: number | null, q: number | null) => boolean) => rows.reduce((s, r) => s + (f(r.t, r.q) ? r.n : 0), 0);
  const TP = count((t, q) => t !== null && q !== null);
  const FP = count((t, q) => t === null && q !== null);
  const FN = count((t, q) => t !== null && q === null);
  const types: Record<string, DetectionType> = {};
  CLASS_NAMES.forEach((name, k) => {
    const c = k + 1;
    const tp = count((t, q) => t === c && q === c);
    const fp = count((t, q) => t !== null && q !== null && t !== c && q === c);
    const fn = count((t, q) => t !== null && q !== null && t === c && q !== c);
    const fpd = count((t, q) => t === null && q === c);
    const fnd = count((t, q) => t === c && q === null);
    types[name] = { F1: div(2 * tp, 2 * tp + 2 * fp + 2 * fn + fpd + fnd), TP: tp, FP: fp, FN: fn, FP_d: fpd, FN_d: fnd };
  });
  const radius = (JSON.parse(set.options) as { radius: number }).radius;
  return {
    F1: div(2 * TP, 2 * TP + FP + FN), precision: div(TP, TP + FP), recall: div(TP, TP + FN), TP, FP, FN,
    type_accuracy: div(count((t, q) => t !== null && q !== null && t === q), TP), radius, types,
  };
}

/** What an unfinished evaluation says wherever its figures are shown; undefined when it is complete. */
export function incompleteNote(r: Pick<EvalReport, 'images' | 'fold_images' | 'complete'>): string | undefined {
  return r.complete ? undefined : `${r.images} of ${r.fold_images} images: incomplete; run \`pannuke eval run\` again to finish`;
}
