// The scheduling loop of ingest, verify and eval: results are delivered in order, and nothing is delivered
// once something failed. The pool here is a stand-in with the one method runOrdered uses (answers come back
// after a delay, out of order), so that the order of events can be checked exactly.
import { describe, expect, it } from 'vitest';
import { runOrdered } from '../../src/pipeline/ordered.js';
import type { WorkerPool } from '../../src/pipeline/pool.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Answers request n after a delay that varies, so later requests often come back first. */
const slowPool = { run: async (n: number) => (await sleep(5 + ((n * 7) % 11)), n * 10) } as unknown as WorkerPool<number, number>;

describe('runOrdered', () => {
  it('delivers every response in the order of the items, whatever order they come back in', async () => {
    const delivered: [number, number | undefined][] = [];
    await runOrdered(slowPool, Array.from({ length: 40 }, (_, i) => i), {
      inFlight: 6,
      request: (n) => n,
      deliver: (n, response) => void delivered.push([n, response]),
    });
    expect(delivered).toEqual(Array.from({ length: 40 }, (_, i) => [i, i * 10]));
  });

  it('items that fail after some are out (a zip member failing its CRC-32 at its end): nothing is delivered after the failure', async () => {
    const delivered: number[] = [];
    let failedAt = Number.NaN;
    const items = (async function* () {
      for (let i = 0; i < 20; i++) yield i;
      failedAt = performance.now();
      throw new Error('CRC-32 mismatch');
    })();
    const deliveredAt: number[] = [];
    await expect(runOrdered(slowPool, items, {
      inFlight: 6,
      request: (n) => n,
      deliver: (n) => {
        delivered.push(n);
        deliveredAt.push(performance.now());
      },
    })).rejects.toThrow('CRC-32 mismatch');
    await sleep(60); // every answer still out has come back by now
    // Before the fix the loop threw at once and the answers still out were delivered after it: a batch of
    // rows committed after ingest had rolled its run back.
    expect(deliveredAt.every((t) => t <= failedAt)).toBe(true);
    expect(delivered).toEqual(Array.from({ length: delivered.length }, (_, i) => i));
    expect(delivered.length).toBeLessThan(20);
  });

  it('a delivery that fails stops the feeding; the requests out are awaited before it is thrown', async () => {
    let out = 0;
    let maxOut = 0;
    const pool = { run: async (n: number) => { out++; maxOut = Math.max(maxOut, out); await sleep(5); out--; return n; } } as unknown as WorkerPool<number, number>;
    await expect(runOrdered(pool, Array.from({ length: 100 }, (_, i) => i), {
      inFlight: 4,
      request: (n) => n,
      deliver: (n) => {
        if (n === 10) throw new Error('bad image 10');
      },
    })).rejects.toThrow('bad image 10');
    expect(out).toBe(0);
    expect(maxOut).toBeLessThanOrEqual(4);
  });

  it('idle is called only while the next response is still out, never during a delivery', async () => {
    const arrived = new Set<number>();
    let next = 0;
    let delivering = false;
    const calls: { next: number; wasIn: boolean; during: boolean }[] = [];
    await runOrdered(slowPool, Array.from({ length: 40 }, (_, i) => i), {
      inFlight: 6,
      request: (n) => n,
      arrived: (n) => void arrived.add(n),
      // Every fourth delivery is asynchronous (a batch written to a server): idle must wait for it.
      deliver: async (n) => {
        delivering = true;
        if (n % 4 === 3) await sleep(3);
        next = n + 1;
        delivering = false;
      },
      idle: () => void calls.push({ next, wasIn: arrived.has(next), during: delivering }),
    });
    expect(calls.length).toBeGreaterThan(0);
    expect(calls.filter((c) => c.wasIn || c.during)).toEqual([]);
  });

  it('an idle that fails (a checkpoint on a full disk) ends the run like a failed delivery', async () => {
    let out = 0;
    const delivered: number[] = [];
    let failedAt = Number.NaN;
    const deliveredAt: number[] = [];
    const pool = { run: async (n: number) => { out++; await sleep(4 + (n % 3)); out--; return n; } } as unknown as WorkerPool<number, number>;
    let idles = 0;
    await expect(runOrdered(pool, Array.from({ length: 100 }, (_, i) => i), {
      inFlight: 4,
      request: (n) => n,
      deliver: (n) => {
        delivered.push(n);
        deliveredAt.push(performance.now());
      },
      idle: () => {
        if (++idles === 3) {
          failedAt = performance.now();
          throw new Error('SQLITE_FULL: database or disk is full');
        }
      },
    })).rejects.toThrow('SQLITE_FULL');
    expect(out).toBe(0);
    expect(deliveredAt.every((t) => t <= failedAt)).toBe(true);
    expect(delivered.length).toBeLessThan(100);
  });
});
