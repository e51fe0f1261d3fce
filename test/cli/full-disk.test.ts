// A full output disk (a 1 MB tmpfs, filled up): every output, a file or standard output redirected there, ends in
// one line naming what could not be written, exit 1, nothing left behind; the database (on another disk) is
// never blamed. Needs root to mount; skipped with a message elsewhere.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cohortDatabase } from '../helpers/cohort.js';
import { tempDir } from '../helpers/tmp.js';

const dir = tempDir('full-disk');
const full = path.join(dir, 'full');
fs.mkdirSync(full);
const mounted = process.getuid?.() === 0 && spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', full]).status === 0;
if (!mounted) console.warn('skipping the full-disk tests: mounting a tmpfs needs root (mount -t tmpfs)');

const ROOT = path.resolve(import.meta.dirname, '../..');
const ENTRY = path.join(ROOT, 'src', 'cli', 'entry.ts');
const TSX = pathToFileURL(path.join(ROOT, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;

/** Runs the CLI with standard output going to `stdoutFile` (or a pipe). */
function run(args: string[], stdoutFile?: string) {
  const fd = stdoutFile === undefined ? 'pipe' : fs.openSync(stdoutFile, 'w');
  try {
    const r = spawnSync(process.execPath, ['--import', TSX, ENTRY, ...args], { cwd: ROOT, stdio: ['ignore', fd, 'pipe'], encoding: 'utf8' });
    // Progress lines (`export: 511/511 nuclei …`) aside, stderr must be the one error line.
    return { code: r.status, err: r.stderr.trim().split('\n').filter((l) => l !== '' && !/^[a-z ]+: \d+\/\d+ /.test(l)) };
  } finally {
    if (typeof fd === 'number') fs.closeSync(fd);
  }
}

let db: string;

describe.skipIf(!mounted)('a full output disk', () => {
  beforeAll(async () => {
    ({ db } = await cohortDatabase(dir));
    // Fill the disk to the last page; the outputs below get nothing.
    const filler = fs.openSync(path.join(full, 'filler'), 'w');
    try {
      for (;;) fs.writeSync(filler, Buffer.alloc(4096, 1));
    } catch (e) {
      expect((e as NodeJS.ErrnoException).code).toBe('ENOSPC');
    } finally {
      fs.closeSync(filler);
    }
  }, 60_000);
  afterAll(() => {
    spawnSync('umount', [full]);
  });
  const others = () => fs.readdirSync(full).filter((f) => f !== 'filler');

  it('exports to a file there: one line naming the file, exit 1, no partial left', () => {
    for (const [format, name] of [['csv', 'n.csv'], ['geojson', 'n.geojson'], ['parquet', 'n.parquet'], ['geoparquet', 'gp']]) {
      const out = path.join(full, name as string);
      const r = run(['export', '--db', db, '--format', format as string, '--out', out]);
      expect([r.code, r.err], format).toEqual([1, [expect.stringMatching(new RegExp(`^pannuke: error: ${out.replaceAll('.', '\\.')}: cannot .*: the disk is full \\(ENOSPC\\) \\(the disk is full: free some space`))]]);
      expect(r.err.join('\n')).not.toContain('cohort.sqlite');
      expect(others(), format).toEqual([]);
    }
    const masks = run(['export', 'masks', '--db', db, '--out', path.join(full, 'm')]);
    expect([masks.code, masks.err]).toEqual([1, [expect.stringMatching(/full\/m: cannot .*the disk is full \(ENOSPC\)/)]]);
    const report = run(['report', '--db', db, '--out', path.join(full, 'r.html')]);
    expect([report.code, report.err]).toEqual([1, [expect.stringMatching(/full\/r\.html: cannot .*the disk is full \(ENOSPC\)/)]]);
    const synth = run(['synth', path.join(full, 's'), '--images-per-fold', '2']);
    // synth measures before it writes: refused with what it needs and what is free
    expect([synth.code, synth.err]).toEqual([1, [expect.stringMatching(/full\/s: 6 images of 256 × 256 px take 0\.03 GB .*; the disk has 0\.00 GB free/)]]);
    expect(others()).toEqual([]);
  }, 120_000);

  it('standard output redirected there: one line naming standard output, exit 1, never the database', () => {
    const target = path.join(full, 'out.txt');
    for (const args of [['stats', '--db', db], ['stats', '--db', db, '--by', 'class'], ['qc', '--db', db], ['schema'], ['subset', 'list', '--db', db],
      ['eval', 'list', '--db', db], ['query', '--db', db, 'SELECT * FROM nuclei']]) {
      const r = run(args, target);
      expect([r.code, r.err], args.join(' ')).toEqual([1, [expect.stringMatching(/^pannuke: error: standard output: cannot write: the disk is full \(ENOSPC\)/)]]);
      fs.rmSync(target);
    }
  }, 120_000);
});
