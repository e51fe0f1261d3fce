/**
 * Only regular files are read: opening a FIFO for reading waits for a writer forever, a device never ends, and
 * a socket cannot be opened at all. Every reader of a user's file checks the file's stat here before it reads.
 */
import type fs from 'node:fs';
import { type ErrorCode, PannukeError } from './errors.js';

/** What a path is when it is not a regular file, for messages. */
function kindOf(stat: fs.Stats): string {
  if (stat.isDirectory()) return 'a folder';
  if (stat.isFIFO()) return 'a FIFO';
  if (stat.isSocket()) return 'a socket';
  if (stat.isCharacterDevice() || stat.isBlockDevice()) return 'a device';
  return 'not a file';
}

/** Throws `code` ("not a regular file (a FIFO)", with `hint`) unless `stat` is of a regular file. */
export function requireRegularFile(file: string, stat: fs.Stats, code: ErrorCode, hint: string): void {
  if (!stat.isFile()) throw new PannukeError(code, `not a regular file (${kindOf(stat)})`, { file, hint });
}
