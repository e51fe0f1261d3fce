/**
 * A fixed pool of extraction workers scheduled by p-queue: at most one request per worker at a time, so
 * the queue's concurrency is the pool size and memory in flight stays bounded by the caller.
 */
import { Worker } from 'node:worker_threads';
import PQueue from 'p-queue';
import { PannukeError } from '../errors.js';
import type { ExtractRequest, ExtractResponse } from './protocol.js';

/** dist/ runs worker.js; TypeScript sources (tests, tsx) need the bootstrap that registers tsx. */
function workerEntry(): URL {
  const fromSource = import.meta.url.endsWith('.ts');
  return new URL(fromSource ? './worker-bootstrap.mjs' : './worker.js', import.meta.url);
}

interface Slot {
  worker: Worker;
  settle: { resolve: (r: ExtractResponse) => void; reject: (e: Error) => void } | undefined;
}

export class WorkerPool {
  readonly size: number;
  private readonly queue: PQueue;
  private readonly idle: Slot[] = [];
  private readonly slots: Slot[] = [];
  private failure: Error | undefined;
  private closing = false;

  constructor(size: number) {
    this.size = size;
    this.queue = new PQueue({ concurrency: size });
    for (let i = 0; i < size; i++) {
      const slot: Slot = { worker: new Worker(workerEntry()), settle: undefined };
      slot.worker.on('message', (response: ExtractResponse) => {
        const settle = slot.settle;
        slot.settle = undefined;
        this.idle.push(slot);
        settle?.resolve(response);
      });
      const die = (error: Error) => {
        if (this.closing) return;
        this.failure ??= new PannukeError('WORKER', `extraction worker stopped: ${error.message}`, { cause: error });
        slot.settle?.reject(this.failure);
        slot.settle = undefined;
      };
      slot.worker.on('error', die);
      slot.worker.on('exit', (code) => {
        if (code !== 0) die(new Error(`exit code ${code}`));
      });
      this.slots.push(slot);
      this.idle.push(slot);
    }
  }

  /** Extracts one image on the next free worker. */
  run(request: ExtractRequest): Promise<ExtractResponse> {
    return this.queue.add(
      () =>
        new Promise<ExtractResponse>((resolve, reject) => {
          if (this.failure !== undefined) return reject(this.failure);
          const slot = this.idle.pop() as Slot;
          slot.settle = { resolve, reject };
          slot.worker.postMessage(request);
        })
    ) as Promise<ExtractResponse>;
  }

  async close(): Promise<void> {
    this.closing = true;
    this.queue.clear();
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }
}
