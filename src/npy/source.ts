/**
 * What the pipeline reads records from: an .npy file on disk (positioned reads) or an .npy stream (a zip
 * member being inflated). Records always come in increasing index order; a file skips unwanted ones by
 * seeking, a stream by reading past them.
 */
import type { NpyHeader } from './header.js';
import type { RecordLayout } from './records.js';

export interface NpyRecord {
  index: number;
  /** The record's bytes, in an ArrayBuffer of their own (so they can be transferred to a worker). */
  bytes: Uint8Array;
}

export interface RecordSource {
  /** The file, or `archive.zip:member/path.npy`, for messages. */
  readonly path: string;
  readonly header: NpyHeader;
  readonly count: number;
  readonly recordBytes: number;
  /** Where the records are in a file on disk, for workers that read them themselves; none for a stream. */
  readonly recordLayout?: RecordLayout;
  /** The records at `indexes`, which must be increasing. */
  read(indexes: Iterable<number>): AsyncIterable<NpyRecord>;
  /**
   * Gives back a record's buffer (one `read` yielded, or any of at least recordBytes) to be filled again, so
   * that a long read allocates no buffer per record. Optional: a buffer not given back is collected.
   */
  recycle(buffer: ArrayBuffer): void;
  /**
   * Reads the source to its end to check it against what its container records (a zip member's CRC-32 and
   * length), throwing the container's error if it does not match; a file on disk has nothing to check.
   */
  checkIntegrity(): Promise<void>;
  /** All the data bytes (small arrays only: types.npy). */
  readAll(): Promise<Uint8Array>;
  close(): void;
}

/**
 * The buffers a source fills with records: those given back are used again before any new one is made.
 * At most `keep` wait (a reader gives back about as many as are out at once).
 */
export class RecordBuffers {
  private readonly free: ArrayBuffer[] = [];

  constructor(private readonly recordBytes: number, private readonly keep = 16) {}

  /** A record-sized view, on a given-back buffer when there is one. */
  take(): Uint8Array {
    return new Uint8Array(this.free.pop() ?? new ArrayBuffer(this.recordBytes), 0, this.recordBytes);
  }

  give(buffer: ArrayBuffer): void {
    if (buffer.byteLength >= this.recordBytes && this.free.length < this.keep) this.free.push(buffer);
  }

  /** The given-back buffers, handed over (the pool is left empty). */
  drain(): ArrayBuffer[] {
    return this.free.splice(0);
  }
}

/** How a worker gets a record: it reads it from the file itself (positioned read), or the bytes come along. */
export type RecordRef = { file: RecordLayout } | { buffer: ArrayBuffer };

/**
 * The records at `indexes` as what a worker request carries: a file's by its layout (the workers read them,
 * spreading the reads), a stream's by its bytes, read here in order (give them back with `recycle`).
 */
export async function* recordRefs(source: RecordSource, indexes: readonly number[]): AsyncGenerator<{ index: number; record: RecordRef }> {
  const file = source.recordLayout;
  if (file !== undefined) {
    for (const index of indexes) yield { index, record: { file } };
  } else {
    for await (const r of source.read(indexes)) yield { index: r.index, record: { buffer: r.bytes.buffer as ArrayBuffer } };
  }
}

/**
 * Runs `work` over a source's records. When it fails on what the bytes decoded to (`decoded(e)`: a fractional
 * mask id, say), the source is first read to its end against its container's checksum, so that a damaged zip
 * member is reported as damaged, with the hint to download it again, rather than as the odd value the damage
 * made. A file on disk has no checksum: its error stands.
 */
export async function checkedOnFailure<T>(source: RecordSource, work: () => Promise<T>, decoded: (e: unknown) => boolean): Promise<T> {
  try {
    return await work();
  } catch (e) {
    if (decoded(e)) await source.checkIntegrity();
    throw e;
  }
}
