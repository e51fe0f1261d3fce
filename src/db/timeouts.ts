/**
 * How long a connection waits by default, in a module of its own: the CLI declares its --db options (whose
 * defaults these are) without loading a database driver, so that a command can start work first.
 */

/** How long to wait for another program's lock on a SQLite file before failing (SQLite's busy_timeout). */
export const DEFAULT_BUSY_TIMEOUT_MS = 5000;

/** How long connecting to PostgreSQL (and opening: migrations checked, the writer lock taken) may take. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
