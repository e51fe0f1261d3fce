/**
 * One interface over the databases pannuke-db writes: a SQLite file (src/db/sqlite-store.ts) or a
 * PostgreSQL schema (src/db/postgres/store.ts), with the same tables from one schema source. Commands that
 * work on both take a Store; the SQL they send is written once, in the subset both dialects read alike
 * (`?` placeholders, CAST to BIGINT or DOUBLE PRECISION where integer or binary arithmetic matters).
 */
export interface RowSet {
  columns: string[];
  /** Rows as arrays. Integers are numbers, or BigInt beyond 2^53 (never rounded). */
  rows: unknown[][];
}

export type StoreMode =
  /** Reading only (PostgreSQL: every transaction READ ONLY; SQLite: the file opened read-only). */
  | 'read'
  /** Changes an existing pannuke database (one writer at a time). */
  | 'write'
  /** `write` in bulk (SQLite: write-ahead logging while it runs, so readers are never blocked). */
  | 'bulk'
  /** May create the database (ingest, copy --to). */
  | 'load';

export interface Store {
  readonly backend: 'sqlite' | 'postgres';
  /** The file, or the URL without its password: for messages. */
  readonly label: string;
  /** A stable name for records (copy_source): the absolute path, or the URL without its password. */
  readonly identity: string;
  /**
   * A SQLite file that worker threads of this process may open read-only, so that per-item reads (eval's
   * ground truth) run beside the main thread; undefined on PostgreSQL, where a connection per worker would
   * cost more than it saves.
   */
  readonly threadReadableFile?: string;
  /** Runs one statement with `?` placeholders and returns its rows. */
  all(sql: string, params?: readonly unknown[]): Promise<RowSet>;
  /**
   * Streams a statement's rows in batches of at most `batchRows` (SQLite: the statement's iterator;
   * PostgreSQL: a cursor in a transaction of its own), so memory stays flat whatever the number of rows.
   * The column names come with the first batch.
   */
  iterate(sql: string, params?: readonly unknown[], batchRows?: number): AsyncIterable<RowSet>;
  /**
   * Runs one statement that must only read (it may hold a user's SQL): SQLite refuses to run a statement
   * it cannot prove read-only; PostgreSQL runs it in a READ ONLY transaction of its own.
   */
  allReadOnly(sql: string, params?: readonly unknown[]): Promise<RowSet>;
  /** Runs one statement that returns no rows. */
  run(sql: string, params?: readonly unknown[]): Promise<void>;
  /**
   * Says the command is past its checks and will write. Every writing method calls it itself; a command
   * calls it first where other connections (worker threads) read the file while it writes. SQLite: write-
   * ahead logging starts here rather than at open, because the switch rewrites the file's header, and a
   * command refused before it writes must leave the file as it was. PostgreSQL: nothing to do.
   */
  startWriting(): void;
  /**
   * The caller has nothing to write for a moment (its workers have not answered yet): work that would
   * otherwise block a later write is done now. SQLite copies its write-ahead log into the file (a
   * checkpoint, with its fsyncs); PostgreSQL has nothing to do.
   */
  idle(): void;
  /**
   * Appends rows to a table, columns in the given order (PostgreSQL: one COPY; SQLite: one prepared INSERT
   * per row). Values: number, bigint, string, Buffer or null. Inside `transaction` it commits with it. Rows
   * are read one at a time, each before the next is asked for: a generator may yield the same array refilled.
   */
  append(table: string, columns: readonly string[], rows: Iterable<readonly unknown[]>): Promise<void>;
  /**
   * `count` new ids for a table's `id` column, ascending, to give rows that other rows of the same batch
   * refer to (PostgreSQL: drawn from its identity sequence; SQLite: after the largest, inside the caller's
   * write transaction, which no other writer can enter).
   */
  reserveIds(table: string, count: number): Promise<number[]>;
  /**
   * After rows were appended with their ids given: lets the database assign the next ids after them
   * (PostgreSQL's identity sequences) and refreshes the planner's statistics.
   */
  finishLoad(): Promise<void>;
  /** Runs `work` in one transaction: all of it commits, or none. */
  transaction<T>(work: () => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/**
 * Names in one order on every backend: by code point. ORDER BY on text follows the database's collation
 * (binary in SQLite, often a locale in PostgreSQL), so results ordered by a name are sorted with this.
 */
export const byCodePoint = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Exact integers: a 64-bit value as a number where that is exact, else as BigInt. */
export function exactInteger(v: bigint): number | bigint {
  return v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(v) : v;
}
