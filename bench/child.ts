/**
 * A command of the built CLI in a child process, with the wall time, CPU time (every thread) and peak RSS it
 * used: from the kernel's accounting when the child is reaped (bench/measure.py: wait4), or, without Debian's
 * python3, from the child itself in its 'exit' event (bench/rusage.mjs: misses Node's teardown and adds the
 * preload's start, ~25 ms of a 1 s run between them).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const PYTHON = '/usr/bin/python3';

/** How the figures are taken, for the results' notes. */
export const MEASURED_BY = fs.existsSync(PYTHON)
  ? "the kernel's accounting of the reaped child process (wait4, bench/measure.py): every thread, Node's start and teardown included"
  : "the child process itself at its 'exit' event (bench/rusage.mjs; no /usr/bin/python3 for wait4): Node's teardown not included";

export interface Measured {
  stdout: string;
  stderr: string;
  seconds: number;
  cpuSeconds: number;
  rssMb: number;
}

const field = (stderr: string, name: string): number => Number(new RegExp(`${name}=(\\d+)`).exec(stderr)?.[1] ?? Number.NaN);

/** Runs `pannuke <args…>` (in `env`, by default the bench's own); throws with its standard error when it fails. */
export function measuredCli(args: readonly string[], env: NodeJS.ProcessEnv = process.env): Measured {
  const cli = [path.join(ROOT, 'bin', 'pannuke.cjs'), ...args];
  if (fs.existsSync(PYTHON)) {
    const child = spawnSync(PYTHON, [path.join(ROOT, 'bench', 'measure.py'), process.execPath, ...cli], { encoding: 'utf8', maxBuffer: 1 << 26, env });
    if (child.status !== 0) throw new Error(`pannuke ${args[0]} failed: ${child.stderr}`);
    return { stdout: child.stdout, stderr: child.stderr, seconds: field(child.stderr, 'BENCH_WALL_US') / 1e6, cpuSeconds: field(child.stderr, 'BENCH_CPU_US') / 1e6, rssMb: field(child.stderr, 'BENCH_MAX_RSS_KB') / 1024 };
  }
  const t = performance.now();
  const child = spawnSync(process.execPath, ['--import', path.join(ROOT, 'bench', 'rusage.mjs'), ...cli], { encoding: 'utf8', maxBuffer: 1 << 26, env });
  const seconds = (performance.now() - t) / 1000;
  if (child.status !== 0) throw new Error(`pannuke ${args[0]} failed: ${child.stderr}`);
  return { stdout: child.stdout, stderr: child.stderr, seconds, cpuSeconds: field(child.stderr, 'BENCH_CPU_US') / 1e6, rssMb: field(child.stderr, 'BENCH_MAX_RSS_KB') / 1024 };
}

/**
 * This machine's environment without NODE_EXTRA_CA_CERTS, or undefined when it is not set. Node 20 reads and
 * parses the certificates it names at every start, before any of the program's code (on this machine ~60 ms of
 * a 130 ms start, on the one core the start runs on); no command the bench runs opens a TLS connection.
 */
export function withoutExtraCaCerts(): NodeJS.ProcessEnv | undefined {
  if (process.env.NODE_EXTRA_CA_CERTS === undefined) return undefined;
  const { NODE_EXTRA_CA_CERTS: _, ...rest } = process.env;
  return rest;
}
