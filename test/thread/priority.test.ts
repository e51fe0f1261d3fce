// The compute threads run below the main thread: on Linux nice is per thread, so lowering one worker's must
// leave the main thread's (and the process's) as it was. Checked from inside real worker threads, through the
// kernel's own per-thread record (/proc/self/task/<tid>/stat) as well as libuv's getPriority; then in the real
// CLI, whose every compute thread must be lowered (a worker module that stopped calling it would fail).
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { WORKER_NICE } from '../../src/thread-priority.js';
import { exitOf, spawnCli } from '../helpers/child.js';
import { cli } from '../helpers/cohort.js';
import { tempDir } from '../helpers/tmp.js';

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

/** The most threads of process `pid` seen at once at `nice`, polled until it exits. */
async function threadsAt(child: ChildProcess, nice: number): Promise<{ most: number; main: number }> {
  let most = 0;
  let main = Number.NaN;
  const niceOf = (stat: string) => Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
  while (child.exitCode === null && child.signalCode === null) {
    try {
      main = niceOf(fs.readFileSync(`/proc/${child.pid}/stat`, 'utf8'));
      const nices = fs.readdirSync(`/proc/${child.pid}/task`).map((tid) => niceOf(fs.readFileSync(`/proc/${child.pid}/task/${tid}/stat`, 'utf8')));
      most = Math.max(most, nices.filter((n) => n === main + nice).length);
    } catch {
      // A thread (or the process) ended between the listing and the read.
    }
    await new Promise((r) => setTimeout(r, 2));
  }
  return { most, main };
}

describe.runIf(process.platform === 'linux')('through the real CLI', () => {
  it('ingest and eval run: their two compute threads run lowered, the main thread does not', async () => {
    const dir = tempDir('priority');
    const data = path.join(dir, 'data');
    expect((await cli('synth', data, '--images-per-fold', '40', '--seed', '5')).code).toBe(0);
    const pred = path.join(dir, 'pred');
    expect((await cli('synth', pred, '--prediction-of', data, '--fold', '1', '--seed', '6')).code).toBe(0);
    const db = path.join(dir, 'db.sqlite');
    const ingest = spawnCli(['ingest', data, '--db', db, '--workers', '2']);
    const seen = await threadsAt(ingest, WORKER_NICE);
    expect((await exitOf(ingest)).code, ingest.output().err).toBe(0);
    expect(seen.most).toBe(2);
    const evaluate = spawnCli(['eval', 'run', pred, '--db', db, '--name', 'p', '--fold', '1', '--workers', '2']);
    const seenEval = await threadsAt(evaluate, WORKER_NICE);
    expect((await exitOf(evaluate)).code, evaluate.output().err).toBe(0);
    expect(seenEval.most).toBe(2);
    expect(seenEval.main).toBe(os.getPriority(0)); // the main thread as it was started
  }, 120_000);
});
