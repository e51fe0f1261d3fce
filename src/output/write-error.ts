/**
 * An output that could not be written, as one line naming it: a full disk, a quota, an I/O error, a folder
 * that cannot be written. The output is named (the final path, never its temporary name, or "standard
 * output"), never the database: a full output disk says nothing about the disk the database is on.
 */
import { PannukeError } from '../errors.js';

const HINTS: Record<string, string> = {
  ENOSPC: 'the disk is full: free some space, or write elsewhere, and run it again',
  EDQUOT: 'the disk quota is used up: free some space, or write elsewhere, and run it again',
  EFBIG: 'the file is too large for this file system: write elsewhere',
  EIO: 'an I/O error: check the disk (dmesg) and write elsewhere',
  EACCES: 'the folder cannot be written: choose another path',
  EPERM: 'the folder cannot be written: choose another path',
  EROFS: 'the file system is read-only: choose another path',
};

const WHAT: Record<string, string> = {
  ENOSPC: 'the disk is full', EDQUOT: 'disk quota exceeded', EFBIG: 'file too large', EIO: 'I/O error',
  EACCES: 'permission denied', EPERM: 'operation not permitted', EROFS: 'read-only file system',
};

/** The errno code of a system error, if it is one. */
export const errnoCode = (e: unknown): string | undefined => {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^E[A-Z]+$/.test(code) ? code : undefined;
};

/** `cannot <what> <output>: <reason> (CODE)`, with what to do. */
export function writeError(cause: unknown, output: string, what = 'write'): PannukeError {
  const code = errnoCode(cause) ?? String(cause);
  const reason = WHAT[code] === undefined ? code : `${WHAT[code]} (${code})`;
  const hint = HINTS[code];
  return new PannukeError('FILE_UNREADABLE', `cannot ${what}: ${reason}`, { file: output, cause, ...(hint !== undefined && { hint }) });
}
