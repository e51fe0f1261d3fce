/**
 * One user statement, run read-only. Two guards: the connection is opened read-only (SQLite itself refuses
 * writes), and the statement must be a row-returning read (SELECT, WITH, VALUES, EXPLAIN, or a PRAGMA read:
 * one without `=`); ATTACH, DETACH and VACUUM, which SQLite counts as "read-only", are refused by name.
 * Integers come back exactly (as BigInt where SQLite's 64-bit values exceed 2^53).
 */
import type Database from 'better-sqlite3';
import type { Statement } from 'better-sqlite3';
import { exactInteger } from '../db/store.js';
import { PannukeError } from '../errors.js';
import { firstKeyword, oversizedValue } from './statement.js';

export interface ReadOnlyResult {
  columns: string[];
  /** Rows as arrays, produced one at a time (never all in memory). */
  rows: IterableIterator<unknown[]>;
}

const READ_KEYWORDS = new Set(['SELECT', 'WITH', 'VALUES', 'EXPLAIN', 'PRAGMA']);


/** Prepares `sql` as a read-only, row-returning statement, or explains why not. */
/** A connection: a drizzle database or the query runner's plain one (only the driver is used here). */
export interface SqlConnection {
  $client: Database.Database;
}

export function prepareRead(db: SqlConnection, sql: string, file: string): Statement<unknown[], unknown> {
  let statement: Statement<unknown[], unknown>;
  try {
    statement = db.$client.prepare(sql);
  } catch (cause) {
    throw new PannukeError('QUERY', `SQLite: ${(cause as Error).message}`, { file, cause });
  }
  const keyword = firstKeyword(sql);
  // SQLite marks `PRAGMA journal_mode` as a possible write because the same pragma with `= value` sets it;
  // the read form is allowed (the connection is read-only anyway).
  const pragmaRead = keyword === 'PRAGMA' && statement.reader && !/=/.test(sql.replace(/'[^']*'|"[^"]*"/g, ''));
  if (!(statement.readonly || pragmaRead) || !statement.reader || !READ_KEYWORDS.has(keyword)) {
    throw new PannukeError('QUERY', `only reads are allowed: ${keyword || 'this statement'} ${statement.readonly ? 'returns no rows' : 'would change the database'}`, {
      file, hint: 'query runs one SELECT (or WITH, VALUES, EXPLAIN, PRAGMA read); the database is opened read-only',
    });
  }
  return statement;
}

export interface ReadOptions {
  params?: readonly unknown[];
  /** Refuse a row holding a single value (text or blob) larger than this. */
  maxValueBytes?: number;
}


export function runReadOnly(db: SqlConnection, sql: string, file: string, options: ReadOptions = {}): ReadOnlyResult {
  const statement = prepareRead(db, sql, file);
  const columns = statement.columns().map((c) => c.name);
  statement.raw(true);
  statement.safeIntegers(true);
  const iterator = statement.iterate(...(options.params ?? [])) as IterableIterator<unknown[]>;
  const cap = options.maxValueBytes ?? Infinity;
  let rowNumber = 0;
  // Exact integers: BigInt only where a number would round (beyond 2^53), plain numbers otherwise.
  const exact = (v: unknown) => (typeof v === 'bigint' ? exactInteger(v) : v);
  const inner: IterableIterator<unknown[]> = {
    [Symbol.iterator]() { return this; },
    next() {
      const r = iterator.next();
      if (r.done === true) return r;
      rowNumber++;
      const row = r.value.map(exact);
      const refused = oversizedValue(row, columns, cap, rowNumber, file);
      if (refused !== undefined) {
        iterator.return?.();
        throw refused;
      }
      return { done: false, value: row };
    },
    return(value?: unknown) {
      iterator.return?.(value);
      return { done: true, value: undefined };
    },
  };
  // Wrap so that a runtime SQLite error mid-stream is a PannukeError too.
  const rows: IterableIterator<unknown[]> = {
    [Symbol.iterator]() { return this; },
    next() {
      try {
        return inner.next();
      } catch (cause) {
        if (cause instanceof PannukeError) throw cause;
        if ((cause as { code?: string }).code?.startsWith('SQLITE_BUSY') === true) {
          throw new PannukeError('DB_LOCKED', 'the database is locked by another program', { file, cause, hint: 'wait for it to finish and run the command again, or wait longer: --busy-timeout 600000 (10 min)' });
        }
        throw new PannukeError('QUERY', `SQLite: ${(cause as Error).message}`, { file, cause });
      }
    },
    return(value?: unknown) {
      inner.return?.(value);
      return { done: true, value: undefined };
    },
  };
  return { columns, rows };
}
