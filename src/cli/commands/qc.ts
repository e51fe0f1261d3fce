import type { Command } from 'commander';
import { exampleUnit, qcCounts, qcExamples } from '../../query/qc.js';
import { withStore } from '../database.js';
import { dbOptions, type DbOptions } from '../db-options.js';
import { formatNumber, formatTable } from '../format.js';
import { EXIT_HELP, type Io } from '../io.js';
import { parseNonNegativeInt } from '../options.js';

export function runQc(opts: DbOptions & { examples: number }, io: Io): Promise<void> {
  return withStore(opts, 'read', async (store) => {
    const rows = await qcCounts(store);
    const cell = (n: number | null) => (n === null ? '' : n);
    io.stdout.write(formatTable(['quirk', 'nuclei', 'pixels', 'images', 'what it is'], rows.map((r) => [r.quirk, cell(r.nuclei), cell(r.pixels), r.images, r.description])));
    for (const r of rows) {
      const unit = exampleUnit(r.quirk);
      const count = unit === 'nuclei' ? (r.nuclei ?? 0) : r.images;
      if (count === 0 || opts.examples === 0) continue;
      const examples = await qcExamples(store, r.quirk, opts.examples);
      io.stdout.write(`\n${r.quirk}: the first ${examples.length} of ${formatNumber(count)} ${unit}\n`);
      io.stdout.write(formatTable(['fold', 'fold_index', 'class', 'id', 'detail'], examples.map((e) => [e.fold, e.foldIndex, e.class ?? '', e.instanceId === null ? '' : String(e.instanceId), e.detail])));
    }
  });
}

export function registerQc(program: Command, io: Io): void {
  dbOptions(program
    .command('qc')
    .description("count PanNuke's quirks (shared ids, overlapping classes, fragments, holes, empty and void images) with examples"))
    .option('--examples <n>', 'examples per quirk', parseNonNegativeInt('--examples'), 5)
    .addHelpText('after', '\nColumns: nuclei (rows of nuclei with the quirk), pixels (overlap_pixels only), images (that have it); examples are nuclei or images as the heading says.')
    .addHelpText('after', EXIT_HELP)
    .action((opts: DbOptions & { examples: number }) => runQc(opts, io));
}
