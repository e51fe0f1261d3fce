import type { Command } from 'commander';
import { classByTissue, GROUP_KEYS, groupedStats, type GroupKey } from '../../query/stats.js';
import { findSubsetId } from '../../subset/store.js';
import { withStore } from '../database.js';
import { dbOptions, type DbOptions } from '../db-options.js';
import { EXIT_HELP, type Io } from '../io.js';
import { parseChoiceList, parseFormat } from '../options.js';
import { writeRows, type Format } from '../../export/text.js';

export interface StatsOptions extends DbOptions {
  by?: GroupKey[];
  format: Format;
  subset?: string;
}

export async function runStats(opts: StatsOptions, io: Io): Promise<void> {
  await withStore(opts, 'read', async (store) => {
    const subset = opts.subset === undefined ? undefined : { subsetId: await findSubsetId(store, opts.subset) };
    const table = opts.by === undefined ? await classByTissue(store, subset) : await groupedStats(store, opts.by, subset);
    await writeRows(io.stdout, opts.format, table.columns, table.rows);
  });
}

/** Kept for `demo`: the default table, printed. */
export const printClassDistribution = (db: string, io: Io) => runStats({ db, format: 'table' }, io);

export function registerStats(program: Command, io: Io): void {
  dbOptions(program
    .command('stats')
    .description('nucleus and image counts, class shares and area quantiles per group, computed by SQL'))
    .option('--by <keys>', 'group by some of tissue, fold, class, each once (e.g. tissue,class); default: the class-by-tissue table', parseChoiceList('--by', GROUP_KEYS))
    .option('--format <format>', 'table, csv, json, ndjson or markdown', parseFormat, 'table')
    .option('--subset <name>', 'only the nuclei of a stored subset')
    .addHelpText('after', `
Columns with --by: the keys, nuclei, images (that have such nuclei), share (of the group without the class key),
area_mean, area_p10, area_median, area_p90 (nearest rank: the smallest area whose rank r satisfies r >= ceil(p n)).`)
    .addHelpText('after', EXIT_HELP)
    .action((opts: StatsOptions) => runStats(opts, io));
}
