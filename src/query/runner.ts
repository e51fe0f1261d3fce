/**
 * The process that runs one user query (see isolated.ts): it opens the database read-only, runs the
 * statement and writes the rows, formatted, to its stdout; a failure goes back to the parent as a serialized
 * PannukeError over the IPC channel. It runs in a process of its own so that the parent can stop a statement
 * that never returns (a timeout, Ctrl-C) by ending the process: SQLite has no other way to be interrupted from
 * JavaScript, and a worker thread inside native code cannot be ended.
 */
import Database from 'better-sqlite3';
import { PannukeError } from '../errors.js';
import { rowWriter } from '../export/text.js';
import { parseQueryRequest, type QueryReply } from './protocol.js';
import { runReadOnly } from './readonly.js';

function reply(message: QueryReply): Promise<void> {
  return new Promise((resolve) => {
    if (process.send === undefined) return resolve();
    process.send(message, undefined, {}, () => resolve());
  });
}

/** Waits until stdout has taken everything written (a pipe to the parent). */
const drained = () => new Promise<void>((resolve) => (process.stdout.writableNeedDrain ? process.stdout.once('drain', resolve) : resolve()));

const request = () => parseQueryRequest(process.argv[2] ?? '{}');

async function main(): Promise<void> {
  const { db: file, sql, format, raw, busyTimeout, maxValueBytes } = request();
  // The parent opened and checked this file (a pannuke database of a schema it knows) just before.
  const client = new Database(file, { readonly: true, fileMustExist: true, timeout: busyTimeout });
  const db = { $client: client };
  try {
    const { columns, rows } = runReadOnly(db, sql, file, { maxValueBytes });
    const sink = rowWriter(process.stdout, format, columns, { raw });
    for (const row of rows) await sink.write(row);
    await sink.end();
    await drained();
  } finally {
    db.$client.close();
  }
}

process.stdout.on('error', () => process.exit(0)); // the parent stopped reading (EPIPE): nothing to report
try {
  await main();
  await reply({ ok: true });
  process.exitCode = 0;
} catch (caught) {
  // A read-only connection writes nothing but SQLite's temporary files (sorts, groupings): a failed write
  // there is the temporary-storage cap (the kernel's file-size limit returns EFBIG) or a full disk.
  const code = (caught as { cause?: { code?: string } }).cause?.code ?? '';
  const e = code.startsWith('SQLITE_IOERR_WRITE') || code.startsWith('SQLITE_FULL')
    ? new PannukeError('QUERY', `the query needed more than ${Math.round(request().maxTempBytes / 1e6)} MB of temporary storage (or the temporary folder is full) and was stopped`, {
      file: request().db, hint: 'raise --max-temp-mb, or sort or group less at once',
    })
    : caught;
  const error = e instanceof PannukeError ? e.toJSON() : new PannukeError('QUERY', String((e as Error).message ?? e), {}).toJSON();
  await reply({ ok: false, error, ...(!(e instanceof PannukeError) && { internal: true }) });
  process.exitCode = 1;
}
