/**
 * Streaming access to one .npy file: the header is parsed once, then record i (the sub-array `a[i]`) is read
 * with a positioned read at `dataOffset + i × recordBytes`. Nothing ever holds the whole file, so an 8 GB
 * masks.npy costs one record of memory (3 MB for PanNuke).
 */
import fs from 'node:fs';
import { PannukeError } from '../errors.js';
import { requireRegularFile } from '../regular-file.js';
import { headerSize, NPY_PREFIX_BYTES, parseHeader, recordGeometry, type NpyHeader } from './header.js';
import { readFully, type RecordLayout } from './records.js';
import { RecordBuffers, type NpyRecord, type RecordSource } from './source.js';

export class NpyFile implements RecordSource {
  readonly path: string;
  readonly header: NpyHeader;
  /** shape[0]: the number of records. */
  readonly count: number;
  /** Bytes in one record: itemSize × product(shape[1..]). */
  readonly recordBytes: number;
  private fd: number | undefined;
  private readonly buffers: RecordBuffers;

  private constructor(path: string, fd: number, header: NpyHeader) {
    this.path = path;
    this.fd = fd;
    this.header = header;
    ({ count: this.count, recordBytes: this.recordBytes } = recordGeometry(header));
    this.buffers = new RecordBuffers(this.recordBytes);
  }

  /** Opens and validates a file: magic, version, header, dtype, order, and that the data is all there. */
  static open(path: string): NpyFile {
    let fd: number;
    try {
      // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer forever; it is refused below.
      fd = fs.openSync(path, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
    } catch (cause) {
      const code = (cause as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') throw new PannukeError('FILE_MISSING', 'file does not exist', { file: path, cause });
      throw new PannukeError('FILE_UNREADABLE', `cannot open file: ${code ?? String(cause)}`, { file: path, cause });
    }
    try {
      const stat = fs.fstatSync(fd);
      requireRegularFile(path, stat, 'FILE_UNREADABLE', 'point at the .npy file itself');
      const prefix = new Uint8Array(Math.min(NPY_PREFIX_BYTES, stat.size));
      readFully(fd, prefix, 0, path);
      const size = headerSize(prefix, path);
      if (size > stat.size) throw new PannukeError('NPY_BAD_HEADER', `header says it is ${size} bytes long, but the file ends at byte ${stat.size}`, { file: path, position: 'header' });
      const headerBytes = new Uint8Array(size);
      readFully(fd, headerBytes, 0, path);
      const header = parseHeader(headerBytes, path);
      if (header.shape.length === 0) {
        throw new PannukeError('FOLD_MISMATCH', 'expected an array with at least one dimension, found a 0-d scalar', { file: path, position: 'header' });
      }
      const file = new NpyFile(path, fd, header);
      const expected = header.dataOffset + file.count * file.recordBytes;
      if (stat.size < expected) {
        const whole = Math.floor((stat.size - header.dataOffset) / Math.max(1, file.recordBytes));
        throw new PannukeError(
          'NPY_TRUNCATED',
          `file is truncated: shape ${formatShape(header.shape)} of ${header.dtype.descr} needs ${expected} bytes, found ${stat.size} (${whole} whole records of ${file.count})`,
          { file: path, position: `byte ${stat.size}`, hint: 'the download or copy is incomplete; fetch the file again' },
        );
      }
      return file;
    } catch (e) {
      fs.closeSync(fd);
      throw e;
    }
  }

  get shape(): readonly number[] {
    return this.header.shape;
  }

  /** Where the records are, for a reader in another thread (`RecordFile`). */
  get recordLayout(): RecordLayout {
    return { path: this.path, dataOffset: this.header.dataOffset, recordBytes: this.recordBytes, count: this.count };
  }

  /** Reads record i into `target` (at least recordBytes long) and returns the filled view. */
  readRecord(i: number, target: Uint8Array): Uint8Array {
    if (!Number.isInteger(i) || i < 0 || i >= this.count) throw new RangeError(`record ${i} out of range 0..${this.count - 1}`);
    const view = target.subarray(0, this.recordBytes);
    readFully(this.requireFd(), view, this.header.dataOffset + i * this.recordBytes, this.path);
    return view;
  }

  /** The raw header bytes (magic to the end of the dict). */
  headerBytes(): Uint8Array {
    const out = new Uint8Array(this.header.dataOffset);
    readFully(this.requireFd(), out, 0, this.path);
    return out;
  }

  /** Reads `target.length` bytes at a file offset. */
  readBytes(position: number, target: Uint8Array): Uint8Array {
    readFully(this.requireFd(), target, position, this.path);
    return target;
  }

  async *read(indexes: Iterable<number>): AsyncIterable<NpyRecord> {
    for (const index of indexes) yield { index, bytes: this.readRecord(index, this.buffers.take()) };
  }

  recycle(buffer: ArrayBuffer): void {
    this.buffers.give(buffer);
  }

  async checkIntegrity(): Promise<void> {}

  async readAll(): Promise<Uint8Array> {
    return this.readAllSync();
  }

  /** Reads all the data bytes; for small files only (types.npy is 140 kB). */
  readAllSync(): Uint8Array {
    const out = new Uint8Array(this.count * this.recordBytes);
    readFully(this.requireFd(), out, this.header.dataOffset, this.path);
    return out;
  }

  close(): void {
    if (this.fd !== undefined) fs.closeSync(this.fd);
    this.fd = undefined;
  }

  private requireFd(): number {
    if (this.fd === undefined) throw new Error(`${this.path} is closed`);
    return this.fd;
  }
}

/** A shape as Python prints it: (3,) or (2, 256, 256, 6). */
export function formatShape(shape: readonly number[]): string {
  return shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
}
