import fs from 'node:fs';
import type { Command } from 'commander';
import { copyStore } from '../../copy/copy.js';
import { parseDbLocation, type DbLocation } from '../../db/location.js';
import { PannukeError } from '../../errors.js';
import { yielder } from '../../interrupt.js';
import { databaseFiles, samePath } from '../../output/guard.js';
import { withStore } from '../database.js';
import { connectionOptions } from '../db-options.js';
import type { Io } from '../io.js';
import { parseIntIn } from '../options.js';
import { rowProgress } from '../progress.js';
import { writeRows } from '../../export/text.js';

interface CopyCommandOptions {
  from: string;
  to: string;
  batchRows: number;
  busyTimeout?: number;
  connectTimeout?: number;
}

/** Same file (after links, or a hard link) or same server database and schema. */
function sameDatabase(x: DbLocation, y: DbLocation): boolean {
  if (x.kind === 'postgres' && y.kind === 'postgres') return x.connectionString === y.connectionString && x.schema === y.schema;
  return x.kind === 'sqlite' && y.kind === 'sqlite' && samePath(x.file, y.file);
}

/**
 * A SQLite destination is built as `<to>.partial` (which a rerun resumes) and renamed to `<to>` only once
 * checked complete, so `<to>` never names half a database; an existing `<to>` is never replaced.
 */
export async function runCopy(o: CopyCommandOptions, io: Io): Promise<void> {
  const to = parseDbLocation(o.to);
  const from = parseDbLocation(o.from);
  if (sameDatabase(from, to)) throw new PannukeError('BAD_OPTION', '--from and --to name the same database');
  if (from.kind === 'sqlite' && !fs.existsSync(from.file)) {
    throw new PannukeError('FILE_MISSING', 'database does not exist', { file: from.file, hint: 'create it with `pannuke ingest <root> --db <file>`' });
  }
  let target = o.to;
  if (to.kind === 'sqlite') {
    if (fs.existsSync(to.file)) {
      throw new PannukeError('BAD_OPTION', `--to ${to.file} already exists; copy never replaces a database`, { hint: 'choose a new path, or delete the file yourself' });
    }
    if (from.kind === 'sqlite' && databaseFiles(from.file).some((f) => samePath(f, `${to.file}.partial`))) {
      throw new PannukeError('BAD_OPTION', '--to would write over a file of --from');
    }
    target = `${to.file}.partial`;
  }
  const progress = rowProgress(io, 'copy', 5, 'rows');
  const pause = yielder();
  const connection = { ...(o.busyTimeout !== undefined && { busyTimeout: o.busyTimeout }), ...(o.connectTimeout !== undefined && { connectTimeout: o.connectTimeout }) };
  const report = await withStore({ db: o.from, ...connection }, 'read', (source) =>
    withStore({ db: target, ...connection }, 'load', (destination) =>
      copyStore(source, destination, { batchRows: o.batchRows, onProgress: (done, total) => progress.update(done, total), pause }), { onNote: (l) => io.stderr.write(`${l}\n`) }),
  ).finally(() => progress.stop());
  if (to.kind === 'sqlite') {
    // A hard link never replaces a file that appeared meanwhile; then the temporary name goes.
    try {
      fs.linkSync(target, to.file);
    } catch (cause) {
      throw new PannukeError('DB_OPEN', `cannot name the finished copy ${to.file}: ${(cause as Error).message}`, { file: target, cause, hint: 'the complete copy is at this path; rename it yourself' });
    }
    fs.unlinkSync(target);
  }
  await writeRows(io.stdout, 'table', ['table', 'rows', 'copied now'], report.tables.map((t) => [t.table, t.rows, t.copied]));
  const rows = report.tables.reduce((s, t) => s + t.rows, 0);
  io.stdout.write(`${report.alreadyComplete ? 'already a complete copy' : report.resumed ? 'resumed and finished' : 'copied'}: ${rows} rows in ${report.tables.length} tables to ${to.label}; `
    + 'every table checked identical to the source (row counts and SHA-256 of the values in key order)\n');
}

export function registerCopy(program: Command, io: Io): void {
  connectionOptions(program
    .command('copy')
    .description('copy a database, every table (subsets and evaluations included), between SQLite and PostgreSQL; resumable, checked at the end')
    .requiredOption('--from <db>', 'the database to read: a .sqlite file or postgres://user:pass@host:port/dbname[?schema=name]')
    .requiredOption('--to <db>', 'a new .sqlite file, or a PostgreSQL database (schema) that is empty or holds an unfinished copy of --from')
    .option('--batch-rows <n>', 'rows per transaction', parseIntIn('--batch-rows', 100, 1_000_000), 5_000))
    .addHelpText('after', `
Each batch commits whole; after Ctrl-C, a kill or a lost connection, the same command resumes after the last
batch. At the end every table is read back in key order on both sides and compared (counts and SHA-256 of the
values: integers exactly, floats by their 64 bits, outlines byte for byte). A SQLite --to is written as
<to>.partial and renamed when complete; an existing --to file is never replaced. On PostgreSQL the copy holds
the schema's writer lock, and nuclei get a PostGIS geom column where the extension is present.
Exit codes: 0 copied and checked, 1 a refused destination, an unusable database or a failed check, 2 bad usage, 130 interrupted.`)
    .action((o: CopyCommandOptions) => runCopy(o, io));
}
