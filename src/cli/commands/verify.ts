import type { Command } from 'commander';
import { openFolds } from '../../dataset/fold.js';
import { openDatabase } from '../../db/open.js';
import { PannukeError } from '../../errors.js';
import { verify } from '../../verify/verify.js';
import type { Io } from '../io.js';
import { parseFolds, parsePositiveInt } from '../options.js';
import { progressReporter } from '../progress.js';

export interface VerifyCommandOptions {
  db: string;
  folds?: number[];
  maxMismatches: number;
}

export async function runVerify(root: string, opts: VerifyCommandOptions, io: Io): Promise<void> {
  const folds = await openFolds(root, opts.folds);
  const db = openDatabase(opts.db, { readonly: true });
  const progress = progressReporter(io, 'verify');
  const started = performance.now();
  try {
    const report = await verify(db, folds, {
      maxMismatches: opts.maxMismatches,
      onProgress: (done, total) => progress.update(done, total, { nuclei: 0, seconds: (performance.now() - started) / 1000 }),
    });
    progress.stop();
    if (report.mismatches.length === 0) {
      io.stdout.write(`verified: ${report.images} images and ${report.nuclei} nuclei reproduce masks.npy channels 0..4 exactly\n`);
      return;
    }
    for (const m of report.mismatches) {
      io.stdout.write(`✗ fold ${m.fold}, image ${m.foldIndex}${m.channel === undefined ? '' : `, channel ${m.channel}`}: ${m.problem}\n`);
    }
    throw new PannukeError('VERIFY_FAILED', `${report.mismatches.length}${report.truncated ? '+' : ''} mismatch(es) between the database and the masks`, {
      file: opts.db,
      hint: 'rerun ingest with --replace for the affected folds, or ingest into a new database',
    });
  } finally {
    progress.stop();
    db.$client.close();
    for (const f of folds) f.close();
  }
}

export function registerVerify(program: Command, io: Io): void {
  program
    .command('verify')
    .description('prove the database reproduces the masks: fill every contour back and compare pixel by pixel')
    .argument('<root>', 'the folder the folds were ingested from')
    .requiredOption('--db <file>', 'a database written by `pannuke ingest`')
    .option('--folds <list>', 'folds to check, e.g. 1,3 (default: all found)', parseFolds)
    .option('--max-mismatches <n>', 'stop after this many mismatches', parsePositiveInt('--max-mismatches'), 20)
    .addHelpText('after', '\nExit codes: 0 the database reproduces the masks, 1 a mismatch (listed) or bad input, 2 bad usage.')
    .action((root: string, opts: VerifyCommandOptions) => runVerify(root, opts, io));
}
