/**
 * One user query on a PostgreSQL database, guarded three ways: the statement must be a read (SELECT, WITH,
 * VALUES, TABLE, EXPLAIN, SHOW; never SET, COPY, DO, CALL or DDL), it goes through the extended protocol (one
 * statement: `SELECT 1; DROP …` is refused by the server), and it runs in a READ ONLY transaction of a session
 * whose transactions are all read-only, with a statement timeout; the client also cancels it at the deadline,
 * whatever the statement did to its own settings. Rows stream through a cursor (1,000 at a time), so memory
 * stays flat. The role's privileges remain the real boundary: give BI users a read-only role.
 */
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import type pg from 'pg';
import { onInterrupt } from '../interrupt.js';
import { PannukeError } from '../errors.js';
import { firstKeyword, oversizedValue } from './statement.js';
import { rowWriter, type TextOut } from '../export/text.js';
import type { PostgresStore } from '../db/postgres/store.js';
import { postgresError } from '../db/postgres/errors.js';
import type { Format } from '../export/text.js';

const READ_KEYWORDS = new Set(['SELECT', 'WITH', 'VALUES', 'TABLE', 'EXPLAIN', 'SHOW']);


export interface ServerQueryOptions {
  format: Format;
  raw: boolean;
  timeoutMs: number;
  maxValueBytes: number;
  /** The server's connection string, for the cancel request (the store's own connection is busy). */
  connectionString: string;
}


export async function runServerQuery(store: PostgresStore, sql: string, out: TextOut, o: ServerQueryOptions): Promise<void> {
  const keyword = firstKeyword(sql);
  if (!READ_KEYWORDS.has(keyword)) {
    throw new PannukeError('QUERY', `only reads are allowed: ${keyword || 'this statement'} is not one`, {
      file: store.label, hint: 'query runs one SELECT (or WITH, VALUES, TABLE, EXPLAIN, SHOW) in a READ ONLY transaction',
    });
  }
  const c = store.client;
  const pid = (await c.query('SELECT pg_backend_pid() AS pid')).rows[0].pid as number;
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    void cancel(o.connectionString, pid);
  }, o.timeoutMs);
  // Ctrl-C ends this process at once; the server would go on with the statement until it next writes to the
  // closed connection or reaches the timeout, so a process of its own, left behind, asks it to stop.
  const unregister = onInterrupt(() => cancelDetached(o.connectionString, pid));
  try {
    await c.query('BEGIN READ ONLY');
    await c.query(`SET LOCAL statement_timeout = ${Math.max(1, Math.round(o.timeoutMs))}`);
    if (keyword === 'EXPLAIN' || keyword === 'SHOW') {
      const r = await c.query({ text: sql, rowMode: 'array', queryMode: 'extended' } as pg.QueryConfig);
      const sink = rowWriter(out, o.format, r.fields.map((f) => f.name), { raw: o.raw });
      for (const row of r.rows as unknown[][]) await sink.write(row);
      await sink.end();
    } else {
      await c.query({ text: `DECLARE pannuke_query NO SCROLL CURSOR FOR ${sql}`, queryMode: 'extended' } as pg.QueryConfig);
      let sink: ReturnType<typeof rowWriter> | undefined;
      let rowNumber = 0;
      for (;;) {
        const r = await c.query({ text: 'FETCH 1000 FROM pannuke_query', rowMode: 'array' });
        const columns = r.fields.map((f) => f.name);
        sink ??= rowWriter(out, o.format, columns, { raw: o.raw });
        for (const row of r.rows as unknown[][]) {
          rowNumber++;
          const refused = oversizedValue(row, columns, o.maxValueBytes, rowNumber, store.label);
          if (refused !== undefined) throw refused;
          await sink.write(row);
        }
        if (r.rows.length < 1000) break;
      }
      await sink?.end();
    }
    await c.query('COMMIT');
  } catch (e) {
    await c.query('ROLLBACK').catch(() => undefined);
    if (timedOut || (e as { code?: string }).code === '57014') {
      throw new PannukeError('QUERY', `the query ran longer than the --timeout of ${o.timeoutMs / 1000} s and was stopped`, {
        file: store.label, hint: 'raise --timeout, or ask for less (a LIMIT, a narrower WHERE)',
      });
    }
    if (e instanceof PannukeError) throw e;
    const code = (e as { code?: string }).code ?? '';
    if (code === '25006') throw new PannukeError('QUERY', `only reads are allowed: ${(e as Error).message}`, { file: store.label, cause: e });
    if (/^(42|22|0A|2B|21|23)/.test(code)) throw new PannukeError('QUERY', `PostgreSQL: ${(e as Error).message}`, { file: store.label, cause: e });
    throw postgresError(e, store.label, 'query');
  } finally {
    clearTimeout(timer);
    unregister();
  }
}

/** `cancel` from a detached child process: the SIGINT handler is synchronous and the process exits after it. */
function cancelDetached(connectionString: string, pid: number): void {
  const pgModule = pathToFileURL(createRequire(import.meta.url).resolve('pg')).href;
  const script = `import pg from ${JSON.stringify(pgModule)};
    const c = new pg.Client({ connectionString: process.env.PANNUKE_CANCEL_URL, application_name: 'pannuke-db cancel' });
    c.on('error', () => {});
    try { await c.connect(); await c.query('SELECT pg_cancel_backend($1)', [Number(process.env.PANNUKE_CANCEL_PID)]); } catch {} finally { await c.end().catch(() => {}); }`;
  spawn(process.execPath, ['--input-type=module', '-e', script], {
    detached: true, stdio: 'ignore', env: { ...process.env, PANNUKE_CANCEL_URL: connectionString, PANNUKE_CANCEL_PID: String(pid) },
  }).unref();
}

/** Asks the server to cancel a backend's statement, from a connection of its own. */
async function cancel(connectionString: string, pid: number): Promise<void> {
  // Imported here: this module is part of every command's start-up (see db/postgres/errors.ts).
  const { default: pg } = await import('pg');
  const c = new pg.Client({ connectionString, application_name: 'pannuke-db cancel' });
  c.on('error', () => undefined);
  try {
    await c.connect();
    await c.query('SELECT pg_cancel_backend($1)', [pid]);
  } catch {
    // The statement timeout stops it anyway.
  } finally {
    await c.end().catch(() => undefined);
  }
}
