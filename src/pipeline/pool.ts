/**
 * A fixed pool of worker threads scheduled by p-queue (extraction for ingest, evaluation for eval). Each
 * worker holds up to `depth` requests (it handles them in order), so it starts the next image while the main
 * thread is still collecting the last result; p-queue's concurrency (size × depth) bounds the work in flight.
 */
import type { Worker } from 'node:worker_threads';
import PQueue from 'p-queue';
import { PannukeError } from '../errors.js';
import type { ExtractRequest, ExtractResponse } from './protocol.js';
import { startThread, takeEarly, THREADS, type ThreadKind } from '../worker-threads.js';

interface Pending<Res> {
  resolve: (r: Res) => void;
  reject: (e: Error) => void;
}

interface Slot<Res> {
  worker: Worker;
  /** Requests sent and not yet answered, oldest first (a worker answers in order). */
  pending: Pending<Res>[];
}

export class WorkerPool<Req = ExtractRequest, Res = ExtractResponse> {
  readonly size: number;
  readonly depth: number;
  private readonly queue: PQueue;
  private readonly slots: Slot<Res>[] = [];
  private readonly transferOf: (request: Req) => ArrayBuffer[];
  private failure: Error | undefined;
  private closing = false;
  private closed: Promise<void> | undefined;

  /** `transfer` lists the buffers of a request to move (not copy) to the worker. */
  constructor(size: number, options: { depth?: number; threads?: ThreadKind; transfer?: (request: Req) => ArrayBuffer[] } = {}) {
    const depth = options.depth ?? 2;
    this.size = size;
    this.depth = depth;
    this.transferOf = options.transfer ?? (() => []);
    const kind = options.threads ?? THREADS.extraction;
    // Threads the CLI started before it loaded this code (worker-threads.ts), or new ones.
    const threads = takeEarly(kind, size);
    this.queue = new PQueue({ concurrency: size * depth });
    for (let i = 0; i < size; i++) {
      const slot: Slot<Res> = { worker: threads?.[i] ?? startThread(kind), pending: [] };
      slot.worker.on('message', (response: Res) => slot.pending.shift()?.resolve(response));
      const die = (error: Error) => {
        if (this.closing) return;
        this.failure ??= new PannukeError('WORKER', `extraction worker stopped: ${error.message}`, { cause: error });
        for (const p of slot.pending.splice(0)) p.reject(this.failure);
      };
      slot.worker.on('error', die);
      slot.worker.on('exit', (code) => {
        if (code !== 0) die(new Error(`exit code ${code}`));
      });
      this.slots.push(slot);
    }
  }

  /** Runs one request (one image) on the least busy worker. */
  run(request: Req): Promise<Res> {
    return this.queue.add(
      () =>
        new Promise<Res>((resolve, reject) => {
          if (this.failure !== undefined) return reject(this.failure);
          const slot = this.slots.reduce((a, b) => (b.pending.length < a.pending.length ? b : a));
          slot.pending.push({ resolve, reject });
          slot.worker.postMessage(request, this.transferOf(request));
        }),
    ) as Promise<Res>;
  }

  /** Ends the threads. Idempotent: whoever is done with the pool first may close it, and its owner again. */
  close(): Promise<void> {
    this.closed ??= (async () => {
      this.closing = true;
      this.queue.clear();
      await Promise.all(this.slots.map((s) => s.worker.terminate()));
    })();
    return this.closed;
  }
}
