import type { Command } from 'commander';
import { openDatabase } from '../../db/open.js';
import { CLASS_NAMES } from '../../db/schema.js';
import { classDistributionByTissue } from '../../query/distribution.js';
import { formatTable } from '../format.js';
import type { Io } from '../io.js';

export function printClassDistribution(dbFile: string, io: Io): void {
  const db = openDatabase(dbFile, { readonly: true });
  try {
    const rows = classDistributionByTissue(db);
    const totals = CLASS_NAMES.map((_, k) => rows.reduce((s, r) => s + (r.perClass[k] as number), 0));
    const all = rows.reduce((s, r) => s + r.total, 0);
    const images = rows.reduce((s, r) => s + r.images, 0);
    io.stdout.write(
      formatTable(
        ['tissue', 'images', ...CLASS_NAMES, 'total'],
        [...rows.map((r) => [r.tissue, r.images, ...r.perClass, r.total]), ['all', images, ...totals, all]],
      ),
    );
  } finally {
    db.$client.close();
  }
}

export function registerStats(program: Command, io: Io): void {
  program
    .command('stats')
    .description('print nuclei per class for each tissue (computed by SQL)')
    .requiredOption('--db <file>', 'a database written by `pannuke ingest`')
    .action((opts: { db: string }) => printClassDistribution(opts.db, io));
}
