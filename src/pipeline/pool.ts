/**
 * A fixed pool of worker threads scheduled by p-queue (extraction for ingest, evaluation for eval). Each
 * worker holds up to `depth` requests (it handles them in order), so it starts the next image while the main
 * thread is still collecting the last result; p-queue's concurrency (size × depth) bounds the work in flight.
 * A worker that runs low takes back half of the busiest one's unstarted requests (thread-requests.ts), so
 * that the queues left when the last request went out end together.
 */
import type { Worker } from 'node:worker_threads';
import PQueue from 'p-queue';
import { PannukeError } from '../errors.js';
import type { ExtractRequest, ExtractResponse } from './protocol.js';
import { startThread, takeEarly, THREADS, type ThreadKind } from '../worker-threads.js';
import { PoolClaims, TAKEN_BACK, type ToThread } from '../thread-requests.js';

interface Pending<Req, Res> {
  ticket: number;
  /** The request, while another worker may take it over (it moves no buffers); undefined otherwise. */
  request: Req | undefined;
  /** Taken back for another worker: this one answers TAKEN_BACK. */
  takenBack: boolean;
  resolve: (r: Res) => void;
  reject: (e: Error) => void;
}

interface Slot<Req, Res> {
  worker: Worker;
  /** Requests sent and not yet answered, oldest first (a worker answers in order). */
  pending: Pending<Req, Res>[];
}

/** The requests a worker still has to do: those not taken back (a queue is at most `depth` long). */
const load = <Req, Res>(slot: Slot<Req, Res>) => slot.pending.reduce((n, p) => (p.takenBack ? n : n + 1), 0);
/** Fewer than this many more requests on the busiest worker than on the one answering: no stealing. */
const STEAL_GAP = 4;

export class WorkerPool<Req = ExtractRequest, Res = ExtractResponse> {
  readonly size: number;
  readonly depth: number;
  private readonly queue: PQueue;
  private readonly slots: Slot<Req, Res>[] = [];
  private readonly claims: PoolClaims;
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
    // Every request in flight, and as many taken back and not yet skipped (beyond that: NO_TICKET).
    this.claims = new PoolClaims(2 * size * depth);
    for (let i = 0; i < size; i++) {
      const slot: Slot<Req, Res> = { worker: threads?.[i] ?? startThread(kind), pending: [] };
      slot.worker.postMessage(this.claims.message);
      slot.worker.on('message', (response: Res | typeof TAKEN_BACK) => {
        const answered = slot.pending.shift();
        if (answered !== undefined) this.claims.release(answered.ticket);
        if (answered?.takenBack === true) return;
        answered?.resolve(response as Res);
        this.balance(slot);
      });
      const die = (error: Error) => {
        if (this.closing) return;
        this.failure ??= new PannukeError('WORKER', `extraction worker stopped: ${error.message}`, { cause: error });
        for (const p of slot.pending.splice(0)) {
          this.claims.release(p.ticket);
          p.reject(this.failure);
        }
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
          const slot = this.slots.reduce((a, b) => (load(b) < load(a) ? b : a));
          const transfer = this.transferOf(request);
          this.post(slot, { ticket: this.claims.issue(), request: transfer.length === 0 ? request : undefined, takenBack: false, resolve, reject }, request, transfer);
        }),
    ) as Promise<Res>;
  }

  private post(slot: Slot<Req, Res>, pending: Pending<Req, Res>, request: Req, transfer: ArrayBuffer[] = []): void {
    slot.pending.push(pending);
    slot.worker.postMessage({ ticket: pending.ticket, request } satisfies ToThread<Req>, transfer);
  }

  /**
   * Called as `thief` answers: if the busiest worker has STEAL_GAP or more requests more, half the difference
   * moves from the end of its queue (those it has not started) to the end of the thief's.
   */
  private balance(thief: Slot<Req, Res>): void {
    if (this.closing || this.failure !== undefined) return;
    const victim = this.slots.reduce((a, b) => (load(b) > load(a) ? b : a));
    if (load(victim) - load(thief) < STEAL_GAP) return;
    let wanted = Math.floor((load(victim) - load(thief)) / 2);
    const moved: Pending<Req, Res>[] = [];
    // The oldest one is being done; newer ones are started only after it.
    for (let i = victim.pending.length - 1; i > 0 && wanted > 0; i--) {
      const p = victim.pending[i] as Pending<Req, Res>;
      if (p.takenBack) continue;
      if (p.request === undefined || !this.claims.takeBack(p.ticket)) break;
      victim.pending[i] = { ticket: p.ticket, request: undefined, takenBack: true, resolve: () => undefined, reject: () => undefined };
      moved.push(p);
      wanted--;
    }
    for (const p of moved.reverse()) this.post(thief, { ...p, ticket: this.claims.issue() }, p.request as Req);
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
