import type { Command } from 'commander';
import { openDatabase } from '../../db/open.js';
import { runReadOnly } from '../../query/readonly.js';
import type { Io } from '../io.js';
import { parseFormat } from '../options.js';
import { rowWriter, type Format } from '../../export/text.js';

export async function runQuery(sql: string, opts: { db: string; format: Format }, io: Io): Promise<void> {
  const db = openDatabase(opts.db, { readonly: true });
  try {
    const { columns, rows } = runReadOnly(db, sql, opts.db);
    const sink = rowWriter(io.stdout, opts.format, columns);
    for (const row of rows) await sink.write(row);
    await sink.end();
  } finally {
    db.$client.close();
  }
}

export function registerQuery(program: Command, io: Io): void {
  program
    .command('query')
    .description('run one read-only SQL statement and stream its rows')
    .argument('<sql>', 'a SELECT (or WITH, VALUES, EXPLAIN, PRAGMA read); e.g. "SELECT class, count(*) FROM nucleus_facts GROUP BY class"')
    .requiredOption('--db <file>', 'a database written by `pannuke ingest`')
    .option('--format <format>', 'table, csv, json, ndjson or markdown', parseFormat, 'table')
    .addHelpText('after', '\nThe database is opened read-only: writes are refused and the file is left untouched.\nExit codes: 0 done, 1 a bad or refused query (SQLite\'s message is shown), 2 bad usage.')
    .action((sql: string, opts: { db: string; format: Format }) => runQuery(sql, opts, io));
}
