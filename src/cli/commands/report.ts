import path from 'node:path';
import fs from 'node:fs';
import type { Command } from 'commander';
import { incompleteNote } from '../../eval/metrics.js';
import { openFolds } from '../../dataset/fold.js';
import { checkOutput } from '../../output/guard.js';
import { writeAtomically } from '../../output/atomic.js';
import { gatherReport } from '../../report/data.js';
import { renderReport } from '../../report/html.js';
import { attachPatches } from '../../report/patches.js';
import { findSubset } from '../../subset/store.js';
import { withStore } from '../database.js';
import { dbOptions, type DbOptions } from '../db-options.js';
import { EXIT_HELP, type Io } from '../io.js';
import { parsePositiveInt } from '../options.js';
import { protectedInputs } from './inputs.js';

export interface ReportOptions extends DbOptions {
  data?: string;
  subset?: string;
  out: string;
  perTissue: number;
  force?: boolean;
  /** A prediction set to add the evaluation section for. */
  eval?: string;
}

export async function runReport(o: ReportOptions, io: Io): Promise<string> {
  const started = performance.now();
  const html = await withStore(o, 'read', async (store) => {
    checkOutput(o.out, { kind: 'file', force: o.force === true, inputs: await protectedInputs(store, o.db, o.data), option: '--out' });
    const subset = o.subset === undefined ? undefined : await findSubset(store, o.subset);
    const data = await gatherReport(store, { perTissue: o.perTissue, ...(subset !== undefined && { subsetId: subset.id, subsetName: subset.name }), ...(o.eval !== undefined && { evalSet: o.eval }) });
    const note = data.evaluation === undefined ? undefined : incompleteNote(data.evaluation.report);
    if (note !== undefined) io.stderr.write(`warning: '${o.eval}' covers ${note}\n`);
    if (o.data !== undefined) {
      const folds = await openFolds(o.data);
      try {
        await attachPatches([...data.gallery, ...(data.evaluation?.tiles ?? [])], folds);
      } finally {
        for (const f of folds) f.close();
      }
    }
    return renderReport(data);
  });
  await writeAtomically(o.out, { kind: 'file', force: o.force === true }, (temporary) => fs.writeFileSync(temporary, html));
  io.stdout.write(`report: ${path.resolve(o.out)} (${(html.length / 1e6).toFixed(2)} MB, ${((performance.now() - started) / 1000).toFixed(1)} s)\n`);
  return path.resolve(o.out);
}

export function registerReport(program: Command, io: Io): void {
  dbOptions(program
    .command('report')
    .description('one self-contained HTML page: class distributions, morphology, QC and outline overlays'))
    .option('--data <root>', 'the folds (folder or zips) the database came from, to draw the H&E patches under the outlines')
    .option('--subset <name>', "also compare a stored subset's class table with the whole dataset's")
    .option('--out <file>', 'the HTML file to write (an existing one needs --force)', 'report.html')
    .option('--force', 'replace --out if it exists')
    .option('--per-tissue <n>', 'gallery images per tissue', parsePositiveInt('--per-tissue'), 3)
    .option('--eval <set>', 'add the evaluation of a prediction set (pannuke eval run): its tables, and ground truth against prediction over the patches')
    .addHelpText('after', '\nThe page needs no server and no network: open it from disk, share it, attach it to a supplement.')
    .addHelpText('after', EXIT_HELP)
    .action((o: ReportOptions) => runReport(o, io).then(() => undefined));
}
