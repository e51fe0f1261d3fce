/**
 * What the pipeline reads records from: an .npy file on disk (positioned reads) or an .npy stream (a zip
 * member being inflated). Records always come in increasing index order; a file skips unwanted ones by
 * seeking, a stream by reading past them.
 */
import type { NpyHeader } from './header.js';

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
  /**
   * The records at `indexes`, which must be increasing. `allocate`, if given, supplies the buffers (so a
   * caller can recycle them); it must return at least recordBytes bytes.
   */
  read(indexes: Iterable<number>, allocate?: () => Uint8Array): AsyncIterable<NpyRecord>;
  /** All the data bytes (small arrays only: types.npy). */
  readAll(): Promise<Uint8Array>;
  close(): void;
}
