/**
 * Any failure as one line and an exit code. PannukeErrors carry their own text; errors that users can cause
 * but that reach us from the system (a full disk, a locked or damaged database, a folder that cannot be
 * written) are named for what they are; anything else is a bug (exit 3), still one line: the stack only with
 * PANNUKE_DEBUG=1.
 */
import { PannukeError } from '../errors.js';
import { EXIT } from './io.js';
import { terminalSafe } from './format.js';

const SYSTEM_ERRORS: Record<string, { message: string; hint?: string }> = {
  SQLITE_BUSY: { message: 'the database is locked by another program', hint: 'wait for it to finish and run the command again, or wait longer: --busy-timeout 600000 (10 min)' },
  SQLITE_LOCKED: { message: 'the database is locked by another program', hint: 'wait for it to finish and run the command again, or wait longer: --busy-timeout 600000 (10 min)' },
  SQLITE_READONLY: { message: 'the database cannot be written (a read-only file, folder or mount)', hint: 'copy it somewhere writable, or use a reading command' },
  SQLITE_CORRUPT: { message: 'the database file is damaged', hint: 'restore it from a copy, or ingest again into a new file' },
  SQLITE_NOTADB: { message: 'not a SQLite database', hint: 'point --db at a pannuke .sqlite file' },
  SQLITE_FULL: { message: 'the disk is full', hint: 'free some space and run the command again (ingest resumes)' },
  SQLITE_CANTOPEN: { message: 'the database cannot be opened', hint: 'check the path and its permissions' },
  SQLITE_IOERR: { message: 'the database could not be read or written (I/O error)', hint: 'check the disk and the path' },
  SQLITE_NOMEM: { message: 'SQLite ran out of its memory budget', hint: 'ask for less at once' },
  ENOSPC: { message: 'the disk is full', hint: 'free some space and run the command again' },
  EACCES: { message: 'permission denied' },
  EPERM: { message: 'operation not permitted' },
  EROFS: { message: 'read-only file system', hint: 'choose a writable path' },
  ENOENT: { message: 'no such file or folder' },
  ENOTDIR: { message: 'not a folder' },
  EISDIR: { message: 'is a folder, not a file' },
  EMFILE: { message: 'too many open files', hint: 'raise the limit (ulimit -n)' },
};

/** The SQLite or errno code of a system error, matched by prefix (SQLITE_IOERR_SHORT_READ is SQLITE_IOERR). */
function systemError(e: unknown): { message: string; hint?: string } | undefined {
  const code = (e as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return undefined;
  const key = Object.keys(SYSTEM_ERRORS).find((k) => code === k || code.startsWith(`${k}_`));
  return key === undefined ? undefined : SYSTEM_ERRORS[key];
}

export interface Failure {
  line: string;
  exitCode: number;
}

/**
 * A system error users can cause (a SQLite or errno code above) as a PannukeError naming the file: the path
 * the error carries, else `file` (the database or output the command was working on); undefined for others.
 */
export function asPannukeError(e: unknown, file?: string): PannukeError | undefined {
  if (e instanceof PannukeError) return e;
  const known = systemError(e);
  if (known === undefined) return undefined;
  const code = (e as { code?: string }).code ?? '';
  // A SQLite error is the database's; a system error names its own path, never the database by default (a
  // full output disk is not the database's disk).
  const where = (e as { path?: string }).path ?? (code.startsWith('SQLITE_') ? file : undefined);
  return new PannukeError(code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED') ? 'DB_LOCKED' : 'DB_OPEN', known.message, {
    cause: e, ...(where !== undefined && { file: where }), ...(known.hint !== undefined && { hint: known.hint }),
  });
}

export function describeFailure(e: unknown): Failure {
  const error = asPannukeError(e);
  if (error !== undefined) {
    return { line: `pannuke: error: ${terminalSafe(error.describe())}`, exitCode: error.code === 'BAD_OPTION' ? EXIT.USAGE : EXIT.FAILURE };
  }
  const detail = process.env.PANNUKE_DEBUG === '1' ? `\n${(e as Error).stack ?? ''}` : ' (PANNUKE_DEBUG=1 shows where)';
  const message = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  return { line: `pannuke: internal error (please report it): ${terminalSafe(message.split('\n')[0] ?? '')}${detail}`, exitCode: EXIT.INTERNAL };
}
