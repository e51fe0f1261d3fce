/**
 * The explorer's filter: what a URL's query says (the same on every page and in /api/), checked by zod and
 * turned into SQL with placeholders only (no text of the URL ever reaches the SQL but as a bound value or a
 * column name from the list below). Public interface, documented in the README ("Exploring: pannuke serve").
 *
 *   fold=1,3            images of these folds
 *   tissue=Breast,Colon images of these tissues (names as stored)
 *   class=Dead,2        nuclei of these classes (names in any case, or 1..5)
 *   subset=<name>       nuclei of a stored subset
 *   quirk=holes,…       nuclei with every quirk named: shared_id, overlap, fragmented, holes, tiny
 *   min_<col>=v, max_<col>=v   a range on a numeric column of `nuclei` (NUMERIC_COLUMNS), inclusive
 *   set=<name>          a prediction set: per-image figures, its outlines and matches
 *   sort=<key>, page=n  the list's order ('-' first: descending) and page (from 1)
 *
 * Nucleus filters (class, subset, quirk, ranges) select nuclei; an image is listed when one of its nuclei
 * passes them (or, with none given, every image of the folds and tissues).
 */
import * as z from '../zod.js';
import { CLASS_NAMES } from '../db/schema.js';
import { PannukeError } from '../errors.js';

/** Numeric columns of `nuclei` a range may bound and a list may sort by (each defined in the README's table). */
export const NUMERIC_COLUMNS = [
  'area', 'perimeter', 'major_axis_length', 'minor_axis_length', 'eccentricity', 'orientation', 'parts', 'holes',
  'overlap_area', 'shared_id', 'centroid_x', 'centroid_y', 'bbox_x0', 'bbox_y0', 'bbox_x1', 'bbox_y1', 'instance_id',
] as const;
export type NumericColumn = (typeof NUMERIC_COLUMNS)[number];

export const QUIRKS = { shared_id: 'n.shared_id = 1', overlap: 'n.overlap_area > 0', fragmented: 'n.parts > 1', holes: 'n.holes > 0', tiny: 'n.area < 10' } as const;
export type Quirk = keyof typeof QUIRKS;

const list = (s: string) => s.split(',').map((v) => v.trim()).filter((v) => v !== '');

const classId = (v: string): number => {
  if (/^[1-5]$/.test(v)) return Number(v);
  const k = CLASS_NAMES.findIndex((c) => c.toLowerCase() === v.toLowerCase());
  if (k < 0) throw new PannukeError('BAD_OPTION', `class '${v}' is not one of ${CLASS_NAMES.join(', ')} (or 1..5)`);
  return k + 1;
};

const finite = (name: string) => z.pipe(z.string(), z.transform((v: string, ctx) => {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n)) {
    ctx.issues.push({ code: 'custom', message: `${name} must be a number`, input: v });
    return z.NEVER;
  }
  return n;
}));

/** An optional string parameter, turned into something else when given. */
const given = <T>(f: (v: string) => T) => z.pipe(z.optional(z.string()), z.transform((v: string | undefined) => (v === undefined ? undefined : f(v))));

const shape = {
  fold: z.pipe(given((v) => list(v).map(Number)), z.optional(z.array(z.int().check(z.minimum(1), z.maximum(3))))),
  tissue: given(list),
  class: given((v) => list(v).map(classId)),
  subset: z.optional(z.string().check(z.maxLength(64))),
  quirk: z.pipe(given(list), z.optional(z.array(z.enum(Object.keys(QUIRKS) as [Quirk, ...Quirk[]])))),
  set: z.optional(z.string().check(z.maxLength(200))),
  sort: z.optional(z.string().check(z.maxLength(64))),
  page: z.pipe(z.pipe(z.optional(z.string()), z.transform((v: string | undefined) => (v === undefined ? 1 : Number(v)))), z.int().check(z.minimum(1), z.maximum(1_000_000))),
};

export interface Filter {
  fold?: number[];
  tissue?: string[];
  class?: number[];
  subset?: string;
  quirk?: Quirk[];
  set?: string;
  sort?: string;
  page: number;
  /** Inclusive ranges on numeric columns. */
  ranges: { column: NumericColumn; min?: number; max?: number }[];
}

/** The filter of a URL's query; a bad value is a BAD_OPTION error naming the parameter. */
export function parseFilter(query: URLSearchParams): Filter {
  const plain: Record<string, string> = {};
  const ranges = new Map<NumericColumn, { column: NumericColumn; min?: number; max?: number }>();
  for (const [key, value] of query) {
    if (value.trim() === '') continue; // an empty field of the form
    const range = /^(min|max)_(.+)$/.exec(key);
    if (range !== null) {
      const column = range[2] as NumericColumn;
      if (!NUMERIC_COLUMNS.includes(column)) throw new PannukeError('BAD_OPTION', `${key}: '${range[2]}' is not a numeric column (${NUMERIC_COLUMNS.join(', ')})`);
      const parsed = finite(key).safeParse(value);
      if (!parsed.success) throw new PannukeError('BAD_OPTION', `${key} must be a number, not '${value}'`);
      const r = ranges.get(column) ?? { column };
      r[range[1] as 'min' | 'max'] = parsed.data;
      ranges.set(column, r);
    } else if (key in shape) {
      // checkboxes and multiple selects repeat their key: the values are one list
      plain[key] = plain[key] === undefined ? value : `${plain[key]},${value}`;
    }
  }
  const parsed = z.object(shape).safeParse(plain);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new PannukeError('BAD_OPTION', `${issue?.path.join('.') ?? 'query'}: ${issue?.message ?? 'bad value'}`);
  }
  const f = parsed.data;
  return {
    page: f.page, ranges: [...ranges.values()],
    ...(f.fold !== undefined && { fold: f.fold }), ...(f.tissue !== undefined && { tissue: f.tissue }), ...(f.class !== undefined && { class: f.class }),
    ...(f.subset !== undefined && { subset: f.subset }), ...(f.quirk !== undefined && { quirk: f.quirk }), ...(f.set !== undefined && { set: f.set }),
    ...(f.sort !== undefined && { sort: f.sort }),
  };
}

/** The filter back as a query string (without page and sort unless asked): links keep the filter. */
export function filterQuery(f: Filter, extra: Record<string, string | number | undefined> = {}): string {
  const q = new URLSearchParams();
  if (f.fold !== undefined) q.set('fold', f.fold.join(','));
  if (f.tissue !== undefined) q.set('tissue', f.tissue.join(','));
  if (f.class !== undefined) q.set('class', f.class.map((c) => CLASS_NAMES[c - 1]).join(','));
  if (f.subset !== undefined) q.set('subset', f.subset);
  if (f.quirk !== undefined) q.set('quirk', f.quirk.join(','));
  for (const r of f.ranges) {
    if (r.min !== undefined) q.set(`min_${r.column}`, String(r.min));
    if (r.max !== undefined) q.set(`max_${r.column}`, String(r.max));
  }
  if (f.set !== undefined) q.set('set', f.set);
  for (const [k, v] of Object.entries(extra)) if (v !== undefined) q.set(k, String(v));
  const s = q.toString();
  return s === '' ? '' : `?${s}`;
}

/**
 * Whether the filter's nucleus part can be answered from `area_histogram` (nuclei per fold, tissue, class and
 * area): classes and area ranges only. Counts and the area histogram then come from its few thousand rows
 * instead of a pass over every nucleus.
 */
export const byAreaHistogram = (f: Filter): boolean => f.subset === undefined && f.quirk === undefined && f.ranges.every((r) => r.column === 'area');

/** Whether the filter selects nuclei (then an image is listed only when one of its nuclei passes). */
export const hasNucleusFilter = (f: Filter): boolean => f.class !== undefined || f.subset !== undefined || f.quirk !== undefined || f.ranges.length > 0;

export interface SqlPart {
  sql: string;
  params: unknown[];
}

/** Conditions on `images i` (joined to `tissues t`); `fold` names the fold column where it is not i.fold. */
export function imageConditions(f: Filter, fold = 'i.fold'): SqlPart {
  const sql: string[] = [];
  const params: unknown[] = [];
  if (f.fold !== undefined) {
    sql.push(`${fold} IN (${f.fold.map(() => '?').join(', ')})`);
    params.push(...f.fold);
  }
  if (f.tissue !== undefined) {
    sql.push(`t.name IN (${f.tissue.map(() => '?').join(', ')})`);
    params.push(...f.tissue);
  }
  return { sql: sql.length === 0 ? '1 = 1' : sql.join(' AND '), params };
}

/** Conditions on `nuclei n`; `subsetId` is the stored subset's id when the filter names one. */
export function nucleusConditions(f: Filter, subsetId?: number): SqlPart {
  const sql: string[] = [];
  const params: unknown[] = [];
  if (f.class !== undefined) {
    sql.push(`n.class_id IN (${f.class.map(() => '?').join(', ')})`);
    params.push(...f.class);
  }
  if (subsetId !== undefined) {
    sql.push('n.id IN (SELECT nucleus_id FROM subset_members WHERE subset_id = ?)');
    params.push(subsetId);
  }
  for (const q of f.quirk ?? []) sql.push(QUIRKS[q]);
  for (const r of f.ranges) {
    if (r.min !== undefined) {
      sql.push(`n.${r.column} >= CAST(? AS DOUBLE PRECISION)`);
      params.push(r.min);
    }
    if (r.max !== undefined) {
      sql.push(`n.${r.column} <= CAST(? AS DOUBLE PRECISION)`);
      params.push(r.max);
    }
  }
  return { sql: sql.length === 0 ? '1 = 1' : sql.join(' AND '), params };
}

/**
 * The nucleus filter as one condition over `nucleus_facts` with its values written in (numbers only), for
 * `subset create`'s --where when the explorer saves a filter: the same rules as that command.
 */
export function factsCondition(f: Filter, subsetId?: number): string | undefined {
  const parts: string[] = [];
  const n = (v: number) => {
    if (!Number.isFinite(v)) throw new PannukeError('BAD_OPTION', `${v} is not a number`);
    return String(v);
  };
  if (f.class !== undefined) parts.push(`class_id IN (${f.class.map(n).join(', ')})`);
  if (subsetId !== undefined) parts.push(`nucleus_id IN (SELECT nucleus_id FROM subset_members WHERE subset_id = ${n(subsetId)})`);
  for (const q of f.quirk ?? []) parts.push(QUIRKS[q].replaceAll('n.', ''));
  for (const r of f.ranges) {
    if (r.min !== undefined) parts.push(`${r.column} >= ${n(r.min)}`);
    if (r.max !== undefined) parts.push(`${r.column} <= ${n(r.max)}`);
  }
  return parts.length === 0 ? undefined : parts.join(' AND ');
}
