/**
 * How a worker pool and its threads exchange requests so that the pool can take back a request a thread has
 * not started and give it to an idle thread (work stealing).
 *
 * Why: a pool queues up to `depth` requests per thread (64 for ingest), so that the threads keep working
 * while the main thread writes a batch and cannot send them more. When the last request has gone out, those
 * queues are all the work left, and they seldom take the same time to empty: images differ, and the thread
 * sharing a core with the main thread goes slower. One thread then finished 20–45 ms before the other, with
 * the main thread waiting for its images in order: a core idle at the end of every run (perf sched, 1×
 * ingest). With stealing, the thread that runs low takes half of the other's unstarted requests.
 *
 * The hand-over: every request carries a ticket, a slot in an Int32Array shared by the pool and its threads,
 * its own until it is answered. A thread claims the slot as it starts the request (OPEN → STARTED); the pool
 * takes a request back by claiming it first (OPEN → TAKEN), and the thread then answers TAKEN_BACK without
 * doing it. One atomic compare-and-exchange decides, so a request runs exactly once. Answers still come in
 * request order.
 */
import type { MessagePort } from 'node:worker_threads';

const OPEN = 0;
const STARTED = 1;
const TAKEN = 2;

/** What a pool posts to its threads: first the shared claims, then requests with their tickets. */
export type ToThread<Req> = { claims: SharedArrayBuffer } | { ticket: number; request: Req };

/** A thread's answer to a request the pool took back (it was done elsewhere). */
export const TAKEN_BACK = 'taken back';

/** The ticket of a request that cannot be taken back (every slot was in use when it was sent). */
export const NO_TICKET = -1;

/** The pool's side: tickets for requests, and taking back those not started. */
export class PoolClaims {
  private readonly buffer: SharedArrayBuffer;
  private readonly states: Int32Array;
  /** Slots whose request was answered (or never used): a slot is given to one unanswered request at a time. */
  private readonly free: number[];

  /** `slots`: how many requests can be claimable at once (those out when all are taken: NO_TICKET). */
  constructor(slots: number) {
    this.buffer = new SharedArrayBuffer(slots * Int32Array.BYTES_PER_ELEMENT);
    this.states = new Int32Array(this.buffer);
    this.free = Array.from({ length: slots }, (_, i) => slots - 1 - i);
  }

  /** The first message every thread of the pool gets. */
  get message(): ToThread<never> {
    return { claims: this.buffer };
  }

  /** A ticket for a request about to be posted, or NO_TICKET (it runs where it is sent, and cannot be taken back). */
  issue(): number {
    const ticket = this.free.pop();
    if (ticket === undefined) return NO_TICKET;
    Atomics.store(this.states, ticket, OPEN);
    return ticket;
  }

  /** The request with this ticket was answered (done, or skipped after it was taken back): its slot is free. */
  release(ticket: number): void {
    if (ticket !== NO_TICKET) this.free.push(ticket);
  }

  /** Takes back the request with this ticket, if its thread has not started it: the thread will skip it. */
  takeBack(ticket: number): boolean {
    return ticket !== NO_TICKET && Atomics.compareExchange(this.states, ticket, OPEN, TAKEN) === OPEN;
  }
}

/** A thread's answer to one request, with the buffers it moves to the pool. */
export interface Answer {
  response: unknown;
  transfer: ArrayBuffer[];
}

/**
 * The thread's side: handles the pool's requests one after the other, in the order they came (an
 * asynchronous `handle` is awaited before the next one starts), skipping those the pool took back.
 * `handle` must not throw: its failures are answers. If it does, the thread dies with the error, and the pool
 * reports it.
 */
export function serveRequests<Req>(port: MessagePort, handle: (request: Req) => Answer | Promise<Answer>): void {
  let states: Int32Array | undefined;
  let previous: Promise<void> = Promise.resolve();
  port.on('message', (message: ToThread<Req>) => {
    if ('claims' in message) {
      states = new Int32Array(message.claims);
      return;
    }
    previous = previous
      .then(async () => {
        if (states !== undefined && message.ticket !== NO_TICKET && Atomics.compareExchange(states, message.ticket, OPEN, STARTED) !== OPEN) {
          port.postMessage(TAKEN_BACK);
          return;
        }
        const { response, transfer } = await handle(message.request);
        port.postMessage(response, transfer);
      })
      .catch((error: unknown) => {
        // Outside the chain, so that it ends the thread ('error' on the pool's side).
        setImmediate(() => {
          throw error;
        });
      });
  });
}
