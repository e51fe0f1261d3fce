/**
 * The thread that reads one zip member's records (src/dataset/member-thread.ts starts it): inflate, the
 * CRC-32 check and cutting records out stay here, off the main thread that loads the database. Records go to
 * the main thread transferred, never copied; it gives a credit for each one it takes and sends the buffers
 * back to be filled again, so at most `ahead` records wait between the two threads. It never ends itself: the
 * main thread terminates it once it has the last message (so an exit is never mistaken for, or raced with,
 * the end).
 *
 * Two ways to read, the same records and checks:
 * - pulled (member-inflate.ts): inflate writes straight into each record's buffer, on this thread, only
 *   while there are credits. No chunk buffers, no copies, no garbage.
 * - streamed, where node:zlib lacks what the pulled read needs: node:zlib's stream inflates on libuv's pool,
 *   a few chunks ahead, and each chunk is checked and cut into records here. Written with 'data' events
 *   rather than an async iterator (a promise per chunk and the extra Transform of `openMember` cost as much
 *   CPU as inflate itself, bench/profile.ts). A chunk is checked and cut one microtask after its 'data'
 *   event, not in it: zlib emits 'data' from inside its callback and starts on the next chunk only after the
 *   handler returns, so work done in the handler made inflate and this thread take turns (deferred, a
 *   member's read took 0.73-0.76× the wall time, the same CPU).
 */
import v8 from 'node:v8';
import vm from 'node:vm';
import { parentPort, workerData } from 'node:worker_threads';
import { PannukeError } from '../errors.js';
import { RecordCutter } from '../npy/cutter.js';
import { RecordBuffers } from '../npy/source.js';
import { streamError, truncatedAt } from '../npy/stream-errors.js';
import type { FromReader, MemberReadJob, ToReader } from './member-thread.js';
import { MemberInflater } from './member-inflate.js';
import { MemberCheck, memberBytes } from './zip-member.js';

const port = parentPort;
if (port === null) throw new Error('member-reader.ts must run in a worker thread');
const send = (message: FromReader, transfer: ArrayBuffer[] = []) => port.postMessage(message, transfer);
const fail = (e: unknown) => {
  const error = streamError(e, job.path);
  send({ type: 'error', error: error instanceof PannukeError ? error.toJSON() : { code: 'FILE_UNREADABLE', message: String(error), file: job.path, position: undefined, hint: undefined } });
};

const job = workerData as MemberReadJob;
const buffers = new RecordBuffers(job.recordBytes);
for (const b of job.buffers ?? []) buffers.give(b);
/** The end, with this thread's unused buffers for the next member's reader. */
const sendEnd = () => {
  const spare = buffers.drain();
  send({ type: 'end', spare }, spare);
};
let credits = job.ahead;
const sendRecord = (index: number, record: Uint8Array) => {
  credits--;
  send({ type: 'record', index, buffer: record.buffer as ArrayBuffer }, [record.buffer as ArrayBuffer]);
};

/** A way to read: told each time a credit comes back. */
interface Read {
  credit(): void;
}

/** Inflates each wanted record into its own buffer, while the consumer has credits. */
function pulled(inflater: MemberInflater): Read {
  let next = 0;
  let done = false;
  const pump = () => {
    if (done) return;
    try {
      while (credits > 0 && next < job.indexes.length) {
        const index = job.indexes[next] as number;
        inflater.skip(job.dataOffset + index * job.recordBytes - inflater.position);
        const record = buffers.take();
        if (inflater.fill(record) < job.recordBytes) {
          // A length or CRC-32 that differs from the archive's says more than a short .npy.
          inflater.finish();
          throw truncatedAt(index, job.count, job.path);
        }
        next++;
        sendRecord(index, record);
      }
      if (next === job.indexes.length) {
        done = true;
        // Only now: the member was read to its end and its CRC-32 and length matched.
        inflater.finish();
        sendEnd();
      }
    } catch (e) {
      done = true;
      fail(e);
    } finally {
      if (done) inflater.close();
    }
  };
  pump();
  return { credit: pump };
}

/** Reads node:zlib's stream of the member and cuts its chunks into records. */
function streamed(): Read {
  const cutter = new RecordCutter(job.dataOffset, job.recordBytes, job.indexes, buffers);
  const check = new MemberCheck(job.member);
  // Chunks of at most 1 MiB (as NpyStream's), two of them inflated ahead.
  const bytes = memberBytes(job.member, Math.min(job.recordBytes, 1 << 20), 2, job.fd);

  /**
   * A young-generation collection every few chunks. zlib hands each chunk out in a fresh 1 MiB buffer; V8
   * frees them only when it collects, and with so few JavaScript objects made here that came only once ~64 MB
   * of them had piled up (a full collection, triggered by external memory). Collected young, the same read
   * peaks ~25 MB lower at the same CPU time (each scavenge finds almost nothing alive). `gc` is V8's own
   * function, exposed as jest's leak detector does; without it, nothing changes but the memory.
   */
  const collectYoung: (() => void) | undefined = (() => {
    try {
      v8.setFlagsFromString('--expose-gc');
      const gc = vm.runInNewContext('gc') as unknown;
      return typeof gc === 'function' ? () => (gc as (o: { type: string }) => void)({ type: 'minor' }) : undefined;
    } catch {
      return undefined;
    }
  })();
  const COLLECT_EVERY_CHUNKS = 4;
  let chunks = 0;

  /** Chunks out of inflate not yet checked and cut, oldest first. */
  const inflated: Buffer[] = [];
  let scheduled = false;
  let ended = false;
  let finished = false;

  /** Checks and cuts the chunks waiting, while the consumer has credits; pauses inflate when it has none. */
  function drain(): void {
    scheduled = false;
    while (credits > 0 && !finished) {
      const chunk = inflated.shift();
      if (chunk === undefined) break;
      check.update(chunk);
      if (++chunks % COLLECT_EVERY_CHUNKS === 0) collectYoung?.();
      cutter.push(chunk, ({ index, bytes: record }) => sendRecord(index, record));
    }
    if (credits <= 0) bytes.pause();
    else if (inflated.length === 0) {
      if (ended) finish();
      else if (bytes.isPaused()) bytes.resume();
    }
  }

  function schedule(): void {
    if (scheduled) return;
    scheduled = true;
    queueMicrotask(drain);
  }

  /** After the member's last chunk was checked and cut. */
  function finish(): void {
    if (finished) return;
    finished = true;
    try {
      // Only now: the member was read to its end and its CRC-32 and length matched.
      check.verify();
      if (!cutter.done) throw truncatedAt(cutter.index, job.count, job.path);
      sendEnd();
    } catch (e) {
      fail(e);
    }
  }

  bytes.on('data', (chunk: Buffer) => {
    inflated.push(chunk);
    schedule();
  });
  bytes.on('error', (e: unknown) => {
    finished = true;
    fail(e);
  });
  bytes.on('end', () => {
    ended = true;
    schedule();
  });
  return {
    credit: () => {
      if (credits > 0) drain();
    },
  };
}

let read: Read = { credit: () => undefined };
try {
  const inflater = job.stream === true ? undefined : MemberInflater.open(job.member, job.fd);
  read = inflater === undefined ? streamed() : pulled(inflater);
} catch (e) {
  fail(e);
}
port.on('message', (m: ToReader) => {
  if (m.type === 'recycle') buffers.give(m.buffer);
  else {
    credits++;
    read.credit();
  }
});
