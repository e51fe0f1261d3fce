// A worker thread for pool.test.ts, started by WorkerPool as the thread kind '../test/pipeline/steal-worker'
// (workerEntry adds "-bootstrap.mjs"): serves requests with the real serveRequests, spends `ms` of CPU on
// each, and notes every request it did in a file, so the test can count how often each one ran.
import fs from 'node:fs';
import { parentPort, threadId } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
const { serveRequests } = await import('../../src/thread-requests.ts');
serveRequests(parentPort, ({ id, ms, log }) => {
  const end = performance.now() + ms;
  while (performance.now() < end);
  fs.appendFileSync(log, `${id} ${threadId}\n`);
  return { response: { id, threadId }, transfer: [] };
});
