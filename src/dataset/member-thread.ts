/**
 * A zip member's records, read by a thread of their own (src/dataset/member-reader.ts).
 *
 * Why a thread: a member comes out of inflate in chunks, and each chunk costs its CRC-32, its copy into
 * record buffers, the stream's bookkeeping and a fresh 1 MiB buffer to collect. On the main thread that was
 * 2.2 of its 3.0 CPU-s in an ingest of 600 images from the zips (bench/profile.ts), on the heap where every
 * collection also walks the database writer's objects, and it stalled inflate whenever the thread was busy
 * writing a batch. In a thread of its own it runs beside the loading, with a small heap of its own.
 *
 * A read of few records (one tile of `pannuke serve`) is not worth starting a thread: it is read here.
 */
import fs from 'node:fs';
import type { Worker } from 'node:worker_threads';
import { PannukeError, type SerializedError } from '../errors.js';
import { streamError } from '../npy/stream-errors.js';
import type { NpyStream } from '../npy/stream.js';
import type { NpyRecord, RecordSource } from '../npy/source.js';
import { startThread, THREADS } from '../worker-threads.js';
import type { ZipMember } from './zip-member.js';

/** What a reader thread is started with. */
export interface MemberReadJob {
  path: string;
  member: ZipMember;
  /**
   * The archive, opened by the thread's starter, which closes it once the thread has ended: a thread
   * terminated halfway through a member (a consumer that stops early) cannot close what it opened.
   */
  fd: number;
  /** Where the .npy's data starts, the size of one record and their number (from its header). */
  dataOffset: number;
  recordBytes: number;
  count: number;
  /** Increasing record indexes. */
  indexes: number[];
  /** Records the thread may send before the first credit comes back. */
  ahead: number;
  /** Read node:zlib's stream even where the pulled read works (member-reader.ts; tests keep that path right). */
  stream?: boolean;
}

export type FromReader = { type: 'record'; index: number; buffer: ArrayBuffer } | { type: 'end' } | { type: 'error'; error: SerializedError };
export type ToReader = { type: 'credit' } | { type: 'recycle'; buffer: ArrayBuffer };

/** Reads of fewer records than this stay on the calling thread. */
const THREAD_MIN_RECORDS = 4;
/** Records in transit between the reader thread and its consumer (3 MiB each for PanNuke). */
const AHEAD = 2;

export class MemberRecords implements RecordSource {
  /** The reader threads of the reads under way, to send buffers back to. */
  private readonly readers = new Set<Worker>();

  /** `options.viaStream`: see MemberReadJob.stream. */
  constructor(private readonly stream: NpyStream, private readonly member: ZipMember, private readonly options: { viaStream?: boolean } = {}) {}

  get path() { return this.stream.path; }
  get header() { return this.stream.header; }
  get count() { return this.stream.count; }
  get recordBytes() { return this.stream.recordBytes; }

  recycle(buffer: ArrayBuffer): void {
    const reader = this.readers.values().next().value;
    if (reader === undefined) this.stream.recycle(buffer);
    else reader.postMessage({ type: 'recycle', buffer } satisfies ToReader, [buffer]);
  }

  checkIntegrity(): Promise<void> {
    return this.stream.checkIntegrity();
  }

  readAll(): Promise<Uint8Array> {
    return this.stream.readAll();
  }

  close(): void {
    this.stream.close();
  }

  async *read(indexes: Iterable<number>): AsyncIterable<NpyRecord> {
    const wanted = [...indexes];
    if (wanted.length < THREAD_MIN_RECORDS) {
      yield* this.stream.read(wanted);
      return;
    }
    let fd: number;
    try {
      fd = fs.openSync(this.member.zip, 'r');
    } catch (e) {
      throw streamError(e, this.stream.path);
    }
    const job: MemberReadJob = { path: this.stream.path, member: this.member, fd, dataOffset: this.stream.header.dataOffset, recordBytes: this.stream.recordBytes, count: this.stream.count, indexes: wanted, ahead: AHEAD, ...(this.options.viaStream === true && { stream: true }) };
    let reader: Worker;
    try {
      reader = startThread(THREADS.memberReader, job);
    } catch (e) {
      fs.closeSync(fd);
      throw e;
    }
    this.readers.add(reader);
    const inbox: FromReader[] = [];
    let failure: Error | undefined;
    let wake: (() => void) | undefined;
    const signal = () => {
      wake?.();
      wake = undefined;
    };
    reader.on('message', (m: FromReader) => {
      inbox.push(m);
      signal();
    });
    reader.on('error', (e: Error) => {
      failure ??= e;
      signal();
    });
    reader.on('exit', (code) => {
      failure ??= new PannukeError('WORKER', `the thread reading ${this.stream.path} stopped (exit code ${code}) before the end of the member`);
      signal();
    });
    try {
      for (;;) {
        const m = inbox.shift();
        if (m === undefined) {
          if (failure !== undefined) throw failure instanceof PannukeError ? failure : new PannukeError('WORKER', `the thread reading ${this.stream.path} failed: ${failure.message}`, { cause: failure });
          await new Promise<void>((resolve) => (wake = resolve));
          continue;
        }
        if (m.type === 'end') return;
        if (m.type === 'error') throw PannukeError.fromJSON(m.error);
        yield { index: m.index, bytes: new Uint8Array(m.buffer) };
        reader.postMessage({ type: 'credit' } satisfies ToReader);
      }
    } finally {
      this.readers.delete(reader);
      reader.removeAllListeners('exit');
      await reader.terminate();
      fs.closeSync(fd);
    }
  }
}
