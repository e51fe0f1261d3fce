// A writer killed mid-transaction (kill -9) leaves a hot rollback journal beside the database. Reading
// commands open read-only and cannot play it back: they say so in one line, change nothing, and name the
// fix; `pannuke upgrade` plays it back, and the database is then exactly as it was at its last commit.
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../helpers/cohort.js';
import { tempDir } from '../helpers/tmp.js';

const dir = tempDir('interrupted-write');
const db = path.join(dir, 'cohort.sqlite');
const sha = (file: string) => crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
/** What the last commit holds, read independently of pannuke before the killed write. */
let committed: { images: number; areaSum: number };

beforeAll(async () => {
  expect((await cli('synth', path.join(dir, 'data'), '--images-per-fold', '8', '--size', '128', '--seed', '3')).code).toBe(0);
  expect((await cli('ingest', path.join(dir, 'data'), '--db', db)).code).toBe(0);
  const reader = new Database(db, { readonly: true });
  committed = reader.prepare('SELECT (SELECT count(*) FROM images) AS images, (SELECT sum(area) FROM nuclei) AS areaSum').get() as typeof committed;
  reader.close();
  // A writer that spills its changes into the file (a tiny page cache) and is killed before it commits.
  const writer = `
    const Database = require('better-sqlite3');
    const db = new Database(process.argv[1]);
    db.pragma('cache_size = 2');
    db.exec('BEGIN IMMEDIATE');
    db.exec('UPDATE nuclei SET area = area + 1');
    db.exec('DELETE FROM images WHERE id % 2 = 0');
    process.kill(process.pid, 'SIGKILL');`;
  const r = spawnSync(process.execPath, ['-e', writer, db], { cwd: path.resolve(import.meta.dirname, '../..') });
  expect(r.signal).toBe('SIGKILL');
  expect(fs.statSync(`${db}-journal`).size).toBeGreaterThan(0);
}, 60_000);

describe('a database a killed writer left mid-write', () => {
  it('reading commands: one line naming the journal and the fix, exit 1, nothing changed', async () => {
    const before = [sha(db), sha(`${db}-journal`)];
    for (const args of [['stats', '--db', db], ['query', '--db', db, 'SELECT count(*) FROM images']]) {
      const r = await cli(...args);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.err.trim().split('\n')).toEqual([expect.stringMatching(/stopped mid-write and left cohort\.sqlite-journal.*run `pannuke upgrade --db .*cohort\.sqlite` once/)]);
    }
    expect([sha(db), sha(`${db}-journal`)]).toEqual(before);
  });

  it('pannuke upgrade plays the journal back: the database is its last commit again', async () => {
    const r = await cli('upgrade', '--db', db);
    expect([r.code, r.out]).toEqual([0, expect.stringMatching(/rolled back the write that was interrupted/)]);
    expect(fs.existsSync(`${db}-journal`)).toBe(false);
    const reader = new Database(db, { readonly: true });
    expect(reader.prepare('SELECT (SELECT count(*) FROM images) AS images, (SELECT sum(area) FROM nuclei) AS areaSum').get()).toEqual(committed);
    expect(reader.pragma('integrity_check', { simple: true })).toBe('ok');
    reader.close();
    expect((await cli('stats', '--db', db)).code).toBe(0);
  });
});
