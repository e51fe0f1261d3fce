/**
 * Positioned reads of fixed-size records at known offsets: record i is `recordBytes` bytes at
 * `dataOffset + i × recordBytes`. This is all an extraction worker needs once the main thread has parsed and
 * checked the header (NpyFile), so workers load no header parser.
 */
import fs from 'node:fs';
import { PannukeError } from '../errors.js';

/** Where a file's records are: enough to read them without parsing the header again. */
export interface RecordLayout {
  path: string;
  dataOffset: number;
  recordBytes: number;
  count: number;
}

export class RecordFile {
  readonly layout: RecordLayout;
  private fd: number | undefined;

  constructor(layout: RecordLayout) {
    this.layout = layout;
    try {
      this.fd = fs.openSync(layout.path, 'r');
    } catch (cause) {
      throw new PannukeError('FILE_UNREADABLE', `cannot open file: ${(cause as NodeJS.ErrnoException).code ?? String(cause)}`, { file: layout.path, cause });
    }
  }

  /** Reads record i into `target` (at least recordBytes long) and returns the filled view. */
  read(i: number, target: Uint8Array): Uint8Array {
    const { count, recordBytes, dataOffset, path } = this.layout;
    if (!Number.isInteger(i) || i < 0 || i >= count) throw new RangeError(`record ${i} out of range 0..${count - 1}`);
    if (this.fd === undefined) throw new Error(`${path} is closed`);
    const view = target.subarray(0, recordBytes);
    readFully(this.fd, view, dataOffset + i * recordBytes, path);
    return view;
  }

  close(): void {
    if (this.fd !== undefined) fs.closeSync(this.fd);
    this.fd = undefined;
  }
}

/** A positioned read that loops over short reads (they happen on network file systems and pipes). */
export function readFully(fd: number, target: Uint8Array, position: number, path: string): void {
  let done = 0;
  while (done < target.length) {
    let n: number;
    try {
      n = fs.readSync(fd, target, done, target.length - done, position + done);
    } catch (cause) {
      throw new PannukeError('FILE_UNREADABLE', `read failed: ${(cause as NodeJS.ErrnoException).code ?? String(cause)}`, {
        file: path, position: `byte ${position + done}`, cause,
      });
    }
    if (n === 0) {
      throw new PannukeError('NPY_TRUNCATED', `file ended early: expected ${target.length - done} more bytes`, {
        file: path, position: `byte ${position + done}`,
      });
    }
    done += n;
  }
}
