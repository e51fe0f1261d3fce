// The database describes itself, upgrades itself, and its common queries use indexes.
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { dumpDb } from '../helpers/db.js';
import { describe, expect, it } from 'vitest';
import { schemaMarkdown } from '../../src/db/columns.js';
import { openDatabase } from '../../src/db/open.js';
import { TOOL_VERSION } from '../../src/meta/package.js';
import { tempDir } from '../helpers/tmp.js';

const dir = tempDir('db');

describe('openDatabase', () => {
  it('creates the schema, the five classes and its metadata; reopening changes nothing', () => {
    const file = path.join(dir, 'a.sqlite');
    for (let i = 0; i < 2; i++) {
      const db = openDatabase(file);
      expect(db.$client.prepare('SELECT id, name FROM classes ORDER BY id').all()).toEqual([
        { id: 1, name: 'Neoplastic' }, { id: 2, name: 'Inflammatory' }, { id: 3, name: 'Connective' }, { id: 4, name: 'Dead' }, { id: 5, name: 'Epithelial' },
      ]);
      expect(db.$client.prepare("SELECT value FROM metadata WHERE key = 'tool_version'").pluck().get()).toBe(TOOL_VERSION);
      // Rollback-journal mode: the file needs nothing beside it to be read (a read-only folder, another user).
      expect(db.$client.pragma('journal_mode', { simple: true })).toBe('delete');
      expect(db.$client.pragma('foreign_keys', { simple: true })).toBe(1);
      db.$client.close();
    }
  });

  it('per-image and per-class queries use indexes', () => {
    const db = openDatabase(path.join(dir, 'b.sqlite'));
    const plan = (sql: string) => (db.$client.prepare(`EXPLAIN QUERY PLAN ${sql}`).all() as { detail: string }[]).map((r) => r.detail).join('; ');
    expect(plan('SELECT * FROM nuclei WHERE image_id = 3')).toMatch(/USING INDEX nuclei_image_class_instance/);
    expect(plan('SELECT count(*) FROM nuclei WHERE class_id = 2')).toMatch(/USING COVERING INDEX nuclei_class_area/);
    expect(plan('SELECT * FROM images WHERE fold = 1 AND fold_index = 5')).toMatch(/USING INDEX images_fold_index/);
    db.$client.close();
  });

  it('a file left by a kill between drizzle creating its log table and migrating opens as a fresh database', () => {
    const file = path.join(dir, 'half-made.sqlite');
    const raw = new Database(file);
    raw.exec('CREATE TABLE __drizzle_migrations (id SERIAL PRIMARY KEY, hash text NOT NULL, created_at numeric)');
    raw.close();
    const db = openDatabase(file);
    expect(db.$client.prepare('SELECT count(*) FROM classes').pluck().get()).toBe(5);
    db.$client.close();
  });

  it('a read-only open of a missing file is an error, and nothing is created', () => {
    const file = path.join(dir, 'missing.sqlite');
    expect(() => openDatabase(file, { readonly: true })).toThrow(/database does not exist/);
    expect(fs.existsSync(file)).toBe(false);
  });
});

describe('documentation', () => {
  it('the README holds the generated column tables (run `pannuke schema` after changing src/db/columns.ts)', () => {
    const readme = fs.readFileSync(path.resolve(import.meta.dirname, '../../README.md'), 'utf8');
    expect(readme).toContain(schemaMarkdown());
  });
});

describe('README SQL', () => {
  it('every ```sql block of the README runs on an ingested database', async () => {
    const { runCli } = await import('../../src/cli/main.js');
    const { captureIo } = await import('../helpers/io.js');
    const data = path.join(dir, 'sample');
    expect(await runCli(['synth', data, '--images-per-fold', '12', '--size', '64', '--seed', '3'], captureIo())).toBe(0);
    const file = path.join(dir, 'readme.sqlite');
    expect(await runCli(['ingest', data, '--db', file], captureIo())).toBe(0);
    // The evaluation recipes name two models: two predictions of fold 1, evaluated.
    for (const [name, seed] of [['cellvit-sam-h', '1'], ['hovernet', '2']] as const) {
      const pred = path.join(dir, `pred-${name}`);
      expect(await runCli(['synth', pred, '--prediction-of', data, '--fold', '1', '--seed', seed], captureIo())).toBe(0);
      expect(await runCli(['eval', 'run', pred, '--db', file, '--name', name, '--fold', '1'], captureIo())).toBe(0);
    }
    const readme = fs.readFileSync(path.resolve(import.meta.dirname, '../../README.md'), 'utf8');
    const blocks = [...readme.matchAll(/```sql\n([\s\S]*?)```/g)].map((m) => m[1]!);
    expect(blocks.length).toBeGreaterThan(0);
    const db = openDatabase(file, { readonly: true });
    const results = new Map<string, unknown[]>();
    for (const block of blocks) {
      for (const statement of block.split(/;\s*\n/).map((s) => s.replace(/--.*$/gm, '').trim()).filter(Boolean)) {
        expect(() => results.set(statement, db.$client.prepare(statement).all()), statement).not.toThrow();
      }
    }
    db.$client.close();
    // The evaluation recipes return rows, and the official figures in SQL alone equal eval show's.
    const io = captureIo();
    expect(await runCli(['eval', 'show', 'cellvit-sam-h', '--db', file, '--format', 'json'], io)).toBe(0);
    const shown = JSON.parse(io.out()) as { mPQ: number; bPQ: number };
    const official = [...results].find(([sql]) => sql.includes('SELECT avg(mpq) AS mPQ'))?.[1] as { mPQ: number; bPQ: number }[];
    expect(official[0]!.mPQ).toBeCloseTo(shown.mPQ, 12);
    expect(official[0]!.bPQ).toBeCloseTo(shown.bPQ, 12);
    expect([...results].find(([sql]) => sql.includes('true_class'))?.[1]?.length).toBeGreaterThan(0);
    expect([...results].find(([sql]) => sql.includes('miss_rate'))?.[1]?.length).toBeGreaterThan(0);
  });
});

/** The images columns before migration 0007 added mask_digest. */
const IMAGES_BEFORE_0007 = 'id, fold, fold_index, tissue_id, width, height, nucleus_count, void_pixels, overlap_pixels';

describe('pannuke upgrade', () => {
  it('a database made by the first version: reading commands ask for the upgrade, which migrates and backfills', async () => {
    const { runCli } = await import('../../src/cli/main.js');
    const { captureIo } = await import('../helpers/io.js');
    const { migrate } = await import('drizzle-orm/better-sqlite3/migrator');
    const { drizzle } = await import('drizzle-orm/better-sqlite3');
    // The current schema, with data.
    const data = path.join(dir, 'upgrade-data');
    expect(await runCli(['synth', data, '--images-per-fold', '4', '--size', '64', '--seed', '9'], captureIo())).toBe(0);
    const current = path.join(dir, 'current.sqlite');
    expect(await runCli(['ingest', data, '--db', current], captureIo())).toBe(0);
    // A file as the first version made it: migration 0000 only, with the same rows.
    const migrations = path.join(dir, 'migrations-v1');
    fs.mkdirSync(path.join(migrations, 'meta'), { recursive: true });
    const root = path.resolve(import.meta.dirname, '../../migrations');
    fs.copyFileSync(path.join(root, '0000_init.sql'), path.join(migrations, '0000_init.sql'));
    const journal = JSON.parse(fs.readFileSync(path.join(root, 'meta', '_journal.json'), 'utf8')) as { entries: unknown[] };
    fs.writeFileSync(path.join(migrations, 'meta', '_journal.json'), JSON.stringify({ ...journal, entries: journal.entries.slice(0, 1) }));
    const old = path.join(dir, 'old.sqlite');
    const raw = new Database(old);
    migrate(drizzle(raw), { migrationsFolder: migrations });
    raw.exec(`ATTACH '${current}' AS cur`);
    for (const t of ['classes', 'tissues', 'images', 'nuclei', 'sources']) raw.exec(`INSERT INTO main.${t} SELECT ${t === 'images' ? IMAGES_BEFORE_0007 : '*'} FROM cur.${t}`);
    raw.exec('DETACH cur');
    raw.close();

    const io = captureIo();
    expect(await runCli(['stats', '--db', old], io)).toBe(1);
    expect(io.err()).toMatch(/database schema is older than this version of pannuke-db: 1 of \d+ migrations applied \(upgrade it once with `pannuke upgrade --db .*old\.sqlite`/);
    const up = captureIo();
    expect(await runCli(['upgrade', '--db', old], up)).toBe(0);
    expect(up.out()).toMatch(/upgraded .*old\.sqlite: \d+ migration\(s\) applied/);
    const again = captureIo();
    expect(await runCli(['upgrade', '--db', old], again)).toBe(0);
    expect(again.out()).toMatch(/is up to date/);
    // The derived table was backfilled from the rows: grouped stats equal the current file's.
    const a = captureIo(), b = captureIo();
    expect(await runCli(['stats', '--db', old, '--by', 'tissue,class', '--format', 'csv'], a)).toBe(0);
    expect(await runCli(['stats', '--db', current, '--by', 'tissue,class', '--format', 'csv'], b)).toBe(0);
    expect(a.out()).toBe(b.out());
  }, 60_000);

  it('upgrading rebuilds tables (INTEGER → BIGINT) without losing a row of their children: subset members and evaluations stay', async () => {
    const { runCli } = await import('../../src/cli/main.js');
    const { captureIo } = await import('../helpers/io.js');
    const { migrate } = await import('drizzle-orm/better-sqlite3/migrator');
    const { drizzle } = await import('drizzle-orm/better-sqlite3');
    const run = async (...argv: string[]) => expect(await runCli(argv, captureIo())).toBe(0);
    const data = path.join(dir, 'rebuild-data');
    await run('synth', data, '--images-per-fold', '6', '--size', '96', '--seed', '12');
    const current = path.join(dir, 'rebuild-current.sqlite');
    await run('ingest', data, '--db', current);
    await run('subset', 'create', 's', '--db', current, '--nuclei-per-class', '3', '--seed', '1');
    const pred = path.join(dir, 'rebuild-pred');
    await run('synth', pred, '--prediction-of', data, '--fold', '1');
    await run('eval', 'run', pred, '--db', current, '--name', 'm', '--fold', '1');
    // The same rows in a file of the version before the BIGINT migration (its last migration is 0005).
    const root = path.resolve(import.meta.dirname, '../../migrations');
    const journal = JSON.parse(fs.readFileSync(path.join(root, 'meta', '_journal.json'), 'utf8')) as { entries: { tag: string }[] };
    const upTo = journal.entries.findIndex((e) => e.tag.endsWith('bigint_columns'));
    expect(upTo).toBeGreaterThan(0);
    const migrations = path.join(dir, 'migrations-before-bigint');
    fs.mkdirSync(path.join(migrations, 'meta'), { recursive: true });
    for (const e of journal.entries.slice(0, upTo)) fs.copyFileSync(path.join(root, `${e.tag}.sql`), path.join(migrations, `${e.tag}.sql`));
    fs.writeFileSync(path.join(migrations, 'meta', '_journal.json'), JSON.stringify({ ...journal, entries: journal.entries.slice(0, upTo) }));
    const old = path.join(dir, 'rebuild-old.sqlite');
    const raw = new Database(old);
    migrate(drizzle(raw), { migrationsFolder: migrations });
    expect(raw.prepare("SELECT type FROM pragma_table_info('nuclei') WHERE name = 'instance_id'").pluck().get()).toMatch(/^integer$/i);
    raw.exec(`ATTACH '${current}' AS cur`);
    const tables = ['classes', 'tissues', 'images', 'nuclei', 'sources', 'area_histogram', 'subsets', 'subset_members', 'prediction_sets', 'predicted_nuclei', 'eval_counts', 'eval_matches', 'eval_detections', 'ingest_runs'];
    raw.exec('DELETE FROM main.classes');
    for (const t of tables) raw.exec(`INSERT INTO main.${t} SELECT ${t === 'images' ? IMAGES_BEFORE_0007 : '*'} FROM cur.${t}`);
    raw.exec('DETACH cur');
    raw.close();
    await run('upgrade', '--db', old);
    const after = new Database(old, { readonly: true });
    expect(after.prepare("SELECT type FROM pragma_table_info('nuclei') WHERE name = 'instance_id'").pluck().get()).toBe('bigint');
    expect(after.prepare("SELECT type FROM pragma_table_info('nuclei') WHERE name = 'id'").pluck().get()).toBe('INTEGER');
    expect(after.pragma('foreign_key_check')).toEqual([]);
    after.close();
    // Images loaded before migration 0007 have no mask checksum: the rest of every row is the same.
    new Database(current).exec('UPDATE images SET mask_digest = NULL').close();
    for (const t of tables) expect(dumpDb(old, [t]), t).toBe(dumpDb(current, [t]));
    expect(Number(new Database(old, { readonly: true }).prepare('SELECT count(*) FROM eval_matches').pluck().get())).toBeGreaterThan(0);
  }, 60_000);
});
