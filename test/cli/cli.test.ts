// The real CLI, in-process: --help everywhere, exit codes scripts can trust, one-line errors, and a database
// left as it was when the input is bad.
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { formatNumber } from '../../src/cli/format.js';
import { runCli } from '../../src/cli/main.js';
import { writeTinyFold } from '../helpers/folds.js';
import { captureIo } from '../helpers/io.js';
import { tempDir } from '../helpers/tmp.js';

const dir = tempDir('cli');
let k = 0;
const fresh = () => path.join(dir, `c${k++}`);

async function run(...argv: string[]) {
  const io = captureIo();
  const code = await runCli(argv, io);
  return { code, out: io.out(), err: io.err() };
}

function snapshot(file: string): string {
  const db = new Database(file, { readonly: true });
  const s = ['images', 'nuclei', 'tissues'].map((t) => JSON.stringify(db.prepare(`SELECT * FROM ${t}`).all())).join('\n');
  db.close();
  return s;
}

describe('pannuke CLI', () => {
  for (const command of ['report', 'fetch', 'ingest', 'synth', 'stats', 'query', 'subset', 'subset create', 'subset list', 'subset show', 'subset drop', 'export', 'qc', 'verify', 'schema', 'demo']) {
    it(`${command} --help prints usage and exits 0`, async () => {
      const r = await run(...command.split(' '), '--help');
      expect(r.code).toBe(0);
      expect(r.out).toMatch(new RegExp(`Usage: pannuke ${command}`));
    });
  }

  it('--help and --version', async () => {
    expect((await run('--help')).out).toMatch(/ingest.*\n.*synth/s);
    expect((await run('--version')).out).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('usage errors exit 2', async () => {
    expect((await run('frobnicate')).code).toBe(2);
    expect((await run('ingest', dir)).code).toBe(2); // --db missing
    const r = await run('ingest', dir, '--db', path.join(dir, 'a.sqlite'), '--folds', '1,4');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--folds: folds are 1, 2 or 3/);
  });

  it('schema prints every column definition', async () => {
    const r = await run('schema');
    expect(r.out).toMatch(/\| `centroid_x` \| mean\(col\) \+ 0\.5/);
    expect(r.out).toMatch(/\| `nucleus_count` \|/);
  });

  it('ingest then stats: a class-by-tissue table computed by SQL', async () => {
    const root = fresh();
    writeTinyFold(root, 1, 'flat', { n: 3 });
    const db = path.join(root, 'x.sqlite');
    expect((await run('ingest', root, '--db', db)).code).toBe(0);
    const r = await run('stats', '--db', db);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/Breast\s+2\s+2\s+0\s+0\s+0\s+0\s+2/);
    expect(r.out).toMatch(/Colon\s+1\s+1\s+0\s+0\s+0\s+0\s+1/);
    expect(r.out).toMatch(/all\s+3\s+3\s+0\s+0\s+0\s+0\s+3/);
  });

  it('a bad mask value mid-fold: exit 1, one line naming the place, database unchanged', async () => {
    const root = fresh();
    writeTinyFold(root, 1, 'flat', { n: 3 });
    writeTinyFold(root, 2, 'flat', { n: 3 });
    const db = path.join(root, 'x.sqlite');
    expect((await run('ingest', root, '--db', db, '--folds', '1')).code).toBe(0);
    const before = snapshot(db);
    // image 2 of fold 2 gets a NaN at row 3, col 1, channel 4
    const masks = new Float64Array(3 * 4 * 4 * 6);
    masks[((2 * 4 + 3) * 4 + 1) * 6 + 4] = Number.NaN;
    writeTinyFold(root, 2, 'flat', { n: 3, masks });
    const r = await run('ingest', root, '--db', db, '--batch-size', '1');
    expect(r.code).toBe(1);
    expect(r.err.trim().split('\n').at(-1)).toMatch(/^pannuke: error: .*fold2\/masks\.npy: fold 2, image 2, channel 4, row 3, col 1: mask value NaN is not a number/);
    expect(snapshot(db)).toBe(before);
  });

  it('a truncated masks.npy is refused before anything is written', async () => {
    const root = fresh();
    writeTinyFold(root, 1, 'flat', { n: 3 });
    const masks = path.join(root, 'fold1', 'masks.npy');
    fs.truncateSync(masks, fs.statSync(masks).size - 10);
    const db = path.join(root, 'x.sqlite');
    const r = await run('ingest', root, '--db', db);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/masks\.npy: byte \d+: file is truncated/);
    expect(fs.existsSync(db)).toBe(false); // the database is not even created
  });

  it('--db that is not SQLite, --db in a missing folder, a database from a newer version', async () => {
    const root = fresh();
    writeTinyFold(root, 1, 'flat');
    const notDb = path.join(root, 'notes.txt');
    fs.writeFileSync(notDb, 'hello, this is not a database at all'.repeat(10));
    const r1 = await run('ingest', root, '--db', notDb);
    expect([r1.code, r1.err]).toEqual([1, expect.stringMatching(/notes\.txt: not a SQLite database/)]);
    expect(fs.readFileSync(notDb, 'utf8')).toMatch(/^hello/);

    const r2 = await run('ingest', root, '--db', path.join(root, 'no', 'such', 'x.sqlite'));
    expect([r2.code, r2.err]).toEqual([1, expect.stringMatching(/x\.sqlite: folder .*no\/such does not exist/)]);

    const db = path.join(root, 'x.sqlite');
    expect((await run('ingest', root, '--db', db)).code).toBe(0);
    const raw = new Database(db);
    raw.prepare('INSERT INTO __drizzle_migrations (hash, created_at) VALUES (?, ?)').run('future', Date.now());
    raw.close();
    const r3 = await run('ingest', root, '--db', db);
    expect([r3.code, r3.err]).toEqual([1, expect.stringMatching(/schema is newer than this version/)]);
  });

  it('an empty fold is allowed, with a warning', async () => {
    const root = fresh();
    writeTinyFold(root, 1, 'flat', { n: 0, types: [] });
    const r = await run('ingest', root, '--db', path.join(root, 'x.sqlite'));
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/warning: fold 1 has no images/);
  });
});

describe('formatNumber', () => {
  it('writes what toLocaleString("en-US") writes', () => {
    for (const n of [0, 7, -7, 999, 1000, -1000, 12345, 999999, 1000000, -1234567, 2 ** 53 - 1, 0.5, 1234.5678, -0.25, 1e21]) {
      expect(formatNumber(n), String(n)).toBe(n.toLocaleString('en-US'));
    }
  });
});
