import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { openFolds } from '../../dataset/fold.js';
import { openDatabase } from '../../db/open.js';
import { gatherReport } from '../../report/data.js';
import { renderReport } from '../../report/html.js';
import { attachPatches } from '../../report/patches.js';
import { findSubset } from '../../subset/store.js';
import type { Io } from '../io.js';
import { parsePositiveInt } from '../options.js';

export interface ReportOptions {
  db: string;
  data?: string;
  subset?: string;
  out: string;
  perTissue: number;
}

export async function runReport(o: ReportOptions, io: Io): Promise<string> {
  const started = performance.now();
  const db = openDatabase(o.db, { readonly: true });
  let html: string;
  try {
    const subset = o.subset === undefined ? undefined : findSubset(db, o.db, o.subset);
    const data = gatherReport(db, o.db, { perTissue: o.perTissue, ...(subset !== undefined && { subsetId: subset.id, subsetName: subset.name }) });
    if (o.data !== undefined) {
      const folds = await openFolds(o.data);
      try {
        await attachPatches(data.gallery, folds);
      } finally {
        for (const f of folds) f.close();
      }
    }
    html = renderReport(data);
  } finally {
    db.$client.close();
  }
  fs.mkdirSync(path.dirname(path.resolve(o.out)), { recursive: true });
  fs.writeFileSync(o.out, html);
  io.stdout.write(`report: ${path.resolve(o.out)} (${(html.length / 1e6).toFixed(2)} MB, ${((performance.now() - started) / 1000).toFixed(1)} s)\n`);
  return path.resolve(o.out);
}

export function registerReport(program: Command, io: Io): void {
  program
    .command('report')
    .description('one self-contained HTML page: class distributions, morphology, QC and outline overlays')
    .requiredOption('--db <file>', 'a database written by `pannuke ingest`')
    .option('--data <root>', 'the folds (folder or zips) the database came from, to draw the H&E patches under the outlines')
    .option('--subset <name>', "also compare a stored subset's class table with the whole dataset's")
    .option('--out <file>', 'the HTML file to write', 'report.html')
    .option('--per-tissue <n>', 'gallery images per tissue', parsePositiveInt('--per-tissue'), 3)
    .addHelpText('after', '\nThe page needs no server and no network: open it from disk, share it, attach it to a supplement.')
    .action((o: ReportOptions) => runReport(o, io).then(() => undefined));
}
