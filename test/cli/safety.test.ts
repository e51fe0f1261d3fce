// Never lose a user's data, as a careless user would try it: outputs onto the database or the source files,
// existing outputs, missing and read-only folders, a database read from a read-only folder by another user,
// a locked database, formula cells, terminal escapes, exact integers, and no stack trace anywhere.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import { cli, cohortDatabase } from '../helpers/cohort.js';
import { sqliteContent } from '../helpers/content.js';
import { fileSha } from '../helpers/files.js';
import { writeTinyFold } from '../helpers/folds.js';
import { tempDir, skipBecause } from '../helpers/tmp.js';

const dir = tempDir('safety');
let db: string;
let data: string;
const sourceFiles = () => ['images', 'masks'].flatMap((r) => [1, 2, 3].map((f) => path.join(data, `Fold ${f}`, r === 'masks' ? 'masks' : 'images', `fold${f}`, `${r}.npy`)));
const shas = (files: string[]) => files.map((f) => fileSha(f));
/** Names a command left behind in a folder (temporaries start with '.'). */
const leftovers = (folder: string) => fs.readdirSync(folder).filter((f) => f.includes('.partial-') || f.includes('.old-'));
const oneLine = (err: string) => err.trim().split('\n').filter((l) => l !== '');

beforeAll(async () => {
  ({ db, data } = await cohortDatabase(dir));
}, 60_000);

describe('outputs never destroy inputs', () => {
  it('refuses the database, its -wal/-shm, a hard link to it and its source files as outputs, leaving every byte as it was', async () => {
    const before = fileSha(db);
    const sources = shas(sourceFiles());
    const link = path.join(dir, 'link.sqlite');
    fs.linkSync(db, link);
    const attempts = [
      ['export', '--db', db, '--format', 'csv', '--out', db],
      ['export', '--db', db, '--format', 'csv', '--out', `${db}-wal`],
      ['export', '--db', db, '--format', 'parquet', '--out', path.join(path.dirname(db), '.', path.basename(db))],
      ['export', '--db', db, '--format', 'geojson', '--out', link, '--force'],
      ['report', '--db', db, '--out', db, '--force'],
      ['export', '--db', db, '--format', 'csv', '--out', path.join(data, 'Fold 1', 'masks', 'fold1', 'masks.npy'), '--force'],
      ['export', 'masks', '--db', db, '--out', path.join(data, 'Fold 1', 'masks', 'fold1'), '--force'],
      ['export', 'masks', '--db', db, '--out', data, '--force'],
      ['export', 'masks', '--db', db, '--data', data, '--out', path.join(data, 'Fold 2'), '--force'],
    ];
    for (const argv of attempts) {
      const r = await cli(...argv);
      expect([r.code, oneLine(r.err)], argv.join(' ')).toEqual([2, [expect.stringMatching(/^pannuke: error: --out .*: refusing to write over an input of this command/)]]);
    }
    expect(fileSha(db)).toBe(before);
    expect(fileSha(link)).toBe(before);
    expect(shas(sourceFiles())).toEqual(sources);
    expect(fs.existsSync(`${db}-wal`)).toBe(false);
    expect(leftovers(dir)).toEqual([]);
  });

  it('an ingest whose --db is one of its source files is refused before anything is opened', async () => {
    const masks = path.join(data, 'Fold 1', 'masks', 'fold1', 'masks.npy');
    const before = fileSha(masks);
    const r = await cli('ingest', data, '--db', masks);
    expect([r.code, oneLine(r.err)]).toEqual([2, [expect.stringMatching(/--db .*masks\.npy: refusing to write over an input/)]]);
    expect(fileSha(masks)).toBe(before);
  });

  it('keeps existing outputs unless --force, and --force replaces them whole', async () => {
    const out = path.join(dir, 'precious.csv');
    fs.writeFileSync(out, 'my notes\n');
    const r = await cli('export', '--db', db, '--format', 'csv', '--out', out);
    expect([r.code, oneLine(r.err)]).toEqual([2, [expect.stringMatching(/--out .*precious\.csv already exists \(add --force/)]]);
    expect(fs.readFileSync(out, 'utf8')).toBe('my notes\n');
    const report = path.join(dir, 'precious.html');
    fs.writeFileSync(report, 'mine');
    expect((await cli('report', '--db', db, '--out', report)).code).toBe(2);
    expect(fs.readFileSync(report, 'utf8')).toBe('mine');
    const forced = await cli('export', '--db', db, '--format', 'csv', '--out', out, '--force');
    expect(forced.code, forced.err).toBe(0);
    expect(fs.readFileSync(out, 'utf8')).toMatch(/^nucleus_id,fold,/);

    const folder = path.join(dir, 'training');
    fs.mkdirSync(folder);
    fs.writeFileSync(path.join(folder, 'keep.txt'), 'x');
    const masks = await cli('export', 'masks', '--db', db, '--out', folder);
    expect([masks.code, oneLine(masks.err)]).toEqual([2, [expect.stringMatching(/--out .*training already exists and is not empty/)]]);
    expect(fs.readdirSync(folder)).toEqual(['keep.txt']);
    fs.rmSync(folder, { recursive: true });
    expect((await cli('export', 'masks', '--db', db, '--out', folder)).code).toBe(0);
    expect(fs.readdirSync(folder).sort()).toEqual(['.pannuke-output.json', 'images.npy', 'index.csv', 'masks.npy', 'types.npy']);
    // --force replaces a previous output of the same command, whole
    fs.rmSync(path.join(folder, 'index.csv'));
    expect((await cli('export', 'masks', '--db', db, '--out', folder, '--force')).code).toBe(0);
    expect(fs.readdirSync(folder).sort()).toEqual(['.pannuke-output.json', 'images.npy', 'index.csv', 'masks.npy', 'types.npy']);
    const synth = await cli('synth', folder, '--images-per-fold', '1');
    expect(synth.code).toBe(2);
    const synthForced = await cli('synth', folder, '--images-per-fold', '1', '--force');
    expect([synthForced.code, oneLine(synthForced.err)]).toEqual([2, [expect.stringMatching(/not replaced, even with --force: it holds the output of `pannuke export masks`, not of `pannuke synth`/)]]);
    expect(leftovers(dir)).toEqual([]);
  });

  it('--force never deletes what pannuke did not write: a file beside an output, a working folder, the current folder', async () => {
    const cases: [string, string[]][] = [
      ['victim', ['export', 'masks', '--db', db, '--out', '@', '--force']],
      ['sub', ['export', '--db', db, '--format', 'geoparquet', '--out', '@', '--force']],
      ['v3', ['synth', '@', '--images-per-fold', '1', '--force']],
    ];
    for (const [name, argv] of cases) {
      const folder = path.join(dir, name);
      // first a real output of the command, then a file of the user's beside it
      expect((await cli(...argv.map((a) => (a === '@' ? folder : a)).filter((a) => a !== '--force'))).code).toBe(0);
      fs.writeFileSync(path.join(folder, 'thesis.txt'), 'four years');
      fs.writeFileSync(path.join(folder, 'mine.sqlite'), 'data');
      const r = await cli(...argv.map((a) => (a === '@' ? folder : a)));
      expect([r.code, oneLine(r.err)], argv.join(' ')).toEqual([2, [expect.stringMatching(/not replaced, even with --force: besides a previous output of `pannuke .*` it holds 2 entries that pannuke did not write \(mine\.sqlite, thesis\.txt\)/)]]);
      expect(fs.readFileSync(path.join(folder, 'thesis.txt'), 'utf8')).toBe('four years');
      // a folder pannuke never wrote into at all
      const work = path.join(dir, `${name}-work`);
      fs.mkdirSync(work);
      fs.writeFileSync(path.join(work, 'notes.md'), 'x');
      const w = await cli(...argv.map((a) => (a === '@' ? work : a)));
      expect([w.code, oneLine(w.err)]).toEqual([2, [expect.stringMatching(/it holds 1 entry that pannuke did not write \(notes\.md\)/)]]);
      expect(fs.readdirSync(work)).toEqual(['notes.md']);
    }
    // `synth . --force` in a working folder, and a parent of the current folder
    const home = path.join(dir, 'home');
    fs.mkdirSync(path.join(home, 'project'), { recursive: true });
    fs.writeFileSync(path.join(home, 'project', 'a.sqlite'), 'x');
    const entry = path.resolve(import.meta.dirname, '../../src/cli/entry.ts');
    for (const target of ['.', '..']) {
      const tsx = path.resolve(import.meta.dirname, '../../node_modules/tsx/dist/loader.mjs');
      const r = spawnSync(process.execPath, ['--import', pathToFileURL(tsx).href, entry, 'synth', target, '--images-per-fold', '1', '--force'], { cwd: path.join(home, 'project'), encoding: 'utf8' });
      expect([r.status, oneLine(r.stderr)], target).toEqual([2, [expect.stringMatching(/<dir> \.{1,2}: refusing to replace the current folder/)]]);
    }
    expect(fs.readdirSync(path.join(home, 'project'))).toEqual(['a.sqlite']);
    expect(leftovers(dir)).toEqual([]);
  }, 60_000);

  it('a missing folder, a folder given as a file, a file given as a folder: one line each', async () => {
    const cases: [string[], number, RegExp][] = [
      [['export', '--db', db, '--format', 'csv', '--out', path.join(dir, 'no', 'such', 'a.csv')], 1, /a\.csv: folder .*no\/such does not exist \(create it first/],
      [['export', '--db', db, '--format', 'csv', '--out', dir], 2, /--out .* is a folder: expected a file path \(name a file, e\.g\. .*nuclei\.csv\)/],
      [['ingest', data, '--db', dir], 2, /--db .* is a folder: expected a file path \(name a file, e\.g\. .*pannuke\.sqlite\)/],
      [['report', '--db', db, '--out', path.join(dir, 'no', 'r.html')], 1, /r\.html: folder .* does not exist/],
      [['export', 'masks', '--db', db, '--out', db], 2, /refusing to write over an input|is a file: expected a folder/],
    ];
    for (const [argv, code, message] of cases) {
      const r = await cli(...argv);
      expect([r.code, oneLine(r.err)], argv.join(' ')).toEqual([code, [expect.stringMatching(message)]]);
    }
  });

  it.skipIf(skipBecause(process.getuid?.() !== 0 || !fs.existsSync('/usr/sbin/runuser'), 'the other-user read needs root and runuser'))('a read-only folder read by another user (nobody): every reading command works and leaves nothing beside the file', () => {
    const shared = fs.mkdtempSync('/tmp/pannuke-ro-');
    try {
      fs.chmodSync(shared, 0o755);
      const ro = path.join(shared, 'ro');
      fs.mkdirSync(ro);
      fs.copyFileSync(db, path.join(ro, 'x.sqlite'));
      fs.chmodSync(path.join(ro, 'x.sqlite'), 0o444);
      fs.chmodSync(ro, 0o555);
      const out = path.join(shared, 'out');
      fs.mkdirSync(out);
      fs.chmodSync(out, 0o777);
      const file = path.join(ro, 'x.sqlite');
      const entry = path.resolve(import.meta.dirname, '../../src/cli/entry.ts');
      const canRun = spawnSync('runuser', ['-u', 'nobody', '--', process.execPath, '-e', `require('fs').accessSync(${JSON.stringify(entry)})`]);
      if (canRun.status !== 0) {
        console.warn('skipping the other-user read: user nobody cannot read the checkout');
        return;
      }
      const run = (...argv: string[]) => spawnSync('runuser', ['-u', 'nobody', '--', process.execPath, '--import', 'tsx', entry, ...argv], { cwd: path.resolve(import.meta.dirname, '../..'), encoding: 'utf8' });
      for (const argv of [
        ['stats', '--db', file], ['stats', '--db', file, '--by', 'class'], ['qc', '--db', file], ['subset', 'list', '--db', file],
        ['query', '--db', file, 'SELECT count(*) FROM nuclei'], ['export', '--db', file, '--format', 'csv', '--out', path.join(out, 'n.csv')],
        ['report', '--db', file, '--out', path.join(out, 'r.html')],
      ]) {
        const r = run(...argv);
        expect([r.status, r.stderr.split('\n').filter((l) => l.startsWith('pannuke: '))], argv.join(' ')).toEqual([0, []]);
      }
      expect(fs.readdirSync(ro)).toEqual(['x.sqlite']);
      const write = run('subset', 'create', 's', '--db', file, '--nuclei-per-class', '1');
      expect([write.status, write.stderr.trim()]).toEqual([1, expect.stringMatching(/^pannuke: error: .*x\.sqlite: database file is read-only/)]);
      // outputs into the read-only folder, and a database there: one line, exit 1, nothing written
      for (const argv of [['export', '--db', file, '--format', 'csv', '--out', path.join(ro, 'n.csv')], ['report', '--db', file, '--out', path.join(ro, 'r.html')], ['synth', path.join(ro, 'synth'), '--images-per-fold', '1']]) {
        const r = run(...argv);
        expect([r.status, r.stderr.trim()], argv.join(' ')).toEqual([1, expect.stringMatching(/^pannuke: error: .*cannot write in folder .*ro \(permission denied or read-only\)/)]);
      }
      expect(fs.readdirSync(ro)).toEqual(['x.sqlite']);
    } finally {
      fs.chmodSync(path.join(shared, 'ro'), 0o755);
      fs.rmSync(shared, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('a refused write leaves the database as it was, byte for byte', () => {
  it('eval run on a bad or changed prediction, ingest of an edited fold, eval drop of no set: the file is unchanged, header included', async () => {
    const copy = path.join(dir, 'refused.sqlite');
    fs.copyFileSync(db, copy);
    const pred = path.join(dir, 'refused-pred');
    const other = path.join(dir, 'refused-other');
    expect((await cli('synth', pred, '--prediction-of', data, '--fold', '1')).code).toBe(0);
    expect((await cli('synth', other, '--prediction-of', data, '--fold', '1', '--seed', '2')).code).toBe(0);
    expect((await cli('eval', 'run', pred, '--db', copy, '--name', 'good', '--fold', '1')).code).toBe(0);
    const before = fileSha(copy);
    const masks = path.join(pred, 'masks.npy');
    const truncated = path.join(dir, 'truncated.npy');
    fs.writeFileSync(truncated, fs.readFileSync(masks).subarray(0, fs.statSync(masks).size - 1000));
    const empty = path.join(dir, 'empty.npy');
    fs.writeFileSync(empty, '');
    const edited = path.join(dir, 'edited');
    fs.cpSync(data, edited, { recursive: true });
    const editedMasks = path.join(edited, 'Fold 2', 'masks', 'fold2', 'masks.npy');
    const bytes = fs.readFileSync(editedMasks);
    bytes[bytes.length - 1] = 9;
    fs.writeFileSync(editedMasks, bytes);
    const attempts = [
      ['eval', 'run', truncated, '--db', copy, '--name', 'cut', '--fold', '1'],
      ['eval', 'run', empty, '--db', copy, '--name', 'none', '--fold', '1'],
      ['eval', 'run', other, '--db', copy, '--name', 'good', '--fold', '1'],
      ['eval', 'run', pred, '--db', copy, '--name', 'good', '--fold', '4'],
      ['eval', 'drop', 'nothing', '--db', copy],
      ['ingest', edited, '--db', copy],
    ];
    const content = sqliteContent(copy);
    for (const argv of attempts) {
      const r = await cli(...argv);
      expect([r.code === 0, oneLine(r.err).filter((l) => l.startsWith('pannuke: error')).length, r.err.includes('    at ')], `${argv.join(' ')}: ${r.err}`).toEqual([false, 1, false]);
      expect(fs.readdirSync(dir).filter((f) => f.startsWith('refused.sqlite-')), argv.join(' ')).toEqual([]);
      // ingest logs every run, a refused one too (README: ingest_runs); the data stays as it was.
      if (argv[0] === 'ingest') break;
      expect(fileSha(copy), argv.join(' ')).toBe(before);
    }
    expect(sqliteContent(copy)).toEqual(content);
    const runs = new Database(copy, { readonly: true });
    expect(runs.prepare('SELECT status, error FROM ingest_runs ORDER BY id DESC LIMIT 1').get()).toEqual({ status: 'failed', error: expect.stringMatching(/fold 2 changed since it was ingested/) });
    runs.close();
  }, 60_000);
});

describe('reading commands leave nothing beside the database', () => {
  it('stats, qc, query, report and export: no -wal, -shm or -journal file appears', async () => {
    const out = path.join(dir, 'side');
    fs.mkdirSync(out);
    for (const argv of [['stats', '--db', db], ['qc', '--db', db], ['query', '--db', db, 'SELECT count(*) FROM nuclei'], ['report', '--db', db, '--out', path.join(out, 'r.html')], ['export', '--db', db, '--format', 'csv', '--out', path.join(out, 'n.csv')]]) {
      expect((await cli(...argv)).code, argv.join(' ')).toBe(0);
      expect(fs.readdirSync(path.dirname(db)).filter((f) => /\.sqlite-(wal|shm|journal)$/.test(f)), argv.join(' ')).toEqual([]);
    }
  });
});

describe('no stack traces: one line and the README exit code', () => {
  it('bad arguments and unusable databases', async () => {
    fs.writeFileSync(path.join(dir, 'empty.sqlite'), '');
    const cases: [string[], number, RegExp][] = [
      [['stats', '--db', db, '--by', 'tissue,tissue'], 2, /--by: 'tissue' is given twice/],
      [['stats', '--db', db, '--by', 'TISSUE,Class'], 0, /./],
      [['stats', '--db', db, '--format', 'CSV'], 0, /./],
      [['stats', '--db', path.join(dir, 'empty.sqlite')], 1, /empty\.sqlite: database is empty \(0 bytes\)/],
      [['report', '--db', path.join(dir, 'empty.sqlite'), '--out', path.join(dir, 'e.html')], 1, /database is empty/],
      [['stats', '--db', dir], 1, /is a folder, not a database file/],
      [['synth', path.join(dir, 'big'), '--size', '10000'], 2, /--size: must be at most 2048/],
      [['stats', '--db', db, '--busy-timeout', 'soon'], 2, /--busy-timeout: must be a whole number/],
      [['subset', 'create', 'x', '--db', path.join(dir, 'typo.sqlite'), '--nuclei-per-class', '1'], 1, /typo\.sqlite: database does not exist/],
    ];
    for (const [argv, code, message] of cases) {
      const r = await cli(...argv);
      expect(r.code, `${argv.join(' ')}\n${r.err}`).toBe(code);
      if (code !== 0) expect(oneLine(r.err), argv.join(' ')).toEqual([expect.stringMatching(message)]);
      expect(r.err).not.toMatch(/internal error|\n\s+at /);
    }
    expect(fs.existsSync(path.join(dir, 'typo.sqlite'))).toBe(false);
    expect(fs.existsSync(path.join(dir, 'big'))).toBe(false);
  });

  it('a database locked by another program: wait --busy-timeout, then one line, exit 1', async () => {
    const copy = path.join(dir, 'locked.sqlite');
    fs.copyFileSync(db, copy);
    const holder = new Database(copy);
    holder.exec('BEGIN EXCLUSIVE');
    holder.prepare('UPDATE metadata SET value = value').run(); // an exclusive lock with a write pending
    try {
      for (const argv of [['stats', '--db', copy, '--busy-timeout', '200'], ['subset', 'create', 's', '--db', copy, '--nuclei-per-class', '1', '--busy-timeout', '200'], ['query', '--db', copy, '--busy-timeout', '200', 'SELECT 1 FROM nuclei LIMIT 1']]) {
        const started = performance.now();
        const r = await cli(...argv);
        expect([r.code, oneLine(r.err)], argv.join(' ')).toEqual([1, [expect.stringMatching(/locked\.sqlite: .*locked by another program/)]]);
        expect(performance.now() - started).toBeLessThan(10_000);
      }
    } finally {
      holder.exec('ROLLBACK');
      holder.close();
    }
  });
});

describe('what is printed and written: formulas, escapes, exact integers', () => {
  it('formula cells get a leading apostrophe in CSV (not numbers); --raw writes them as they are', async () => {
    const sql = "SELECT '=HYPERLINK(\"http://x\")' AS a, '+1' AS b, '-2' AS c, '@SUM(A1)' AS d, char(9) || 'tab' AS e, -3.5 AS f, 'plain' AS g";
    const safe = await cli('query', '--db', db, '--format', 'csv', sql);
    expect(safe.code, safe.err).toBe(0);
    expect(safe.out.split('\r\n')[1]).toBe(`"'=HYPERLINK(""http://x"")",'+1,'-2,'@SUM(A1),'\ttab,-3.5,plain`);
    const raw = await cli('query', '--db', db, '--format', 'csv', '--raw', sql);
    expect(raw.out.split('\r\n')[1]).toBe('"=HYPERLINK(""http://x"")",+1,-2,@SUM(A1),\ttab,-3.5,plain');
  });

  it('tissue names that are formulas or terminal escapes: prefixed in CSV exports, escaped on the terminal', async () => {
    const root = path.join(dir, 'evil');
    writeTinyFold(root, 1, 'flat', { n: 2, types: ['=cmd|calc', '\u001b]0;pwned\u0007\u001b[2JColon'] });
    const evil = path.join(root, 'x.sqlite');
    expect((await cli('ingest', root, '--db', evil)).code).toBe(0);
    const stats = await cli('stats', '--db', evil);
    expect(stats.out).not.toMatch(/\u001b|\u0007/);
    expect(stats.out).toContain('\\x1b]0;pwned\\x07\\x1b[2JColon');
    const out = path.join(dir, 'evil.csv');
    expect((await cli('export', '--db', evil, '--format', 'csv', '--out', out)).code).toBe(0);
    const cells = fs.readFileSync(out, 'utf8').split('\r\n').slice(1, -1).map((l) => l.split(',')[4]);
    expect(cells.sort()).toEqual(["'=cmd|calc", '\u001b]0;pwned\u0007\u001b[2JColon'].sort());
  });

  it('integers beyond 2^53 are printed exactly; the read form of a pragma is allowed', async () => {
    for (const format of ['table', 'csv', 'json', 'ndjson', 'markdown']) {
      const r = await cli('query', '--db', db, '--format', format, 'SELECT 9007199254740993 AS big, -9223372036854775808 AS min, 7 AS small');
      expect(r.code, r.err).toBe(0);
      expect(r.out, format).toContain('9007199254740993');
      expect(r.out, format).toContain('-9223372036854775808');
    }
    expect((await cli('query', '--db', db, '--format', 'json', 'SELECT 9007199254740993 AS big, 7 AS small')).out).toBe('[\n{"big":9007199254740993,"small":7}\n]\n');
    const pragma = await cli('query', '--db', db, 'PRAGMA journal_mode');
    expect([pragma.code, pragma.out]).toEqual([0, expect.stringMatching(/delete/)]);
    const set = await cli('query', '--db', db, 'PRAGMA journal_mode = WAL');
    expect([set.code, set.err]).toEqual([1, expect.stringMatching(/only reads are allowed/)]);
  });

  it('a value over --max-value-mb is refused in one line', async () => {
    const r = await cli('query', '--db', db, '--max-value-mb', '1', 'SELECT zeroblob(2000000) AS b');
    expect([r.code, oneLine(r.err)]).toEqual([1, [expect.stringMatching(/row 1, column b: a value of 2000000 bytes, more than the 1000000-byte cap/)]]);
  });
});

describe('npm start', () => {
  it('writes only into its own folder', async () => {
    const work = path.join(dir, 'work');
    const r = await cli('demo', '--dir', work, '--images-per-fold', '3');
    expect(r.code, r.err).toBe(0);
    expect(fs.readdirSync(work).sort()).toEqual(['demo.sqlite', 'prediction', 'report.html', 'sample']);
    expect(r.out).toContain(`Database: ${path.join(work, 'demo.sqlite')}`);
    // run again: its own files are refreshed, nothing else appears
    expect((await cli('demo', '--dir', work, '--images-per-fold', '3')).code).toBe(0);
    expect(fs.readdirSync(work).sort()).toEqual(['demo.sqlite', 'prediction', 'report.html', 'sample']);
  }, 60_000);
});
