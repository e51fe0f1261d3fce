/**
 * One user statement, run read-only. Two guards: the connection is opened read-only (SQLite itself refuses
 * writes), and the statement must be a row-returning read (SELECT, WITH, VALUES, EXPLAIN, or a PRAGMA read);
 * ATTACH, DETACH and VACUUM, which SQLite counts as "read-only", are refused by name.
 */
import type { Statement } from 'better-sqlite3';
import type { Db } from '../db/open.js';
import { PannukeError } from '../errors.js';

export interface ReadOnlyResult {
  columns: string[];
  /** Rows as arrays, produced one at a time (never all in memory). */
  rows: IterableIterator<unknown[]>;
}

const READ_KEYWORDS = new Set(['SELECT', 'WITH', 'VALUES', 'EXPLAIN', 'PRAGMA']);

/** The first keyword, past comments and white space. */
function firstKeyword(sql: string): string {
  const stripped = sql.replace(/^(\s+|--[^\n]*(\n|$)|\/\*[\s\S]*?\*\/)*/, '');
  return (/^[A-Za-z]+/.exec(stripped)?.[0] ?? '').toUpperCase();
}

/** Prepares `sql` as a read-only, row-returning statement, or explains why not. */
export function prepareRead(db: Db, sql: string, file: string): Statement<unknown[], unknown> {
  let statement: Statement<unknown[], unknown>;
  try {
    statement = db.$client.prepare(sql);
  } catch (cause) {
    throw new PannukeError('QUERY', `SQLite: ${(cause as Error).message}`, { file, cause });
  }
  const keyword = firstKeyword(sql);
  if (!statement.readonly || !statement.reader || !READ_KEYWORDS.has(keyword)) {
    throw new PannukeError('QUERY', `only reads are allowed: ${keyword || 'this statement'} ${statement.readonly ? 'returns no rows' : 'would change the database'}`, {
      file, hint: 'query runs one SELECT (or WITH, VALUES, EXPLAIN, PRAGMA read); the database is opened read-only',
    });
  }
  return statement;
}

export function runReadOnly(db: Db, sql: string, file: string, params: readonly unknown[] = []): ReadOnlyResult {
  const statement = prepareRead(db, sql, file);
  const columns = statement.columns().map((c) => c.name);
  statement.raw(true);
  const inner = statement.iterate(...params) as IterableIterator<unknown[]>;
  // Wrap so that a runtime SQLite error mid-stream is a PannukeError too.
  const rows: IterableIterator<unknown[]> = {
    [Symbol.iterator]() { return this; },
    next() {
      try {
        return inner.next();
      } catch (cause) {
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
