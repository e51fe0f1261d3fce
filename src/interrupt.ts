/**
 * Ctrl-C for long work. A signal handler runs only when the event loop gets a turn, so long loops call
 * `yielder()`'s function now and then; and whatever a command must undo when it is stopped (a temporary
 * output, an ingest run's log row) is registered with `onInterrupt`, run by the CLI's SIGINT handler before
 * it exits with 130. Cleanups are synchronous: the process ends right after them.
 */

type Cleanup = () => void;

const cleanups = new Set<Cleanup>();

/** Registers `cleanup` to run if the process is interrupted; the returned function unregisters it. */
export function onInterrupt(cleanup: Cleanup): () => void {
  cleanups.add(cleanup);
  return () => cleanups.delete(cleanup);
}

let stopNote = 'run the same command again to resume or redo it';

/** What the line printed on a stop says after the signal (a server's stop is its normal end, not a loss). */
export function setStopNote(note: string): void {
  stopNote = note;
}

export const currentStopNote = (): string => stopNote;

/** Runs every registered cleanup, newest first; a failing one does not stop the others. */
export function runInterruptCleanups(): void {
  for (const cleanup of [...cleanups].reverse()) {
    cleanups.delete(cleanup);
    try {
      cleanup();
    } catch {
      // Best effort: the process is stopping and has nowhere to report it.
    }
  }
}

/**
 * A function to await inside a long loop: it gives the event loop a turn (so SIGINT is handled) once
 * `everyMs` have passed since the last turn, and is free otherwise.
 */
export function yielder(everyMs = 50): () => Promise<void> | undefined {
  let last = performance.now();
  return () => {
    const now = performance.now();
    if (now - last < everyMs) return undefined;
    last = now;
    return new Promise<void>((resolve) => setImmediate(resolve));
  };
}
