import type { Command } from 'commander';
import { openDatabase } from '../../db/open.js';
import { qcCounts, qcExamples } from '../../query/qc.js';
import { formatTable } from '../format.js';
import type { Io } from '../io.js';
import { parseNonNegativeInt } from '../options.js';

export function runQc(opts: { db: string; examples: number }, io: Io): void {
  const db = openDatabase(opts.db, { readonly: true });
  try {
    const rows = qcCounts(db);
    io.stdout.write(formatTable(['quirk', 'count', 'images', 'what it is'], rows.map((r) => [r.quirk, r.count, r.images, r.description])));
    for (const r of rows) {
      if (r.count === 0 || opts.examples === 0) continue;
      const examples = qcExamples(db, r.quirk, opts.examples);
      io.stdout.write(`\n${r.quirk}: first ${examples.length} of ${r.count}\n`);
      io.stdout.write(formatTable(['fold', 'fold_index', 'class', 'id', 'detail'], examples.map((e) => [e.fold, e.foldIndex, e.class ?? '', e.instanceId === null ? '' : String(e.instanceId), e.detail])));
    }
  } finally {
    db.$client.close();
  }
}

export function registerQc(program: Command, io: Io): void {
  program
    .command('qc')
    .description("count PanNuke's quirks (shared ids, overlapping classes, fragments, holes, empty and void images) with examples")
    .requiredOption('--db <file>', 'a database written by `pannuke ingest`')
    .option('--examples <n>', 'examples per quirk', parseNonNegativeInt('--examples'), 5)
    .action((opts: { db: string; examples: number }) => runQc(opts, io));
}
