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
 * The hand-over: every request carries a ticket, a slot in an Int32Array shared by the pool and its threads.
 * A thread claims the slot as it starts the request (OPEN → STARTED); the pool takes a request back by
 * claiming it first (OPEN → TAKEN), and the thread then answers TAKEN_BACK without doing it. One atomic
 * compare-and-exchange decides, so a request runs exactly once. Answers still come in request order.
 */
import type { MessagePort } from 'node:worker_threads';

/** Slots, a power of two: more than a pool's requests unanswered at once (PoolClaims checks). */
const SLOTS = 1 << 12;
const OPEN = 0;
const STARTED = 1;
const TAKEN = 2;

/** What a pool posts to its threads: first the shared claims, then requests with their tickets. */
export type ToThread<Req> = { claims: SharedArrayBuffer } | { ticket: number; request: Req };

/** A thread's answer to a request the pool took back (it was done elsewhere). */
export const TAKEN_BACK = 'taken back';

/** The pool's side: tickets for requests, and taking back those not started. */
export class PoolClaims {
  private readonly buffer = new SharedArrayBuffer(SLOTS * Int32Array.BYTES_PER_ELEMENT);
  private readonly states = new Int32Array(this.buffer);
  private next = 0;

  /**
   * `unanswered`: the most requests that can be out at once, taken back ones included. A slot is used again
   * after SLOTS tickets, by when its request must have been answered.
   */
  constructor(unanswered: number) {
    if (unanswered >= SLOTS) throw new Error(`a pool with ${unanswered} requests out at once needs more than ${SLOTS} claim slots`);
  }

  /** The first message every thread of the pool gets. */
  get message(): ToThread<never> {
    return { claims: this.buffer };
  }

  /** A ticket for a request about to be posted. */
  issue(): number {
    const ticket = this.next;
    this.next = (this.next + 1) & (SLOTS - 1);
    Atomics.store(this.states, ticket, OPEN);
    return ticket;
  }

  /** Takes back the request with this ticket, if its thread has not started it: the thread will skip it. */
  takeBack(ticket: number): boolean {
    return Atomics.compareExchange(this.states, ticket, OPEN, TAKEN) === OPEN;
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
        if (states !== undefined && Atomics.compareExchange(states, message.ticket, OPEN, STARTED) !== OPEN) {
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
