/**
 * What the report shows, gathered by SQL: the summary and provenance, class distributions, morphology
 * histograms, QC counts with examples, and a capped gallery of images with their nuclei outlines.
 */
import { byCodePoint, type Store } from '../db/store.js';
import { CLASS_NAMES, type ingestRuns } from '../db/schema.js';
import { decodeWkb } from '../extract/wkb.js';
import { qcCounts, qcExamples, type QcExample, type QcRow } from '../query/qc.js';
import { classByTissue, groupedStats } from '../query/stats.js';
import { gatherEvaluation, type EvalSection } from './evaluation.js';
import type { GalleryImage } from './gallery.js';

export interface Histogram {
  /** Lower bin edges; the last bin is closed. */
  edges: number[];
  /** counts[class][bin] */
  counts: number[][];
}

export type { GalleryImage };

export interface ReportData {
  dbFile: string;
  summary: { folds: number[]; images: number; nuclei: number; tissues: number; toolVersion: string; runs: { startedAt: string; status: string; images: number; nuclei: number; options: string }[] };
  classByTissue: { columns: string[]; rows: unknown[][] };
  perFold: { fold: number; counts: number[] }[];
  area: Histogram;
  eccentricity: Histogram;
  qc: QcRow[];
  qcExamples: Record<string, QcExample[]>;
  gallery: GalleryImage[];
  galleryCap: number;
  subset?: { name: string; classByTissue: { columns: string[]; rows: unknown[][] }; perClass: number[] };
  evaluation?: EvalSection;
}

/**
 * Integer bin edges for areas 1..max on a log scale: ⌊√2^k⌋ for k = 0, 1, …, deduplicated, so that every bin
 * [lo, hi) holds at least one integer (no bin like "0–0" that nothing can fall in), plus max + 1 to close.
 */
export function areaEdges(max: number): number[] {
  const edges = [1];
  for (let k = 1; (edges.at(-1) as number) <= max; k++) {
    const e = Math.floor(Math.SQRT2 ** k);
    if (e > (edges.at(-1) as number)) edges.push(e);
  }
  return edges;
}

/**
 * Per-class histograms from SQL counts, on one set of edges for every class: area (an integer ≥ 1) on the
 * log-scale edges above, eccentricity in equal bins over [0, 1] (the last bin closed).
 */
async function histogram(store: Store, column: 'area' | 'eccentricity', bins: number): Promise<Histogram> {
  if (column === 'eccentricity') {
    const counts = CLASS_NAMES.map(() => new Array<number>(bins).fill(0));
    // Bin b holds b ≤ e·bins < b + 1 (the last closed), written as comparisons: the same on both backends
    // (a CAST to INTEGER truncates in SQLite and rounds in PostgreSQL).
    const bin = `CASE ${Array.from({ length: bins - 1 }, (_, b) => `WHEN eccentricity * ${bins} < ${b + 1} THEN ${b}`).join(' ')} ELSE ${bins - 1} END`;
    const rows = (await store.all(`SELECT class_id, ${bin} AS b, count(*) FROM nuclei GROUP BY class_id, ${bin}`)).rows as [number, number, number][];
    for (const [c, b, k] of rows) counts[c - 1]![b] = k;
    return { edges: Array.from({ length: bins + 1 }, (_, k) => k / bins), counts };
  }
  const rows = (await store.all('SELECT class_id, area, count(*) FROM nuclei GROUP BY class_id, area')).rows.map(([c, a, k]) => ({ c, a, k }) as { c: number; a: number; k: number });
  const edges = areaEdges(Math.max(1, ...rows.map((r) => r.a)));
  const counts = CLASS_NAMES.map(() => new Array<number>(edges.length - 1).fill(0));
  for (const r of rows) {
    let b = 0;
    while (r.a >= (edges[b + 1] as number)) b++;
    counts[r.c - 1]![b] = (counts[r.c - 1]![b] as number) + r.k;
  }
  return { edges, counts };
}

export async function gatherReport(store: Store, options: { perTissue: number; subsetId?: number; subsetName?: string; evalSet?: string }): Promise<ReportData> {
  const one = async (sql: string) => (await store.all(sql)).rows[0]?.[0];
  const folds = (await store.all('SELECT DISTINCT fold FROM images ORDER BY fold')).rows.map((r) => r[0] as number);
  const imageCount = Number(await one('SELECT count(*) FROM images'));
  const nucleusCount = Number(await one('SELECT count(*) FROM nuclei'));
  const tissueCount = Number(await one('SELECT count(*) FROM tissues'));
  const toolVersion = String((await one("SELECT value FROM metadata WHERE key = 'tool_version'")) ?? '?');
  const runs = (await store.all('SELECT started_at, status, images, nuclei, options FROM ingest_runs ORDER BY id')).rows
    .map(([startedAt, status, images, nuclei, options]) => ({ startedAt, status, images, nuclei, options }) as Pick<typeof ingestRuns.$inferSelect, 'startedAt' | 'status' | 'images' | 'nuclei' | 'options'>);
  const perFoldRows = (await groupedStats(store, ['fold', 'class'])).rows as [number, string, number][];
  const perFold = folds.map((fold) => ({ fold, counts: CLASS_NAMES.map((c) => perFoldRows.find((r) => r[0] === fold && r[1] === c)?.[2] ?? 0) }));

  // The gallery: per tissue, the first images (in fold order) that have nuclei, up to the cap.
  const chosen: { id: number; fold: number; foldIndex: number; tissue: string; width: number; height: number }[] = [];
  const tissueRows = (await store.all('SELECT id, name FROM tissues')).rows.map(([id, name]) => ({ id: id as number, name: name as string })).sort((a, b) => byCodePoint(a.name, b.name));
  for (const t of tissueRows) {
    const rows = (await store.all('SELECT id, fold, fold_index, width, height FROM images WHERE tissue_id = ? AND nucleus_count > 0 ORDER BY fold, fold_index LIMIT ?', [t.id, options.perTissue])).rows;
    chosen.push(...rows.map(([id, fold, foldIndex, width, height]) => ({ id, fold, foldIndex, width, height, tissue: t.name }) as (typeof chosen)[number]));
  }
  const outlineRows = chosen.length === 0 ? [] : (await store.all(`SELECT id, image_id, class_id, instance_id, area, contour FROM nuclei WHERE image_id IN (${chosen.map(() => '?').join(', ')}) ORDER BY id`, chosen.map((c) => c.id))).rows
    .map(([id, imageId, classId, instanceId, area, contour]) => ({ id, imageId, classId, instanceId, area, contour }) as { id: number; imageId: number; classId: number; instanceId: number; area: number; contour: Uint8Array });
  const gallery: GalleryImage[] = chosen.map((c) => ({
    imageId: c.id, fold: c.fold, foldIndex: c.foldIndex, tissue: c.tissue, width: c.width, height: c.height,
    nuclei: outlineRows.filter((n) => n.imageId === c.id).map((n) => ({ id: n.id, classId: n.classId, instanceId: n.instanceId, area: n.area, polygons: decodeWkb(n.contour) })),
  }));

  const qc = await qcCounts(store);
  const data: ReportData = {
    dbFile: store.label,
    summary: { folds, images: imageCount, nuclei: nucleusCount, tissues: tissueCount, toolVersion, runs },
    classByTissue: await classByTissue(store),
    perFold,
    area: await histogram(store, 'area', 24),
    eccentricity: await histogram(store, 'eccentricity', 20),
    qc,
    qcExamples: {},
    gallery,
    galleryCap: options.perTissue,
  };
  // One query at a time: a store is one connection.
  for (const q of qc) if (q.images > 0) data.qcExamples[q.quirk] = await qcExamples(store, q.quirk, 5);
  if (options.subsetId !== undefined) {
    const table = await classByTissue(store, { subsetId: options.subsetId });
    const all = table.rows.at(-1) as unknown[];
    data.subset = { name: options.subsetName ?? '', classByTissue: table, perClass: CLASS_NAMES.map((_, k) => all[2 + k] as number) };
  }
  if (options.evalSet !== undefined) data.evaluation = await gatherEvaluation(store, options.evalSet, options.perTissue);
  return data;
}
