/**
 * Runs one user query in a process of its own (runner.ts) and streams its formatted rows to `out`, with
 * backpressure. Bounded three ways: a statement timeout, Ctrl-C (both end the process at once, mid
 * statement), and caps on the runner's temporary files (SQLite's sorts and spills; the kernel's RLIMIT_FSIZE
 * via util-linux's prlimit, where present) and on its JavaScript heap.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { PannukeError } from '../errors.js';
import type { TextOut } from '../export/text.js';
import { onInterrupt } from '../interrupt.js';
import type { QueryReply, QueryRequest } from './protocol.js';

export interface QueryLimits {
  timeoutMs: number;
  /** Largest temporary file SQLite may write, in bytes. */
  maxTempBytes: number;
}

const PRLIMIT = '/usr/bin/prlimit';

/** dist/ runs the bundled runner.js; TypeScript sources (tests, tsx) the bootstrap that registers tsx. */
function runnerEntry(): string {
  const fromSource = import.meta.url.endsWith('.ts');
  return new URL(fromSource ? '../query/runner-bootstrap.mjs' : '../query/runner.js', import.meta.url).pathname;
}

export function runQueryIsolated(request: QueryRequest, out: TextOut, limits: QueryLimits): Promise<void> {
  const node = [process.execPath, '--max-old-space-size=512', runnerEntry(), JSON.stringify(request)];
  const [command, ...args] = fs.existsSync(PRLIMIT) ? [PRLIMIT, `--fsize=${limits.maxTempBytes}`, ...node] : node;
  const child = spawn(command as string, args, { stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
  const unregister = onInterrupt(() => child.kill('SIGKILL'));
  let reply: QueryReply | undefined;
  let stderr = '';
  let timedOut = false;
  child.on('message', (m: QueryReply) => (reply = m));
  child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  child.stdout?.on('data', (chunk: Buffer) => {
    if (out.write(chunk.toString()) === false && out.once !== undefined) {
      child.stdout?.pause();
      out.once('drain', () => child.stdout?.resume());
    }
  });
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
  }, limits.timeoutMs);
  return new Promise<void>((resolve, reject) => {
    child.on('error', (e) => reject(new PannukeError('QUERY', `cannot start the query process: ${e.message}`, { file: request.db })));
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      unregister();
      if (timedOut) {
        return reject(new PannukeError('QUERY', `the query ran longer than the --timeout of ${limits.timeoutMs / 1000} s and was stopped`, { file: request.db, hint: 'raise --timeout, or ask for less (a LIMIT, a narrower WHERE)' }));
      }
      if (signal === 'SIGXFSZ') {
        return reject(new PannukeError('QUERY', `the query needed more than ${Math.round(limits.maxTempBytes / 1e6)} MB of temporary storage and was stopped`, { file: request.db, hint: 'raise --max-temp-mb, or sort or group less at once' }));
      }
      if (reply?.ok === false) {
        const error = PannukeError.fromJSON(reply.error);
        return reject(reply.internal === true ? new Error(error.message) : error);
      }
      if (code === 0 && reply?.ok === true) return resolve();
      const memory = /heap out of memory|Allocation failed/i.test(stderr);
      reject(new PannukeError('QUERY', memory ? 'the query needed more memory than its 512 MB budget' : `the query process ended unexpectedly (${signal ?? `exit code ${code}`})`, {
        file: request.db, hint: memory ? 'ask for fewer or smaller rows at once' : 'run it again; if it repeats, please report it',
      }));
    });
  });
}
