import path from 'node:path';
import type { Command } from 'commander';
import { checkOutput } from '../../output/guard.js';
import { writeAtomically } from '../../output/atomic.js';
import { synthesize } from '../../synth/generator.js';
import type { Io } from '../io.js';
import { parseFolds, parseIntIn, parseNonNegativeInt, parsePositiveInt } from '../options.js';
import { progressReporter } from '../progress.js';

export interface SynthCommandOptions {
  imagesPerFold: number;
  seed: number;
  size: number;
  folds?: number[];
  force?: boolean;
}

/** The largest --size: one float64 mask record of 2048² px is 201 MB, held once per worker by ingest. */
export const MAX_SYNTH_SIZE = 2048;

export async function runSynth(dir: string, opts: SynthCommandOptions, io: Io): Promise<void> {
  const final = checkOutput(dir, { kind: 'dir', force: opts.force === true, inputs: [], option: '<dir>', createParents: true });
  const folds = opts.folds ?? [1, 2, 3];
  const total = folds.length * opts.imagesPerFold;
  const progress = progressReporter(io, 'synth');
  let done = 0;
  let nuclei = 0;
  try {
    await writeAtomically(final, { kind: 'dir', force: opts.force === true }, (temporary) =>
      synthesize({
        dir: temporary, imagesPerFold: opts.imagesPerFold, seed: opts.seed, size: opts.size, folds,
        onImage: (_fold, _index, n) => progress.update(++done, total, { nuclei: (nuclei += n) }),
      }),
    );
  } finally {
    progress.stop();
  }
  io.stdout.write(`wrote ${total} synthetic images (${nuclei} nuclei) in ${folds.length} fold(s) to ${dir}; manifest: ${path.join(dir, 'manifest.json')}\n`);
}

export function registerSynth(program: Command, io: Io): void {
  program
    .command('synth')
    .description('write a synthetic PanNuke dataset (official layout, float64) with all the quirks of the real one')
    .argument('<dir>', 'output folder (created; an existing non-empty one needs --force)')
    .option('--images-per-fold <n>', 'images in each fold', parsePositiveInt('--images-per-fold'), 40)
    .option('--seed <s>', 'random seed: the same seed gives the same bytes', parseNonNegativeInt('--seed'), 1)
    .option('--size <px>', `image height and width, 1..${MAX_SYNTH_SIZE}`, parseIntIn('--size', 1, MAX_SYNTH_SIZE), 256)
    .option('--folds <list>', 'folds to write, e.g. 1,3', parseFolds)
    .option('--force', 'replace <dir> if it exists and is not empty (the whole folder is replaced)')
    .addHelpText('after', '\nThe folder appears when complete (it is written under a temporary name); Ctrl-C leaves nothing behind.')
    .action((dir: string, opts: SynthCommandOptions) => runSynth(dir, opts, io));
}
