/**
 * bench/measure.py: the kernel's accounting of a reaped child (wait4), which the bench's "cores used" rests on.
 * Checked against what the child itself knows: a busy loop of known length on two threads.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const PYTHON = '/usr/bin/python3';
const MEASURE = path.resolve(import.meta.dirname, '../../bench/measure.py');
const hasPython = fs.existsSync(PYTHON);
if (!hasPython) console.warn('skipped: bench/measure.py needs /usr/bin/python3');

const run = (code: string) => spawnSync(PYTHON, [MEASURE, process.execPath, '-e', code], { encoding: 'utf8' });
const fields = (stderr: string) => Object.fromEntries([...stderr.matchAll(/BENCH_(\w+)=(\d+)/g)].map((m) => [m[1], Number(m[2])]));

describe.skipIf(!hasPython)('bench/measure.py', () => {
  it('counts every thread and the teardown: at least the CPU the child saw itself, at most cores × wall', () => {
    // A worker thread and the main thread each spin 300 ms; the child reports its own CPU time at 'exit'.
    const code = `const { Worker } = require('node:worker_threads');
      const spin = 'const t = Date.now(); while (Date.now() - t < 300);';
      new Worker(spin, { eval: true }).on('exit', () => {});
      eval(spin);
      process.on('exit', () => { const u = process.resourceUsage(); console.log(u.userCPUTime + u.systemCPUTime, u.maxRSS); });`;
    const r = run(code);
    expect(r.status, r.stderr).toBe(0);
    const [selfCpuUs, selfRssKb] = r.stdout.trim().split(' ').map(Number) as [number, number];
    const m = fields(r.stderr);
    expect(selfCpuUs).toBeGreaterThan(550_000);
    expect(m.CPU_US).toBeGreaterThanOrEqual(selfCpuUs);
    expect(m.CPU_US).toBeLessThanOrEqual(2 * (m.WALL_US as number) * 1.02);
    expect(m.WALL_US).toBeGreaterThanOrEqual(300_000);
    expect(m.MAX_RSS_KB).toBeGreaterThanOrEqual(selfRssKb);
  });

  it("passes the command's output and exit code through", () => {
    const r = run("process.stdout.write('out'); process.stderr.write('err'); process.exit(3)");
    expect([r.status, r.stdout, r.stderr.startsWith('err\nBENCH_WALL_US=')]).toEqual([3, 'out', true]);
  });
});
