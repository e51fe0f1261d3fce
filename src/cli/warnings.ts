/**
 * Where reading commands say what a reader should know about a database (src/db/health.ts): the running
 * command's stderr, set by runCli for each command it runs. A module of its own so that runCli sets it
 * without loading the database code.
 */
let write: (line: string) => void = () => undefined;

export function setWarningLine(to: (line: string) => void): void {
  write = to;
}

export function warnLine(line: string): void {
  write(line);
}
