import path from 'node:path';
import type { Command } from 'commander';
import { synthesize } from '../../synth/generator.js';
import type { Io } from '../io.js';
import { parseFolds, parseNonNegativeInt, parsePositiveInt } from '../options.js';
import { progressReporter } from '../progress.js';

export interface SynthCommandOptions {
  imagesPerFold: number;
  seed: number;
  size: number;
  folds?: number[];
}

export function runSynth(dir: string, opts: SynthCommandOptions, io: Io): void {
  const folds = opts.folds ?? [1, 2, 3];
  const total = folds.length * opts.imagesPerFold;
  const progress = progressReporter(io, 'synth');
  let done = 0;
  const manifest = synthesize({
    dir, imagesPerFold: opts.imagesPerFold, seed: opts.seed, size: opts.size, folds,
    onImage: () => progress.update(++done, total),
  });
  progress.stop();
  const nuclei = manifest.totals.reduce((a, b) => a + b, 0);
  io.stdout.write(`wrote ${total} synthetic images (${nuclei} nuclei) in ${folds.length} fold(s) to ${dir}; manifest: ${path.join(dir, 'manifest.json')}\n`);
}

export function registerSynth(program: Command, io: Io): void {
  program
    .command('synth')
    .description('write a synthetic PanNuke dataset (official layout, float64) with all the quirks of the real one')
    .argument('<dir>', 'output folder')
    .option('--images-per-fold <n>', 'images in each fold', parsePositiveInt('--images-per-fold'), 40)
    .option('--seed <s>', 'random seed: the same seed gives the same bytes', parseNonNegativeInt('--seed'), 1)
    .option('--size <px>', 'image height and width', parsePositiveInt('--size'), 256)
    .option('--folds <list>', 'folds to write, e.g. 1,3', parseFolds)
    .action((dir: string, opts: SynthCommandOptions) => runSynth(dir, opts, io));
}
