import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { databaseFiles } from '../../output/guard.js';
import { EXIT_HELP, type Io } from '../io.js';
import { parsePositiveInt } from '../options.js';
import { runIngest } from './ingest.js';
import { runReport } from './report.js';
import { printClassDistribution } from './stats.js';
import { runSynth } from './synth.js';
import { runEvalDemo } from './eval.js';
import { shellQuote } from '../../shell-quote.js';

export interface DemoOptions {
  dir: string;
  imagesPerFold: number;
}

/**
 * `npm start`: a deterministic synthetic sample, ingested afresh, its class distribution and the report. Every
 * file it writes is its own, under `--dir` (default .work/), so it never touches a user's database.
 */
export async function runDemo(opts: DemoOptions, io: Io): Promise<void> {
  const sample = path.join(opts.dir, 'sample');
  const db = path.join(opts.dir, 'demo.sqlite');
  const report = path.join(opts.dir, 'report.html');
  fs.mkdirSync(opts.dir, { recursive: true });
  const manifest = path.join(sample, 'manifest.json');
  const wanted = { seed: 1, size: 256, imagesPerFold: opts.imagesPerFold };
  let existing: typeof wanted | undefined;
  try {
    existing = JSON.parse(fs.readFileSync(manifest, 'utf8')) as typeof wanted;
  } catch {
    existing = undefined;
  }
  if (existing?.seed !== wanted.seed || existing.size !== wanted.size || existing.imagesPerFold !== wanted.imagesPerFold) {
    await runSynth(sample, { ...wanted, force: true }, io);
  } else {
    io.stdout.write(`using the sample already in ${sample}\n`);
  }
  for (const file of databaseFiles(db)) fs.rmSync(file, { force: true });
  await runIngest(sample, { db }, io);
  io.stdout.write('\nNuclei per class and tissue (SQL over nuclei ⋈ images ⋈ tissues):\n');
  await printClassDistribution(db, io);
  io.stdout.write('\n');
  // A model-like prediction of fold 1, evaluated: what PanNuke users do after training.
  io.stdout.write('\nEvaluating a model-like prediction of fold 1 (pannuke synth --prediction-of, then pannuke eval run):\n');
  await runEvalDemo({ sample, prediction: path.join(opts.dir, 'prediction'), db }, io);
  const written = await runReport({ db, data: sample, out: report, perTissue: 3, force: true, eval: 'demo-model' }, io);
  io.stdout.write(`\nDatabase: ${path.resolve(db)}\nReport:   ${written} (open it in a browser)\nTry: sqlite3 ${shellQuote(db)} "SELECT class, count(*), avg(area) FROM nucleus_facts GROUP BY class"\n     pannuke eval show demo-model --db ${shellQuote(db)} --format json\nExplore: pannuke serve --db ${shellQuote(db)}   (then open http://127.0.0.1:8737/)\n`);
}

export function registerDemo(program: Command, io: Io): void {
  program
    .command('demo')
    .description('generate a small synthetic sample, ingest it, print its class distribution and write a report, all under .work/ (npm start)')
    .option('--dir <dir>', 'the demo\'s own folder: sample/, prediction/, demo.sqlite and report.html are (re)written there', '.work')
    .option('--images-per-fold <n>', 'sample size per fold', parsePositiveInt('--images-per-fold'), 40)
    .addHelpText('after', EXIT_HELP)
    .action((opts: DemoOptions) => runDemo(opts, io));
}
