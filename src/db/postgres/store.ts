/**
 * The Store over a PostgreSQL schema (node-postgres; COPY through pg-copy-streams: measured on this machine
 * against postgres.js's COPY writable, 130 transactions of 1,500 nucleus-like rows each, 43k rows/s against
 * 16k). Opening connects, puts
 * the schema first on the search path, and:
 * - read: checks the schema's migrations (older: `pannuke upgrade`; newer: refused) and makes every
 *   transaction of the session READ ONLY;
 * - write/load: takes the schema's writer lock (an advisory lock, held by the session, so a killed writer
 *   releases it), applies missing migrations (load creates the schema), and adds the PostGIS `geom` columns
 *   where the extension is present (./postgis.ts).
 */
import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { PannukeError } from '../../errors.js';
import { CLASS_NAMES } from '../schema.js';
import { MIGRATIONS_FOLDER } from '../open.js';
import { TOOL_VERSION } from '../../meta/package.js';
import type { DbLocation } from '../location.js';
import { exactInteger, type RowSet, type Store, type StoreMode } from '../store.js';
import { copyRow, numberPlaceholders } from './encode.js';
import { addGeometryColumns, type PostgisState } from './postgis.js';
import { postgresError } from './errors.js';
import { DEFAULT_CONNECT_TIMEOUT_MS } from '../timeouts.js';

export const PG_MIGRATIONS_FOLDER = path.join(MIGRATIONS_FOLDER, 'postgres');
const MIGRATIONS_TABLE = '__drizzle_migrations';
/** First key of the writer lock ("pann"); the second is hashtext(schema). */
const LOCK_CLASS = 0x70616e6e;

function knownMigrations(): number {
  return (JSON.parse(fs.readFileSync(path.join(PG_MIGRATIONS_FOLDER, 'meta', '_journal.json'), 'utf8')) as { entries: unknown[] }).entries.length;
}

/** int8 and numeric exactly: numbers where exact, BigInt (int8) or the decimal text (numeric) otherwise. */
const TYPES = {
  getTypeParser(oid: number, format?: string) {
    if (oid === 20) return (v: string) => exactInteger(BigInt(v));
    if (oid === 1700) {
      return (v: string) => {
        if (/^-?\d+$/.test(v)) return exactInteger(BigInt(v));
        const n = Number(v);
        return Number.isFinite(n) ? n : v;
      };
    }
    return pg.types.getTypeParser(oid, format as 'text');
  },
};

/** node-postgres sends a BigInt parameter as text only when told. */
const toParam = (v: unknown) => (typeof v === 'bigint' ? v.toString() : v);

const quoteIdent = (name: string) => `"${name.replaceAll('"', '""')}"`;

export class PostgresStore implements Store {
  readonly backend = 'postgres' as const;
  readonly label: string;
  readonly schema: string;
  readonly identity: string;
  /** Whether nuclei have a PostGIS `geom` column (write/load modes; read mode looks it up). */
  postgis: PostgisState = 'absent';
  /** Migrations applied when it was opened, and those this version knows (applied now, unless read-only). */
  migrations = { before: 0, known: 0 };
  private inTransaction = false;
  private cursors = 0;

  private constructor(readonly client: pg.Client, location: Extract<DbLocation, { kind: 'postgres' }>) {
    this.label = location.label;
    this.schema = location.schema;
    this.identity = location.label;
  }

  static async open(location: Extract<DbLocation, { kind: 'postgres' }>, mode: StoreMode, options: { onNote?: (line: string) => void; connectTimeoutMs?: number } = {}): Promise<PostgresStore> {
    const timeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    const client = new pg.Client({ connectionString: location.connectionString, types: TYPES, application_name: 'pannuke-db', connectionTimeoutMillis: timeoutMs });
    // A dropped connection is reported by the statement that needs it; without a listener it would crash.
    client.on('error', () => undefined);
    // Every way a connection attempt can end badly must end the process too: node-postgres leaves the socket
    // open after a failed authentication (a URL without a password meeting SCRAM kept the command alive for
    // ever), and a server that accepts and never answers is bounded only by this deadline.
    const abandon = () => {
      (client as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy();
      void client.end().catch(() => undefined);
    };
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new PannukeError('DB_OPEN', `no answer from the PostgreSQL server within ${timeoutMs / 1000} s`, {
        file: location.label, hint: 'is the host and port right, and the server up? (--connect-timeout <s> to wait longer)',
      })), timeoutMs);
    });
    try {
      await Promise.race([client.connect(), deadline]);
    } catch (cause) {
      clearTimeout(timer);
      abandon();
      throw postgresError(cause, location.label, 'connect');
    }
    const store = new PostgresStore(client, location);
    try {
      await Promise.race([store.prepare(mode, options.onNote ?? (() => undefined)), deadline]);
    } catch (e) {
      abandon();
      throw postgresError(e, location.label, 'open');
    } finally {
      clearTimeout(timer);
    }
    return store;
  }

  private async prepare(mode: StoreMode, note: (line: string) => void): Promise<void> {
    const c = this.client;
    const schema = quoteIdent(this.schema);
    await c.query(`SET search_path TO ${schema}, public`);
    if (mode === 'read') await c.query('SET default_transaction_read_only = on');
    else await this.lock();
    const exists = (await c.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [this.schema])).rowCount === 1;
    const applied = exists ? await this.appliedMigrations() : 0;
    const known = knownMigrations();
    this.migrations = { before: applied, known };
    if (applied > known) {
      throw new PannukeError('DB_SCHEMA', `database schema is newer than this version of pannuke-db knows: ${applied} migrations applied, ${known} known`, {
        file: this.label, hint: 'upgrade pannuke-db (npm install pannuke-db@latest)',
      });
    }
    if (applied === 0 && mode !== 'load') {
      throw new PannukeError('DB_SCHEMA', `schema '${this.schema}' holds no pannuke-db database`, {
        file: this.label, hint: 'create it with `pannuke ingest <root> --db <url>` or `pannuke copy --from <file> --to <url>`',
      });
    }
    if (applied === 0 && exists && this.schema !== 'public') {
      const tables = (await c.query("SELECT count(*) AS n FROM pg_tables WHERE schemaname = $1 AND tablename <> $2", [this.schema, MIGRATIONS_TABLE])).rows[0].n as number;
      if (tables > 0) throw new PannukeError('DB_SCHEMA', `schema '${this.schema}' has tables and no pannuke-db migration history`, { file: this.label, hint: 'choose another ?schema=' });
    }
    if (mode === 'read') {
      if (applied < known) {
        throw new PannukeError('DB_SCHEMA', `database schema is older than this version of pannuke-db: ${applied} of ${known} migrations applied`, {
          file: this.label, hint: `upgrade it once with \`pannuke upgrade --db <url>\` (reading commands never change a database)`,
        });
      }
      this.postgis = (await c.query("SELECT 1 FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'nuclei' AND column_name = 'geom'", [this.schema])).rowCount === 1 ? 'geom' : 'absent';
      return;
    }
    if (applied < known) {
      await migrate(drizzle(c), { migrationsFolder: PG_MIGRATIONS_FOLDER, migrationsSchema: this.schema, migrationsTable: MIGRATIONS_TABLE });
    }
    await c.query(
      `INSERT INTO classes (id, name) SELECT * FROM unnest($1::bigint[], $2::text[]) ON CONFLICT DO NOTHING`,
      [CLASS_NAMES.map((_, i) => i + 1), [...CLASS_NAMES]],
    );
    await c.query(
      // Written only where it changes: a command that changes nothing leaves the rows as they were.
      `INSERT INTO metadata (key, value) VALUES ('schema_version', $1), ('tool_version', $2)
       ON CONFLICT (key) DO UPDATE SET value = excluded.value WHERE metadata.value IS DISTINCT FROM excluded.value`,
      [String(known), TOOL_VERSION],
    );
    this.postgis = await addGeometryColumns(c, this.schema, note);
  }

  private async appliedMigrations(): Promise<number> {
    const table = await this.client.query('SELECT 1 FROM pg_tables WHERE schemaname = $1 AND tablename = $2', [this.schema, MIGRATIONS_TABLE]);
    if (table.rowCount === 0) return 0;
    return (await this.client.query(`SELECT count(*) AS n FROM ${quoteIdent(this.schema)}.${MIGRATIONS_TABLE}`)).rows[0].n as number;
  }

  /** The writer lock of this schema, or a refusal naming who holds it. */
  private async lock(): Promise<void> {
    const got = await this.client.query('SELECT pg_try_advisory_lock($1, hashtext($2)) AS ok', [LOCK_CLASS, this.schema]);
    if (got.rows[0].ok === true) return;
    const holder = await this.client.query(
      `SELECT a.pid, a.application_name, a.client_addr::text AS addr FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
        WHERE l.locktype = 'advisory' AND l.classid = $1::int::oid AND l.objid = hashtext($2)::oid AND l.granted LIMIT 1`,
      [LOCK_CLASS, this.schema],
    );
    const h = holder.rows[0] as { pid: number; application_name: string; addr: string | null } | undefined;
    const who = h === undefined ? '' : ` (server pid ${h.pid}, ${h.application_name || 'no application name'}${h.addr === null ? '' : ` from ${h.addr}`})`;
    throw new PannukeError('DB_LOCKED', `another pannuke-db writer holds the lock of schema '${this.schema}' (advisory lock pannuke-db/${this.schema})${who}`, {
      file: this.label, hint: 'wait for it to finish and run the command again; one writer at a time',
    });
  }

  async all(sql: string, params: readonly unknown[] = []): Promise<RowSet> {
    const result = await this.client.query({ text: numberPlaceholders(sql), values: params.map(toParam), rowMode: 'array' });
    return { columns: result.fields.map((f) => f.name), rows: result.rows as unknown[][] };
  }

  async allReadOnly(sql: string, params: readonly unknown[] = []): Promise<RowSet> {
    if (this.inTransaction) throw new Error('allReadOnly inside a transaction');
    await this.client.query('BEGIN READ ONLY');
    try {
      const rows = await this.all(sql, params);
      await this.client.query('COMMIT');
      return rows;
    } catch (e) {
      await this.client.query('ROLLBACK').catch(() => undefined);
      const code = (e as { code?: string }).code ?? '';
      if (code === '25006') throw new PannukeError('QUERY', `only reads are allowed here: ${(e as Error).message}`, { file: this.label, cause: e });
      if (/^(42|22)/.test(code)) throw new PannukeError('QUERY', `PostgreSQL: ${(e as Error).message}`, { file: this.label, cause: e });
      throw e;
    }
  }

  async *iterate(sql: string, params: readonly unknown[] = [], batchRows = 1000): AsyncIterable<RowSet> {
    const own = !this.inTransaction;
    const cursor = `pannuke_cursor_${++this.cursors}`;
    if (own) await this.client.query('BEGIN');
    let finished = false;
    try {
      await this.client.query({ text: `DECLARE ${cursor} NO SCROLL CURSOR FOR ${numberPlaceholders(sql)}`, values: params.map(toParam) });
      for (;;) {
        const r = await this.client.query({ text: `FETCH ${batchRows} FROM ${cursor}`, rowMode: 'array' });
        if (r.rows.length > 0) yield { columns: r.fields.map((f) => f.name), rows: r.rows as unknown[][] };
        if (r.rows.length < batchRows) break;
      }
      await this.client.query(`CLOSE ${cursor}`);
      if (own) await this.client.query('COMMIT');
      finished = true;
    } finally {
      // An error, or a consumer that stopped early (break, an error of its own): the cursor's transaction ends.
      if (own && !finished) await this.client.query('ROLLBACK').catch(() => undefined);
    }
  }

  startWriting(): void {
    // PostgreSQL's write-ahead log is always on: nothing changes before the first write.
  }

  idle(): void {
    // The server checkpoints on its own.
  }

  async run(sql: string, params: readonly unknown[] = []): Promise<void> {
    await this.client.query(numberPlaceholders(sql), params.map(toParam));
  }

  async append(table: string, columns: readonly string[], rows: Iterable<readonly unknown[]>): Promise<void> {
    const iterator = rows[Symbol.iterator]();
    const first = iterator.next();
    if (first.done === true) return;
    // Rows are encoded a chunk at a time (each as it comes: a generator may refill one array), so a large
    // batch never exists as one string.
    function* text() {
      let chunk = '';
      for (let r = first; r.done !== true; r = iterator.next()) {
        chunk += copyRow(r.value);
        if (chunk.length >= 1 << 20) {
          yield chunk;
          chunk = '';
        }
      }
      if (chunk !== '') yield chunk;
    }
    await this.appendText(`COPY ${quoteIdent(table)} (${columns.map(quoteIdent).join(', ')}) FROM STDIN`, text());
  }

  /** Runs a `COPY … FROM STDIN` (text format) fed with the given chunks of rows. */
  async appendText(copy: string, chunks: Iterable<string>): Promise<void> {
    await pipeline(Readable.from(chunks), this.client.query(copyFrom(copy)));
  }

  async reserveIds(table: string, count: number): Promise<number[]> {
    if (count === 0) return [];
    const r = await this.client.query({ text: "SELECT nextval(pg_get_serial_sequence($1, 'id')) FROM generate_series(1, $2::int)", values: [quoteIdent(table), count], rowMode: 'array' });
    return (r.rows as [number][]).map((row) => row[0]).sort((a, b) => a - b);
  }

  async finishLoad(): Promise<void> {
    const identities = await this.client.query(
      "SELECT table_name FROM information_schema.columns WHERE table_schema = $1 AND column_name = 'id' AND is_identity = 'YES'",
      [this.schema],
    );
    for (const { table_name: table } of identities.rows as { table_name: string }[]) {
      await this.client.query(`SELECT setval(pg_get_serial_sequence($1, 'id'), coalesce((SELECT max(id) FROM ${quoteIdent(table)}), 0) + 1, false)`, [quoteIdent(table)]);
    }
    await this.client.query('ANALYZE');
  }

  async transaction<T>(work: () => Promise<T>): Promise<T> {
    if (this.inTransaction) return work();
    await this.client.query('BEGIN');
    this.inTransaction = true;
    try {
      const result = await work();
      await this.client.query('COMMIT');
      return result;
    } catch (e) {
      await this.client.query('ROLLBACK').catch(() => undefined);
      throw e;
    } finally {
      this.inTransaction = false;
    }
  }

  async close(): Promise<void> {
    await this.client.end().catch(() => undefined);
  }
}
