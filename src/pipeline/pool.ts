/**
 * A fixed pool of extraction workers scheduled by p-queue. Each worker holds up to `depth` requests (it
 * handles them in order), so it starts the next image while the main thread is still collecting the last
 * result; p-queue's concurrency (size × depth) bounds the work in flight.
 */
import { Worker } from 'node:worker_threads';
import PQueue from 'p-queue';
import { PannukeError } from '../errors.js';
import type { ExtractRequest, ExtractResponse } from './protocol.js';

/**
 * dist/ runs the bundled worker.js; TypeScript sources (tests, tsx) need the bootstrap that registers tsx.
 * The URL climbs out of this module's folder because in dist/ this code is part of dist/cli/entry.js.
 */
function workerEntry(): URL {
  const fromSource = import.meta.url.endsWith('.ts');
  return new URL(fromSource ? '../pipeline/worker-bootstrap.mjs' : '../pipeline/worker.js', import.meta.url);
}

interface Pending {
  resolve: (r: ExtractResponse) => void;
  reject: (e: Error) => void;
}

interface Slot {
  worker: Worker;
  /** Requests sent and not yet answered, oldest first (a worker answers in order). */
  pending: Pending[];
}

export class WorkerPool {
  readonly size: number;
  readonly depth: number;
  private readonly queue: PQueue;
  private readonly slots: Slot[] = [];
  private failure: Error | undefined;
  private closing = false;

  constructor(size: number, depth = 2) {
    this.size = size;
    this.depth = depth;
    this.queue = new PQueue({ concurrency: size * depth });
    for (let i = 0; i < size; i++) {
      const slot: Slot = { worker: new Worker(workerEntry(), { resourceLimits: { maxYoungGenerationSizeMb: 4 } } /* a small nursery: ~25 MB less RSS, same speed */), pending: [] };
      slot.worker.on('message', (response: ExtractResponse) => slot.pending.shift()?.resolve(response));
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

  /** Extracts one image on the least busy worker. */
  run(request: ExtractRequest): Promise<ExtractResponse> {
    return this.queue.add(
      () =>
        new Promise<ExtractResponse>((resolve, reject) => {
          if (this.failure !== undefined) return reject(this.failure);
          const slot = this.slots.reduce((a, b) => (b.pending.length < a.pending.length ? b : a));
          slot.pending.push({ resolve, reject });
          slot.worker.postMessage(request, 'buffer' in request.record ? [request.record.buffer] : []);
        }),
    ) as Promise<ExtractResponse>;
  }

  async close(): Promise<void> {
    this.closing = true;
    this.queue.clear();
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }
}
