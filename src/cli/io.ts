/** Where a command writes: the process streams in real use, buffers in tests (runCli is driven in-process). */
export interface Io {
  stdout: { write(chunk: string): unknown; isTTY?: boolean; once?: (event: 'drain', listener: () => void) => unknown };
  stderr: { write(chunk: string): unknown; isTTY?: boolean };
}

export const processIo: Io = { stdout: process.stdout, stderr: process.stderr };

/** Exit codes scripts can rely on. */
export const EXIT = {
  OK: 0,
  /** Bad input data, a database that cannot be used: the message says which file and where. */
  FAILURE: 1,
  /** Bad command-line usage. */
  USAGE: 2,
  /** A bug in pannuke-db: please report it (PANNUKE_DEBUG=1 prints where it happened). */
  INTERNAL: 3,
  /** Interrupted by Ctrl-C (SIGINT). */
  INTERRUPTED: 130,
} as const;
