/** The Store over a SQLite file: better-sqlite3 through the same opening rules as every command (open.ts). */
import path from 'node:path';
import type { Statement } from 'better-sqlite3';
import { PannukeError } from '../errors.js';
import { closeDatabase, openDatabase, useWriteAheadLog, type Db, type OpenOptions } from './open.js';
import { exactInteger, type RowSet, type Store, type StoreMode } from './store.js';

/** better-sqlite3's BigInts (safe-integer mode) as numbers where exact, in place (no array per row). */
function exactRow(row: unknown[]): unknown[] {
  for (let i = 0; i < row.length; i++) {
    const v = row[i];
    if (typeof v === 'bigint') row[i] = exactInteger(v);
  }
  return row;
}

export class SqliteStore implements Store {
  readonly backend = 'sqlite' as const;
  readonly identity: string;

  /** 'load' and 'bulk' write with write-ahead logging, switched on at the first write (`startWriting`). */
  private walPending = false;

  private constructor(readonly db: Db, readonly label: string, private readonly owned: boolean) {
    this.identity = path.resolve(label);
  }

  /** Worker threads open the same file read-only (its absolute path: they share the process's folder, not its handle). */
  get threadReadableFile(): string {
    return this.identity;
  }

  static open(file: string, mode: StoreMode, options: Pick<OpenOptions, 'busyTimeout'> = {}): SqliteStore {
    const writeAheadLog = mode === 'load' || mode === 'bulk';
    const store = new SqliteStore(openDatabase(file, { ...options, readonly: mode === 'read', mustExist: mode !== 'load', writeAheadLog }), file, true);
    store.walPending = writeAheadLog;
    return store;
  }

  /** See Store.startWriting. Code writing through `db` directly (the ingest target) calls it itself. */
  startWriting(): void {
    if (!this.walPending || this.db.$client.inTransaction) return;
    this.walPending = false;
    useWriteAheadLog(this.db, this.label);
  }

  /** `total_changes()` when the write-ahead log was last copied into the file by `idle`. */
  private checkpointedAt = 0;

  /**
   * Copies the write-ahead log into the database file while the caller waits for its workers (a passive
   * checkpoint: it never waits for a lock), if anything was committed since the last time. Left to SQLite
   * alone, the checkpoint runs inside the commit that fills the log past 1,000 pages, and its fsyncs (3–12 ms
   * each) block the thread the workers' results wait for; the last one is left for the close, after the
   * workers have ended. Paired 1× runs (ingest): wall ×0.988, cores used +0.015. Not inside a transaction
   * (a fold being replaced whole): nothing is committed yet. SQLite still checkpoints by itself if the log
   * grows past 1,000 pages between two waits.
   */
  idle(): void {
    const client = this.db.$client;
    if (this.walPending || !client.open || client.readonly || client.inTransaction) return;
    const changes = Number(this.prepared('SELECT total_changes()').pluck().get());
    if (changes === this.checkpointedAt) return;
    this.checkpointedAt = changes;
    client.pragma('wal_checkpoint(PASSIVE)');
  }

  /** A Store over a connection a command already holds (closing the Store leaves it open). */
  static over(db: Db, file: string): SqliteStore {
    return new SqliteStore(db, file, false);
  }

  /** Prepared statements by SQL: per-image reads (verify, eval) run the same few statements thousands of times. */
  private readonly statements = new Map<string, Statement>();

  private prepared(sql: string): Statement {
    let statement = this.statements.get(sql);
    if (statement === undefined) {
      if (this.statements.size >= 64) this.statements.clear();
      statement = this.db.$client.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  async all(sql: string, params: readonly unknown[] = []): Promise<RowSet> {
    const statement = this.prepared(sql);
    if (!statement.reader) {
      this.startWriting();
      statement.run(...params);
      return { columns: [], rows: [] };
    }
    statement.raw(true).safeIntegers(true);
    const rows = (statement.all(...params) as unknown[][]).map(exactRow);
    return { columns: statement.columns().map((c) => c.name), rows };
  }

  async allReadOnly(sql: string, params: readonly unknown[] = []): Promise<RowSet> {
    let statement;
    try {
      statement = this.db.$client.prepare(sql);
    } catch (cause) {
      throw new PannukeError('QUERY', `SQLite: ${(cause as Error).message}`, { file: this.label, cause });
    }
    if (!statement.readonly || !statement.reader) throw new PannukeError('QUERY', 'only reads are allowed here: this would change the database', { file: this.label });
    try {
      return await this.all(sql, params);
    } catch (cause) {
      throw new PannukeError('QUERY', `SQLite: ${(cause as Error).message}`, { file: this.label, cause });
    }
  }

  async *iterate(sql: string, params: readonly unknown[] = [], batchRows = 1000): AsyncIterable<RowSet> {
    const statement = this.db.$client.prepare(sql).raw(true).safeIntegers(true);
    const columns = statement.columns().map((c) => c.name);
    let rows: unknown[][] = [];
    for (const row of statement.iterate(...params) as IterableIterator<unknown[]>) {
      rows.push(exactRow(row));
      if (rows.length === batchRows) {
        yield { columns, rows };
        rows = [];
      }
    }
    if (rows.length > 0) yield { columns, rows };
  }

  async run(sql: string, params: readonly unknown[] = []): Promise<void> {
    this.startWriting();
    this.db.$client.prepare(sql).run(...params);
  }

  async append(table: string, columns: readonly string[], rows: Iterable<readonly unknown[]>): Promise<void> {
    this.startWriting();
    const insert = this.prepared(`INSERT INTO "${table}" (${columns.map((c) => `"${c}"`).join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`);
    // An array binds positionally, without spreading each row into arguments.
    for (const row of rows) insert.run(row as unknown[]);
  }

  async reserveIds(table: string, count: number): Promise<number[]> {
    if (!this.db.$client.inTransaction) throw new Error('reserveIds outside a write transaction');
    const max = Number(this.db.$client.prepare(`SELECT coalesce(max(id), 0) FROM "${table}"`).pluck().get());
    return Array.from({ length: count }, (_, i) => max + 1 + i);
  }

  async finishLoad(): Promise<void> {
    // SQLite assigns a rowid after the largest one present: nothing to move. ANALYZE feeds the planner.
    this.startWriting();
    this.db.$client.exec('ANALYZE');
  }

  async transaction<T>(work: () => Promise<T>): Promise<T> {
    // Inside a transaction already (a fold being replaced): part of it.
    if (this.db.$client.inTransaction) return work();
    this.startWriting();
    // BEGIN IMMEDIATE: the write lock is taken now (waiting up to the busy timeout), not at the first write.
    this.db.$client.exec('BEGIN IMMEDIATE');
    try {
      const result = await work();
      this.db.$client.exec('COMMIT');
      return result;
    } catch (e) {
      if (this.db.$client.inTransaction) this.db.$client.exec('ROLLBACK');
      throw e;
    }
  }

  async close(): Promise<void> {
    if (this.owned) closeDatabase(this.db);
  }
}
