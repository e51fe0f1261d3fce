import type { Command } from 'commander';
import { openDatabase } from '../../db/open.js';
import { CLASS_NAMES } from '../../db/schema.js';
import { ingest } from '../../pipeline/ingest.js';
import { formatTable } from '../format.js';
import type { Io } from '../io.js';
import { parseFolds, parsePositiveInt } from '../options.js';
import { progressReporter } from '../progress.js';

export interface IngestCommandOptions {
  db: string;
  folds?: number[];
  workers?: number;
  batchSize?: number;
}

export async function runIngest(root: string, opts: IngestCommandOptions, io: Io): Promise<void> {
  const db = openDatabase(opts.db);
  const progress = progressReporter(io, 'ingest');
  try {
    const summary = await ingest(db, {
      root,
      ...(opts.folds !== undefined && { folds: opts.folds }),
      ...(opts.workers !== undefined && { workers: opts.workers }),
      ...(opts.batchSize !== undefined && { batchSize: opts.batchSize }),
      onProgress: (e) => progress.update(e.done, e.total, e),
    });
    progress.stop();
    for (const w of summary.warnings) io.stderr.write(`warning: ${w}\n`);
    const skipped = summary.skipped > 0 ? `, ${summary.skipped} already in the database (skipped)` : '';
    io.stdout.write(
      `ingested ${summary.images} images and ${summary.nuclei} nuclei from fold${summary.folds.length > 1 ? 's' : ''} ${summary.folds.map((f) => f.fold).join(', ')} into ${opts.db} in ${summary.seconds.toFixed(1)} s${skipped}\n`,
    );
    io.stdout.write(formatTable(['class', 'nuclei'], CLASS_NAMES.map((name, i) => [name, summary.nucleiPerClass[i + 1] ?? 0])));
  } finally {
    progress.stop();
    db.$client.close();
  }
}

export function registerIngest(program: Command, io: Io): void {
  program
    .command('ingest')
    .description('read PanNuke folds (.npy) and load one row per nucleus into a SQLite database')
    .argument('<root>', "folder holding the folds: 'Fold 1/images/fold1/images.npy' … (official) or 'fold1/images.npy' … (flat)")
    .requiredOption('--db <file>', 'SQLite database to create or add to')
    .option('--folds <list>', 'folds to ingest, e.g. 1,3 (default: all found)', parseFolds)
    .option('--workers <n>', 'extraction threads (default: available cores)', parsePositiveInt('--workers'))
    .option('--batch-size <n>', 'images per transaction', parsePositiveInt('--batch-size'))
    .addHelpText('after', '\nImages already in the database are skipped, so an interrupted ingest can simply be run again.')
    .action((root: string, opts: IngestCommandOptions) => runIngest(root, opts, io));
}
