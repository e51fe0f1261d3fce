/**
 * An .npy file read as a stream of bytes (a zip member through inflate): the header is parsed from the start
 * of the stream, then records are cut from it in order. Memory is one record, whatever the file size; images
 * before the wanted ones are read and discarded (that is how a resumed ingest skips finished images).
 */
import type { Readable } from 'node:stream';
import { PannukeError } from '../errors.js';
import { headerSize, NPY_PREFIX_BYTES, parseHeader, recordGeometry, type NpyHeader } from './header.js';
import { formatShape } from './reader.js';
import { RecordCutter } from './cutter.js';
import { streamError, truncatedAt } from './stream-errors.js';
import { RecordBuffers, type NpyRecord, type RecordSource } from './source.js';

/** The largest chunk asked of the byte stream. */
const STREAM_CHUNK_BYTES = 1 << 20;

export class NpyStream implements RecordSource {
  readonly path: string;
  readonly header: NpyHeader;
  readonly count: number;
  readonly recordBytes: number;
  /** Uncompressed size of the whole .npy, when the container says it (zip central directory). */
  readonly totalBytes: number;
  /** Opens the byte stream from its start; `chunkBytes` suggests the size of the chunks it yields. */
  private readonly open: (chunkBytes?: number) => Readable;
  private readonly buffers: RecordBuffers;

  private constructor(path: string, header: NpyHeader, totalBytes: number, open: (chunkBytes?: number) => Readable) {
    this.path = path;
    this.header = header;
    this.totalBytes = totalBytes;
    this.open = open;
    ({ count: this.count, recordBytes: this.recordBytes } = recordGeometry(header));
    this.buffers = new RecordBuffers(this.recordBytes);
  }

  /** Parses the header from the first bytes of `open()` and checks the declared size against `totalBytes`. */
  static async open(path: string, totalBytes: number, open: (chunkBytes?: number) => Readable): Promise<NpyStream> {
    const size = headerSize(await readPrefix(open(), Math.min(NPY_PREFIX_BYTES, totalBytes), path), path);
    if (size > totalBytes) throw new PannukeError('NPY_BAD_HEADER', `header says it is ${size} bytes long, but the file is ${totalBytes} bytes`, { file: path, position: 'header' });
    const header = parseHeader(await readPrefix(open(), size, path), path);
    if (header.shape.length === 0) {
      throw new PannukeError('FOLD_MISMATCH', 'expected an array with at least one dimension, found a 0-d scalar', { file: path, position: 'header' });
    }
    const file = new NpyStream(path, header, totalBytes, open);
    const expected = header.dataOffset + file.count * file.recordBytes;
    if (totalBytes < expected) {
      throw new PannukeError('NPY_TRUNCATED', `file is truncated: shape ${formatShape(header.shape)} of ${header.dtype.descr} needs ${expected} bytes, found ${totalBytes}`, {
        file: path, position: `byte ${totalBytes}`, hint: 'the archive is incomplete; download it again',
      });
    }
    return file;
  }

  recycle(buffer: ArrayBuffer): void {
    this.buffers.give(buffer);
  }

  async checkIntegrity(): Promise<void> {
    const stream = this.open(STREAM_CHUNK_BYTES);
    try {
      for await (const chunk of stream as AsyncIterable<Buffer>) void chunk;
    } catch (e) {
      throw streamError(e, this.path);
    } finally {
      stream.destroy();
    }
  }

  async *read(indexes: Iterable<number>): AsyncIterable<NpyRecord> {
    const wanted = [...indexes];
    if (wanted.length === 0) return;
    // Chunks of at most 1 MiB. zlib allocates each output chunk anew and the garbage waits for V8's next
    // collection: with chunks of a whole PanNuke record (3 MiB) ingest from the zips peaked at 226–246 MB
    // against 202–210 MB, and 266 MB on the whole release (over the 256 MB budget), for ~5 % more speed.
    const stream = this.open(Math.min(this.recordBytes, STREAM_CHUNK_BYTES));
    try {
      const cutter = new RecordCutter(this.header.dataOffset, this.recordBytes, wanted, this.buffers);
      const out: NpyRecord[] = [];
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        cutter.push(chunk, (r) => out.push(r));
        for (const r of out) yield r;
        out.length = 0;
        // Once every wanted record is out, the loop reads on to the end without cutting anything, so that a
        // container that checks its bytes (a zip member's CRC-32) checks them all.
      }
      if (cutter.done) return;
      throw truncatedAt(cutter.index, this.count, this.path);
    } catch (e) {
      throw streamError(e, this.path);
    } finally {
      stream.destroy();
    }
  }

  async readAll(): Promise<Uint8Array> {
    const out = new Uint8Array(this.count * this.recordBytes);
    let k = 0;
    for await (const { bytes } of this.read(Array.from({ length: this.count }, (_, i) => i))) {
      out.set(bytes, k);
      k += bytes.length;
    }
    return out;
  }

  close(): void {}
}

/** The first `n` bytes of a stream (or all of it, if shorter); the stream is destroyed after. */
async function readPrefix(stream: Readable, n: number, path: string): Promise<Uint8Array> {
  const out = new Uint8Array(n);
  let filled = 0;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      const k = Math.min(n - filled, chunk.length);
      out.set(chunk.subarray(0, k), filled);
      filled += k;
      if (filled === n) break;
    }
  } catch (e) {
    throw streamError(e, path);
  } finally {
    stream.destroy();
  }
  return out.subarray(0, filled);
}
