// stats against brute-force counts over the rows, and the read-only query command.
import crypto from 'node:crypto';
import fs from 'node:fs';
import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import { cli, cohortDatabase } from '../helpers/cohort.js';
import { tempDir } from '../helpers/tmp.js';

const dir = tempDir('stats');
let db: string;

interface Row { tissue: string; fold: number; class: string; class_id: number; image_id: number; area: number }
let rows: Row[];

beforeAll(async () => {
  ({ db } = await cohortDatabase(dir));
  const raw = new Database(db, { readonly: true });
  rows = raw.prepare('SELECT t.name AS tissue, i.fold, c.name AS class, c.id AS class_id, n.image_id, n.area FROM nuclei n JOIN images i ON i.id = n.image_id JOIN tissues t ON t.id = i.tissue_id JOIN classes c ON c.id = n.class_id').all() as Row[];
  raw.close();
}, 60_000);

/** Nearest rank, by hand: the ⌈p·n⌉-th smallest. */
const quantile = (sorted: number[], p: number) => sorted[Math.ceil(p * sorted.length) - 1];

describe('pannuke stats', () => {
  it('--by tissue,fold,class equals brute-force counts, shares and quantiles', async () => {
    const r = await cli('stats', '--db', db, '--by', 'tissue,fold,class', '--format', 'json');
    expect(r.code, r.err).toBe(0);
    const got = JSON.parse(r.out) as Record<string, number | string>[];
    const groups = new Map<string, Row[]>();
    for (const row of rows) {
      const key = `${row.tissue}|${row.fold}|${row.class}`;
      groups.set(key, [...(groups.get(key) ?? []), row]);
    }
    expect(got).toHaveLength(groups.size);
    for (const g of got) {
      const members = groups.get(`${g.tissue}|${g.fold}|${g.class}`)!;
      const areas = members.map((m) => m.area).sort((a, b) => a - b);
      const groupTotal = rows.filter((x) => x.tissue === g.tissue && x.fold === g.fold).length;
      expect(g.nuclei).toBe(members.length);
      expect(g.images).toBe(new Set(members.map((m) => m.image_id)).size);
      expect(g.share).toBeCloseTo(members.length / groupTotal, 5);
      expect(g.area_mean).toBeCloseTo(areas.reduce((a, b) => a + b, 0) / areas.length, 2);
      expect([g.area_p10, g.area_median, g.area_p90]).toEqual([quantile(areas, 0.1), quantile(areas, 0.5), quantile(areas, 0.9)]);
    }
  });

  it('the default class-by-tissue table, as CSV, equals brute-force counts', async () => {
    const r = await cli('stats', '--db', db, '--format', 'csv');
    const lines = r.out.trim().split('\r\n').map((l) => l.split(','));
    expect(lines[0]).toEqual(['tissue', 'images', 'Neoplastic', 'Inflammatory', 'Connective', 'Dead', 'Epithelial', 'total']);
    for (const line of lines.slice(1, -1)) {
      const tissue = line[0]!;
      const counts = [1, 2, 3, 4, 5].map((c) => rows.filter((x) => x.tissue === tissue && x.class_id === c).length);
      expect(line.slice(2).map(Number)).toEqual([...counts, counts.reduce((a, b) => a + b, 0)]);
    }
    expect(lines.at(-1)!.slice(0, 1)).toEqual(['all']);
    expect(Number(lines.at(-1)!.at(-1))).toBe(rows.length);
  });

  it('markdown and unknown keys', async () => {
    expect((await cli('stats', '--db', db, '--by', 'class', '--format', 'markdown')).out).toMatch(/^\| class \| nuclei \| images \| share \|/);
    const bad = await cli('stats', '--db', db, '--by', 'organ');
    expect([bad.code, bad.err]).toEqual([2, expect.stringMatching(/--by: expected one of tissue, fold, class \(got 'organ'\)/)]);
  });
});

describe('pannuke query', () => {
  const fileHash = () => crypto.createHash('sha256').update(fs.readFileSync(db)).update(fs.existsSync(`${db}-wal`) ? fs.readFileSync(`${db}-wal`) : '').digest('hex');

  it('refuses every kind of write and leaves the file byte-identical', async () => {
    const before = fileHash();
    for (const sql of [
      'INSERT INTO classes VALUES (9, \'x\')', 'UPDATE nuclei SET area = 0', 'DELETE FROM nuclei', 'DROP TABLE nuclei',
      "ATTACH DATABASE '/tmp/other.sqlite' AS other", 'PRAGMA user_version = 7', 'CREATE TABLE t (x)', 'VACUUM',
      'SELECT 1; DELETE FROM nuclei',
    ]) {
      const r = await cli('query', '--db', db, sql);
      expect(r.code, sql).toBe(1);
      expect(r.err, sql).toMatch(/only reads are allowed|SQLite:/);
    }
    expect(fileHash()).toBe(before);
  });

  it('a bad query exits 1 with SQLite\'s message', async () => {
    const r = await cli('query', '--db', db, 'SELECT nope FROM nuclei');
    expect([r.code, r.err]).toEqual([1, expect.stringMatching(/SQLite: no such column: nope/)]);
  });

  it('streams rows as csv, json, ndjson and table, equal to the database', async () => {
    const sql = 'SELECT nucleus_id, tissue, class, area, eccentricity FROM nucleus_facts ORDER BY nucleus_id';
    const raw = new Database(db, { readonly: true });
    const expected = raw.prepare(sql).all() as Record<string, unknown>[];
    raw.close();
    const json = JSON.parse((await cli('query', '--db', db, sql, '--format', 'json')).out);
    expect(json).toEqual(expected);
    const nd = (await cli('query', '--db', db, sql, '--format', 'ndjson')).out.trim().split('\n').map((l) => JSON.parse(l));
    expect(nd).toEqual(expected);
    const csv = (await cli('query', '--db', db, sql, '--format', 'csv')).out.trim().split('\r\n');
    expect(csv[0]).toBe('nucleus_id,tissue,class,area,eccentricity');
    expect(csv.slice(1).map((l) => l.split(','))).toEqual(expected.map((e) => [String(e.nucleus_id), e.tissue, e.class, String(e.area), String(e.eccentricity)]));
    const table = (await cli('query', '--db', db, sql)).out.trim().split('\n');
    expect(table).toHaveLength(expected.length + 2);
    expect(JSON.parse((await cli('query', '--db', db, 'SELECT 1 WHERE 0', '--format', 'json')).out)).toEqual([]);
  });

  it('PRAGMA reads and EXPLAIN are allowed', async () => {
    expect((await cli('query', '--db', db, 'PRAGMA table_info(nuclei)', '--format', 'csv')).out).toMatch(/contour,BLOB/);
    expect((await cli('query', '--db', db, 'EXPLAIN QUERY PLAN SELECT * FROM nuclei WHERE image_id = 1')).code).toBe(0);
  });
});

describe('BI views', () => {
  it('class_distribution and image_summary equal brute-force counts', () => {
    const raw = new Database(db, { readonly: true });
    const dist = raw.prepare('SELECT * FROM class_distribution').all() as { fold: number; tissue: string; class: string; nuclei: number; images: number; mean_area: number }[];
    const summary = raw.prepare('SELECT * FROM image_summary').all() as Record<string, number | string>[];
    const imageCount = raw.prepare('SELECT count(*) FROM images').pluck().get();
    raw.close();
    for (const d of dist) {
      const members = rows.filter((r) => r.fold === d.fold && r.tissue === d.tissue && r.class === d.class);
      expect([d.nuclei, d.images]).toEqual([members.length, new Set(members.map((m) => m.image_id)).size]);
      expect(d.mean_area).toBeCloseTo(members.reduce((s, m) => s + m.area, 0) / members.length, 9);
    }
    expect(dist.reduce((s, d) => s + d.nuclei, 0)).toBe(rows.length);
    expect(summary).toHaveLength(imageCount as number);
    for (const s of summary) {
      const mine = rows.filter((r) => r.image_id === s.image_id);
      expect([s.neoplastic, s.inflammatory, s.connective, s.dead, s.epithelial, s.nuclei]).toEqual([...[1, 2, 3, 4, 5].map((c) => mine.filter((m) => m.class_id === c).length), mine.length]);
    }
  });
});

describe('area_histogram', () => {
  it('equals the nuclei counted by (fold, tissue, class, area) after ingest, --replace, a failed run and drops', async () => {
    const { default: Database } = await import('better-sqlite3');
    const { writeTinyFold } = await import('../helpers/folds.js');
    const path = await import('node:path');
    // Under the file's folder, removed after the file (a hook registered inside a test would never run).
    const root = path.join(dir, 'histogram');
    (await import('node:fs')).mkdirSync(root);
    const recount = (file: string) => {
      const raw = new Database(file, { readonly: true });
      const kept = raw.prepare('SELECT fold, tissue_id, class_id, area, nuclei FROM area_histogram ORDER BY 1, 2, 3, 4').raw().all();
      const counted = raw.prepare('SELECT i.fold, i.tissue_id, n.class_id, n.area, count(*) FROM nuclei n JOIN images i ON i.id = n.image_id GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4').raw().all();
      raw.close();
      return [kept, counted];
    };
    const masks = (n: number, v: number) => {
      const m = new Float64Array(n * 4 * 4 * 6);
      for (let i = 0; i < n; i++) for (let p = 0; p < 4 + i; p++) m[(i * 16 + p) * 6 + (i % 5)] = v;
      return m;
    };
    writeTinyFold(root, 1, 'flat', { n: 3, masks: masks(3, 1) });
    writeTinyFold(root, 2, 'flat', { n: 3, masks: masks(3, 2) });
    const db = path.join(root, 'x.sqlite');
    expect((await cli('ingest', root, '--db', db, '--folds', '1')).code).toBe(0);
    // a failed run (fold 2 has a NaN in its last image) removes its rows and their counts
    const bad = masks(3, 2);
    bad[(2 * 16 + 15) * 6 + 1] = Number.NaN;
    writeTinyFold(root, 2, 'flat', { n: 3, masks: bad });
    expect((await cli('ingest', root, '--db', db, '--batch-size', '1')).code).toBe(1);
    const [a, b] = recount(db);
    expect(a).toEqual(b);
    writeTinyFold(root, 2, 'flat', { n: 3, masks: masks(3, 2) });
    expect((await cli('ingest', root, '--db', db)).code).toBe(0);
    writeTinyFold(root, 1, 'flat', { n: 3, masks: masks(3, 7).map((v, i) => (i % 7 === 0 ? 0 : v)) });
    expect((await cli('ingest', root, '--db', db, '--replace')).code).toBe(0);
    const [c, d] = recount(db);
    expect(c!.length).toBeGreaterThan(0);
    expect(c).toEqual(d);
  });
});
