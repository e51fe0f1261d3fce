/**
 * The options of every command that works on a database (--db, --busy-timeout, --connect-timeout), declared
 * without loading any database code: `ingest` parses them and starts extracting before the driver, the
 * schema and the migrations load (cli/database.ts opens the database).
 */
import type { Command } from 'commander';
import { DEFAULT_BUSY_TIMEOUT_MS, DEFAULT_CONNECT_TIMEOUT_MS } from '../db/timeouts.js';
import { parseMilliseconds, parseSeconds } from './options.js';

export interface DbOptions {
  db: string;
  busyTimeout?: number;
  /** Seconds a PostgreSQL connection attempt may take. */
  connectTimeout?: number;
}

/** The connection options every --db command has besides --db: the lock wait and the connect timeout. */
export function connectionOptions(command: Command): Command {
  return command
    .option('--busy-timeout <ms>', 'wait this long for another program\'s lock on the database, then fail', parseMilliseconds('--busy-timeout'), DEFAULT_BUSY_TIMEOUT_MS)
    .option('--connect-timeout <s>', 'PostgreSQL: give up connecting after this many seconds', parseSeconds('--connect-timeout'), DEFAULT_CONNECT_TIMEOUT_MS / 1000);
}

/** Adds --db (required) and --busy-timeout to a command. */
export function dbOptions(command: Command, description = 'a database written by `pannuke ingest`: a .sqlite file or postgres://user:pass@host:port/dbname[?schema=name]'): Command {
  return connectionOptions(command.requiredOption('--db <file|url>', description));
}
