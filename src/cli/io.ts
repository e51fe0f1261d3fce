import { errnoCode, writeError } from '../output/write-error.js';

/** Where a command writes: the process streams in real use, buffers in tests (runCli is driven in-process). */
export interface Io {
  stdout: { write(chunk: string): unknown; isTTY?: boolean; once?: (event: 'drain', listener: () => void) => unknown };
  stderr: { write(chunk: string): unknown; isTTY?: boolean };
}

/**
 * The process's streams. Standard output redirected to a file writes synchronously, so a full disk throws
 * from `write`: named here as standard output, not as whatever the command was working on.
 */
export const processIo: Io = {
  stdout: {
    write: (chunk: string) => {
      try {
        return process.stdout.write(chunk);
      } catch (e) {
        throw errnoCode(e) === undefined ? e : writeError(e, 'standard output');
      }
    },
    get isTTY() {
      return process.stdout.isTTY;
    },
    once: (event: 'drain', listener: () => void) => process.stdout.once(event, listener),
  },
  stderr: process.stderr,
};

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
  /** Stopped by SIGHUP (the terminal closed). */
  HANGUP: 129,
  /** Stopped by SIGTERM (kill, timeout, a CI job cancelled). */
  TERMINATED: 143,
} as const;

/** The exit-code line of a command's --help (commands with codes of their own say them instead). */
export const EXIT_HELP = '\nExit codes: 0 done, 1 bad input or an unusable database, 2 bad usage, 3 internal error, 130 interrupted (129 hung up, 143 terminated).';
