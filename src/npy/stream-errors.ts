/** How a failed .npy byte stream is told to the user. */
import { PannukeError } from '../errors.js';

/** The error of a stream that ended inside record `index` of `count`. */
export function truncatedAt(index: number, count: number, path: string): PannukeError {
  return new PannukeError('NPY_TRUNCATED', `stream ended inside record ${index} of ${count}`, { file: path, position: `record ${index}` });
}

/** A stream's failure as the user's error: corrupt compressed data, or a read that failed. */
export function streamError(e: unknown, path: string): unknown {
  if (e instanceof PannukeError) return e;
  const err = e as NodeJS.ErrnoException;
  if (typeof err.code === 'string' && err.code.startsWith('Z_')) {
    return new PannukeError('ZIP', `corrupt compressed data: ${err.message}`, { file: path, hint: 'the archive is damaged; download it again', cause: e });
  }
  return new PannukeError('FILE_UNREADABLE', `read failed: ${err.message}`, { file: path, cause: e });
}
