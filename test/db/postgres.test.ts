// PostgreSQL as a destination, against a real server (test/helpers/postgres-server.ts): the same synthetic
// input gives the same content and statistics as on SQLite (read back directly, by natural key); PostGIS
// geometries match the areas; kill -9 during an ingest or a copy, then the same command, gives the same
// content; one writer at a time; query cannot write; copy round-trips every table both ways.
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import { exitOf, spawnCli } from '../helpers/child.js';
import { postgresContent, sqliteContent } from '../helpers/content.js';
import { dumpDb } from '../helpers/db.js';
import { writeTinyFold } from '../helpers/folds.js';
import { captureIo } from '../helpers/io.js';
import { freshDatabase, pgRows, postgresSkip } from '../helpers/postgres.js';
import { tempDir } from '../helpers/tmp.js';

const skip = postgresSkip !== '';

async function cli(...argv: string[]) {
  const io = captureIo();
  const code = await runCli(argv, io);
  return { code, out: io.out(), err: io.err() };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const dir = tempDir('postgres');
const data = path.join(dir, 'data');
const reference = path.join(dir, 'reference.sqlite');

describe.skipIf(skip)('PostgreSQL', () => {
  beforeAll(async () => {
    expect((await cli('synth', data, '--images-per-fold', '30', '--size', '128', '--seed', '5')).code).toBe(0);
    expect((await cli('ingest', data, '--db', reference)).code).toBe(0);
    expect((await cli('subset', 'create', 'bal', '--db', reference, '--nuclei-per-class', '15', '--seed', '3')).code).toBe(0);
  });

  it('ingest gives the content of a SQLite ingest (every data table by natural key, outlines byte for byte) and the same stats', async () => {
    const url = await freshDatabase();
    const r = await cli('ingest', data, '--db', url);
    expect(r.code, r.err).toBe(0);
    const tables = ['tissues', 'classes', 'images', 'nuclei', 'area_histogram', 'sources'];
    const [a, b] = [sqliteContent(reference, tables), await postgresContent(url, 'public', tables)];
    for (const t of tables) expect(b[t], t).toBe(a[t]);
    expect(a.nuclei?.split('\n').length).toBeGreaterThan(300);
    for (const by of [[], ['--by', 'tissue,fold,class'], ['--by', 'class']]) {
      const [x, y] = [await cli('stats', '--db', reference, '--format', 'csv', ...by), await cli('stats', '--db', url, '--format', 'csv', ...by)];
      expect(y.code, y.err).toBe(0);
      expect(y.out).toBe(x.out);
    }
    // PostGIS: the geom column PostgreSQL generates from contour is valid and its area is the pixel count.
    const [g] = await pgRows<{ n: string; valid: string; exact: string }>(url,
      'SELECT count(*) AS n, count(*) FILTER (WHERE ST_IsValid(geom)) AS valid, count(*) FILTER (WHERE ST_Area(geom) = area) AS exact FROM nuclei');
    expect(Number(g?.n)).toBeGreaterThan(300);
    expect(g?.valid).toBe(g?.n);
    expect(g?.exact).toBe(g?.n);
    const [idx] = await pgRows<{ n: string }>(url, "SELECT count(*) AS n FROM pg_indexes WHERE tablename = 'nuclei' AND indexdef LIKE '%USING gist (geom)%'");
    expect(idx?.n).toBe('1');
    // Exports from PostgreSQL are the same files as from SQLite, byte for byte.
    for (const [format, extra] of [['csv', []], ['parquet', []], ['geojson', []], ['geoparquet', ['--partition-by', 'fold,tissue']]] as const) {
      const [x, y] = [path.join(dir, `sqlite.${format}`), path.join(dir, `pg.${format}`)];
      expect((await cli('export', '--db', reference, '--format', format, '--out', x, ...extra)).code).toBe(0);
      const e = await cli('export', '--db', url, '--format', format, '--out', y, ...extra);
      expect(e.code, e.err).toBe(0);
      const files = (root: string) => (fs.statSync(root).isDirectory() ? fs.readdirSync(root, { recursive: true }).map(String).filter((f) => f.endsWith('.parquet')).sort() : ['']);
      expect(files(y)).toEqual(files(x));
      for (const f of files(x)) expect(fs.readFileSync(path.join(y, f)).equals(fs.readFileSync(path.join(x, f))), `${format} ${f}`).toBe(true);
    }
    // A second run changes nothing.
    const again = await cli('ingest', data, '--db', url);
    expect(again.out).toMatch(/nothing to do/);
    expect((await postgresContent(url, 'public', tables)).nuclei).toBe(a.nuclei);
  });

  it('subsets, qc and upgrade: the same subsets for the same seed as on SQLite; --where cannot write', async () => {
    const url = await freshDatabase();
    const local = path.join(dir, 'subsets.sqlite');
    expect((await cli('ingest', data, '--db', url)).code).toBe(0);
    expect((await cli('ingest', data, '--db', local)).code).toBe(0);
    const specs = [
      ['a', '--nuclei-per-class', '7', '--seed', '4', '--stratify', 'tissue'],
      ['b', '--images', '9', '--balance', 'class', '--seed', '2', '--folds', '1,2'],
      ['c', '--nuclei-per-class', '5', '--where', 'eccentricity < 0.8 AND area >= 20', '--tissues', 'breast,colon'],
    ];
    for (const [name, ...options] of specs) {
      const [x, y] = [await cli('subset', 'create', name as string, '--db', local, ...options), await cli('subset', 'create', name as string, '--db', url, ...options)];
      expect(y.code, y.err).toBe(0);
      expect(y.out.replaceAll(url, local)).toBe(x.out);
    }
    const tables = ['subsets', 'subset_members'];
    const [a, b] = [sqliteContent(local, tables), await postgresContent(url, 'public', tables)];
    for (const t of tables) expect(b[t], t).toBe(a[t]);
    for (const args of [['subset', 'list'], ['subset', 'show', 'a'], ['qc'], ['stats', '--subset', 'b', '--by', 'tissue']]) {
      const [x, y] = [await cli(...args, '--db', local), await cli(...args, '--db', url)];
      expect(y.code, y.err).toBe(0);
      const untimed = (t: string) => t.replace(/\d{4}-\d\d-\d\dT[\d:.]+Z/g, '<time>');
      expect(untimed(y.out), args.join(' ')).toBe(untimed(x.out));
    }
    const write = await cli('subset', 'create', 'w', '--db', url, '--nuclei-per-class', '1', '--where', "nextval(pg_get_serial_sequence('images', 'id')) > 0");
    expect(write.code).toBe(1);
    expect(write.err).toMatch(/read-only transaction/);
    expect((await cli('subset', 'drop', 'a', '--db', url)).code).toBe(0);
    expect((await pgRows(url, "SELECT 1 FROM subsets WHERE name = 'a'"))).toEqual([]);
    const up = await cli('upgrade', '--db', url);
    expect(up.out).toMatch(/is up to date \(\d+ migrations\)/);
    // verify and report read PostgreSQL as they read SQLite.
    const verify = await cli('verify', data, '--db', url);
    expect(verify.code, verify.err).toBe(0);
    expect(verify.out).toMatch(/^verified: 90 images and \d+ nuclei/);
    const report = path.join(dir, 'pg-report.html');
    const r = await cli('report', '--db', url, '--subset', 'b', '--out', report);
    expect(r.code, r.err).toBe(0);
    const localReport = path.join(dir, 'sqlite-report.html');
    expect((await cli('report', '--db', local, '--subset', 'b', '--out', localReport)).code).toBe(0);
    // The same report but for the database's name, the run log's times and the subset's creation time.
    const normal = (f: string) => fs.readFileSync(f, 'utf8').replace(/\d{4}-\d\d-\d\dT[\d:.]+Z/g, '<time>').replace(/postgres:\/\/[^<"\s]*|\/[^<"\s]*subsets\.sqlite/g, '<db>');
    expect(normal(report)).toBe(normal(localReport));
  });

  it('eval run, show, compare, list, drop: the same figures as on SQLite, the same stored matches', async () => {
    const url = await freshDatabase();
    const local = path.join(dir, 'eval.sqlite');
    expect((await cli('ingest', data, '--db', url, '--folds', '1')).code).toBe(0);
    expect((await cli('ingest', data, '--db', local, '--folds', '1')).code).toBe(0);
    const pred = path.join(dir, 'pred');
    expect((await cli('synth', pred, '--prediction-of', data, '--fold', '1', '--seed', '8')).code).toBe(0);
    for (const db of [local, url]) {
      const r = await cli('eval', 'run', pred, '--db', db, '--name', 'model', '--fold', '1');
      expect(r.code, r.err).toBe(0);
    }
    const [x, y] = [await cli('eval', 'show', 'model', '--db', local, '--format', 'json'), await cli('eval', 'show', 'model', '--db', url, '--format', 'json')];
    expect(y.code, y.err).toBe(0);
    // Sums of floats may be added in another order by the two databases: equal to 1e-12.
    const close = (a: unknown, b: unknown, where: string): void => {
      if (typeof a === 'number' && typeof b === 'number') expect(Math.abs(a - b), where).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(a)));
      else if (a !== null && typeof a === 'object') for (const k of Object.keys(a as object)) close((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${where}.${k}`);
      else expect(b, where).toEqual(a);
    };
    const [rx, ry] = [JSON.parse(x.out) as Record<string, unknown>, JSON.parse(y.out) as Record<string, unknown>];
    expect(Object.keys(ry)).toEqual(Object.keys(rx));
    close(rx, ry, 'report');
    expect(Number(rx.mPQ)).toBeGreaterThan(0.3);
    // The stored pairs by natural key on both sides.
    const pairs = `SELECT i.fold_index AS a, m.mode, g.class_id AS gc, g.instance_id AS gi, p.class_id AS pc, p.instance_id AS pi, m.intersection, m.iou FROM eval_matches m
      JOIN nuclei g ON g.id = m.gt_nucleus_id JOIN predicted_nuclei p ON p.id = m.pred_nucleus_id JOIN images i ON i.id = g.image_id`;
    const sqliteRows = new Database(local, { readonly: true }).prepare(pairs).raw().all().map((r) => JSON.stringify(r)).sort();
    const pgRowsSorted = (await pgRows<Record<string, unknown>>(url, pairs)).map((r) => JSON.stringify(Object.values(r).map((v) => (typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v)))).sort();
    expect(pgRowsSorted).toEqual(sqliteRows);
    expect(sqliteRows.length).toBeGreaterThan(100);
    expect((await cli('eval', 'run', pred, '--db', url, '--name', 'model', '--fold', '1')).out).toMatch(/nothing to do/);
    expect((await cli('eval', 'run', pred, '--db', url, '--name', 'model2', '--fold', '1')).code).toBe(0);
    const cmp = await cli('eval', 'compare', 'model', 'model2', '--db', url, '--format', 'csv');
    expect(cmp.code, cmp.err).toBe(0);
    expect(cmp.out).toMatch(/^scope,name,metric,model,model2/);
    expect((await cli('eval', 'list', '--db', url)).out).toMatch(/model2/);
    expect((await cli('eval', 'drop', 'model2', '--db', url)).code).toBe(0);
    const [left] = await pgRows<{ n: string }>(url, 'SELECT count(*) AS n FROM predicted_nuclei p JOIN prediction_sets s ON s.id = p.set_id');
    expect(Number(left?.n)).toBeGreaterThan(0);
    expect((await pgRows(url, "SELECT 1 FROM prediction_sets WHERE name = 'model2'"))).toEqual([]);
  });

  it('ingest --replace of a changed fold: the same rows, the same subset members kept and reported as on SQLite', async () => {
    const url = await freshDatabase();
    const local = path.join(dir, 'replace.sqlite');
    for (const db of [url, local]) {
      expect((await cli('ingest', data, '--db', db)).code).toBe(0);
      expect((await cli('subset', 'create', 's', '--db', db, '--nuclei-per-class', '12', '--seed', '5')).code).toBe(0);
    }
    // Fold 1 replaced by other files (another seed); folds 2 and 3 as they were.
    const other = path.join(dir, 'other');
    expect((await cli('synth', other, '--images-per-fold', '30', '--size', '128', '--seed', '77', '--folds', '1')).code).toBe(0);
    const changed = path.join(dir, 'changed');
    fs.cpSync(path.join(other, 'Fold 1'), path.join(changed, 'Fold 1'), { recursive: true });
    for (const k of [2, 3]) fs.cpSync(path.join(data, `Fold ${k}`), path.join(changed, `Fold ${k}`), { recursive: true });
    const [x, y] = [await cli('ingest', changed, '--db', local, '--replace'), await cli('ingest', changed, '--db', url, '--replace')];
    expect(y.code, y.err).toBe(0);
    const said = (r: { err: string; out: string }) => `${r.err.split('\n').filter((l) => /^(warning|note)/.test(l)).join('\n')}|${r.out.split('\n')[0]}`;
    expect(said(y).replaceAll(url, '<db>')).toBe(said(x).replaceAll(local, '<db>'));
    expect(x.err).toMatch(/subset 's': \d+ of its \d+ nuclei in fold 1 are not in the new files/);
    const tables = ['images', 'nuclei', 'area_histogram', 'sources', 'subsets', 'subset_members'];
    const [a, b] = [sqliteContent(local, tables), await postgresContent(url, 'public', tables)];
    for (const t of tables) expect(b[t], t).toBe(a[t]);
  });

  it('kill -9 during an ingest, then the same command: the content of an uninterrupted run', async () => {
    const url = await freshDatabase();
    const expected = sqliteContent(reference, ['images', 'nuclei', 'area_histogram']);
    const images = async () => {
      const exists = await pgRows(url, "SELECT 1 FROM pg_tables WHERE tablename = 'images'");
      return exists.length === 0 ? 0 : Number((await pgRows<{ n: string }>(url, 'SELECT count(*) AS n FROM images'))[0]?.n);
    };
    const partial: number[] = [];
    for (const step of [10, 25, 40]) {
      // Killed once this many more images are committed (by progress, not by time: start-up varies).
      const target = (await images()) + step;
      const child = spawnCli(['ingest', data, '--db', url, '--batch-size', '2', '--workers', '1']);
      const t0 = Date.now();
      while ((await images()) < target && child.exitCode === null && Date.now() - t0 < 20_000) await sleep(5);
      child.kill('SIGKILL');
      await exitOf(child);
      partial.push(await images());
    }
    expect(partial.some((n) => n > 0 && n < 90), `images after each kill: ${partial.join(', ')}`).toBe(true);
    const rerun = spawnCli(['ingest', data, '--db', url]);
    expect((await exitOf(rerun)).code, rerun.output().err).toBe(0);
    const got = await postgresContent(url, 'public', ['images', 'nuclei', 'area_histogram']);
    for (const t of Object.keys(expected)) expect(got[t], t).toBe(expected[t]);
    const runs = await pgRows<{ status: string }>(url, 'SELECT status FROM ingest_runs ORDER BY id');
    expect(runs.at(-1)?.status).toBe('finished');
    expect(runs.filter((r) => r.status === 'running')).toEqual([]);
  });

  it('one writer at a time: a second writer is refused, naming the advisory lock', async () => {
    const url = await freshDatabase();
    expect((await cli('ingest', data, '--db', url, '--folds', '1')).code).toBe(0);
    const holder = new pg.Client({ connectionString: url, application_name: 'another writer' });
    await holder.connect();
    try {
      await holder.query("SELECT pg_advisory_lock(x'70616e6e'::int, hashtext('public'))");
      const r = await cli('ingest', data, '--db', url, '--folds', '2');
      expect(r.code).toBe(1);
      expect(r.err).toMatch(/another pannuke-db writer holds the lock of schema 'public' \(advisory lock pannuke-db\/public\) \(server pid \d+, another writer/);
      const c = await cli('copy', '--from', reference, '--to', url);
      expect(c.code).toBe(1);
    } finally {
      await holder.end();
    }
    const [n] = await pgRows<{ n: string }>(url, 'SELECT count(*) AS n FROM images WHERE fold = 2');
    expect(n?.n).toBe('0');
    // Two ingests at once: the second is refused while the first runs, and the first completes.
    const first = spawnCli(['ingest', data, '--db', url, '--batch-size', '1', '--workers', '1']);
    const t0 = Date.now();
    while (Number((await pgRows<{ n: string }>(url, 'SELECT count(*) AS n FROM images'))[0]?.n) <= 30 && first.exitCode === null && Date.now() - t0 < 20_000) await sleep(5);
    const second = await cli('ingest', data, '--db', url);
    expect(first.exitCode, 'the first ingest was still running').toBe(null);
    expect(second.code).toBe(1);
    expect(second.err).toMatch(/another pannuke-db writer holds the lock .*pannuke-db/);
    expect((await exitOf(first)).code, first.output().err).toBe(0);
    const [all] = await pgRows<{ n: string }>(url, 'SELECT count(*) AS n FROM images');
    expect(all?.n).toBe('90');
  });

  it('bad input found mid-run leaves the database as it was', async () => {
    const url = await freshDatabase();
    expect((await cli('ingest', data, '--db', url, '--folds', '1')).code).toBe(0);
    const before = await postgresContent(url);
    const bad = path.join(dir, 'bad');
    const masks = new Float64Array(3 * 4 * 4 * 6);
    masks[0] = 5; // image 0: a nucleus
    masks[((1 * 4 + 2) * 4 + 3) * 6 + 1] = Number.NaN; // image 1: a NaN id
    writeTinyFold(bad, 2, 'flat', { n: 3, masks });
    const r = await cli('ingest', bad, '--db', url, '--batch-size', '1', '--workers', '1');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/fold 2, image 1, channel 1, row 2, col 3: mask value NaN is not a number/);
    expect(await postgresContent(url)).toEqual(before);
    const runs = await pgRows<{ status: string; images: string }>(url, 'SELECT status, images FROM ingest_runs ORDER BY id');
    expect(runs.at(-1)).toEqual({ status: 'failed', images: '0' });
  });

  it('query reads and cannot write: INSERT, DDL, SET, COPY to a file, two statements, pg_sleep past the timeout', async () => {
    const url = await freshDatabase();
    expect((await cli('copy', '--from', reference, '--to', url)).code).toBe(0);
    const ok = await cli('query', 'SELECT class, count(*) AS n FROM nucleus_facts GROUP BY class ORDER BY class', '--db', url, '--format', 'csv');
    expect(ok.code, ok.err).toBe(0);
    const sqlite = await cli('query', 'SELECT class, count(*) AS n FROM nucleus_facts GROUP BY class ORDER BY class', '--db', reference, '--format', 'csv');
    expect(ok.out).toBe(sqlite.out);
    const refused: [string, RegExp][] = [
      ["INSERT INTO classes VALUES (9, 'x')", /only reads are allowed: INSERT/],
      ['DROP TABLE nuclei', /only reads are allowed: DROP/],
      ['SET statement_timeout = 0', /only reads are allowed: SET/],
      [`COPY classes TO '${path.join(dir, 'leak.csv')}'`, /only reads are allowed: COPY/],
      ['SELECT 1; DELETE FROM classes', /cannot insert multiple commands/],
      ['WITH d AS (DELETE FROM classes RETURNING *) SELECT * FROM d', /data-modifying|read-only/],
      ["SELECT nextval(pg_get_serial_sequence('images', 'id'))", /read-only transaction/],
    ];
    for (const [sql, message] of refused) {
      const r = await cli('query', sql, '--db', url);
      expect(r.code, sql).toBe(1);
      expect(r.err, sql).toMatch(message);
    }
    const t0 = Date.now();
    const slow = await cli('query', 'SELECT pg_sleep(30)', '--db', url, '--timeout', '1');
    expect(slow.code).toBe(1);
    expect(slow.err).toMatch(/longer than the --timeout of 1 s/);
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(fs.existsSync(path.join(dir, 'leak.csv'))).toBe(false);
    // Ctrl-C stops the statement on the server too, not only the client.
    const sleeping = async () => Number((await pgRows<{ n: string }>(url, "SELECT count(*) AS n FROM pg_stat_activity WHERE wait_event = 'PgSleep'"))[0]?.n);
    const child = spawnCli(['query', 'SELECT pg_sleep(60)', '--db', url]);
    const started = Date.now();
    while ((await sleeping()) === 0 && Date.now() - started < 20_000) await sleep(50);
    expect(await sleeping()).toBe(1);
    child.kill('SIGINT');
    expect((await exitOf(child)).code).toBe(130);
    const stopped = Date.now();
    while ((await sleeping()) > 0 && Date.now() - stopped < 10_000) await sleep(50);
    expect(await sleeping()).toBe(0);
    expect(Date.now() - stopped).toBeLessThan(5_000);
    const [n] = await pgRows<{ n: string }>(url, 'SELECT count(*) AS n FROM classes');
    expect(n?.n).toBe('5');
  });

  it('copy SQLite → PostgreSQL → SQLite gives back every table (subsets included), and PostgreSQL holds the same data', async () => {
    const url = `${await freshDatabase()}?schema=published`;
    const up = await cli('copy', '--from', reference, '--to', url);
    expect(up.code, up.err).toBe(0);
    expect(up.out).toMatch(/every table checked identical/);
    const a = sqliteContent(reference);
    const b = await postgresContent(url.replace(/\?schema=.*/, ''), 'published');
    for (const t of Object.keys(a)) expect(b[t], t).toBe(a[t]);
    const back = path.join(dir, 'back.sqlite');
    const down = await cli('copy', '--from', url, '--to', back);
    expect(down.code, down.err).toBe(0);
    expect(fs.existsSync(`${back}.partial`)).toBe(false);
    // Row for row, ids included (a copy keeps them): every data table and the subsets.
    const tables = ['classes', 'tissues', 'images', 'nuclei', 'sources', 'area_histogram', 'subsets', 'subset_members'];
    expect(dumpDb(back, tables)).toBe(dumpDb(reference, tables));
    // The copy is a database like any other: it reads, and its stats are the source's.
    const [x, y] = [await cli('stats', '--db', reference, '--by', 'tissue,class'), await cli('stats', '--db', back, '--by', 'tissue,class')];
    expect(y.out).toBe(x.out);
    // Refusals: an existing file, the same database, a destination holding other data.
    expect((await cli('copy', '--from', url, '--to', back)).err).toMatch(/already exists; copy never replaces a database/);
    expect((await cli('copy', '--from', reference, '--to', reference)).err).toMatch(/--from and --to name the same database/);
    const other = path.join(dir, 'other.sqlite');
    expect((await cli('ingest', data, '--db', other, '--folds', '3')).code).toBe(0);
    const into = await cli('copy', '--from', other, '--to', url);
    expect(into.code).toBe(1);
    expect(into.err).toMatch(/the destination already holds data \(\d+ rows\) copied from/);
  });

  it('kill -9 during a copy, then the same command: it resumes and ends identical', async () => {
    const total = Number(new Database(reference, { readonly: true }).prepare('SELECT count(*) FROM nuclei').pluck().get());
    // Killed once some nuclei are in (by progress, not by time); on a busy machine a copy can finish before
    // the kill lands, so a fresh database is tried again until one is left half-copied.
    let url = '';
    const seen: number[] = [];
    for (let attempt = 0; attempt < 6 && !seen.some((n) => n > 0 && n < total); attempt++) {
      url = await freshDatabase();
      // One connection for the watching: a connection per look took longer than a whole copy on a busy machine.
      const watcher = new pg.Client({ connectionString: url });
      await watcher.connect();
      try {
        const nuclei = async () => {
          const exists = (await watcher.query("SELECT to_regclass('nuclei') IS NOT NULL AS e")).rows[0]?.e === true;
          return exists ? Number((await watcher.query<{ n: string }>('SELECT count(*) AS n FROM nuclei')).rows[0]?.n) : 0;
        };
        const child = spawnCli(['copy', '--from', reference, '--to', url, '--batch-rows', '100']);
        const t0 = Date.now();
        while ((await nuclei()) < total * 0.2 && child.exitCode === null && Date.now() - t0 < 20_000) await sleep(1);
        child.kill('SIGKILL');
        await exitOf(child);
        seen.push(await nuclei());
      } finally {
        await watcher.end();
      }
    }
    expect(seen.some((n) => n > 0 && n < total), `nuclei after each kill: ${seen.join(', ')} of ${total}`).toBe(true);
    // Read half-copied, it says so.
    const partial = await cli('stats', '--db', url);
    expect(partial.code).toBe(0);
    expect(partial.err).toMatch(/^warning: this database is an unfinished copy of .*reference\.sqlite: its figures are partial; run the same `pannuke copy` again to finish it\n$/);
    const rerun = spawnCli(['copy', '--from', reference, '--to', url, '--batch-rows', '100']);
    const exit = await exitOf(rerun);
    expect(exit.code, rerun.output().err).toBe(0);
    expect(rerun.output().out).toMatch(/resumed and finished/);
    const a = sqliteContent(reference);
    const b = await postgresContent(url);
    for (const t of Object.keys(a)) expect(b[t], t).toBe(a[t]);
    const [state] = await pgRows<{ value: string }>(url, "SELECT value FROM metadata WHERE key = 'copy_state'");
    expect(state?.value).toBe('complete');
    expect((await cli('stats', '--db', url)).err).toBe('');
  });

  it('without PostGIS: one note, no geom column, everything else works', async () => {
    const url = await freshDatabase({ postgis: false });
    // The database's owner, not a superuser: it may create tables, not PostGIS (an untrusted extension).
    const name = url.replace(/.*\//, '');
    await pgRows(url, 'DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = \'plain\') THEN CREATE ROLE plain LOGIN; END IF; END $$');
    await pgRows(url, `ALTER DATABASE ${name} OWNER TO plain; GRANT ALL ON SCHEMA public TO plain`);
    const plain = url.replace('//pk@', '//plain@');
    const r = await cli('ingest', data, '--db', plain, '--folds', '1');
    expect(r.code, r.err).toBe(0);
    expect(r.err.match(/PostGIS is not installed/g)?.length).toBe(1);
    const [geom] = await pgRows<{ n: string }>(url, "SELECT count(*) AS n FROM information_schema.columns WHERE table_name = 'nuclei' AND column_name = 'geom'");
    expect(geom?.n).toBe('0');
    expect((await cli('stats', '--db', plain)).code).toBe(0);
  });

  it('a schema newer than this version is refused; a missing database, a bad password and an empty schema are one line', async () => {
    const url = await freshDatabase();
    expect((await cli('ingest', data, '--db', url, '--folds', '1')).code).toBe(0);
    await pgRows(url, "INSERT INTO __drizzle_migrations (hash, created_at) VALUES ('future', 99999999999999)");
    const newer = await cli('stats', '--db', url);
    expect(newer.code).toBe(1);
    expect(newer.err).toMatch(/database schema is newer than this version of pannuke-db knows/);
    const missing = await cli('stats', '--db', url.replace(/\/[^/]+$/, '/no_such_db'));
    expect(missing.err).toMatch(/^pannuke: error: .*database "no_such_db" does not exist/);
    const empty = await cli('stats', '--db', `${url}?schema=nothing_here`);
    expect(empty.err).toMatch(/schema 'nothing_here' holds no pannuke-db database/);
    const refused = await cli('stats', '--db', 'postgres://pk:secret@127.0.0.1:1/x');
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(/cannot reach the PostgreSQL server/);
    expect(refused.err).not.toMatch(/secret/);
    for (const r of [newer, missing, empty, refused]) expect(r.err.trim().split('\n')).toHaveLength(1);
  });
});

describe.skipIf(!skip)('PostgreSQL (not installed)', () => {
  it.skip(`skipped: ${postgresSkip}`, () => undefined);
});

