/**
 * The one scheduling loop of the staged commands (ingest, eval run, verify): a request per item on the
 * worker pool, at most `inFlight` requests out at once, and every response handed to `deliver` in the items'
 * order (one that arrives early waits for its turn), so the main thread writes results in a fixed order
 * while the workers run ahead, with bounded memory whatever the number of items. `deliver` may be
 * asynchronous (a write to a database server): deliveries never overlap, and at most 2 × `inFlight` items
 * are between request and delivery, so a slow destination holds the workers back instead of piling up
 * results (a result waiting for an earlier one does not keep a worker idle). The first failure (the items, a
 * request, a response, a delivery) stops the feeding and the deliveries; the requests already out are
 * awaited, then it is thrown.
 */
import type { WorkerPool } from './pool.js';

export interface OrderedRun<Item, Req, Res> {
  inFlight: number;
  /** The request for an item, or undefined when it needs no worker (delivered with no response). */
  request(item: Item): Req | undefined;
  deliver(item: Item, response: Res | undefined): void | Promise<void>;
  /** Called as soon as a response comes back, before its turn to be delivered (to give back what it holds). */
  arrived?(item: Item, response: Res): void;
  /** Checked before each item: true stops the feeding early (no error). */
  stop?(): boolean;
  /**
   * Called when the next item's response is not back yet, once the responses already in have been taken (a
   * turn of the event loop later): the main thread has nothing to deliver, and may use the wait.
   */
  idle?(): void;
}

export async function runOrdered<Item, Req, Res>(pool: WorkerPool<Req, Res>, items: AsyncIterable<Item> | Iterable<Item>, run: OrderedRun<Item, Req, Res>): Promise<void> {
  const ready = new Map<number, { item: Item; response: Res | undefined }>();
  let next = 0;
  let position = 0;
  /** Items requested and not yet delivered. */
  let pending = 0;
  /** Requests out on the pool. */
  let outstanding = 0;
  let failure: unknown;
  let draining = false;
  let wake: (() => void) | undefined;
  const signal = () => {
    wake?.();
    wake = undefined;
  };
  const waitForChange = () => new Promise<void>((r) => (wake = r));
  // After a long synchronous delivery, responses wait in the message queue: setImmediate runs after the
  // event loop has taken them, so `idle` is called only when the main thread really has nothing to do.
  let idleCheck = false;
  const checkIdle = () => {
    if (run.idle === undefined || idleCheck) return;
    idleCheck = true;
    setImmediate(() => {
      idleCheck = false;
      if (draining || failure !== undefined || outstanding === 0 || ready.has(next)) return;
      try {
        run.idle?.();
      } catch (e) {
        // A checkpoint that failed (a full disk): the run ends as if a delivery had failed.
        failure ??= e;
        signal();
      }
    });
  };
  // Delivers the items whose turn has come, one after the other. After a failure nothing more is delivered
  // (a later image must not be written after an earlier one failed).
  const drain = async () => {
    if (draining) return;
    draining = true;
    try {
      for (let r = ready.get(next); r !== undefined && failure === undefined; r = ready.get(next)) {
        ready.delete(next);
        next++;
        // A synchronous delivery (a SQLite write) goes on at once; only a promise is waited for.
        const delivered = run.deliver(r.item, r.response);
        if (delivered !== undefined) await delivered;
        pending--;
        signal();
      }
    } catch (e) {
      failure ??= e;
      signal();
    } finally {
      draining = false;
      signal();
      if (!ready.has(next)) checkIdle();
    }
  };
  try {
    for await (const item of items) {
      while ((outstanding >= run.inFlight || pending >= 2 * run.inFlight) && failure === undefined) await waitForChange();
      if (failure !== undefined || run.stop?.() === true) break;
      const at = position++;
      const request = run.request(item);
      pending++;
      if (request === undefined) {
        ready.set(at, { item, response: undefined });
        await drain();
        if (failure !== undefined) break;
        continue;
      }
      outstanding++;
      pool
        .run(request)
        .then((response) => {
          run.arrived?.(item, response);
          ready.set(at, { item, response });
          void drain();
        })
        .catch((e: unknown) => {
          failure ??= e;
        })
        .finally(() => {
          outstanding--;
          signal();
        });
    }
  } catch (e) {
    // The items failed (a zip member whose CRC-32 does not match, found at its end) or a request could not be
    // made: nothing more is delivered, so the responses still out cannot write after the caller's cleanup.
    failure ??= e;
  }
  // Every request back, and every item delivered (or a failure).
  while (outstanding > 0 || (failure === undefined && (pending > 0 || draining))) await waitForChange();
  if (failure !== undefined) throw failure;
}
