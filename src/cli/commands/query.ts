import type { Command } from 'commander';
import { openDatabase } from '../../db/open.js';
import { runQueryIsolated } from '../../query/isolated.js';
import { parseDbLocation } from '../../db/location.js';
import type { PostgresStore } from '../../db/postgres/store.js';
import { runServerQuery } from '../../query/server.js';
import { withStore } from '../database.js';
import { dbOptions, type DbOptions } from '../db-options.js';
import type { Io } from '../io.js';
import { parseFormat, parsePositiveInt, parseSeconds } from '../options.js';
import type { Format } from '../../export/text.js';

interface QueryOptions extends DbOptions {
  format: Format;
  raw?: boolean;
  timeout: number;
  maxTempMb: number;
  maxValueMb: number;
}

export async function runQuery(sql: string, opts: QueryOptions, io: Io): Promise<void> {
  const location = parseDbLocation(opts.db);
  if (location.kind === 'postgres') {
    // The server runs the statement: its READ ONLY transaction, timeout and cancel replace the runner process.
    const o = { format: opts.format, raw: opts.raw === true, timeoutMs: opts.timeout * 1000, maxValueBytes: opts.maxValueMb * 1e6, connectionString: location.connectionString };
    await withStore(opts, 'read', (store) => runServerQuery(store as PostgresStore, sql, io.stdout, o));
    return;
  }
  // Opened here first so that a missing or foreign file is reported before a process is started.
  openDatabase(opts.db, { readonly: true, ...(opts.busyTimeout !== undefined && { busyTimeout: opts.busyTimeout }) }).$client.close();
  await runQueryIsolated(
    { db: opts.db, sql, format: opts.format, raw: opts.raw === true, busyTimeout: opts.busyTimeout ?? 5000, maxValueBytes: opts.maxValueMb * 1e6, maxTempBytes: opts.maxTempMb * 1e6 },
    io.stdout,
    { timeoutMs: opts.timeout * 1000, maxTempBytes: opts.maxTempMb * 1e6 },
  );
}

export function registerQuery(program: Command, io: Io): void {
  dbOptions(program
    .command('query')
    .description('run one read-only SQL statement and stream its rows')
    .argument('<sql>', 'a SELECT (or WITH, VALUES, EXPLAIN, PRAGMA read); e.g. "SELECT class, count(*) FROM nucleus_facts GROUP BY class"'))
    .option('--format <format>', 'table, csv, json, ndjson or markdown', parseFormat, 'table')
    .option('--raw', "CSV: cells as they are (by default a text cell starting with = + - @ or a tab gets a leading ' so spreadsheets do not run it)")
    .option('--timeout <s>', 'stop the statement after this many seconds', parseSeconds('--timeout'), 60)
    .option('--max-temp-mb <mb>', "cap on SQLite's temporary files (large sorts and groupings)", parsePositiveInt('--max-temp-mb'), 2000)
    .option('--max-value-mb <mb>', 'refuse a row holding a single value (text or blob) larger than this', parsePositiveInt('--max-value-mb'), 64)
    .addHelpText('after', `
The database is opened read-only: writes are refused and the file is left untouched. The statement runs in a
process of its own, so --timeout and Ctrl-C stop it at once, whatever it is doing. Integers are printed
exactly, beyond 2^53 too.
On PostgreSQL (--db postgres://…) it runs in a READ ONLY transaction with a statement timeout, through a
cursor; SET, COPY, DO, CALL and every write or DDL are refused (--max-temp-mb is the server's business).
Exit codes: 0 done, 1 a bad, refused, too long or too large query (the reason is shown), 2 bad usage, 130 interrupted.`)
    .action((sql: string, opts: QueryOptions) => runQuery(sql, opts, io));
}
