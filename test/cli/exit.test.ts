// A finished command ends the process at once (src/cli/exit.ts), but not while anything is pending: output
// queued for a pipe, a timer. End to end, a reader slower than the command still gets every byte, and the
// exit code is the command's.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { exitIfIdle, idleBaseline } from '../../src/cli/exit.js';
import { exitOf } from '../helpers/child.js';
import { writeTinyFold } from '../helpers/folds.js';
import { tempDir } from '../helpers/tmp.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const ENTRY = path.join(ROOT, 'src', 'cli', 'entry.ts');

afterEach(() => {
  vi.restoreAllMocks();
});

describe('exitIfIdle', () => {
  it('ends the process when nothing is pending, and leaves it be while a timer is', () => {
    const exit = vi.spyOn(process, 'exit').mockImplementation((() => undefined) as never);
    const baseline = idleBaseline();
    exitIfIdle(baseline);
    expect(exit).toHaveBeenCalledTimes(1);
    const timer = setTimeout(() => undefined, 10_000);
    try {
      exitIfIdle(baseline);
      expect(exit).toHaveBeenCalledTimes(1);
    } finally {
      clearTimeout(timer);
    }
  });

  it('leaves the process be while output waits for a pipe', () => {
    const exit = vi.spyOn(process, 'exit').mockImplementation((() => undefined) as never);
    const baseline = idleBaseline();
    vi.spyOn(process.stdout, 'writableLength', 'get').mockReturnValue(65_536);
    exitIfIdle(baseline);
    expect(exit).not.toHaveBeenCalled();
  });
});

describe('the pannuke process', () => {
  it('writes every line to a slow reader (a pipe kept full)', async () => {
    const dir = tempDir('exit');
    writeTinyFold(dir, 1, 'flat');
    const db = path.join(dir, 'db.sqlite');
    const ingest = spawn(process.execPath, ['--import', 'tsx', ENTRY, 'ingest', dir, '--db', db], { cwd: ROOT, stdio: 'ignore' });
    expect((await exitOf(ingest)).code).toBe(0);
    // ~1.3 MB of output: far more than a pipe holds, so the process still has bytes queued when the command ends.
    const rows = 200_000;
    const child = spawn(process.execPath, ['--import', 'tsx', ENTRY, 'query', '--db', db, '--format', 'csv',
      `WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < ${rows}) SELECT x FROM c`], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.pause();
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    // Not read until the command has had ample time to finish writing into its own queue.
    await new Promise((r) => setTimeout(r, 3000));
    const chunks: Buffer[] = [];
    // Then slowly: the command's last chunks find the pipe full, and wait in its queue.
    child.stdout.on('data', (d: Buffer) => {
      chunks.push(d);
      child.stdout.pause();
      setTimeout(() => child.stdout.resume(), 20);
    });
    child.stdout.resume();
    const [{ code }] = await Promise.all([exitOf(child), new Promise((r) => child.stdout.once('end', r))]);
    expect(code, err).toBe(0);
    const lines = Buffer.concat(chunks).toString().trimEnd().split(/\r?\n/);
    expect(lines).toHaveLength(rows + 1);
    expect(lines.at(-1)).toBe(String(rows));
  }, 60_000);
});
