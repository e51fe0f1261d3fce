/**
 * WorkerPool's work stealing, on real threads: a worker that runs low takes over the requests another has not
 * started, each request still runs exactly once, and every caller gets the answer to its own request.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { WorkerPool } from '../../src/pipeline/pool.js';
import { tempDir } from '../helpers/tmp.js';

interface Request {
  id: number;
  ms: number;
  log: string;
}
interface Response {
  id: number;
  threadId: number;
}

const dir = tempDir('pool');
// The fixture beside this file (see steal-worker-bootstrap.mjs); workerEntry resolves it from src/.
const kind = { name: '../test/pipeline/steal-worker', youngGenerationMb: 4 };

/** Which thread ran each request, from the fixture's log: every line is one run. */
function runs(log: string): Map<number, number[]> {
  const byId = new Map<number, number[]>();
  for (const line of fs.readFileSync(log, 'utf8').trim().split('\n')) {
    const [id, thread] = line.split(' ').map(Number) as [number, number];
    byId.set(id, [...(byId.get(id) ?? []), thread]);
  }
  return byId;
}

/**
 * Runs `requests` on a pool of two real threads (the fixture) and checks what must hold whatever the stealing
 * did: every caller got the answer to its own request, from the thread that ran it, and each request ran
 * exactly once. Returns which thread ran each request.
 */
async function runChecked(depth: number, requests: Omit<Request, 'log'>[], name: string): Promise<Map<number, number[]>> {
  const log = path.join(dir, `${name}.log`);
  const pool = new WorkerPool<Request, Response>(2, { depth, threads: kind });
  try {
    const answers = await Promise.all(requests.map((r) => pool.run({ ...r, log })));
    expect(answers.map((a) => a.id)).toEqual(requests.map((r) => r.id));
    const ran = runs(log);
    expect([...ran.keys()].sort((a, b) => a - b)).toEqual(requests.map((r) => r.id));
    for (const [id, threads] of ran) {
      expect(threads, `request ${id} ran ${threads.length} times`).toHaveLength(1);
      expect(answers[id]?.threadId, `request ${id}'s answer`).toBe(threads[0]);
    }
    return ran;
  } finally {
    await pool.close();
  }
}

describe('WorkerPool', () => {
  it('moves unstarted requests from a busy worker to one that ran low, and runs each exactly once', async () => {
    // The pool sends them alternately to its two workers (the least loaded first): one gets every slow
    // request (30 ms), the other every fast one (1 ms). Without stealing, one worker would run all 16 slow ones.
    const requests = Array.from({ length: 32 }, (_, id) => ({ id, ms: id % 2 === 0 ? 30 : 1 }));
    const ran = await runChecked(16, requests, 'uneven');
    const slowThreads = new Set(requests.filter((r) => r.ms === 30).map((r) => ran.get(r.id)?.[0]));
    expect(slowThreads.size).toBe(2);
  });

  it('keeps answers matched to requests when many are taken back while the workers run', async () => {
    // Uneven costs in waves, so that stealing happens again and again, racing with the workers' own starts.
    await runChecked(8, Array.from({ length: 400 }, (_, id) => ({ id, ms: (id * 7) % 13 === 0 ? 6 : (id % 5) / 5 })), 'busy');
  });

  it('never gives the claim of a request still waiting to a newer one, however many requests pass it', async () => {
    // Depth 2: the pool keeps 8 claims. The first request holds one worker for 2 s, with the next one it was
    // sent queued behind it, unstarted (too few to be worth taking); meanwhile the other worker answers
    // thousands of requests, more than any fixed ring of claims would hold. The queued request must still
    // run (once) and answer for itself.
    await runChecked(2, Array.from({ length: 5000 }, (_, id) => ({ id, ms: id === 0 ? 2000 : 0 })), 'stuck');
  });
});
