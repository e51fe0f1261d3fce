/**
 * What the explorer's pages show, read through the Store (either backend) with the filter's SQL
 * (./filter.ts): counts, lists of images and nuclei (paged, sorted), one image with its nuclei and a
 * prediction's, histograms. Reads only.
 */
import { CLASS_NAMES } from '../db/schema.js';
import type { Store } from '../db/store.js';
import { PannukeError } from '../errors.js';
import { findSet } from '../eval/store.js';
import { findSubsetId } from '../subset/store.js';
import { byAreaHistogram, hasNucleusFilter, imageConditions, NUMERIC_COLUMNS, nucleusConditions, QUIRKS, type Filter, type NumericColumn } from './filter.js';

export const PAGE_IMAGES = 48;
export const PAGE_NUCLEI = 96;

/** The filter's stored things, looked up: the subset's id and the prediction set's. */
export interface Resolved {
  subsetId?: number;
  setId?: number;
}

export async function resolve(store: Store, f: Filter): Promise<Resolved> {
  const out: Resolved = {};
  if (f.subset !== undefined) out.subsetId = await findSubsetId(store, f.subset);
  if (f.set !== undefined) {
    const set = await findSet(store, f.set);
    if (set === undefined) throw new PannukeError('BAD_OPTION', `no prediction set named '${f.set}'`);
    out.setId = set.id;
  }
  return out;
}

const num = (v: unknown) => (typeof v === 'bigint' ? Number(v) : (v as number));

export interface Overview {
  images: number;
  nuclei: number;
  tissues: string[];
  /** Per tissue, nuclei per class id 1..5, and images. */
  byTissue: { tissue: string; images: number; perClass: number[] }[];
  folds: { fold: number; images: number; nuclei: number }[];
  sets: { name: string; fold: number; images: number }[];
  subsets: { name: string; nuclei: number; images: number }[];
}

export async function overview(store: Store, f: Filter, r: Resolved): Promise<Overview> {
  const img = imageConditions(f), nuc = nucleusConditions(f, r.subsetId);
  // Nuclei per tissue, fold and class: from area_histogram where the filter allows (a few thousand rows),
  // else one pass over the nuclei.
  const rows = byAreaHistogram(f)
    ? (await store.all(`SELECT t.name, n.fold, n.class_id, CAST(sum(n.nuclei) AS BIGINT) FROM area_histogram n JOIN tissues t ON t.id = n.tissue_id
        WHERE ${imageConditions(f, 'n.fold').sql} AND ${nuc.sql} GROUP BY t.name, n.fold, n.class_id`, [...img.params, ...nuc.params])).rows
    : (await store.all(`SELECT t.name, i.fold, n.class_id, count(n.id) FROM images i JOIN tissues t ON t.id = i.tissue_id JOIN nuclei n ON n.image_id = i.id
        WHERE ${img.sql} AND ${nuc.sql} GROUP BY t.name, i.fold, n.class_id`, [...img.params, ...nuc.params])).rows;
  const imageRows = hasNucleusFilter(f)
    ? (await store.all(`SELECT t.name, i.fold, count(*) FROM images i JOIN tissues t ON t.id = i.tissue_id
        WHERE ${img.sql} AND EXISTS (SELECT 1 FROM nuclei n WHERE n.image_id = i.id AND ${nuc.sql}) GROUP BY t.name, i.fold`, [...img.params, ...nuc.params])).rows
    : (await store.all(`SELECT t.name, i.fold, count(*) FROM images i JOIN tissues t ON t.id = i.tissue_id WHERE ${img.sql} GROUP BY t.name, i.fold`, img.params)).rows;
  const tissues = (await store.all('SELECT name FROM tissues ORDER BY name')).rows.map((row) => row[0] as string);
  const byTissue = new Map<string, { tissue: string; images: number; perClass: number[] }>();
  const folds = new Map<number, { fold: number; images: number; nuclei: number }>();
  for (const [t, fold, imgs] of imageRows) {
    const e = byTissue.get(t as string) ?? { tissue: t as string, images: 0, perClass: [0, 0, 0, 0, 0] };
    e.images += num(imgs);
    byTissue.set(t as string, e);
    const fe = folds.get(num(fold)) ?? { fold: num(fold), images: 0, nuclei: 0 };
    fe.images += num(imgs);
    folds.set(num(fold), fe);
  }
  for (const [t, fold, c, n] of rows) {
    const e = byTissue.get(t as string);
    if (e !== undefined) e.perClass[num(c) - 1] = (e.perClass[num(c) - 1] as number) + num(n);
    const fe = folds.get(num(fold));
    if (fe !== undefined) fe.nuclei += num(n);
  }
  const sets = (await store.all('SELECT name, fold, images FROM prediction_sets ORDER BY name')).rows.map(([name, fold, images]) => ({ name: name as string, fold: num(fold), images: num(images) }));
  const subsets = (await store.all('SELECT name, nuclei, images FROM subsets ORDER BY name')).rows.map(([name, nuclei, images]) => ({ name: name as string, nuclei: num(nuclei), images: num(images) }));
  const list = [...byTissue.values()].sort((x, y) => (x.tissue < y.tissue ? -1 : 1));
  return {
    images: list.reduce((s, t) => s + t.images, 0), nuclei: list.reduce((s, t) => s + t.perClass.reduce((x, y) => x + y, 0), 0),
    tissues, byTissue: list, folds: [...folds.values()].sort((x, y) => x.fold - y.fold), sets, subsets,
  };
}

/** Nuclei and images with each quirk, under the filter: one pass over the nuclei. */
export async function quirkCounts(store: Store, f: Filter, r: Resolved): Promise<{ quirk: string; nuclei: number; images: number }[]> {
  const img = imageConditions(f), nuc = nucleusConditions(f, r.subsetId);
  const quirks = Object.entries(QUIRKS);
  const [counts] = (await store.all(`SELECT ${quirks.map(([, cond]) => `count(n.id) FILTER (WHERE ${cond}), count(DISTINCT CASE WHEN ${cond} THEN n.image_id END)`).join(', ')}
      FROM nuclei n JOIN images i ON i.id = n.image_id JOIN tissues t ON t.id = i.tissue_id WHERE ${img.sql} AND ${nuc.sql}`, [...img.params, ...nuc.params])).rows;
  return quirks.map(([quirk], k) => ({ quirk, nuclei: num(counts?.[2 * k] ?? 0), images: num(counts?.[2 * k + 1] ?? 0) }));
}

export interface ImageRow {
  id: number;
  fold: number;
  foldIndex: number;
  tissue: string;
  /** Nuclei passing the filter, and per class id 1..5. */
  nuclei: number;
  perClass: number[];
  /** With a prediction set: the image's figures (null: not evaluated, or NaN by the official rule). */
  mpq?: number | null;
  bpq?: number | null;
  misses?: number | null;
  falsePositives?: number | null;
}

/** Sort keys of the image list: column, or with a set the figures (worst first by default). */
export const IMAGE_SORTS = ['id', 'nuclei', 'tissue', ...CLASS_NAMES.map((c) => c.toLowerCase()), 'mpq', 'bpq', 'misses', 'false_positives'] as const;

function imageOrder(sort: string | undefined, withSet: boolean): string {
  const desc = sort?.startsWith('-') === true;
  const key = (sort ?? (withSet ? 'mpq' : 'id')).replace(/^-/, '');
  const k = CLASS_NAMES.findIndex((c) => c.toLowerCase() === key);
  const column = key === 'id' ? 'id' : key === 'nuclei' ? 'nuclei' : key === 'tissue' ? 'tissue' : k >= 0 ? `c${k + 1}`
    : withSet && key === 'mpq' ? 'mpq' : withSet && key === 'bpq' ? 'bpq' : withSet && key === 'misses' ? 'misses' : withSet && key === 'false_positives' ? 'fps' : undefined;
  if (column === undefined) throw new PannukeError('BAD_OPTION', `sort: '${sort}' is not one of ${IMAGE_SORTS.filter((s) => withSet || !['mpq', 'bpq', 'misses', 'false_positives'].includes(s)).join(', ')} (prefix '-' for descending)`);
  // Over the list as a subquery (PostgreSQL takes no output alias inside an ORDER BY expression). NULLs (not
  // evaluated, NaN) last whichever the direction; the id breaks ties, so pages never overlap.
  const nulls = ['mpq', 'bpq', 'misses', 'fps'].includes(column) ? `CASE WHEN ${column} IS NULL THEN 1 ELSE 0 END, ` : '';
  const defaultDesc = ['nuclei', 'misses', 'fps'].includes(column) || column.startsWith('c');
  return `${nulls}${column} ${desc !== defaultDesc ? 'DESC' : 'ASC'}, id`;
}

const isClassSort = (sort: string | undefined) => CLASS_NAMES.some((c) => c.toLowerCase() === sort?.replace(/^-/, ''));

/**
 * The image list as one statement (ordered over it by imageOrder). Its shape follows what it needs, so that
 * a database of millions of nuclei answers in milliseconds where it can: with no nucleus filter and no sort
 * by a class's count, the nuclei are not read at all (images.nucleus_count); otherwise they are aggregated
 * per image in one pass and joined. A set's figures come from one grouped pass over its counts (eval_pq),
 * defined as eval_image_summary defines them.
 */
function imageListSql(f: Filter, r: Resolved): { sql: string; params: unknown[]; perClass: boolean } {
  const img = imageConditions(f), nuc = nucleusConditions(f, r.subsetId);
  const filtered = hasNucleusFilter(f);
  const aggregate = filtered || isClassSort(f.sort);
  const figures = r.setId === undefined ? '' : ', e.mpq, e.bpq, e.misses, e.fps';
  const figuresJoin = r.setId === undefined ? '' : ` LEFT JOIN (SELECT image_id, avg(pq) FILTER (WHERE mode BETWEEN 1 AND 5) AS mpq, max(pq) FILTER (WHERE mode = 0) AS bpq,
      max(fn) FILTER (WHERE mode = 0) AS misses, max(fp) FILTER (WHERE mode = 0) AS fps FROM eval_pq WHERE set_id = ${r.setId} GROUP BY image_id) e ON e.image_id = i.id`;
  const setImages = r.setId === undefined ? '' : ` AND i.fold = (SELECT fold FROM prediction_sets WHERE id = ${r.setId})`;
  if (!aggregate) {
    return {
      sql: `SELECT i.id, i.fold, i.fold_index, t.name AS tissue, i.nucleus_count AS nuclei${figures}
              FROM images i JOIN tissues t ON t.id = i.tissue_id${figuresJoin} WHERE ${img.sql}${setImages}`,
      params: img.params, perClass: false,
    };
  }
  const perClass = CLASS_NAMES.map((_, k) => `count(*) FILTER (WHERE n.class_id = ${k + 1}) AS c${k + 1}`).join(', ');
  return {
    sql: `SELECT i.id, i.fold, i.fold_index, t.name AS tissue, coalesce(a.nuclei, 0) AS nuclei, ${CLASS_NAMES.map((_, k) => `coalesce(a.c${k + 1}, 0) AS c${k + 1}`).join(', ')}${figures}
            FROM images i JOIN tissues t ON t.id = i.tissue_id
            ${filtered ? 'JOIN' : 'LEFT JOIN'} (SELECT n.image_id, count(*) AS nuclei, ${perClass} FROM nuclei n WHERE ${nuc.sql} GROUP BY n.image_id) a ON a.image_id = i.id${figuresJoin}
           WHERE ${img.sql}${setImages}`,
    params: [...nuc.params, ...img.params], perClass: true,
  };
}

/**
 * The rows of `sql(inList)` for the given ids, 500 at a time (`inList` is their `IN (?, …)` placeholders):
 * bound parameters stay far below every backend's limit.
 */
async function rowsForIds(store: Store, ids: readonly number[], sql: (inList: string) => string): Promise<unknown[][]> {
  const out: unknown[][] = [];
  for (let k = 0; k < ids.length; k += 500) {
    const chunk = ids.slice(k, k + 500);
    out.push(...(await store.all(sql(`IN (${chunk.map(() => '?').join(', ')})`), chunk)).rows);
  }
  return out;
}

/** Nuclei per class id 1..5 of the given images (all nuclei: the list had no nucleus filter). */
async function perClassOf(store: Store, ids: readonly number[]): Promise<Map<number, number[]>> {
  const out = new Map<number, number[]>(ids.map((id) => [id, [0, 0, 0, 0, 0]]));
  const rows = await rowsForIds(store, ids, (inList) => `SELECT image_id, class_id, count(*) FROM nuclei WHERE image_id ${inList} GROUP BY image_id, class_id`);
  for (const [image, c, n] of rows) (out.get(num(image)) as number[])[num(c) - 1] = num(n);
  return out;
}

export async function listImages(store: Store, f: Filter, r: Resolved, pageSize = PAGE_IMAGES): Promise<{ total: number; rows: ImageRow[] }> {
  const { sql, params, perClass } = imageListSql(f, r);
  const order = imageOrder(f.sort, r.setId !== undefined);
  const total = num((await store.all(`SELECT count(*) FROM (${sql}) x`, params)).rows[0]?.[0]);
  const paged = pageSize > 0 ? ` LIMIT ${pageSize} OFFSET ${(f.page - 1) * pageSize}` : '';
  const result = await store.all(`SELECT * FROM (${sql}) x ORDER BY ${order}${paged}`, params);
  const at = (name: string) => result.columns.indexOf(name);
  const counts = perClass ? undefined : await perClassOf(store, result.rows.map((row) => num(row[0])));
  const rows = result.rows.map((row): ImageRow => ({
    id: num(row[0]), fold: num(row[1]), foldIndex: num(row[2]), tissue: row[3] as string, nuclei: num(row[4]),
    perClass: counts === undefined ? CLASS_NAMES.map((_, k) => num(row[at(`c${k + 1}`)])) : (counts.get(num(row[0])) as number[]),
    ...(r.setId !== undefined && {
      mpq: row[at('mpq')] as number | null, bpq: row[at('bpq')] as number | null,
      misses: row[at('misses')] === null ? null : num(row[at('misses')]), falsePositives: row[at('fps')] === null ? null : num(row[at('fps')]),
    }),
  }));
  return { total, rows };
}

/** The image before and after `id` in the list the filter and sort make (arrow keys on the image page). */
export async function neighbours(store: Store, f: Filter, r: Resolved, id: number): Promise<{ previous?: number; next?: number; position?: number; total: number }> {
  const { sql, params } = imageListSql(f, r);
  // Window functions over the list, so that only one row comes back (not the ids of the whole list).
  const order = imageOrder(f.sort, r.setId !== undefined);
  const [row] = (await store.all(`SELECT prev, nxt, pos, total FROM (SELECT x.id, lag(x.id) OVER (ORDER BY ${order}) AS prev, lead(x.id) OVER (ORDER BY ${order}) AS nxt,
      row_number() OVER (ORDER BY ${order}) AS pos, count(*) OVER () AS total FROM (${sql}) x) w WHERE w.id = ?`, [...params, id])).rows;
  if (row === undefined) return { total: num((await store.all(`SELECT count(*) FROM (${sql}) x`, params)).rows[0]?.[0]) };
  const [previous, next, position, total] = row;
  return { position: num(position), total: num(total), ...(previous !== null && { previous: num(previous) }), ...(next !== null && { next: num(next) }) };
}

/** Every column of nucleus_facts, in order (the row a hover shows). */
export const FACT_COLUMNS = ['nucleus_id', 'fold', 'image_id', 'fold_index', 'tissue', 'class', 'class_id', 'instance_id', 'area', 'bbox_x0', 'bbox_y0', 'bbox_x1', 'bbox_y1', 'centroid_x', 'centroid_y', 'perimeter', 'major_axis_length', 'minor_axis_length', 'eccentricity', 'orientation', 'parts', 'holes', 'overlap_area', 'shared_id'] as const;

export interface NucleusRow {
  facts: Record<string, unknown>;
  contour: Uint8Array;
}

export interface PredictedRow {
  id: number;
  classId: number | null;
  area: number;
  centroid: [number, number];
  contour: Uint8Array;
}

export interface ImageDetail {
  image: { id: number; fold: number; foldIndex: number; tissue: string; width: number; height: number };
  nuclei: NucleusRow[];
  predicted: PredictedRow[];
  /** Binary matches (mode 0) and class matches: gt nucleus id → {pred id, iou}. */
  matches: { mode: number; gt: number; pred: number; iou: number }[];
  /** The set evaluated this image. */
  evaluated: boolean;
}

export async function imageDetail(store: Store, id: number, setId?: number): Promise<ImageDetail | undefined> {
  const [im] = (await store.all('SELECT i.id, i.fold, i.fold_index, t.name, i.width, i.height FROM images i JOIN tissues t ON t.id = i.tissue_id WHERE i.id = ?', [id])).rows;
  if (im === undefined) return undefined;
  const facts = await store.all(`SELECT ${FACT_COLUMNS.map((c) => `f.${c}`).join(', ')}, n.contour FROM nucleus_facts f JOIN nuclei n ON n.id = f.nucleus_id WHERE f.image_id = ? ORDER BY f.nucleus_id`, [id]);
  const nuclei = facts.rows.map((row) => ({ facts: Object.fromEntries(FACT_COLUMNS.map((c, k) => [c, typeof row[k] === 'bigint' ? Number(row[k]) : row[k]])), contour: row[FACT_COLUMNS.length] as Uint8Array }));
  let predicted: PredictedRow[] = [];
  let matches: ImageDetail['matches'] = [];
  let evaluated = false;
  if (setId !== undefined) {
    predicted = (await store.all('SELECT id, class_id, area, centroid_x, centroid_y, contour FROM predicted_nuclei WHERE set_id = ? AND image_id = ? ORDER BY id', [setId, id])).rows
      .map(([pid, c, area, x, y, contour]) => ({ id: num(pid), classId: c === null ? null : num(c), area: num(area), centroid: [x as number, y as number], contour: contour as Uint8Array }));
    matches = (await store.all(`SELECT m.mode, m.gt_nucleus_id, m.pred_nucleus_id, m.iou FROM eval_matches m JOIN nuclei n ON n.id = m.gt_nucleus_id WHERE m.set_id = ? AND n.image_id = ?`, [setId, id])).rows
      .map(([mode, g, q, iou]) => ({ mode: num(mode), gt: num(g), pred: num(q), iou: iou as number }));
    evaluated = (await store.all('SELECT 1 FROM eval_counts WHERE set_id = ? AND image_id = ? AND mode = 0', [setId, id])).rows.length > 0;
  }
  return { image: { id: num(im[0]), fold: num(im[1]), foldIndex: num(im[2]), tissue: im[3] as string, width: num(im[4]), height: num(im[5]) }, nuclei, predicted, matches, evaluated };
}

export interface NucleusListRow {
  id: number;
  imageId: number;
  fold: number;
  foldIndex: number;
  tissue: string;
  /** null: an untyped predicted nucleus. */
  classId: number | null;
  /** A row of predicted_nuclei (the false positives of a set), not of nuclei. */
  predicted?: boolean;
  values: Record<NumericColumn, number>;
  contour: Uint8Array;
  /** With a set: the IoU of its binary match (null: missed). */
  iou?: number | null;
}

/** Sort keys of the nuclei list: a numeric column, or `iou` with a set. */
function nucleusOrder(sort: string | undefined, withSet: boolean): string {
  const desc = sort?.startsWith('-') === true;
  const key = (sort ?? 'id').replace(/^-/, '');
  if (key === 'id') return `n.id ${desc ? 'DESC' : 'ASC'}`;
  // ties broken by id in the same direction: an index on (class_id, area) then gives the order as it stands
  if (key === 'iou' && withSet) return `CASE WHEN iou IS NULL THEN 0 ELSE 1 END, iou ${desc ? 'DESC' : 'ASC'}, n.id ${desc ? 'DESC' : 'ASC'}`;
  if (!(NUMERIC_COLUMNS as readonly string[]).includes(key)) throw new PannukeError('BAD_OPTION', `sort: '${sort}' is not id${withSet ? ', iou' : ''} or a numeric column (${NUMERIC_COLUMNS.join(', ')})`);
  return `n.${key} ${desc ? 'DESC' : 'ASC'}, n.id ${desc ? 'DESC' : 'ASC'}`;
}

/** Nuclei the filter selects; `match` narrows to a confusion cell of the set (gt class × predicted class or missed). */
export async function listNuclei(store: Store, f: Filter, r: Resolved, match?: { gt?: number; pred?: number | 'untyped' | 'missed' }, pageSize = PAGE_NUCLEI): Promise<{ total: number; rows: NucleusListRow[] }> {
  const img = imageConditions(f), nuc = nucleusConditions(f, r.subsetId);
  const set = r.setId;
  const iou = set === undefined ? '' : `, (SELECT m.iou FROM eval_matches m WHERE m.set_id = ${set} AND m.mode = 0 AND m.gt_nucleus_id = n.id) AS iou`;
  const extra: string[] = [];
  const params: unknown[] = [...img.params, ...nuc.params];
  if (set !== undefined) extra.push(`n.image_id IN (SELECT image_id FROM eval_counts WHERE set_id = ${set} AND mode = 0)`);
  if (set !== undefined && match?.pred !== undefined) {
    if (match.pred === 'missed') extra.push(`NOT EXISTS (SELECT 1 FROM eval_matches m WHERE m.set_id = ${set} AND m.mode = 0 AND m.gt_nucleus_id = n.id)`);
    else extra.push(`EXISTS (SELECT 1 FROM eval_matches m JOIN predicted_nuclei p ON p.id = m.pred_nucleus_id WHERE m.set_id = ${set} AND m.mode = 0 AND m.gt_nucleus_id = n.id AND ${match.pred === 'untyped' ? 'p.class_id IS NULL' : `p.class_id = ${Number(match.pred)}`})`);
  }
  if (match?.gt !== undefined) extra.push(`n.class_id = ${Number(match.gt)}`);
  const where = [img.sql, nuc.sql, ...extra].join(' AND ');
  const base = `FROM nuclei n JOIN images i ON i.id = n.image_id JOIN tissues t ON t.id = i.tissue_id WHERE ${where}`;
  const total = num((await store.all(`SELECT count(*) ${base}`, params)).rows[0]?.[0]);
  const columns = NUMERIC_COLUMNS.map((c) => `n.${c}`).join(', ');
  const order = nucleusOrder(f.sort, set !== undefined);
  // The page's ids first (ordering ids and sort keys only: no outline goes through the sort, so memory stays
  // small whatever the list), then their rows.
  const ordered = set === undefined
    ? `SELECT n.id ${base} ORDER BY ${order}`
    : `SELECT id FROM (SELECT n.id, ${columns}${iou} ${base}) n ORDER BY ${order.replaceAll('n.', '')}`;
  const paged = pageSize > 0 ? ` LIMIT ${pageSize} OFFSET ${(f.page - 1) * pageSize}` : '';
  const ids = (await store.all(`${ordered}${paged}`, params)).rows.map((row) => num(row[0]));
  const byId = new Map<number, NucleusListRow>();
  const rows = await rowsForIds(store, ids, (inList) => `SELECT n.id, n.image_id, i.fold, i.fold_index, t.name, n.class_id, ${columns}, n.contour${iou}
      FROM nuclei n JOIN images i ON i.id = n.image_id JOIN tissues t ON t.id = i.tissue_id WHERE n.id ${inList}`);
  for (const row of rows) {
    byId.set(num(row[0]), {
      id: num(row[0]), imageId: num(row[1]), fold: num(row[2]), foldIndex: num(row[3]), tissue: row[4] as string, classId: num(row[5]),
      values: Object.fromEntries(NUMERIC_COLUMNS.map((c, j) => [c, num(row[6 + j])])) as Record<NumericColumn, number>,
      contour: row[6 + NUMERIC_COLUMNS.length] as Uint8Array,
      ...(set !== undefined && { iou: (row[7 + NUMERIC_COLUMNS.length] ?? null) as number | null }),
    });
  }
  return { total, rows: ids.map((id) => byId.get(id) as NucleusListRow) };
}

/**
 * Counts of the filtered nuclei in `bins` equal bins of `column` between its filtered min and max (bin k:
 * floor((v − min) / width) = k, the maximum in the last; floor, because PostgreSQL's CAST to integer rounds).
 */
export async function histogram(store: Store, f: Filter, r: Resolved, column: NumericColumn, bins = 30): Promise<{ column: NumericColumn; min: number; max: number; counts: number[] }> {
  const img = imageConditions(f), nuc = nucleusConditions(f, r.subsetId);
  // area under a filter area_histogram can answer: from its rows (area, nuclei), weighted; else a pass over the nuclei
  const fromHistogram = column === 'area' && byAreaHistogram(f);
  const base = fromHistogram
    ? `FROM area_histogram n JOIN tissues t ON t.id = n.tissue_id WHERE ${imageConditions(f, 'n.fold').sql} AND ${nuc.sql}`
    : `FROM nuclei n JOIN images i ON i.id = n.image_id JOIN tissues t ON t.id = i.tissue_id WHERE ${img.sql} AND ${nuc.sql}`;
  const weight = fromHistogram ? 'CAST(sum(n.nuclei) AS BIGINT)' : 'count(*)';
  const params = [...img.params, ...nuc.params];
  const [range] = (await store.all(`SELECT min(n.${column}), max(n.${column}) ${base}`, params)).rows;
  const min = range?.[0] === null || range === undefined ? 0 : Number(range[0]), max = range?.[1] === null || range === undefined ? 0 : Number(range[1]);
  const counts = new Array<number>(bins).fill(0);
  if (max > min) {
    const width = (max - min) / bins;
    const rows = (await store.all(`SELECT CAST(floor((n.${column} - CAST(? AS DOUBLE PRECISION)) / CAST(? AS DOUBLE PRECISION)) AS INTEGER) AS b, ${weight} ${base} GROUP BY 1`, [min, width, ...params])).rows;
    for (const [b, n] of rows) counts[Math.min(bins - 1, Math.max(0, num(b)))]! += num(n);
  } else if (range?.[0] !== null && range !== undefined) {
    counts[0] = num((await store.all(`SELECT ${weight} ${base}`, params)).rows[0]?.[0]);
  }
  return { column, min, max, counts };
}

/**
 * The false positives of a set: its evaluated predicted nuclei with no binary match, of one predicted class
 * (or untyped), under the filter's folds and tissues (the confusion matrix's row `false_positive`).
 */
export async function listFalsePositives(store: Store, f: Filter, r: Resolved, predClass: number | 'untyped' | undefined, pageSize = PAGE_NUCLEI): Promise<{ total: number; rows: NucleusListRow[] }> {
  if (r.setId === undefined) throw new PannukeError('BAD_OPTION', 'false positives need set=<prediction set>');
  const img = imageConditions(f);
  const set = r.setId;
  const cls = predClass === undefined ? '' : predClass === 'untyped' ? ' AND n.class_id IS NULL' : ` AND n.class_id = ${Number(predClass)}`;
  const base = `FROM predicted_nuclei n JOIN images i ON i.id = n.image_id JOIN tissues t ON t.id = i.tissue_id
    WHERE n.set_id = ${set}${cls} AND ${img.sql}
      AND EXISTS (SELECT 1 FROM eval_detections d WHERE d.set_id = n.set_id AND d.pred_nucleus_id = n.id)
      AND NOT EXISTS (SELECT 1 FROM eval_matches m WHERE m.set_id = n.set_id AND m.mode = 0 AND m.pred_nucleus_id = n.id)`;
  const total = num((await store.all(`SELECT count(*) ${base}`, img.params)).rows[0]?.[0]);
  const columns = NUMERIC_COLUMNS.map((c) => `n.${c}`).join(', ');
  const paged = pageSize > 0 ? ` LIMIT ${pageSize} OFFSET ${(f.page - 1) * pageSize}` : '';
  const rows = (await store.all(`SELECT n.id, n.image_id, i.fold, i.fold_index, t.name, n.class_id, ${columns}, n.contour ${base} ORDER BY ${nucleusOrder(f.sort, false)}${paged}`, img.params)).rows.map((row): NucleusListRow => ({
    id: num(row[0]), imageId: num(row[1]), fold: num(row[2]), foldIndex: num(row[3]), tissue: row[4] as string, classId: row[5] === null ? null : num(row[5]), predicted: true,
    values: Object.fromEntries(NUMERIC_COLUMNS.map((c, k) => [c, num(row[6 + k])])) as Record<NumericColumn, number>,
    contour: row[6 + NUMERIC_COLUMNS.length] as Uint8Array,
  }));
  return { total, rows };
}
