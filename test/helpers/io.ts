/** An Io that records what a command writes, for driving runCli in-process. */
import type { Io } from '../../src/cli/io.js';

export function captureIo(): Io & { out(): string; err(): string } {
  let out = '';
  let err = '';
  return {
    stdout: { write: (s: string) => (out += s) },
    stderr: { write: (s: string) => (err += s) },
    out: () => out,
    err: () => err,
  };
}
