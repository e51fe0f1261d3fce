import type { Command } from 'commander';
import { openDatabase } from '../../db/open.js';
import { PannukeError } from '../../errors.js';
import { classByTissue, GROUP_KEYS, groupedStats, type GroupKey } from '../../query/stats.js';
import { findSubset } from '../../subset/store.js';
import type { Io } from '../io.js';
import { parseFormat } from '../options.js';
import { writeRows, type Format } from '../../export/text.js';

export interface StatsOptions {
  db: string;
  by?: GroupKey[];
  format: Format;
  subset?: string;
}

export async function runStats(opts: StatsOptions, io: Io): Promise<void> {
  const db = openDatabase(opts.db, { readonly: true });
  try {
    const subset = opts.subset === undefined ? undefined : { subsetId: findSubset(db, opts.db, opts.subset).id };
    const table = opts.by === undefined ? classByTissue(db, subset) : groupedStats(db, opts.by, subset);
    await writeRows(io.stdout, opts.format, table.columns, table.rows);
  } finally {
    db.$client.close();
  }
}

/** Kept for `demo`: the default table, printed. */
export const printClassDistribution = (db: string, io: Io) => runStats({ db, format: 'table' }, io);

const parseBy = (value: string): GroupKey[] =>
  value.split(',').map((k) => {
    const key = k.trim();
    if (!(GROUP_KEYS as readonly string[]).includes(key)) throw new PannukeError('BAD_OPTION', `--by: unknown key '${key}': expected some of ${GROUP_KEYS.join(', ')}`);
    return key as GroupKey;
  });

export function registerStats(program: Command, io: Io): void {
  program
    .command('stats')
    .description('nucleus and image counts, class shares and area quantiles per group, computed by SQL')
    .requiredOption('--db <file>', 'a database written by `pannuke ingest`')
    .option('--by <keys>', 'group by some of tissue, fold, class (e.g. tissue,class); default: the class-by-tissue table', parseBy)
    .option('--format <format>', 'table, csv, json, ndjson or markdown', parseFormat, 'table')
    .option('--subset <name>', 'only the nuclei of a stored subset')
    .addHelpText('after', `
Columns with --by: the keys, nuclei, images (that have such nuclei), share (of the group without the class key),
area_mean, area_p10, area_median, area_p90 (nearest rank: the smallest area whose rank r satisfies r >= ceil(p n)).`)
    .action((opts: StatsOptions) => runStats(opts, io));
}
