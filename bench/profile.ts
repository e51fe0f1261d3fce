/**
 * Where a command's CPU time goes, by stage and by thread: runs the built CLI under V8's sampling profiler
 * (`node --cpu-prof`, one profile per thread: the main thread and each worker), maps every sample through
 * the bundle's source map back to its module in src/, and sums the samples by stage. Read the shares, not the
 * seconds: V8 samples a thread on a timer, so a thread waiting for a core (more threads than cores) is counted
 * as running, and the threads no profile sees (libuv's pool: zlib's inflate, file reads; V8's helpers) are
 * not counted at all; the table puts the sampled total beside the process's CPU time (getrusage).
 *
 *   node --import tsx bench/profile.ts <root> [-- more ingest options]      (a table on stdout)
 *
 * `npm run bench` calls `profileIngest` for the folder and the zip ingest of the same images.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { SourceMap } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

interface CallFrame { functionName: string; url: string; lineNumber: number; columnNumber: number }
interface ProfileNode { id: number; callFrame: CallFrame; children?: number[] }
interface CpuProfile { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[]; startTime: number; endTime: number }

/** The stages, in the order of the pipeline; a sample is charged to the innermost src/ module on its stack. */
const STAGES: [stage: string, test: (source: string) => boolean][] = [
  ['zip member: CRC-32 check, stream, reader thread', (s) => s.startsWith('src/dataset/zip') || s.startsWith('src/dataset/member-')],
  ['record assembly (cutting records out of the stream)', (s) => /^src\/npy\/(stream|source|cutter)/.test(s)],
  ['hand-off to workers (pool, ordering)', (s) => /^src\/pipeline\/(pool|ordered|protocol)/.test(s)],
  ['reading records in the workers (positioned reads)', (s) => s.startsWith('src/npy/records')],
  ['extraction (decode, digest, regions, outlines, packing)', (s) => /^src\/(extract|handoff)\//.test(s) || /^src\/(pipeline|eval|verify)\/worker/.test(s) || s.startsWith('src/npy/decode')],
  ['loading (database writes)', (s) => s.startsWith('src/db/')],
  ['planning and opening (fingerprints, headers, sources)', (s) => /^src\/(dataset|npy|release)\//.test(s) || s.startsWith('src/pipeline/plan')],
  ['ingest driver and CLI', (s) => /^src\/(pipeline|cli)\//.test(s) || s.startsWith('src/')],
];

const SPECIAL = new Map([
  ['(garbage collector)', 'garbage collection'],
  ['(program)', 'V8 / Node runtime (unattributed)'],
]);

/** Source maps of the bundle, by the script URL a profile names. */
const maps = new Map<string, SourceMap | null>();
function sourceOf(frame: CallFrame): string | undefined {
  if (!frame.url.startsWith('file://')) return undefined;
  let map = maps.get(frame.url);
  if (map === undefined) {
    const file = fileURLToPath(frame.url);
    map = fs.existsSync(`${file}.map`) ? new SourceMap(JSON.parse(fs.readFileSync(`${file}.map`, 'utf8'))) : null;
    maps.set(frame.url, map);
  }
  const rel = (p: string) => path.relative(ROOT, p.startsWith('file://') ? fileURLToPath(p) : path.resolve(path.dirname(fileURLToPath(frame.url)), p));
  if (map === null) return rel(frame.url);
  const entry = map.findEntry(frame.lineNumber, frame.columnNumber) as { originalSource?: string };
  return entry.originalSource === undefined ? rel(frame.url) : rel(entry.originalSource);
}

function stageOfSource(source: string | undefined): string | undefined {
  if (source === undefined) return undefined;
  if (source.startsWith('node_modules/better-sqlite3') || source.startsWith('node_modules/drizzle-orm') || source.startsWith('node_modules/pg')) return 'loading (database writes)';
  return STAGES.find(([, test]) => test(source))?.[0];
}

/** Busy milliseconds by stage in one thread's profile (idle samples left out). */
export function summarize(profile: CpuProfile): Map<string, number> {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const stageCache = new Map<number, string>();
  const stageOf = (id: number): string => {
    const cached = stageCache.get(id);
    if (cached !== undefined) return cached;
    const node = byId.get(id) as ProfileNode;
    let stage = SPECIAL.get(node.callFrame.functionName) ?? stageOfSource(sourceOf(node.callFrame));
    if (stage === undefined) {
      const up = parent.get(id);
      if (up !== undefined && byId.get(up)?.callFrame.functionName !== '(root)') stage = stageOf(up);
      // A Node internal under no src/ frame: module loading charges start-up; anything else is plumbing.
      else stage = /^node:internal\/(modules|main)/.test(node.callFrame.url) ? 'start-up (loading modules)' : 'Node internals (streams, events)';
    }
    stageCache.set(id, stage);
    return stage;
  };
  const out = new Map<string, number>();
  for (let i = 0; i < profile.samples.length; i++) {
    const node = byId.get(profile.samples[i] as number) as ProfileNode;
    if (node.callFrame.functionName === '(idle)') continue;
    const ms = (profile.timeDeltas[i + 1] ?? 0) / 1000; // a sample's time is the gap to the next one
    const stage = stageOf(node.id);
    out.set(stage, (out.get(stage) ?? 0) + ms);
  }
  return out;
}

/** The kinds of thread a profile can come from. */
export const THREADS = ['main', 'workers', 'readers'] as const;
type Thread = (typeof THREADS)[number];

/** The pipeline's order: the stages, then start-up, then the rest by name. */
function byStage(a: string, b: string): number {
  const order = (s: string) => {
    const k = STAGES.findIndex(([name]) => name === s);
    return k < 0 ? STAGES.length + (s.startsWith('start') ? 0 : 1) : k;
  };
  return order(a) - order(b) || a.localeCompare(b);
}

export interface IngestProfile {
  wallSeconds: number;
  cpuSeconds: number;
  /** Busy CPU-s by stage and kind of thread (the main thread; extraction workers; zip member readers). */
  rows: { stage: string; cpu: Record<Thread, number> }[];
  /** Busy time sampled in every profile (see the module's note). */
  sampled: number;
}

/** Profiles one `pannuke ingest <root>` into a fresh database in the temp folder. */
export function profileIngest(root: string, extra: readonly string[] = []): IngestProfile {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pannuke-profile-'));
  try {
    const db = path.join(dir, 'profile.sqlite');
    const t = performance.now();
    const child = spawnSync(process.execPath, ['--cpu-prof', '--cpu-prof-dir', dir, '--cpu-prof-interval', '250', '--import', pathToFileURL(path.join(ROOT, 'bench', 'rusage.mjs')).href, path.join(ROOT, 'bin', 'pannuke.cjs'), 'ingest', root, '--db', db, ...extra], { encoding: 'utf8' });
    const wallSeconds = (performance.now() - t) / 1000;
    if (child.status !== 0) throw new Error(`ingest failed: ${child.stderr}`);
    const cpuSeconds = Number(/BENCH_CPU_US=(\d+)/.exec(child.stderr)?.[1] ?? Number.NaN) / 1e6;
    const profiles = fs.readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')).sort();
    // Node names them CPU.<date>.<time>.<pid>.<thread id>.<seq>.cpuprofile: thread 0 is the main thread; a
    // zip member reader is told by its code.
    const byThread = { main: new Map<string, number>(), workers: new Map<string, number>(), readers: new Map<string, number>() };
    for (const f of profiles) {
      const profile = JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as CpuProfile;
      const kind: Thread = Number(f.split('.').at(-3)) === 0 ? 'main' : profile.nodes.some((n) => sourceOf(n.callFrame)?.startsWith('src/dataset/member-reader') === true) ? 'readers' : 'workers';
      const into = byThread[kind];
      for (const [stage, ms] of summarize(profile)) into.set(stage, (into.get(stage) ?? 0) + ms / 1000);
    }
    const stages = [...new Set(THREADS.flatMap((t) => [...byThread[t].keys()]))];
    stages.sort(byStage);
    const rows = stages.map((stage) => ({ stage, cpu: { main: byThread.main.get(stage) ?? 0, workers: byThread.workers.get(stage) ?? 0, readers: byThread.readers.get(stage) ?? 0 } }));
    const sampled = rows.reduce((s, r) => s + r.cpu.main + r.cpu.workers + r.cpu.readers, 0);
    return { wallSeconds, cpuSeconds, rows, sampled };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The profiles of several runs side by side, as a Markdown table of CPU-s (main thread / workers / zip readers). */
export function profileTable(runs: { name: string; profile: IngestProfile }[]): string {
  const stages = [...new Set(runs.flatMap((r) => r.profile.rows.map((x) => x.stage)))].sort(byStage);
  const cell = (p: IngestProfile, stage: string) => {
    const r = p.rows.find((x) => x.stage === stage);
    return r === undefined ? '' : THREADS.map((t) => r.cpu[t].toFixed(2)).join(' / ');
  };
  const lines = [
    `| CPU-s by stage (main thread / extraction workers / zip member readers) | ${runs.map((r) => r.name).join(' | ')} |`,
    `|---|${runs.map(() => '---:').join('|')}|`,
    ...stages.map((s) => `| ${s} | ${runs.map((r) => cell(r.profile, s)).join(' | ')} |`),
    `| sampled in all (a thread waiting for a core counts; libuv's pool, inflate included, does not) | ${runs.map((r) => r.profile.sampled.toFixed(2)).join(' | ')} |`,
    `| **CPU-s in all** (getrusage: every thread) | ${runs.map((r) => r.profile.cpuSeconds.toFixed(2)).join(' | ')} |`,
    `| wall s (profiled: slower than unprofiled) | ${runs.map((r) => r.profile.wallSeconds.toFixed(2)).join(' | ')} |`,
    `| cores used: CPU-s / (${os.availableParallelism()} × wall) | ${runs.map((r) => (r.profile.cpuSeconds / (os.availableParallelism() * r.profile.wallSeconds)).toFixed(2)).join(' | ')} |`,
  ];
  return lines.join('\n');
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [root, ...extra] = process.argv.slice(2).filter((a) => a !== '--');
  if (root === undefined) throw new Error('usage: profile.ts <root> [ingest options]');
  process.stdout.write(`${profileTable([{ name: root, profile: profileIngest(root, extra) }])}\n`);
}
