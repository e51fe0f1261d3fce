// The small things a careless user meets (issue 19, item 9), through the real CLI: each a single line with the
// README's exit code, hints that can be pasted into a shell, counts that match the files, and limits said.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { load } from 'npyjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { formatTable } from '../../src/cli/format.js';
import { cli } from '../helpers/cohort.js';
import { writeTinyFold } from '../helpers/folds.js';
import { fileArrayBuffer, tempDir } from '../helpers/tmp.js';

const dir = tempDir('careless');
const data = path.join(dir, 'my data');
const db = path.join(dir, 'my data', 'x.sqlite');
const lines = (err: string) => err.trim().split('\n').filter((l) => l !== '');

beforeAll(async () => {
  expect((await cli('synth', path.join(dir, 'my data'), '--images-per-fold', '6', '--size', '96', '--seed', '4')).code).toBe(0);
  expect((await cli('ingest', data, '--db', db)).code).toBe(0);
}, 60_000);

describe('careless usage', () => {
  it('bad values: one line, exit 2, no library jargon; limits said with the value', async () => {
    for (const [args, message] of [
      [['ingest', data, '--db', db, '--folds', 'one'], /^pannuke: error: --folds: folds are 1, 2 or 3 \(got 'one'\)$/],
      [['ingest', data, '--db', db, '--workers', '1000'], /^pannuke: error: --workers: must be at most \d+ \(got '1000'\)$/],
      [['stats', '--db', db, '--subset', 'nope'], /no subset named 'nope'/],
      [['eval', 'show', 'nope', '--db', db], /no prediction set named 'nope'/],
    ] as const) {
      const r = await cli(...args);
      expect([r.code, lines(r.err)], args.join(' ')).toEqual([2, [expect.stringMatching(message)]]);
      expect(r.err).not.toMatch(/NaN|received|Zod/);
    }
    const help = await cli('ingest', '--help');
    expect(help.out).toMatch(/--workers <n> +extraction threads, at most 4 × the cores/);
    expect(help.out).toMatch(/--batch-size <n> +images per transaction, 1\.\.10000 \(default: 64\)/);
  });

  it('every command\'s help ends with its exit codes', async () => {
    for (const args of [['report'], ['stats'], ['qc'], ['synth'], ['demo'], ['schema'], ['subset', 'list'], ['eval', 'show'], ['eval', 'compare'], ['ingest'], ['export']]) {
      const r = await cli(...args, '--help');
      expect(r.out, args.join(' ')).toMatch(/Exit codes: 0 /);
    }
  });

  it('a foreign SQLite file is named for what it is, without suggesting an upgrade that would refuse it', async () => {
    const foreign = path.join(dir, 'foreign.sqlite');
    const f = new Database(foreign);
    f.exec('CREATE TABLE notes (x TEXT)');
    f.close();
    for (const args of [['stats', '--db', foreign], ['upgrade', '--db', foreign]]) {
      const r = await cli(...args);
      expect([r.code, lines(r.err)], args.join(' ')).toEqual([1, [expect.stringMatching(/not a pannuke-db one/)]]);
      expect(r.err).not.toMatch(/pannuke upgrade/);
    }
  });

  it('hints to paste are shell-quoted; eval input errors say to run eval again', async () => {
    const pred = path.join(dir, 'pred');
    expect((await cli('synth', pred, '--prediction-of', data, '--fold', '1')).code).toBe(0);
    const r = await cli('eval', 'run', pred, '--db', db, '--name', 'm', '--fold', '1');
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain(`see: pannuke eval show m --db '${db}'`);
    const bad = path.join(dir, 'bad');
    writeTinyFold(bad, 1, 'flat', { n: 6, h: 96, w: 96, masks: new Float64Array(6 * 96 * 96 * 6).fill(0.5) });
    const e = await cli('eval', 'run', path.join(bad, 'fold1', 'masks.npy'), '--db', db, '--name', 'bad', '--fold', '1');
    expect([e.code, lines(e.err)]).toEqual([1, [expect.stringMatching(/is fractional.*fix the mask and run eval run again/)]]);
  }, 60_000);

  it('synth --prediction-of refuses the options that shape a dataset instead of ignoring them', async () => {
    const pred = path.join(dir, 'pred-options');
    for (const extra of [['--images-per-fold', '3'], ['--size', '64'], ['--like-release'], ['--folds', '1'], ['--images-per-fold', '3', '--size', '64']]) {
      const r = await cli('synth', pred, '--prediction-of', data, '--fold', '1', ...extra);
      expect([r.code, lines(r.err)], extra.join(' ')).toEqual([2, [expect.stringMatching(new RegExp(`${extra.filter((a) => a.startsWith('--')).join(', ')} shapes? a dataset.*leave (it|them) out`))]]);
    }
    expect(fs.existsSync(pred)).toBe(false);
  });

  it('synth counts the predicted nuclei it wrote: distinct (channel, id) pairs of the file', async () => {
    const pred = path.join(dir, 'pred2');
    const r = await cli('synth', pred, '--prediction-of', data, '--fold', '2', '--seed', '9');
    const said = Number(/(\d+) predicted nuclei/.exec(r.out)?.[1]);
    const masks = await load(fileArrayBuffer(path.join(pred, 'masks.npy')));
    const [n, h, w, c] = masks.shape as [number, number, number, number];
    const values = masks.data as Float64Array;
    let pairs = 0;
    for (let i = 0; i < n; i++) {
      for (let ch = 0; ch < 5; ch++) {
        const ids = new Set<number>();
        for (let p = 0; p < h * w; p++) { const v = values[(i * h * w + p) * c + ch] as number; if (v !== 0) ids.add(v); }
        pairs += ids.size;
      }
    }
    expect(said).toBe(pairs);
  }, 60_000);

  it('a synthetic dataset larger than the disk or the memory is refused before anything is written', async () => {
    // Also into folders that do not exist yet: none of them is made (they used to be left behind, empty).
    for (const out of [path.join(dir, 'huge'), path.join(dir, 'huge-parent', 'deeper', 'out')]) {
      for (const [args, message] of [
        [['--images-per-fold', '1000000000'], /take \d+ GB \(float64, as PanNuke ships\); the disk has [\d.]+ GB free/],
        [['--images-per-fold', '10000000', '--size', '1'], /more than one synthetic dataset's manifest holds in memory/],
      ] as const) {
        const r = await cli('synth', out, ...args);
        expect([r.code, lines(r.err)]).toEqual([1, [expect.stringMatching(message)]]);
      }
    }
    expect(fs.readdirSync(dir).filter((f) => f.includes('huge'))).toEqual([]);
  });

  it('a relative data root is recorded absolute: exports from another folder find the sources', async () => {
    const entry = path.resolve(import.meta.dirname, '../../src/cli/entry.ts');
    const tsx = pathToFileURL(path.resolve(import.meta.dirname, '../../node_modules/tsx/dist/loader.mjs')).href;
    const run = (cwd: string, ...args: string[]) => spawnSync(process.execPath, ['--import', tsx, entry, ...args], { cwd, encoding: 'utf8' });
    const r = run(dir, 'ingest', 'my data', '--db', 'relative.sqlite');
    expect(r.status, r.stderr).toBe(0);
    const paths = new Database(path.join(dir, 'relative.sqlite'), { readonly: true }).prepare('SELECT path FROM sources').pluck().all() as string[];
    expect(paths.length).toBe(9);
    for (const p of paths) expect(path.isAbsolute(p) && fs.existsSync(p), p).toBe(true);
    const elsewhere = fs.mkdtempSync(path.join(dir, 'elsewhere-'));
    const e = run(elsewhere, 'export', 'masks', '--db', path.join(dir, 'relative.sqlite'), '--out', 'm');
    expect(e.status, e.stderr).toBe(0);
    expect(fs.readdirSync(path.join(elsewhere, 'm'))).toContain('masks.npy');
  }, 60_000);

  it('tables keep a column of numbers right-aligned when some cells are blank', () => {
    const t = formatTable(['name', 'n'], [['a', 1234], ['b', ''], ['c', 5]]);
    expect(t.split('\n')[2]).toBe('a     1,234');
    expect(t.split('\n')[4]).toBe('c         5');
  });
});
