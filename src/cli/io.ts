/** Where a command writes: the process streams in real use, buffers in tests (runCli is driven in-process). */
export interface Io {
  stdout: { write(chunk: string): unknown; isTTY?: boolean };
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
  /** A bug in pannuke-db: please report it with the stack trace. */
  INTERNAL: 3,
} as const;
