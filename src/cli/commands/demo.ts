import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import type { Io } from '../io.js';
import { parsePositiveInt } from '../options.js';
import { runIngest } from './ingest.js';
import { runReport } from './report.js';
import { printClassDistribution } from './stats.js';
import { runSynth } from './synth.js';

export interface DemoOptions {
  dir: string;
  db: string;
  report: string;
  imagesPerFold: number;
}

/** `npm start`: a deterministic synthetic sample, ingested afresh, and its class distribution. */
export async function runDemo(opts: DemoOptions, io: Io): Promise<void> {
  const manifest = path.join(opts.dir, 'manifest.json');
  const wanted = { seed: 1, size: 256, imagesPerFold: opts.imagesPerFold };
  const existing = fs.existsSync(manifest) ? (JSON.parse(fs.readFileSync(manifest, 'utf8')) as typeof wanted) : undefined;
  if (existing?.seed !== wanted.seed || existing.size !== wanted.size || existing.imagesPerFold !== wanted.imagesPerFold) {
    runSynth(opts.dir, { ...wanted }, io);
  } else {
    io.stdout.write(`using the sample already in ${opts.dir}\n`);
  }
  for (const suffix of ['', '-wal', '-shm']) fs.rmSync(`${opts.db}${suffix}`, { force: true });
  await runIngest(opts.dir, { db: opts.db }, io);
  io.stdout.write('\nNuclei per class and tissue (SQL over nuclei ⋈ images ⋈ tissues):\n');
  await printClassDistribution(opts.db, io);
  io.stdout.write('\n');
  const report = await runReport({ db: opts.db, data: opts.dir, out: opts.report, perTissue: 3 }, io);
  io.stdout.write(`\nDatabase: ${path.resolve(opts.db)}\nReport:   ${report} (open it in a browser)\nTry: sqlite3 ${opts.db} "SELECT class, count(*), avg(area) FROM nucleus_facts GROUP BY class"\n`);
}

export function registerDemo(program: Command, io: Io): void {
  program
    .command('demo')
    .description('generate a small synthetic sample, ingest it into ./pannuke.sqlite, print its class distribution and write report.html (npm start)')
    .option('--dir <dir>', 'where the sample is written', '.work/sample')
    .option('--db <file>', 'database to (re)create', 'pannuke.sqlite')
    .option('--report <file>', 'the HTML report to write', 'report.html')
    .option('--images-per-fold <n>', 'sample size per fold', parsePositiveInt('--images-per-fold'), 40)
    .action((opts: DemoOptions) => runDemo(opts, io));
}
