// Crash safety, the writer lock, readers during ingest, changed sources, and lossless verification, with the
// real CLI as a child process on a real SQLite file.
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import { spawnCli, exitOf } from '../helpers/child.js';
import { contentHash, naturalRows } from '../helpers/db.js';
import { captureIo } from '../helpers/io.js';
import { tempDir } from '../helpers/tmp.js';

const dir = tempDir('reliability');
const data = path.join(dir, 'data');
const IMAGES_PER_FOLD = 40;
const TOTAL = 3 * IMAGES_PER_FOLD;

async function cli(...argv: string[]) {
  const io = captureIo();
  const code = await runCli(argv, io);
  return { code, out: io.out(), err: io.err() };
}

function imageCount(file: string): number {
  if (!fs.existsSync(file)) return 0;
  const db = new Database(file, { readonly: true });
  try {
    return (db.prepare("SELECT count(*) FROM sqlite_master WHERE name = 'images'").pluck().get() as number) === 0 ? 0 : (db.prepare('SELECT count(*) FROM images').pluck().get() as number);
  } finally {
    db.close();
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
let cleanHash: string;

beforeAll(async () => {
  expect((await cli('synth', data, '--images-per-fold', String(IMAGES_PER_FOLD), '--size', '160', '--seed', '11')).code).toBe(0);
  const clean = path.join(dir, 'clean.sqlite');
  expect((await cli('ingest', data, '--db', clean)).code).toBe(0);
  cleanHash = contentHash(clean);
});

describe('kill -9 at random moments, then rerun', () => {
  it('ends with exactly the content of an uninterrupted run (22 kills: early, mid-batch, during commits)', async () => {
    const partial = new Set<number>();
    let seed = 2024;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let trial = 0; trial < 11; trial++) {
      const db = path.join(dir, `crash-${trial}.sqlite`);
      // two kills per trial, each followed by a rerun of the same command; the last rerun completes
      for (let kill = 0; kill < 2; kill++) {
        const before = imageCount(db);
        const child = spawnCli(['ingest', data, '--db', db, '--batch-size', '2', '--workers', '1']);
        if ((trial + kill) % 2 === 0) {
          await Promise.race([sleep(rand() * 1500), exitOf(child)]); // by time, start-up included
        } else {
          const target = before + 1 + Math.floor(rand() * (TOTAL - before - 1)); // by progress
          const t0 = Date.now();
          while (imageCount(db) < target && child.exitCode === null && Date.now() - t0 < 20_000) await sleep(2);
        }
        child.kill('SIGKILL');
        await exitOf(child);
        const after = imageCount(db);
        expect(after).toBeGreaterThanOrEqual(before);
        if (after > 0 && after < TOTAL) partial.add(after);
      }
      const rerun = await cli('ingest', data, '--db', db);
      expect(rerun.code, rerun.err).toBe(0);
      expect(contentHash(db), `trial ${trial}`).toBe(cleanHash);
      const runs = new Database(db, { readonly: true }).prepare('SELECT status FROM ingest_runs ORDER BY id').pluck().all();
      expect(runs.at(-1)).toBe('finished');
    }
    // the kills landed mid-ingest, not only before or after it
    expect(partial.size).toBeGreaterThanOrEqual(6);
  }, 180_000);
});

describe('Ctrl-C', () => {
  it('SIGINT mid-ingest exits 130; the same command then finishes the job', async () => {
    const db = path.join(dir, 'sigint.sqlite');
    const child = spawnCli(['ingest', data, '--db', db, '--batch-size', '2', '--workers', '1']);
    const t0 = Date.now();
    while (imageCount(db) < 5 && child.exitCode === null && Date.now() - t0 < 20_000) await sleep(2);
    child.kill('SIGINT');
    expect((await exitOf(child)).code).toBe(130);
    expect(imageCount(db)).toBeLessThan(TOTAL);
    expect((await cli('ingest', data, '--db', db)).code).toBe(0);
    expect(contentHash(db)).toBe(cleanHash);
  }, 60_000);
});

describe('concurrency', () => {
  it('a second ingest refuses at once while one runs; readers see only whole images', async () => {
    const db = path.join(dir, 'busy.sqlite');
    const child = spawnCli(['ingest', data, '--db', db, '--batch-size', '1', '--workers', '1']);
    let polls = 0;
    let partial = 0;
    let refused: Awaited<ReturnType<typeof cli>> | undefined;
    while (child.exitCode === null) {
      const n = imageCount(db);
      if (n > 0) {
        const reader = new Database(db, { readonly: true });
        const broken = reader.prepare('SELECT count(*) FROM images i WHERE nucleus_count != (SELECT count(*) FROM nuclei n WHERE n.image_id = i.id)').pluck().get();
        reader.close();
        expect(broken).toBe(0);
        polls++;
        if (n < TOTAL) partial++;
        if (refused === undefined && n < TOTAL - 20) {
          const t0 = performance.now();
          refused = await cli('ingest', data, '--db', db);
          expect(performance.now() - t0).toBeLessThan(6000);
        }
      }
      await sleep(5);
    }
    expect((await exitOf(child)).code, child.output().err).toBe(0);
    expect(refused?.code).toBe(1);
    expect(refused?.err).toMatch(/another ingest is writing this database \(run 1, pid \d+/);
    expect(partial).toBeGreaterThan(2);
    expect(polls).toBeGreaterThan(2);
    expect(contentHash(db)).toBe(cleanHash);
  }, 60_000);
});

describe('changed source files', () => {
  it('are refused with a hint, leaving the database as it was; --replace re-ingests the fold', async () => {
    const root = path.join(dir, 'changing');
    fs.cpSync(data, root, { recursive: true });
    const db = path.join(dir, 'changing.sqlite');
    expect((await cli('ingest', root, '--db', db)).code).toBe(0);
    const before = contentHash(db);
    // fold 2 becomes other data of the same shape
    const other = path.join(dir, 'other');
    expect((await cli('synth', other, '--images-per-fold', String(IMAGES_PER_FOLD), '--size', '160', '--seed', '99', '--folds', '2')).code).toBe(0);
    fs.cpSync(path.join(other, 'Fold 2'), path.join(root, 'Fold 2'), { recursive: true });
    const refused = await cli('ingest', root, '--db', db);
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(/fold 2 was ingested from different files: .*masks\.npy.*changed since.*--replace/);
    expect(contentHash(db)).toBe(before);

    const replaced = await cli('ingest', root, '--db', db, '--replace');
    expect(replaced.code, replaced.err).toBe(0);
    expect(replaced.out).toMatch(/replaced fold 2/);
    const fresh = path.join(dir, 'changing-fresh.sqlite');
    expect((await cli('ingest', root, '--db', fresh)).code).toBe(0);
    expect(naturalRows(db)).toBe(naturalRows(fresh));
    expect((await cli('verify', root, '--db', db)).code).toBe(0);
  }, 60_000);
});

describe('verify', () => {
  it('passes on a good database and names the place of a changed contour or a deleted row', async () => {
    const good = path.join(dir, 'clean.sqlite');
    const ok = await cli('verify', data, '--db', good);
    expect(ok.code, ok.out + ok.err).toBe(0);
    expect(ok.out).toMatch(new RegExp(`verified: ${TOTAL} images and \\d+ nuclei: every outline`));

    const bad = path.join(dir, 'corrupt.sqlite');
    fs.copyFileSync(good, bad);
    const raw = new Database(bad);
    const [a, b] = raw.prepare('SELECT n.id, i.fold, i.fold_index, n.class_id FROM nuclei n JOIN images i ON i.id = n.image_id WHERE n.parts = 1 AND n.area > 20 ORDER BY n.id LIMIT 2').all() as { id: number; fold: number; fold_index: number; class_id: number }[];
    raw.prepare('UPDATE nuclei SET contour = (SELECT contour FROM nuclei WHERE id = ?) WHERE id = ?').run(b!.id, a!.id);
    raw.close();
    const r1 = await cli('verify', data, '--db', bad);
    expect(r1.code).toBe(1);
    expect(r1.out).toContain(`✗ fold ${a!.fold}, image ${a!.fold_index}, channel ${a!.class_id - 1}`);
    expect(r1.out).toMatch(/✗ \d+ mismatch\(es\) between the database and the masks/);
    expect(r1.err).toMatch(/check\(s\) failed/);

    const deleted = path.join(dir, 'deleted.sqlite');
    fs.copyFileSync(good, deleted);
    const raw2 = new Database(deleted);
    const victim = raw2.prepare('SELECT n.id, i.fold, i.fold_index FROM nuclei n JOIN images i ON i.id = n.image_id ORDER BY n.id DESC LIMIT 1').get() as { id: number; fold: number; fold_index: number };
    raw2.prepare('DELETE FROM nuclei WHERE id = ?').run(victim.id);
    raw2.close();
    const r2 = await cli('verify', data, '--db', deleted);
    expect(r2.code).toBe(1);
    expect(r2.out).toContain(`✗ fold ${victim.fold}, image ${victim.fold_index}: nucleus_count`);
  }, 60_000);
});
