/**
 * pannuke's worker threads: the kinds there are, where each one's code is, and threads started early.
 *
 * Why early: a worker thread takes ~0.1 s of CPU to boot (Node's own bootstrap, before any of our code).
 * Started by the CLI's first lines (`startEarly`), before the command's modules run and it opens its inputs
 * (~0.1 s of one core), the threads a command line needs boot on the core that leaves idle, and the pool
 * that needs them takes them (`takeEarly`). Threads nobody takes (a command that failed before it needed them)
 * are unreferenced: they never hold the process open, and end with it.
 *
 * The first one starts even before the CLI's bundle is compiled (cli/warm.ts, its own small bundle), so this
 * module has a copy in each bundle: the threads started early are kept on `globalThis`, where both see them.
 */
import { Worker } from 'node:worker_threads';

export interface ThreadKind {
  /** `stage/name` of the thread's module. */
  readonly name: string;
  /** V8's young generation, in MB: how much garbage the thread makes before a collection. */
  readonly youngGenerationMb: number;
}

export const THREADS = {
  /** Ingest's extraction: a small nursery, ~25 MB less RSS and the same speed. */
  extraction: { name: 'pipeline/worker', youngGenerationMb: 4 },
  /** `eval run`: ground truth and results per image, fewer collections with a larger nursery. */
  evaluation: { name: 'eval/worker', youngGenerationMb: 16 },
  verification: { name: 'verify/worker', youngGenerationMb: 4 },
  /** A zip member's reader: its garbage is chunks, collected young or external. */
  memberReader: { name: 'dataset/member-reader', youngGenerationMb: 4 },
} as const satisfies Record<string, ThreadKind>;

/**
 * Where a worker thread's code is, `stage/name`: dist/ runs the bundled `name.js`; TypeScript sources
 * (tests, tsx) need the bootstrap beside it that registers tsx first. The URL climbs out of this module's
 * folder because in dist/ this code is part of dist/cli/entry.cjs, one level down.
 */
export function workerEntry(name: string): URL {
  const fromSource = import.meta.url.endsWith('.ts');
  return new URL(fromSource ? `./${name}-bootstrap.mjs` : `../${name}.js`, import.meta.url);
}

/** `transferList`: what in `workerData` moves to the thread instead of being copied (ArrayBuffers). */
export function startThread(kind: ThreadKind, workerData?: unknown, transferList?: readonly ArrayBuffer[]): Worker {
  return new Worker(workerEntry(kind.name), {
    resourceLimits: { maxYoungGenerationSizeMb: kind.youngGenerationMb },
    ...(workerData !== undefined && { workerData }),
    ...(transferList !== undefined && { transferList: [...transferList] }),
  });
}

interface EarlyThreads {
  kind: ThreadKind;
  threads: Worker[];
  /** One of them failed to boot or ended before it was taken. */
  failed: boolean;
}

const EARLY = Symbol.for('pannuke-db.early-threads');
const early: EarlyThreads[] = ((globalThis as { [EARLY]?: EarlyThreads[] })[EARLY] ??= []);

const sameKind = (a: ThreadKind, b: ThreadKind) => a.name === b.name && a.youngGenerationMb === b.youngGenerationMb;

/** Starts threads of `kind` now, up to `count` with those already started early, for a pool to take later. */
export function startEarly(kind: ThreadKind, count: number): void {
  let started = early.find((e) => sameKind(e.kind, kind));
  if (started === undefined) early.push((started = { kind, threads: [], failed: false }));
  const into = started;
  while (into.threads.length < count) {
    const thread = startThread(kind);
    thread.unref();
    // Only noted until a pool takes them: the pool then starts threads of its own, and reports their failure.
    thread.on('error', () => (into.failed = true)).on('exit', () => (into.failed = true));
    into.threads.push(thread);
  }
}

/** The `count` threads of `kind` started early, now the caller's (referenced, no listeners), or undefined. */
export function takeEarly(kind: ThreadKind, count: number): Worker[] | undefined {
  const i = early.findIndex((e) => sameKind(e.kind, kind));
  if (i < 0) return undefined;
  const [started] = early.splice(i, 1) as [EarlyThreads];
  if (started.failed || started.threads.length !== count) {
    for (const thread of started.threads) void thread.terminate();
    return undefined;
  }
  for (const thread of started.threads) thread.removeAllListeners().ref();
  return started.threads;
}
