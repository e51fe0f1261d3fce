/**
 * The worker threads a command line will need, started before the CLI loads the command's code, so that they
 * boot meanwhile on the other core (src/worker-threads.ts). Read from the raw arguments, before commander
 * parses them: a guess that is only ever cheap when wrong (threads nobody takes end with the process), and
 * never made for `--help` or a given `--workers` (the command then starts the number asked for).
 */
import os from 'node:os';
import { startEarly, THREADS, type ThreadKind } from '../worker-threads.js';

function threadsFor(argv: readonly string[]): ThreadKind | undefined {
  if (argv.some((a) => a === '-h' || a === '--help' || a === '--workers' || a.startsWith('--workers='))) return undefined;
  if (argv[0] === 'ingest') return THREADS.extraction;
  if (argv[0] === 'eval' && argv[1] === 'run') return THREADS.evaluation;
  if (argv[0] === 'verify') return THREADS.verification;
  return undefined;
}

/** Starts `count` threads (by default as many as the pools start: one per core) of the kind `argv` needs. */
export function warmStart(argv: readonly string[], count = os.availableParallelism()): void {
  const kind = threadsFor(argv);
  if (kind !== undefined) startEarly(kind, count);
}
