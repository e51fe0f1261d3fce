// The compute threads run below the main thread: on Linux nice is per thread, so lowering one worker's must
// leave the main thread's (and the process's) as it was. Checked from inside real worker threads, through the
// kernel's own per-thread record (/proc/self/task/<tid>/stat) as well as libuv's getPriority.
import fs from 'node:fs';
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { WORKER_NICE } from '../../src/thread-priority.js';

/** The nice value of every thread of this process, from the kernel (field 19 of each task's stat). */
function threadNices(): number[] {
  return fs.readdirSync('/proc/self/task').map((tid) => {
    const stat = fs.readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
  });
}

describe.runIf(process.platform === 'linux')('worker thread priority', () => {
  it(`lowers only the calling thread, by ${WORKER_NICE}`, async () => {
    const main = os.getPriority(0);
    const before = threadNices();
    const workers = [0, 1].map(() => new Worker(new URL('./priority-worker.mjs', import.meta.url)));
    try {
      const seen = await Promise.all(workers.map((w) => new Promise<number>((resolve, reject) => { w.once('message', resolve); w.once('error', reject); })));
      expect(seen).toEqual([Math.min(19, main + WORKER_NICE), Math.min(19, main + WORKER_NICE)]);
      expect(os.getPriority(0)).toBe(main);
      expect(os.getPriority(process.pid)).toBe(main);
      // The kernel sees exactly two threads more at the lowered value, and none of the others changed.
      const after = threadNices();
      expect(after.filter((n) => n === main + WORKER_NICE).length - before.filter((n) => n === main + WORKER_NICE).length).toBe(2);
      expect(after.filter((n) => n === main).length).toBeGreaterThanOrEqual(before.filter((n) => n === main).length);
    } finally {
      for (const w of workers) w.postMessage('end');
      await Promise.all(workers.map((w) => new Promise((r) => w.once('exit', r))));
    }
  });
});
