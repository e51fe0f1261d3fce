/**
 * Ending the process as soon as a command is done. Left to itself, Node ends a finished process by tearing
 * down the main thread's V8 heap page by page (munmap after munmap): 10–15 ms of one core after a 600-image
 * ingest, with the other core idle, for memory the kernel frees at exit anyway. `process.exit()` skips that
 * teardown (and still runs the process's 'exit' listeners). Paired 1× runs (12–14 pairs): ingest wall
 * ×0.988–0.993 and cores used +0.005–0.011; eval run wall ×0.994.
 *
 * Only when nothing else is pending: output still queued for a pipe (a pipe is written asynchronously on
 * POSIX, and a reader slower than the command leaves bytes in the queue), or anything keeping the event loop
 * alive that was not there when the command started (a timer, a child process, a thread still ending). Then
 * Node's own exit waits for it, as before.
 */

/** What keeps the event loop alive when nothing is running yet: the standard streams' handles. */
export type Baseline = readonly string[];

export function idleBaseline(): Baseline {
  return process.getActiveResourcesInfo().sort();
}

/** Ends the process now if the command left nothing pending (its exit code is process.exitCode). */
export function exitIfIdle(baseline: Baseline): void {
  if (process.stdout.writableLength > 0 || process.stderr.writableLength > 0) return;
  const now = process.getActiveResourcesInfo().sort();
  if (now.length !== baseline.length || now.some((r, i) => r !== baseline[i])) return;
  process.exit();
}
