/**
 * The one scheduling loop of the staged commands (ingest, eval run, verify): a request per item on the
 * worker pool, at most `inFlight` out at once, and every response handed to `deliver` in the items' order (one
 * that arrives early waits for its turn), so the main thread writes results in a fixed order while the workers
 * run ahead, with bounded memory whatever the number of items. The first failure (a request, a response,
 * a delivery) stops the feeding; the requests already out are awaited, then it is thrown.
 */
import type { WorkerPool } from './pool.js';

export interface OrderedRun<Item, Req, Res> {
  inFlight: number;
  /** The request for an item, or undefined when it needs no worker (delivered with no response). */
  request(item: Item): Req | undefined;
  deliver(item: Item, response: Res | undefined): void;
  /** Checked before each item: true stops the feeding early (no error). */
  stop?(): boolean;
}

export async function runOrdered<Item, Req, Res>(pool: WorkerPool<Req, Res>, items: AsyncIterable<Item> | Iterable<Item>, run: OrderedRun<Item, Req, Res>): Promise<void> {
  const ready = new Map<number, { item: Item; response: Res | undefined }>();
  let next = 0;
  let position = 0;
  let pending = 0;
  let failure: unknown;
  let wake: (() => void) | undefined;
  const drain = () => {
    // After a failure nothing more is delivered (a later image must not be written after an earlier one failed).
    if (failure !== undefined) return;
    for (let r = ready.get(next); r !== undefined; r = ready.get(next)) {
      ready.delete(next);
      next++;
      run.deliver(r.item, r.response);
    }
  };
  for await (const item of items) {
    while (pending >= run.inFlight && failure === undefined) await new Promise<void>((r) => (wake = r));
    if (failure !== undefined || run.stop?.() === true) break;
    const at = position++;
    let request: Req | undefined;
    try {
      request = run.request(item);
      if (request === undefined) {
        ready.set(at, { item, response: undefined });
        drain();
        if (failure !== undefined) break;
        continue;
      }
    } catch (e) {
      failure ??= e;
      break;
    }
    pending++;
    pool
      .run(request)
      .then((response) => {
        ready.set(at, { item, response });
        try {
          drain();
        } catch (e) {
          failure ??= e;
        }
      })
      .catch((e: unknown) => {
        failure ??= e;
      })
      .finally(() => {
        pending--;
        wake?.();
        wake = undefined;
      });
  }
  while (pending > 0) await new Promise<void>((r) => (wake = r));
  if (failure !== undefined) throw failure;
}
