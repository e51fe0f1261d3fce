import fs from 'node:fs';
import os from 'node:os';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Command } from 'commander';
import { openFolds } from '../../dataset/fold.js';
import { extractAhead, ingest, startExtractionPool } from '../../pipeline/ingest.js';
import type { FoldExtraction } from '../../pipeline/fold-extraction.js';
import { checkOutput, databaseFiles, inputsOf } from '../../output/guard.js';
import { parseDbLocation } from '../../db/location.js';
import { connectionOptions, type DbOptions } from '../db-options.js';
import { formatNumber, formatTable } from '../format.js';
import type { Io } from '../io.js';
import { parseFolds, parseIntIn } from '../options.js';
import { progressReporter } from '../progress.js';

export interface IngestCommandOptions extends DbOptions {
  folds?: number[];
  workers?: number;
  batchSize?: number;
  replace?: boolean;
  hash?: boolean;
}

export async function runIngest(root: string, opts: IngestCommandOptions, io: Io): Promise<void> {
  // The folds are checked before the database is opened (or created): bad input leaves no trace.
  const folds = await openFolds(root, opts.folds);
  const progress = progressReporter(io, 'ingest');
  // The workers boot while the database opens (and is created); closed below, whatever happens.
  const pool = folds.some((f) => f.count > 0) ? startExtractionPool(opts.workers) : undefined;
  let ahead: FoldExtraction | undefined;
  try {
    // The database is the one output: it must not be (or sit on) a fold's file.
    const location = parseDbLocation(opts.db);
    if (location.kind === 'sqlite') {
      const sources = folds.flatMap((f) => [f.files.images, f.files.masks, f.files.types]);
      for (const file of databaseFiles(location.file)) checkOutput(file, { kind: 'file', force: true, inputs: inputsOf(sources), option: '--db', example: 'pannuke.sqlite' });
      // A database about to be created wants every image: the first fold is extracted while it is made.
      if (pool !== undefined && !fs.existsSync(location.file)) {
        ahead = extractAhead(folds, pool);
        await nextTurn(); // the first requests reach the workers before opening the database blocks this thread
      }
    }
    // The database's code (driver, schema, migrations: ~20 ms of this thread) loads only now, while the
    // workers extract: imported above, it ran before the first image reached them.
    const [{ withStore }, { ingestTargetOf }, { CLASS_NAMES }] = await Promise.all([import('../database.js'), import('../../db/open-store.js'), import('../../db/schema.js')]);
    const summary = await withStore(opts, 'load', async (store) => {
      const target = await ingestTargetOf(store);
      try {
        return await ingest(target, folds, {
          ...(pool !== undefined && { pool }),
          ...(ahead !== undefined && { ahead }),
          ...(opts.batchSize !== undefined && { batchSize: opts.batchSize }),
          ...(opts.replace !== undefined && { replace: opts.replace }),
          ...(opts.hash !== undefined && { hash: opts.hash }),
          onProgress: (e) => progress.update(e.done, e.total, e),
          onStage: (message) => io.stderr.write(`${message}\n`),
        });
      } finally {
        target.close();
      }
    }, { onNote: (line) => io.stderr.write(`${line}\n`) });
    progress.stop();
    for (const w of summary.warnings) io.stderr.write(`warning: ${w}\n`);
    for (const n of summary.notes) io.stderr.write(`note: ${n}\n`);
    const replaced = summary.folds.filter((f) => f.replaced).map((f) => f.fold);
    if (replaced.length > 0) io.stdout.write(`replaced fold${replaced.length > 1 ? 's' : ''} ${replaced.join(', ')} (their files had changed)\n`);
    if (summary.images === 0 && replaced.length === 0) {
      io.stdout.write(`nothing to do: all ${formatNumber(summary.skipped)} images of fold${summary.folds.length > 1 ? 's' : ''} ${summary.folds.map((f) => f.fold).join(', ')} are already in ${location.label}\n`);
      return;
    }
    const skipped = summary.skipped > 0 ? `, ${formatNumber(summary.skipped)} already in the database (skipped)` : '';
    io.stdout.write(
      `ingested ${formatNumber(summary.images)} images and ${formatNumber(summary.nuclei)} nuclei from fold${summary.folds.length > 1 ? 's' : ''} ${summary.folds.map((f) => f.fold).join(', ')} into ${location.label} in ${summary.seconds.toFixed(1)} s${skipped}\n`,
    );
    io.stdout.write(formatTable(['class', 'nuclei'], CLASS_NAMES.map((name, i) => [name, summary.nucleiPerClass[i + 1] ?? 0])));
  } finally {
    progress.stop();
    await ahead?.stop();
    await pool?.close();
    for (const f of folds) f.close();
  }
}

/** Extraction threads at most: more only queue for the same cores, each holding a mask record (3 MiB). */
export const MAX_WORKERS_PER_CORE = 4;

export function registerIngest(program: Command, io: Io): void {
  const maxWorkers = MAX_WORKERS_PER_CORE * os.availableParallelism();
  connectionOptions(program
    .command('ingest')
    .description('read PanNuke folds (.npy) and load one row per nucleus into a SQLite (or PostgreSQL) database')
    .argument('<root>', "folder holding the folds: 'Fold 1/images/fold1/images.npy' … (official) or 'fold1/images.npy' … (flat), or the fold zips")
    .requiredOption('--db <file|url>', 'SQLite database to create or add to, or postgres://user:pass@host:port/dbname[?schema=name]')
    .option('--folds <list>', 'folds to ingest, e.g. 1,3 (default: all found)', parseFolds)
    .option('--workers <n>', `extraction threads, at most ${MAX_WORKERS_PER_CORE} × the cores (${maxWorkers} here) (default: available cores)`, parseIntIn('--workers', 1, maxWorkers))
    .option('--batch-size <n>', 'images per transaction, 1..10000 (default: 64)', parseIntIn('--batch-size', 1, 10_000))
    .option('--replace', 're-ingest folds whose files changed since they were loaded (old rows replaced in one transaction; subset members found again by fold, fold_index, class and id)')
    .option('--hash', 'fingerprint the source files by hashing every byte (default: header, size and 16 blocks of 64 KiB)'))
    .addHelpText('after', `
Images already in the database are skipped, so an interrupted ingest (even kill -9) can simply be run again.
Bad input stops with one line naming the file and place, exit code 1, and the database as it was.
When it finishes, the database is a single file (rollback-journal mode): it can be copied, shared read-only
and read from a read-only folder.
Exit codes: 0 done, 1 bad input or unusable database, 2 bad usage, 3 internal error, 130 interrupted.`)
    .action((root: string, opts: IngestCommandOptions) => runIngest(root, opts, io));
}
