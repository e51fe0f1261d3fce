// A worker thread for priority.test.ts: lowers itself with the real module (TypeScript, through tsx), reports
// its priority as libuv reads it, and waits to be ended.
import os from 'node:os';
import { parentPort } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
const { yieldToMainThread } = await import('../../src/thread-priority.ts');
yieldToMainThread();
parentPort.postMessage(os.getPriority(0));
parentPort.on('message', () => process.exit(0));
