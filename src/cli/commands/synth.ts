import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { checkOutput } from '../../output/guard.js';
import { writeAtomically } from '../../output/atomic.js';
import { synthesize } from '../../synth/generator.js';
import { shellQuote } from '../../shell-quote.js';
import { synthesizePrediction } from '../../synth/prediction.js';
import { officialLayout } from '../../dataset/layout.js';
import { PannukeError } from '../../errors.js';
import { loadRelease } from '../../release/expected.js';
import { EXIT_HELP, type Io } from '../io.js';
import { parseFold, parseFolds, parseIntIn, parseNonNegativeInt, parsePositiveInt } from '../options.js';
import { progressReporter } from '../progress.js';

export interface SynthCommandOptions {
  /** Default 40; with --like-release, the whole release. */
  imagesPerFold?: number;
  likeRelease?: boolean;
  seed: number;
  /** Image height and width; default DEFAULT_SIZE. */
  size?: number;
  folds?: number[];
  force?: boolean;
  /** Write a model-like prediction of this synthetic dataset's fold (--fold) instead of a dataset. */
  predictionOf?: string;
  fold?: number;
}

export const DEFAULT_SIZE = 256;

/** The largest --size: one float64 mask record of 2048² px is 201 MB, held once per worker by ingest. */
export const MAX_SYNTH_SIZE = 2048;

/** Bytes per image held in memory until the manifest is written (its counts and tissue), measured ~100. */
const MANIFEST_BYTES_PER_IMAGE = 200;
/** The most the manifest may take in memory. */
const MANIFEST_BUDGET_BYTES = 512 << 20;

/**
 * Refuses, before anything is written, a dataset that the disk cannot hold or whose manifest would not fit in
 * memory: `--images-per-fold 1000000000` used to run V8 out of heap (exit 134) after filling the disk.
 */
function checkRoom(final: string, images: number, size: number): void {
  const bytes = images * size * size * (3 + 6) * 8 + images * 13 * 4;
  const gb = (n: number) => `${(n / 1e9).toFixed(n < 1e10 ? 2 : 0)} GB`;
  // Measured on the nearest folder that exists: the output's parents are made only once it fits.
  let folder = path.dirname(path.resolve(final));
  while (!fs.existsSync(folder) && path.dirname(folder) !== folder) folder = path.dirname(folder);
  const { bavail, bsize } = fs.statfsSync(folder);
  const free = bavail * bsize;
  if (bytes > free) {
    throw new PannukeError('RESOURCES', `${images.toLocaleString('en-US')} images of ${size} × ${size} px take ${gb(bytes)} (float64, as PanNuke ships); the disk has ${gb(free)} free`, {
      file: final, hint: 'ask for fewer images (--images-per-fold) or a smaller --size, or write elsewhere',
    });
  }
  const memory = images * MANIFEST_BYTES_PER_IMAGE;
  if (memory > Math.min(MANIFEST_BUDGET_BYTES, os.freemem() / 2)) {
    throw new PannukeError('RESOURCES', `${images.toLocaleString('en-US')} images are more than one synthetic dataset's manifest holds in memory (at most ${Math.floor(MANIFEST_BUDGET_BYTES / MANIFEST_BYTES_PER_IMAGE).toLocaleString('en-US')})`, {
      file: final, hint: 'ask for fewer images (--images-per-fold)',
    });
  }
}

/** `synth <dir> --prediction-of <dataset> --fold k`: <dir>/masks.npy, a prediction of that fold. */
async function runPrediction(dir: string, opts: SynthCommandOptions & { predictionOf: string }, io: Io): Promise<void> {
  if (opts.fold === undefined) throw new PannukeError('BAD_OPTION', '--prediction-of needs --fold k (the fold to predict)');
  // A prediction has its dataset's images and size: these would be ignored without a word.
  const datasetOptions = ([['--images-per-fold', opts.imagesPerFold], ['--like-release', opts.likeRelease], ['--size', opts.size], ['--folds', opts.folds]] as const)
    .filter(([, value]) => value !== undefined).map(([name]) => name);
  if (datasetOptions.length > 0) {
    throw new PannukeError('BAD_OPTION', `${datasetOptions.join(', ')} ${datasetOptions.length > 1 ? 'shape' : 'shapes'} a dataset; a prediction has the images and size of the dataset it predicts`, {
      hint: `leave ${datasetOptions.length > 1 ? 'them' : 'it'} out (--prediction-of ${shellQuote(opts.predictionOf)} --fold ${opts.fold} is enough)`,
    });
  }
  const fold = opts.fold;
  const masks = officialLayout(opts.predictionOf, fold).masks;
  const final = checkOutput(dir, { kind: 'dir', force: opts.force === true, inputs: [opts.predictionOf], option: '<dir>', createParents: true, command: 'synth --prediction-of' });
  const progress = progressReporter(io, 'synth prediction');
  try {
    const r = await writeAtomically(final, { kind: 'dir', force: opts.force === true, command: 'synth --prediction-of' }, (temporary) =>
      synthesizePrediction({ masks, out: path.join(temporary, 'masks.npy'), seed: opts.seed, onImage: (done, total, nuclei) => progress.update(done, total, { nuclei }) }));
    progress.stop();
    io.stdout.write(`wrote a model-like prediction of fold ${fold} of ${opts.predictionOf}: ${r.images} images, ${r.nuclei} predicted nuclei, to ${path.join(dir, 'masks.npy')}\n`);
  } finally {
    progress.stop();
  }
}

export async function runSynth(dir: string, opts: SynthCommandOptions, io: Io): Promise<void> {
  if (opts.predictionOf !== undefined) return runPrediction(dir, { ...opts, predictionOf: opts.predictionOf }, io);
  if (opts.fold !== undefined) throw new PannukeError('BAD_OPTION', '--fold goes with --prediction-of (use --folds for a dataset)');
  const folds = opts.folds ?? [1, 2, 3];
  const release = opts.likeRelease === true ? loadRelease() : undefined;
  const perFold = (fold: number) => (release === undefined ? (opts.imagesPerFold ?? 40) : Math.min(opts.imagesPerFold ?? Infinity, (release.folds.get(fold) ?? []).length));
  const total = folds.reduce((s, f) => s + perFold(f), 0);
  const size = opts.size ?? DEFAULT_SIZE;
  checkRoom(dir, total, size);
  const final = checkOutput(dir, { kind: 'dir', force: opts.force === true, inputs: [], option: '<dir>', createParents: true, command: 'synth' });
  const progress = progressReporter(io, 'synth');
  let done = 0;
  let nuclei = 0;
  try {
    await writeAtomically(final, { kind: 'dir', force: opts.force === true, command: 'synth' }, (temporary) =>
      synthesize({
        dir: temporary, seed: opts.seed, size, folds,
        ...(opts.imagesPerFold !== undefined ? { imagesPerFold: opts.imagesPerFold } : release === undefined ? { imagesPerFold: 40 } : {}),
        ...(release !== undefined && { likeRelease: true }),
        onImage: (_fold, _index, n) => progress.update(++done, total, { nuclei: (nuclei += n) }),
      }),
    );
  } finally {
    progress.stop();
  }
  io.stdout.write(`wrote ${total} synthetic images (${nuclei} nuclei${release === undefined ? '' : ', each image with the tissue and nuclei per class of a real one'}) in ${folds.length} fold(s) to ${dir}; manifest: ${path.join(dir, 'manifest.json')}\n`);
}

export function registerSynth(program: Command, io: Io): void {
  program
    .command('synth')
    .description('write a synthetic PanNuke dataset (official layout, float64) with all the quirks of the real one')
    .argument('<dir>', 'output folder (created; an existing non-empty one needs --force)')
    .option('--images-per-fold <n>', 'images in each fold (default 40; with --like-release, every image of the release)', parsePositiveInt('--images-per-fold'))
    .option('--like-release', "each image's tissue and nuclei per class from the real release (7,901 images, 189,744 nuclei; --images-per-fold n samples it evenly), nuclei of PanNuke-like sizes, densely touching")
    .option('--seed <s>', 'random seed: the same seed gives the same bytes', parseNonNegativeInt('--seed'), 1)
    .option('--size <px>', `image height and width, 1..${MAX_SYNTH_SIZE} (default: ${DEFAULT_SIZE})`, parseIntIn('--size', 1, MAX_SYNTH_SIZE))
    .option('--folds <list>', 'folds to write, e.g. 1,3', parseFolds)
    .option('--force', 'replace <dir> if it holds a previous output of this command (and nothing else)')
    .option('--prediction-of <dataset>', 'instead: write <dir>/masks.npy, a model-like prediction of a synthetic dataset\'s fold (misses, false positives, boundary errors, shifts, class swaps, merges)')
    .option('--fold <k>', 'with --prediction-of: the fold to predict', parseFold)
    .addHelpText('after', `
The folder appears when complete (it is written under a temporary name); Ctrl-C leaves nothing behind.
Example, a prediction to evaluate:
  pannuke synth sample --images-per-fold 40 && pannuke ingest sample --db s.sqlite
  pannuke synth pred --prediction-of sample --fold 1 && pannuke eval run pred --db s.sqlite --name model --fold 1`)
    .addHelpText('after', EXIT_HELP)
    .action((dir: string, opts: SynthCommandOptions) => runSynth(dir, opts, io));
}
