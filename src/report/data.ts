/**
 * What the report shows, gathered by SQL: the summary and provenance, class distributions, morphology
 * histograms, QC counts with examples, and a capped gallery of images with their nuclei outlines.
 */
import { and, asc, eq, gt, inArray } from 'drizzle-orm';
import type { Db } from '../db/open.js';
import { SqliteStore } from '../db/sqlite-store.js';
import { CLASS_NAMES, images, ingestRuns, metadata, nuclei, tissues } from '../db/schema.js';
import { decodeWkb } from '../extract/wkb.js';
import { qcCounts, qcExamples, type QcExample, type QcRow } from '../query/qc.js';
import { classByTissue, groupedStats } from '../query/stats.js';
import type { PolygonRings } from '../extract/outline.js';
import { gatherEvaluation, type EvalSection } from './evaluation.js';

export interface Histogram {
  /** Lower bin edges; the last bin is closed. */
  edges: number[];
  /** counts[class][bin] */
  counts: number[][];
}

export interface GalleryImage {
  imageId: number;
  fold: number;
  foldIndex: number;
  tissue: string;
  width: number;
  height: number;
  nuclei: { id: number; classId: number; instanceId: number; area: number; polygons: PolygonRings[] }[];
  /** A PNG data URI of the H&E patch, when the data was given. */
  png?: string;
}

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
function histogram(db: Db, column: 'area' | 'eccentricity', bins: number): Histogram {
  if (column === 'eccentricity') {
    const counts = CLASS_NAMES.map(() => new Array<number>(bins).fill(0));
    const rows = db.$client.prepare(`SELECT class_id AS c, min(CAST(eccentricity * ${bins} AS INTEGER), ${bins - 1}) AS b, count(*) AS k FROM nuclei GROUP BY 1, 2`).all() as { c: number; b: number; k: number }[];
    for (const r of rows) counts[r.c - 1]![r.b] = r.k;
    return { edges: Array.from({ length: bins + 1 }, (_, k) => k / bins), counts };
  }
  const rows = db.$client.prepare('SELECT class_id AS c, area AS a, count(*) AS k FROM nuclei GROUP BY 1, 2').all() as { c: number; a: number; k: number }[];
  const edges = areaEdges(Math.max(1, ...rows.map((r) => r.a)));
  const counts = CLASS_NAMES.map(() => new Array<number>(edges.length - 1).fill(0));
  for (const r of rows) {
    let b = 0;
    while (r.a >= (edges[b + 1] as number)) b++;
    counts[r.c - 1]![b] = (counts[r.c - 1]![b] as number) + r.k;
  }
  return { edges, counts };
}

export async function gatherReport(db: Db, dbFile: string, options: { perTissue: number; subsetId?: number; subsetName?: string; evalSet?: string }): Promise<ReportData> {
  const store = SqliteStore.over(db, dbFile);
  const folds = db.selectDistinct({ fold: images.fold }).from(images).orderBy(asc(images.fold)).all().map((r) => r.fold);
  const imageCount = db.$client.prepare('SELECT count(*) FROM images').pluck().get() as number;
  const nucleusCount = db.$client.prepare('SELECT count(*) FROM nuclei').pluck().get() as number;
  const tissueCount = db.$client.prepare('SELECT count(*) FROM tissues').pluck().get() as number;
  const toolVersion = db.select({ value: metadata.value }).from(metadata).where(eq(metadata.key, 'tool_version')).get()?.value ?? '?';
  const runs = db.select({ startedAt: ingestRuns.startedAt, status: ingestRuns.status, images: ingestRuns.images, nuclei: ingestRuns.nuclei, options: ingestRuns.options }).from(ingestRuns).orderBy(asc(ingestRuns.id)).all();
  const perFoldRows = (await groupedStats(store, ['fold', 'class'])).rows as [number, string, number][];
  const perFold = folds.map((fold) => ({ fold, counts: CLASS_NAMES.map((c) => perFoldRows.find((r) => r[0] === fold && r[1] === c)?.[2] ?? 0) }));

  // The gallery: per tissue, the first images (in fold order) that have nuclei, up to the cap.
  const chosen: { id: number; fold: number; foldIndex: number; tissue: string; width: number; height: number }[] = [];
  for (const t of db.select({ id: tissues.id, name: tissues.name }).from(tissues).orderBy(asc(tissues.name)).all()) {
    const rows = db.select({ id: images.id, fold: images.fold, foldIndex: images.foldIndex, width: images.width, height: images.height }).from(images)
      .where(and(eq(images.tissueId, t.id), gt(images.nucleusCount, 0))).orderBy(asc(images.fold), asc(images.foldIndex)).limit(options.perTissue).all();
    chosen.push(...rows.map((r) => ({ ...r, tissue: t.name })));
  }
  const outlineRows = chosen.length === 0 ? [] : db.select({ id: nuclei.id, imageId: nuclei.imageId, classId: nuclei.classId, instanceId: nuclei.instanceId, area: nuclei.area, contour: nuclei.contour })
    .from(nuclei).where(inArray(nuclei.imageId, chosen.map((c) => c.id))).orderBy(asc(nuclei.id)).all();
  const gallery: GalleryImage[] = chosen.map((c) => ({
    imageId: c.id, fold: c.fold, foldIndex: c.foldIndex, tissue: c.tissue, width: c.width, height: c.height,
    nuclei: outlineRows.filter((n) => n.imageId === c.id).map((n) => ({ id: n.id, classId: n.classId, instanceId: n.instanceId, area: n.area, polygons: decodeWkb(n.contour) })),
  }));

  const qc = await qcCounts(store);
  const data: ReportData = {
    dbFile,
    summary: { folds, images: imageCount, nuclei: nucleusCount, tissues: tissueCount, toolVersion, runs },
    classByTissue: await classByTissue(store),
    perFold,
    area: histogram(db, 'area', 24),
    eccentricity: histogram(db, 'eccentricity', 20),
    qc,
    qcExamples: Object.fromEntries(await Promise.all(qc.filter((q) => q.images > 0).map(async (q) => [q.quirk, await qcExamples(store, q.quirk, 5)] as const))),
    gallery,
    galleryCap: options.perTissue,
  };
  if (options.subsetId !== undefined) {
    const table = await classByTissue(store, { subsetId: options.subsetId });
    const all = table.rows.at(-1) as unknown[];
    data.subset = { name: options.subsetName ?? '', classByTissue: table, perClass: CLASS_NAMES.map((_, k) => all[2 + k] as number) };
  }
  if (options.evalSet !== undefined) data.evaluation = gatherEvaluation(db, dbFile, options.evalSet, options.perTissue);
  return data;
}
