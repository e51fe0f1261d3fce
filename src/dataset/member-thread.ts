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
  /** Record buffers to fill before making new ones (transferred: those of the member read before). */
  buffers?: ArrayBuffer[];
}

/** `spare`: the thread's unused record buffers, handed back with its end for the next member's reader. */
export type FromReader = { type: 'record'; index: number; buffer: ArrayBuffer } | { type: 'end'; spare: ArrayBuffer[] } | { type: 'error'; error: SerializedError };
export type ToReader = { type: 'credit' } | { type: 'recycle'; buffer: ArrayBuffer };

/** Reads of fewer records than this stay on the calling thread. */
const THREAD_MIN_RECORDS = 4;
/** Records in transit between the reader thread and its consumer (3 MiB each for PanNuke). */
const AHEAD = 2;

/**
 * Record buffers move between the members of a run (a fold's masks, then the next fold's). Before, each
 * member's reader thread made its own, and the last ones of every member (still with the extraction workers
 * when its reader ended) stayed in that member's stream's pool until the command ended: ~25 MB more after
 * each fold (three folds from the zips peaked 15–25 MB higher; the whole release at 258 MB, over its
 * 256 MB budget). Now such a buffer goes to a reader of another member of the same record size if one runs
 * (the next fold's, read ahead), or waits here for the next one to start, which is also given the buffers
 * the previous reader held at its end. At most SPARE_KEEP wait: about what one reader uses (AHEAD in
 * transit, the rest with the workers).
 */
const spare: ArrayBuffer[] = [];
const SPARE_KEEP = 10;
/** The reader threads running, with their record size. */
const running = new Map<Worker, number>();

/**
 * Gives `buffer` to `preferred` (its own member's reader), else to a running reader of records of its size,
 * else keeps it for the next one; false if none of them takes it.
 */
function reuse(buffer: ArrayBuffer, preferred?: Worker): boolean {
  const reader = preferred ?? [...running].find(([, bytes]) => bytes === buffer.byteLength)?.[0];
  if (reader !== undefined) {
    reader.postMessage({ type: 'recycle', buffer } satisfies ToReader, [buffer]);
    return true;
  }
  if (spare.length >= SPARE_KEEP) return false;
  spare.push(buffer);
  return true;
}

/** The waiting buffers of exactly `bytes` (another member's records may be of another size), taken. */
function takeSpare(bytes: number): ArrayBuffer[] {
  const taken: ArrayBuffer[] = [];
  for (let i = spare.length - 1; i >= 0; i--) {
    if ((spare[i] as ArrayBuffer).byteLength === bytes) taken.push(...spare.splice(i, 1));
  }
  return taken;
}

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
    // To this member's reader; once its member was read to the end, to the next member's.
    if (!reuse(buffer, this.readers.values().next().value)) this.stream.recycle(buffer);
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
    const buffers = takeSpare(this.stream.recordBytes);
    const job: MemberReadJob = { path: this.stream.path, member: this.member, fd, dataOffset: this.stream.header.dataOffset, recordBytes: this.stream.recordBytes, count: this.stream.count, indexes: wanted, ahead: AHEAD, buffers, ...(this.options.viaStream === true && { stream: true }) };
    let reader: Worker;
    try {
      reader = startThread(THREADS.memberReader, job, buffers);
    } catch (e) {
      fs.closeSync(fd);
      throw e;
    }
    this.readers.add(reader);
    running.set(reader, this.stream.recordBytes);
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
        if (m.type === 'end') {
          running.delete(reader); // not given back its own buffers as it ends
          for (const b of m.spare) reuse(b);
          return;
        }
        if (m.type === 'error') throw PannukeError.fromJSON(m.error);
        yield { index: m.index, bytes: new Uint8Array(m.buffer) };
        reader.postMessage({ type: 'credit' } satisfies ToReader);
      }
    } finally {
      this.readers.delete(reader);
      running.delete(reader);
      reader.removeAllListeners('exit');
      await reader.terminate();
      fs.closeSync(fd);
    }
  }
}
