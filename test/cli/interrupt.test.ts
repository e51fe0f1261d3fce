// Ctrl-C (SIGINT) and closed pipes, through the real CLI as a child process without a terminal: every long
// command stops within a second, removes its partial output, prints one line and exits 130; an interrupted
// ingest is logged with exactly what it committed; `| head` ends quietly; a query is stopped mid statement.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import { exitOf, spawnCli } from '../helpers/child.js';
import { cli } from '../helpers/cohort.js';
import { tempDir } from '../helpers/tmp.js';

const dir = tempDir('interrupt');
const data = path.join(dir, 'data');
const db = path.join(dir, 'full.sqlite');

/** Starts the CLI, waits until its stderr shows `ready`, sends `signal`; returns the outcome and the delay. */
async function interrupt(args: string[], ready: RegExp, signal: NodeJS.Signals = 'SIGINT') {
  const child = spawnCli(args);
  const exit = exitOf(child);
  await new Promise<void>((resolve) => {
    const check = () => (ready.test(child.output().err) ? resolve() : undefined);
    child.stderr?.on('data', check);
    void exit.then(() => resolve());
  });
  const sent = performance.now();
  child.kill(signal);
  const { code } = await exit;
  return { code, seconds: (performance.now() - sent) / 1000, ...child.output() };
}

beforeAll(async () => {
  expect((await cli('synth', data, '--images-per-fold', '100', '--seed', '3')).code).toBe(0);
  expect((await cli('ingest', data, '--db', db)).code).toBe(0);
}, 120_000);

describe('Ctrl-C', () => {
  it('export masks stops within a second and leaves no partial folder', async () => {
    const out = path.join(dir, 'masks-out');
    const r = await interrupt(['export', 'masks', '--db', db, '--out', out], /export masks: \d+\/300 images/);
    expect([r.code, r.err.trim().split('\n').at(-1)]).toEqual([130, 'pannuke: interrupted (run the same command again to resume or redo it)']);
    expect(r.seconds).toBeLessThan(1);
    expect(fs.readdirSync(dir).filter((f) => f.includes('masks-out'))).toEqual([]);
  }, 60_000);

  it('synth and a CSV export stop within a second and leave nothing', async () => {
    const synth = await interrupt(['synth', path.join(dir, 'synth-out'), '--images-per-fold', '200'], /synth: \d+\/600 images/);
    expect([synth.code, synth.seconds < 1]).toEqual([130, true]);
    expect(fs.readdirSync(dir).filter((f) => f.includes('synth-out'))).toEqual([]);
    const csv = await interrupt(['export', '--db', db, '--format', 'geojson', '--out', path.join(dir, 'n.geojson')], /export: /);
    // The export may finish before the signal lands; either way no partial file is left under any name.
    expect([130, 0]).toContain(csv.code);
    expect(fs.readdirSync(dir).filter((f) => f.includes('.partial-'))).toEqual([]);
    if (csv.code === 0) expect(fs.readFileSync(path.join(dir, 'n.geojson'), 'utf8')).toMatch(/\]\}\n$/);
  }, 60_000);

  it('SIGTERM and SIGHUP (kill, timeout, a closed terminal) run the same cleanups: 143 / 129, nothing left by synth or export', async () => {
    for (const [signal, code] of [['SIGTERM', 143], ['SIGHUP', 129]] as const) {
      const name = `synth-${signal}`;
      const synth = await interrupt(['synth', path.join(dir, name), '--images-per-fold', '200'], /synth: \d+\/600 images/, signal);
      expect([synth.code, synth.err.trim().split('\n').at(-1)], signal).toEqual([code, `pannuke: stopped by ${signal} (run the same command again to resume or redo it)`]);
      expect(synth.seconds).toBeLessThan(1);
      expect(fs.readdirSync(dir).filter((f) => f.includes(name))).toEqual([]);
      const masks = await interrupt(['export', 'masks', '--db', db, '--out', path.join(dir, `masks-${signal}`)], /export masks: \d+\/300 images/, signal);
      expect(masks.code, signal).toBe(code);
      expect(fs.readdirSync(dir).filter((f) => f.includes(`masks-${signal}`))).toEqual([]);
    }
  }, 60_000);

  it('an interrupted ingest is logged with the images and nuclei it committed, and the rerun finishes the job', async () => {
    let interrupted = false;
    for (let attempt = 0; attempt < 3 && !interrupted; attempt++) {
      const file = path.join(dir, `partial-${attempt}.sqlite`);
      const r = await interrupt(['ingest', data, '--db', file, '--workers', '1', '--batch-size', '1'], /ingest: [1-9]\d*\/300 images/);
      if (r.code === 0) continue; // finished before the signal landed: try again
      const raw = new Database(file, { readonly: true });
      const run = raw.prepare('SELECT status, images, nuclei FROM ingest_runs').get() as { status: string; images: number; nuclei: number };
      const committed = raw.prepare('SELECT (SELECT count(*) FROM images) AS images, (SELECT count(*) FROM nuclei) AS nuclei').get() as { images: number; nuclei: number };
      raw.close();
      if (run.status === 'finished') continue; // the signal landed after the run's last commit: try again
      interrupted = true;
      expect([r.code, r.err.trim().split('\n').at(-1)]).toEqual([130, 'pannuke: interrupted (run the same command again to resume or redo it)']);
      expect(r.seconds).toBeLessThan(1);
      expect(committed.images).toBeGreaterThan(0);
      expect(run).toEqual({ status: 'interrupted', ...committed });
      expect(fs.existsSync(`${file}-wal`)).toBe(false); // back in rollback-journal mode
      // Read before the rerun, it says so.
      const stats = await cli('stats', '--db', file);
      expect(stats.err).toMatch(new RegExp(`^warning: the last ingest \\(run 1, started .*\\) was interrupted after committing ${committed.images} images: its folds may be incomplete; run the same ingest again to finish them\n$`));
      const rerun = await cli('ingest', data, '--db', file);
      expect(rerun.code, rerun.err).toBe(0);
      expect(rerun.out).toContain(`${300 - committed.images} images`);
      expect((await cli('stats', '--db', file)).err).toBe('');
    }
    expect(interrupted).toBe(true);
  }, 60_000);

  it('eval run stops within a second and the rerun finishes the evaluation', async () => {
    const pred = path.join(dir, 'prediction');
    expect((await cli('synth', pred, '--prediction-of', data, '--fold', '1')).code).toBe(0);
    const args = ['eval', 'run', pred, '--db', db, '--name', 'm', '--fold', '1', '--workers', '1'];
    const r = await interrupt(args, /eval: [1-9]\d*\/100 images/);
    if (r.code === 0) return; // finished before the signal landed (the resume itself is tested with kill -9)
    expect([r.code, r.seconds < 1]).toEqual([130, true]);
    const rerun = await cli(...args);
    expect([rerun.code, rerun.out]).toEqual([0, expect.stringMatching(/evaluated 'm' \(fold 1\): \d+ images/)]);
    // Whatever the interrupted run had committed, the finished set equals an uninterrupted evaluation.
    expect((await cli('eval', 'run', pred, '--db', db, '--name', 'clean', '--fold', '1')).code).toBe(0);
    const show = async (name: string) => JSON.parse((await cli('eval', 'show', name, '--db', db, '--format', 'json')).out) as Record<string, unknown>;
    expect({ ...(await show('m')), set: 'clean' }).toEqual(await show('clean'));
  }, 60_000);

  it('a query is stopped mid statement, with its process', async () => {
    const marker = `m${process.pid}x${Date.now()}`;
    const sql = `WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT max(x), '${marker}' FROM c`;
    const child = spawnCli(['query', '--db', db, sql]);
    const exit = exitOf(child);
    // wait until the runner process runs the statement
    for (let i = 0; i < 100 && spawnSync('pgrep', ['-f', `runner.*${marker}`]).status !== 0; i++) await new Promise((r) => setTimeout(r, 100));
    await new Promise((r) => setTimeout(r, 300));
    const sent = performance.now();
    child.kill('SIGINT');
    const { code } = await exit;
    expect(code).toBe(130);
    expect((performance.now() - sent) / 1000).toBeLessThan(1);
    await new Promise((r) => setTimeout(r, 200));
    expect(spawnSync('pgrep', ['-f', `runner.*${marker}`]).status).toBe(1); // no process left running it
  }, 60_000);
});

describe('limits and pipes', () => {
  it('--timeout stops a statement that never ends, in one line, exit 1', async () => {
    const started = performance.now();
    const r = await cli('query', '--db', db, '--timeout', '1', 'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT max(x) FROM c');
    expect([r.code, r.err.trim()]).toEqual([1, expect.stringMatching(/^pannuke: error: .*full\.sqlite: the query ran longer than the --timeout of 1 s and was stopped/)]);
    expect((performance.now() - started) / 1000).toBeLessThan(5);
  }, 30_000);

  it('a sort that needs more temporary storage than --max-temp-mb is stopped', async () => {
    const r = await cli('query', '--db', db, '--max-temp-mb', '5', "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c LIMIT 3000000) SELECT x FROM c ORDER BY random() LIMIT 1 OFFSET 2999990");
    if (fs.existsSync('/usr/bin/prlimit')) {
      expect([r.code, r.err.trim()]).toEqual([1, expect.stringMatching(/^pannuke: error: .*the query needed more than 5 MB of temporary storage .*--max-temp-mb/)]);
    } else {
      console.warn('prlimit is not installed: the temporary-storage cap is not enforced here');
    }
  }, 60_000);

  it('a closed stderr (`ingest … 2>&1 | head`) does not stop the work: the ingest and the copy finish, whole', async () => {
    for (const [args, target] of [
      [['ingest', data, '--db', path.join(dir, 'stderr-closed.sqlite')], path.join(dir, 'stderr-closed.sqlite')],
      [['copy', '--from', db, '--to', path.join(dir, 'stderr-closed-copy.sqlite'), '--batch-rows', '100'], path.join(dir, 'stderr-closed-copy.sqlite')],
    ] as const) {
      const child = spawnCli(args);
      const exit = exitOf(child);
      child.stderr?.once('data', () => child.stderr?.destroy()); // its progress lines have no reader left
      const { code } = await exit;
      expect(code, args.join(' ')).toBe(0);
      // Before: the first progress line after the pipe closed ended the command with exit 0, work half done.
      const done = new Database(target, { readonly: true });
      expect(done.prepare('SELECT count(*) FROM images').pluck().get(), args[0]).toBe(300);
      done.close();
      expect(fs.existsSync(`${target}.partial`)).toBe(false);
    }
  }, 120_000);

  it('a reader that closes the pipe early (| head) ends the command quietly', async () => {
    for (const args of [['query', '--db', db, 'SELECT * FROM nucleus_facts'], ['stats', '--db', db, '--by', 'tissue,fold,class', '--format', 'ndjson'], ['--help'], ['qc', '--db', db]]) {
      const child = spawnCli(args);
      const exit = exitOf(child);
      child.stdout?.once('data', () => child.stdout?.destroy());
      const { code } = await exit;
      expect([code, child.output().err], args.join(' ')).toEqual([0, '']);
    }
  }, 60_000);
});
