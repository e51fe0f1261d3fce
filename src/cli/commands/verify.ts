import type { Command } from 'commander';
import type { Store } from '../../db/store.js';
import { openFolds } from '../../dataset/fold.js';
import { PannukeError } from '../../errors.js';
import { verifyOfficial } from '../../verify/official.js';
import { verify } from '../../verify/verify.js';
import { CLASS_NAMES } from '../../db/schema.js';
import { formatTable } from '../format.js';
import { withStore } from '../database.js';
import { dbOptions, type DbOptions } from '../db-options.js';
import type { Io } from '../io.js';
import { parseFolds, parsePositiveInt } from '../options.js';
import { progressReporter } from '../progress.js';

export interface VerifyCommandOptions extends DbOptions {
  folds?: number[];
  maxMismatches: number;
  official?: boolean;
}

export async function runVerify(root: string | undefined, opts: VerifyCommandOptions, io: Io): Promise<void> {
  if (root === undefined && opts.official !== true) throw new PannukeError('BAD_OPTION', 'give the data <root> to check the masks, or --official to check the published figures (or both)');
  let failed = 0;
  if (opts.official === true) failed += await withStore(opts, 'read', (store) => checkOfficial(store, opts, io));
  if (root !== undefined) failed += await checkMasks(root, opts, io);
  if (failed > 0) {
    throw new PannukeError('VERIFY_FAILED', `${failed} check(s) failed`, { file: opts.db, hint: 'see the ✗ rows above' });
  }
}

async function checkOfficial(store: Store, opts: VerifyCommandOptions, io: Io): Promise<number> {
  {
    const report = await verifyOfficial(store);
    io.stdout.write(`Checking fold${report.folds.length > 1 ? 's' : ''} ${report.folds.join(', ')} against the published PanNuke figures:\n`);
    io.stdout.write(formatTable(['fold', 'check', 'expected', 'found', ''], report.rows.map((r) => [r.fold, r.check, r.expected, r.found, r.ok ? '✓' : '✗'])));
    if (report.imageDiffs.length > 0) {
      const show = report.imageDiffs.slice(0, opts.maxMismatches);
      const describe = (e: { tissue: string; counts: number[] } | undefined) => (e === undefined ? 'absent' : `${e.tissue} ${e.counts.join('/')}`);
      io.stdout.write(`\n${report.imageDiffs.length} image(s) differ from the release (tissue, then nuclei per class ${CLASS_NAMES.join('/')}); the first ${show.length}:\n`);
      io.stdout.write(formatTable(['fold', 'fold_index', 'expected', 'found'], show.map((d) => [d.fold, d.foldIndex, describe(d.expected), describe(d.found)])));
    }
    const failed = report.rows.filter((r) => !r.ok).length;
    io.stdout.write(failed === 0 ? '✓ the database matches the published release\n' : `✗ ${failed} check(s) differ from the published release\n`);
    return failed;
  }
}

async function checkMasks(root: string, opts: VerifyCommandOptions, io: Io): Promise<number> {
  const folds = await openFolds(root, opts.folds);
  const progress = progressReporter(io, 'verify');
  try {
    const report = await withStore(opts, 'read', (store) => verify(store, folds, {
      maxMismatches: opts.maxMismatches,
      onProgress: (done, total, nuclei) => progress.update(done, total, { nuclei }),
    }));
    progress.stop();
    if (report.mismatches.length === 0) {
      io.stdout.write(`verified: ${report.images} images and ${report.nuclei} nuclei: every outline is the exact pixel boundary the contract states, and together they reproduce masks.npy channels 0..4 exactly\n`);
      return 0;
    }
    for (const m of report.mismatches) {
      io.stdout.write(`✗ fold ${m.fold}, image ${m.foldIndex}${m.channel === undefined ? '' : `, channel ${m.channel}`}: ${m.problem}\n`);
    }
    io.stdout.write(`✗ ${report.mismatches.length}${report.truncated ? '+' : ''} mismatch(es) between the database and the masks\n`);
    return report.mismatches.length;
  } finally {
    progress.stop();
    for (const f of folds) f.close();
  }
}

export function registerVerify(program: Command, io: Io): void {
  dbOptions(program
    .command('verify')
    .description('prove the database: against the masks (every outline checked as geometry, filled back and compared pixel by pixel) and/or the published release figures')
    .argument('[root]', 'the folder (or zips) the folds were ingested from'))
    .option('--official', 'compare with the published PanNuke figures: images, nuclei per class, empty images, tissues, per-image counts, zip SHA-256')
    .option('--folds <list>', 'folds to check against the masks, e.g. 1,3 (default: all found)', parseFolds)
    .option('--max-mismatches <n>', 'stop after (and show) this many mismatches', parsePositiveInt('--max-mismatches'), 20)
    .addHelpText('after', '\nExit codes: 0 every check passed, 1 a check failed (listed above) or bad input, 2 bad usage.')
    .action((root: string | undefined, opts: VerifyCommandOptions) => runVerify(root, opts, io));
}
