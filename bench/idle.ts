/**
 * Where a command leaves the cores idle (issue 23's "cores used"), from the kernel's scheduler: one run of the
 * built CLI under `perf sched record`, then `perf sched timehist --state`, and every interval a core spent idle
 * charged to what the command's threads were doing at that moment:
 *
 * - before the worker threads ran: Node's own start, the CLI loading, until the first worker thread is scheduled
 *   (one core idle, whatever the code does next);
 * - after the worker threads ended: the last writes, closing the database, the summary, the process's exit;
 * - in between: first, a thread of the command ready to run and left waiting for the other, busy core (the
 *   kernel placed it there when it woke and had not moved it yet: its scheduling delay, the listing's `sch
 *   delay`, spans the idle moment); then by the state of the main thread (the one that loads) and of the
 *   workers (the threads that extract or match: the `cores` busiest threads after the main one, among those
 *   that ran for at least a tenth of the run): workers out of work while the main thread runs; the main thread
 *   waiting on the disk (a checkpoint's fsync); a worker waiting on the disk (a page of the masks file no
 *   longer cached); anything else.
 *
 * Why the scheduler and not the profiles: an idle core is the absence of samples; only the scheduler sees who
 * was waiting, and on what (S: for a message or a lock; D: for the disk). It needs Linux `perf` and the right to
 * trace the scheduler (root, or perf_event_paranoid ≤ −1); the bench says when it cannot.
 *
 *   node --import tsx bench/idle.ts <pannuke arguments…>      (the breakdown as JSON on stdout)
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

export const IDLE_CAUSES = [
  'before the worker threads ran (Node start, CLI load)',
  'a thread ready to run, queued on the busy core (the kernel\'s placement)',
  'workers out of work, main thread running',
  'main thread waiting on the disk (fsync)',
  'a worker waiting on the disk (page cache miss)',
  'other (threads waiting on each other, helpers)',
  'after the worker threads ended (last writes, close, exit)',
] as const;
export type IdleCause = (typeof IDLE_CAUSES)[number];

export interface IdleBreakdown {
  /** First to last scheduling event of the command's process, seconds. */
  spanSeconds: number;
  /** CPU time of the process's threads in that span (perf's count: its own overhead slows them a little). */
  cpuSeconds: number;
  /** Core-seconds idle in the span, by cause (they add up to the cores' idle time). */
  idle: Record<IdleCause, number>;
}

/**
 * One scheduling interval of a thread: it ran from `start` to `end` (ms), then waited in `state` (S, D, R, …);
 * before `start` it had been ready to run, and waiting for a core, since `ready`.
 */
interface Run { ready: number; start: number; end: number; state: string }

/** Where a trace is written (removed once read). */
const traceFile = () => path.join(os.tmpdir(), `pannuke-bench-sched-${process.pid}.data`);

/** Core-seconds idle in all, every cause. */
const idleTotal = (b: IdleBreakdown) => Object.values(b.idle).reduce((s, v) => s + v, 0);

const LINE = /^\s*([\d.]+)\s+\[(\d+)\]\s+(.+?)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+(\S+)\s*$/;

/** Whether `perf sched` works here (installed, and allowed to trace the scheduler). */
export function schedTraceAvailable(): string | undefined {
  const file = traceFile();
  try {
    const probe = spawnSync('perf', ['sched', 'record', '-o', file, '--', 'true'], { encoding: 'utf8' });
    if (probe.error !== undefined) return 'Linux `perf` is not installed';
    if (probe.status !== 0) return `\`perf sched record\` is not allowed here (${probe.stderr.trim().split('\n')[0] ?? ''}): root, or perf_event_paranoid ≤ −1`;
    return undefined;
  } finally {
    fs.rmSync(file, { force: true });
  }
}

/** Traces one run of `pannuke <args>` and charges every idle core interval to a cause. */
export function idleOf(args: readonly string[]): IdleBreakdown {
  const file = traceFile();
  try {
    const run = spawnSync('perf', ['sched', 'record', '-o', file, '--', process.execPath, path.join(ROOT, 'bin', 'pannuke.cjs'), ...args], { encoding: 'utf8', maxBuffer: 1 << 28 });
    // perf passes the command's exit code on; its own lines ("[ perf record: …") are left out of the message.
    const said = run.stderr.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('[ perf')).slice(-3).join(' / ');
    if (run.status !== 0) throw new Error(`pannuke ${args.join(' ')} failed under perf (exit ${run.status}): ${said}`);
    const hist = spawnSync('perf', ['sched', 'timehist', '-i', file, '--state'], { encoding: 'utf8', maxBuffer: 1 << 30 });
    if (hist.status !== 0) throw new Error(`perf sched timehist failed: ${hist.stderr.slice(-2000)}`);
    return attribute(hist.stdout, os.availableParallelism());
  } finally {
    fs.rmSync(file, { force: true });
    fs.rmSync(`${file}.old`, { force: true });
  }
}

/** The breakdown of a `perf sched timehist --state` listing of a run of `node` (the first node process in it). */
export function attribute(listing: string, cores: number): IdleBreakdown {
  const threads = new Map<string, Run[]>();
  const idle: { start: number; end: number }[] = [];
  let mainPid: string | undefined;
  for (const line of listing.split('\n')) {
    const m = LINE.exec(line);
    if (m === null) continue;
    const [, time, , task, , delay, ran, state] = m as unknown as [string, string, string, string, string, string, string, string];
    const end = Number(time) * 1000;
    const start = end - Number(ran);
    if (task.startsWith('<idle>')) {
      idle.push({ start, end });
      continue;
    }
    // Threads of a process are `comm[tid/pid]`, its main thread `comm[pid]`.
    const id = /^node\[(\d+)(?:\/(\d+))?\]$/.exec(task);
    if (id === null) continue;
    const pid = id[2] ?? id[1] as string;
    mainPid ??= pid;
    if (pid !== mainPid) continue;
    const runs = threads.get(task) ?? [];
    runs.push({ ready: start - Number(delay), start, end, state });
    threads.set(task, runs);
  }
  const main = `node[${mainPid}]`;
  const mainRuns = threads.get(main);
  if (mainRuns === undefined) throw new Error('no node process in the scheduler trace');
  const busy = (runs: Run[]) => runs.reduce((s, r) => s + r.end - r.start, 0);
  const all = [...threads.values()].flat();
  const spanStart = Math.min(...all.map((r) => r.start));
  const spanEnd = Math.max(...all.map((r) => r.end));
  // Worker threads run for a good part of the run; V8's and libuv's helpers for a few ms here and there.
  const workers = [...threads.entries()]
    .filter(([name, runs]) => name !== main && busy(runs) >= 0.1 * (spanEnd - spanStart))
    .sort((a, b) => busy(b[1]) - busy(a[1])).slice(0, cores).map(([, runs]) => runs);
  // Its phases are defined by the worker threads: a command without them (`--version`) has none.
  if (workers.length === 0) throw new Error('no worker thread ran for a tenth of the run: its idle time has no phases to be charged to');
  const workersFrom = Math.min(...workers.map((w) => w[0]?.start ?? Infinity));
  const workersUntil = Math.max(...workers.map((w) => w.at(-1)?.end ?? -Infinity));
  const result = Object.fromEntries(IDLE_CAUSES.map((c) => [c, 0])) as Record<IdleCause, number>;
  // Every thread of the command can be left queued (a V8 helper as much as a worker).
  const waiting = [...threads.values()];
  // Each idle interval in slices of at most 1 ms, each charged by the threads' states at its middle.
  for (const interval of idle) {
    const from = Math.max(interval.start, spanStart);
    const to = Math.min(interval.end, spanEnd);
    for (let t = from; t < to; t += 1) {
      const slice = Math.min(1, to - t);
      const at = t + slice / 2;
      result[causeAt(at, stateAt(mainRuns, at), workers.map((w) => stateAt(w, at)), workersFrom, workersUntil, waiting.some((w) => readyAt(w, at)))] += slice / 1000;
    }
  }
  return { spanSeconds: (spanEnd - spanStart) / 1000, cpuSeconds: busy(all) / 1000, idle: result };
}

/** How many of the runs (in time order) started at or before t: the last of them is runs[n - 1]. */
function startedBy(runs: readonly Run[], t: number): number {
  let lo = 0;
  let hi = runs.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((runs[mid] as Run).start <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** R (running), the state it waits in (S, D, …), or '-' before its first and after its last run. */
function stateAt(runs: readonly Run[], t: number): string {
  const n = startedBy(runs, t);
  if (n === 0) return '-';
  const r = runs[n - 1] as Run;
  if (t < r.end) return 'R';
  return n === runs.length ? '-' : r.state;
}

/** Whether the thread was ready to run at t, waiting for a core (its scheduling delay before its next run). */
function readyAt(runs: readonly Run[], t: number): boolean {
  const next = runs[startedBy(runs, t)];
  return next !== undefined && next.ready <= t;
}

function causeAt(t: number, main: string, workers: string[], workersFrom: number, workersUntil: number, queued: boolean): IdleCause {
  if (t < workersFrom) return IDLE_CAUSES[0];
  if (t > workersUntil) return IDLE_CAUSES[6];
  if (queued) return IDLE_CAUSES[1];
  if (main === 'D') return IDLE_CAUSES[3];
  if (workers.includes('D')) return IDLE_CAUSES[4];
  if (main === 'R' && workers.some((w) => w !== 'R')) return IDLE_CAUSES[2];
  return IDLE_CAUSES[5];
}

/**
 * The median of `runs` traces (by the share of idle time), the machine being noisy. `argsOf(i)` gives the i-th
 * run's arguments (each must do the whole work: a new database, a new prediction set name).
 */
export function medianIdle(runs: number, argsOf: (run: number) => readonly string[]): IdleBreakdown {
  const traces = Array.from({ length: runs }, (_, i) => idleOf(argsOf(i)));
  traces.sort((a, b) => idleTotal(a) / a.spanSeconds - idleTotal(b) / b.spanSeconds);
  return traces[Math.floor((traces.length - 1) / 2)] as IdleBreakdown;
}

/** A markdown table: one column per traced command, one row per cause (core-seconds, and the share of cores × span). */
export function idleTable(columns: readonly { name: string; idle: IdleBreakdown }[]): string {
  const cores = os.availableParallelism();
  const cell = (b: IdleBreakdown, v: number) => `${v.toFixed(3)} (${((100 * v) / (cores * b.spanSeconds)).toFixed(1)} %)`;
  const lines = [
    `| idle core-s (share of ${cores} cores × span) | ${columns.map((c) => c.name).join(' | ')} |`,
    `|---|${columns.map(() => '---:').join('|')}|`,
    ...IDLE_CAUSES.map((cause) => `| ${cause} | ${columns.map((c) => cell(c.idle, c.idle.idle[cause])).join(' | ')} |`),
    `| **idle in all** | ${columns.map((c) => `**${cell(c.idle, idleTotal(c.idle))}**`).join(' | ')} |`,
    `| span s (first to last scheduling of the process) | ${columns.map((c) => c.idle.spanSeconds.toFixed(3)).join(' | ')} |`,
    `| cores used in the trace: CPU-s / (${cores} × span) | ${columns.map((c) => (c.idle.cpuSeconds / (cores * c.idle.spanSeconds)).toFixed(2)).join(' | ')} |`,
    `| cores used with every idle core-s but the start's gone: CPU-s / (CPU-s + start's idle) | ${columns.map((c) => (c.idle.cpuSeconds / (c.idle.cpuSeconds + c.idle.idle[IDLE_CAUSES[0]])).toFixed(2)).join(' | ')} |`,
  ];
  return lines.join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  if (args.length === 0) {
    process.stderr.write('usage: node --import tsx bench/idle.ts <pannuke arguments…>   (e.g. ingest <root> --db <new.sqlite>)\n');
    process.exit(2);
  }
  const why = schedTraceAvailable();
  if (why !== undefined) {
    process.stderr.write(`bench/idle.ts: ${why}\n`);
    process.exit(1);
  }
  try {
    process.stdout.write(`${JSON.stringify(idleOf(args), null, 2)}\n`);
  } catch (e) {
    process.stderr.write(`bench/idle.ts: ${(e as Error).message}\n`);
    process.exit(1);
  }
}
