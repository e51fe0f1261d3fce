/**
 * The compute threads (extraction, evaluation, verification) run a little below the main thread's priority.
 *
 * Why: the main thread alone writes the results, in order, and three threads (it and two workers) share two
 * cores. At equal priority the kernel gives each two thirds of a core; the main thread's writes need more
 * than that at times, so it fell behind, the workers ran ahead (up to their queues), and once they were done
 * it wrote that backlog alone, one core idle. At nice +4 (weight 423 against 1,024) the main thread takes a
 * core whenever it has work, and the workers keep every cycle it leaves. Linux keeps nice per thread, so this
 * changes only the calling thread; elsewhere (where it would lower the whole process) nothing is done.
 */
import os from 'node:os';

/** How far below the main thread (in nice steps). Small: other programs on the machine barely notice it. */
export const WORKER_NICE = 4;

/** Lowers the calling worker thread's priority by WORKER_NICE; never fails (a limit or a sandbox: as it was). */
export function yieldToMainThread(): void {
  if (process.platform !== 'linux') return;
  try {
    os.setPriority(0, Math.min(19, os.getPriority(0) + WORKER_NICE));
  } catch {
    // Not permitted: the thread keeps the main thread's priority, which is only slower.
  }
}
