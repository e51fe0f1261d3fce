/** A fresh database per test file on the run's PostgreSQL server (test/helpers/postgres-server.ts). */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, inject } from 'vitest';

export const postgresUrl = inject('postgresUrl');
export const postgresSkip = inject('postgresSkip');
if (postgresSkip !== '') console.warn(`skipping PostgreSQL tests: ${postgresSkip}`);

/** Creates a database (with PostGIS unless `postgis: false`) and returns its URL; dropped after the file. */
export async function freshDatabase(options: { postgis?: boolean } = {}): Promise<string> {
  const name = `t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: postgresUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = postgresUrl.replace(/\/postgres$/, `/${name}`);
  if (options.postgis !== false) {
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    await c.query('CREATE EXTENSION postgis');
    await c.end();
  }
  afterAll(async () => {
    const a = new pg.Client({ connectionString: postgresUrl });
    await a.connect();
    await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await a.end();
  });
  return url;
}

/** Runs one statement on a URL and returns its rows. */
export async function pgRows<T = Record<string, unknown>>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query(sql, params)).rows as T[];
  } finally {
    await c.end();
  }
}
