/**
 * Cohort statistics by SQL: per group of (tissue, fold, class) keys, the nuclei, the images that have them,
 * the share of the group (among the groups that differ only in class; of all nuclei without a class key) and
 * the area mean and nearest-rank quantiles. The quantile p of n sorted areas is the smallest area whose
 * rank r (1-based) satisfies r ≥ ⌈p·n⌉.
 */
import { byCodePoint, type Store } from '../db/store.js';
import { PannukeError } from '../errors.js';
import { CLASS_NAMES } from '../db/schema.js';
import { classDistributionByTissue } from './distribution.js';

export const GROUP_KEYS = ['tissue', 'fold', 'class'] as const;
export type GroupKey = (typeof GROUP_KEYS)[number];

export interface StatsTable {
  columns: string[];
  rows: unknown[][];
}

/** Restricts statistics to a stored subset's nuclei. */
export interface SubsetFilter {
  subsetId: number;
}

/** Each key's id column (grouping on ids is cheaper than on names) and the name it shows as. */
const KEY_SQL: Record<GroupKey, { id: string; name: string; join: string }> = {
  tissue: { id: 'i.tissue_id', name: 't.name AS tissue', join: 'JOIN tissues t ON t.id = q.tissue_id' },
  fold: { id: 'i.fold', name: 'q.fold AS fold', join: '' },
  class: { id: 'n.class_id', name: 'c.name AS class', join: 'JOIN classes c ON c.id = q.class_id' },
};

/** Rounded half away from zero on the exact binary value, the same whichever database computed it. */
const rounded = (v: unknown, digits: number) => (typeof v === 'number' ? Number(v.toFixed(digits)) : v);

/**
 * Quantiles come from a histogram of (group, area) counts, and a running sum over the areas of each group
 * finds the nearest ranks, so the database sorts distinct areas rather than every nucleus. For the whole
 * database the histogram is `area_histogram`, kept by the bulk writer (a few thousand rows, not a scan of
 * every nucleus), and the images per group come from the (image_id, class_id) index alone; for a subset both
 * are counted from its members. The SQL is the same on SQLite and PostgreSQL: sums are cast to BIGINT (on
 * PostgreSQL they would be `numeric`, and (n + 9) / 10 would not divide as integers) and means and shares are
 * divided in DOUBLE PRECISION, then rounded here; rows are ordered here, tissues by code point.
 */
export async function groupedStats(store: Store, by: readonly GroupKey[], subset?: SubsetFilter): Promise<StatsTable> {
  if (by.length === 0) throw new PannukeError('BAD_OPTION', '--by needs at least one of tissue, fold, class');
  const ids = by.map((k) => KEY_SQL[k].id.split('.')[1] as string);
  const keys = ids.join(', ');
  const shareKeys = by.filter((k) => k !== 'class').map((k) => `q.${KEY_SQL[k].id.split('.')[1]}`);
  const shareOver = by.includes('class') ? (shareKeys.length > 0 ? `PARTITION BY ${shareKeys.join(', ')}` : '') : '';
  const sources = subset === undefined
    ? `h AS (SELECT ${keys}, area, CAST(sum(nuclei) AS BIGINT) AS k FROM area_histogram GROUP BY ${keys}, area),
       im AS (SELECT ${by.map((k) => KEY_SQL[k].id.replace('n.', 'd.')).join(', ')}, count(DISTINCT d.image_id) AS images
                FROM (SELECT DISTINCT image_id, class_id FROM nuclei) d JOIN images i ON i.id = d.image_id GROUP BY ${keys})`
    : `f AS (SELECT ${by.map((k) => KEY_SQL[k].id).join(', ')}, n.image_id, n.area FROM nuclei n JOIN images i ON i.id = n.image_id
               JOIN subset_members m ON m.nucleus_id = n.id AND m.subset_id = ?),
       h AS (SELECT ${keys}, area, count(*) AS k FROM f GROUP BY ${keys}, area),
       im AS (SELECT ${keys}, count(DISTINCT image_id) AS images FROM f GROUP BY ${keys})`;
  const sql = `
    WITH ${sources},
    c AS (SELECT ${keys}, area, k, CAST(sum(k) OVER (PARTITION BY ${keys} ORDER BY area) AS BIGINT) AS cum,
                 CAST(sum(k) OVER (PARTITION BY ${keys}) AS BIGINT) AS n FROM h),
    q AS (
      SELECT ${keys}, max(n) AS nuclei, CAST(sum(area * k) AS DOUBLE PRECISION) / max(n) AS area_mean,
             min(area) FILTER (WHERE cum >= (n + 9) / 10) AS area_p10,
             min(area) FILTER (WHERE cum >= (n + 1) / 2) AS area_median,
             min(area) FILTER (WHERE cum >= (9 * n + 9) / 10) AS area_p90
        FROM c GROUP BY ${keys})
    SELECT ${by.map((k) => KEY_SQL[k].name).join(', ')}, q.nuclei, im.images,
           CAST(q.nuclei AS DOUBLE PRECISION) / sum(q.nuclei) OVER (${shareOver}) AS share,
           q.area_mean, q.area_p10, q.area_median, q.area_p90, ${ids.map((id) => `q.${id}`).join(', ')}
      FROM q JOIN im USING (${keys}) ${by.map((k) => KEY_SQL[k].join).join(' ')}`;
  const result = await store.all(sql, subset === undefined ? [] : [subset.subsetId]);
  const width = by.length + 7;
  // Order: tissue by name (code points), fold and class by id (the trailing id columns).
  const sortKey = (row: unknown[]) => by.map((k, i) => (k === 'tissue' ? row[i] : row[width + i]));
  const rows = result.rows
    .sort((a, b) => {
      const [x, y] = [sortKey(a), sortKey(b)];
      for (let i = 0; i < x.length; i++) {
        const [u, v] = [x[i], y[i]];
        const d = typeof u === 'string' ? byCodePoint(u, v as string) : Number(u) - Number(v);
        if (d !== 0) return d;
      }
      return 0;
    })
    .map((row) => {
      const out = row.slice(0, width);
      out[by.length + 2] = rounded(out[by.length + 2], 6);
      out[by.length + 3] = rounded(out[by.length + 3], 3);
      return out;
    });
  return { columns: result.columns.slice(0, width), rows };
}

/** The default view: tissues as rows, the five classes as columns, with images and totals. */
export async function classByTissue(store: Store, subset?: SubsetFilter): Promise<StatsTable> {
  const rows = await classDistributionByTissue(store, subset?.subsetId);
  const totals = CLASS_NAMES.map((_, k) => rows.reduce((s, r) => s + (r.perClass[k] as number), 0));
  return {
    columns: ['tissue', 'images', ...CLASS_NAMES, 'total'],
    rows: [
      ...rows.map((r) => [r.tissue, r.images, ...r.perClass, r.total]),
      ['all', rows.reduce((s, r) => s + r.images, 0), ...totals, rows.reduce((s, r) => s + r.total, 0)],
    ],
  };
}
