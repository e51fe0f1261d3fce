/**
 * Cohort statistics by SQL: per group of (tissue, fold, class) keys, the nuclei, the images that have them,
 * the share of the group and the area mean and nearest-rank quantiles. The quantile p of n sorted areas is
 * the smallest area whose rank r (1-based) satisfies r ≥ ⌈p·n⌉.
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

export function groupedStats(db: Db, by: readonly GroupKey[], subset?: SubsetFilter): StatsTable {
  if (by.length === 0) throw new PannukeError('BAD_OPTION', '--by needs at least one of tissue, fold, class');
  const keys = by.join(', ');
  const others = by.filter((k) => k !== 'class');
  const shareOver = by.includes('class') ? (others.length > 0 ? `PARTITION BY ${others.join(', ')}` : '') : '';
  const join = subset === undefined ? '' : 'JOIN subset_members m ON m.nucleus_id = nf.nucleus_id AND m.subset_id = @subset';
  const sql = `
    WITH f AS (SELECT ${by.map((k) => `nf.${k}`).join(', ')}, nf.class_id, nf.image_id, nf.area FROM nucleus_facts nf ${join}),
    r AS (SELECT f.*, row_number() OVER (PARTITION BY ${keys} ORDER BY area) AS rn, count(*) OVER (PARTITION BY ${keys}) AS cnt FROM f),
    g AS (
      SELECT ${keys}, min(class_id) AS class_order, count(*) AS nuclei, count(DISTINCT image_id) AS images, avg(area) AS area_mean,
             min(area) FILTER (WHERE rn >= (cnt + 9) / 10) AS area_p10,
             min(area) FILTER (WHERE rn >= (cnt + 1) / 2) AS area_median,
             min(area) FILTER (WHERE rn >= (9 * cnt + 9) / 10) AS area_p90
        FROM r GROUP BY ${keys})
    SELECT ${keys}, nuclei, images, round(1.0 * nuclei / sum(nuclei) OVER (${shareOver}), 6) AS share,
           round(area_mean, 3) AS area_mean, area_p10, area_median, area_p90
      FROM g ORDER BY ${by.map((k) => (k === 'class' ? 'class_order' : k)).join(', ')}`;
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
