/**
 * Cohort statistics by SQL: per group of (tissue, fold, class) keys, the nuclei, the images that have them,
 * the share of the group (among the groups that differ only in class; of all nuclei without a class key) and
 * the area mean and nearest-rank quantiles. The quantile p of n sorted areas is the smallest area whose
 * rank r (1-based) satisfies r ≥ ⌈p·n⌉.
 */
import type { Db } from '../db/open.js';
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

/**
 * Quantiles come from a histogram of (group, area) counts, and a running sum over the areas of each group
 * finds the nearest ranks, so SQLite sorts distinct areas rather than every nucleus. For the whole database
 * the histogram is `area_histogram`, kept by the bulk writer (a few thousand rows, not a scan of every
 * nucleus), and the images per group come from the (image_id, class_id) index alone; for a subset both are
 * counted from its members.
 */
export function groupedStats(db: Db, by: readonly GroupKey[], subset?: SubsetFilter): StatsTable {
  if (by.length === 0) throw new PannukeError('BAD_OPTION', '--by needs at least one of tissue, fold, class');
  const ids = by.map((k) => KEY_SQL[k].id.split('.')[1] as string);
  const keys = ids.join(', ');
  const shareKeys = by.filter((k) => k !== 'class').map((k) => `q.${KEY_SQL[k].id.split('.')[1]}`);
  const shareOver = by.includes('class') ? (shareKeys.length > 0 ? `PARTITION BY ${shareKeys.join(', ')}` : '') : '';
  const sources = subset === undefined
    ? `h AS (SELECT ${keys}, area, sum(nuclei) AS k FROM area_histogram GROUP BY ${keys}, area),
       im AS (SELECT ${by.map((k) => KEY_SQL[k].id.replace('n.', 'd.')).join(', ')}, count(DISTINCT d.image_id) AS images
                FROM (SELECT DISTINCT image_id, class_id FROM nuclei) d JOIN images i ON i.id = d.image_id GROUP BY ${keys})`
    : `f AS (SELECT ${by.map((k) => KEY_SQL[k].id).join(', ')}, n.image_id, n.area FROM nuclei n JOIN images i ON i.id = n.image_id
               JOIN subset_members m ON m.nucleus_id = n.id AND m.subset_id = @subset),
       h AS (SELECT ${keys}, area, count(*) AS k FROM f GROUP BY ${keys}, area),
       im AS (SELECT ${keys}, count(DISTINCT image_id) AS images FROM f GROUP BY ${keys})`;
  const sql = `
    WITH ${sources},
    c AS (SELECT ${keys}, area, k, sum(k) OVER (PARTITION BY ${keys} ORDER BY area) AS cum, sum(k) OVER (PARTITION BY ${keys}) AS n FROM h),
    q AS (
      SELECT ${keys}, max(n) AS nuclei, 1.0 * sum(area * k) / max(n) AS area_mean,
             min(area) FILTER (WHERE cum >= (n + 9) / 10) AS area_p10,
             min(area) FILTER (WHERE cum >= (n + 1) / 2) AS area_median,
             min(area) FILTER (WHERE cum >= (9 * n + 9) / 10) AS area_p90
        FROM c GROUP BY ${keys})
    SELECT ${by.map((k) => KEY_SQL[k].name).join(', ')}, q.nuclei, im.images,
           round(1.0 * q.nuclei / sum(q.nuclei) OVER (${shareOver}), 6) AS share,
           round(q.area_mean, 3) AS area_mean, q.area_p10, q.area_median, q.area_p90
      FROM q JOIN im USING (${keys}) ${by.map((k) => KEY_SQL[k].join).join(' ')}
     ORDER BY ${by.map((k) => (k === 'tissue' ? 't.name' : `q.${KEY_SQL[k].id.split('.')[1]}`)).join(', ')}`;
  const statement = db.$client.prepare(sql).raw(true);
  const rows = (subset === undefined ? statement.all() : statement.all({ subset: subset.subsetId })) as unknown[][];
  return { columns: statement.columns().map((c) => c.name), rows };
}

/** The default view: tissues as rows, the five classes as columns, with images and totals. */
export function classByTissue(db: Db, subset?: SubsetFilter): StatsTable {
  const rows = classDistributionByTissue(db, subset?.subsetId);
  const totals = CLASS_NAMES.map((_, k) => rows.reduce((s, r) => s + (r.perClass[k] as number), 0));
  return {
    columns: ['tissue', 'images', ...CLASS_NAMES, 'total'],
    rows: [
      ...rows.map((r) => [r.tissue, r.images, ...r.perClass, r.total]),
      ['all', rows.reduce((s, r) => s + r.images, 0), ...totals, rows.reduce((s, r) => s + r.total, 0)],
    ],
  };
}
