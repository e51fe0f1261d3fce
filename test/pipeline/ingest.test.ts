// End to end: synthetic folds → the real CLI → the real SQLite file, checked against the generator's
// manifest, an independent reader (npyjs) and the naive reference implementation of the contract.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { load } from 'npyjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeWkb } from '../../src/extract/wkb.js';
import type { Manifest } from '../../src/synth/generator.js';
import { runCli } from '../../src/cli/main.js';
import { close, insideRings, referenceNuclei, type Mask3D } from '../helpers/reference.js';
import { fileArrayBuffer, tempDir } from '../helpers/tmp.js';
import { captureIo } from '../helpers/io.js';
import { dumpDb, naturalRows } from '../helpers/db.js';
import { formatHeader } from '../../src/npy/writer.js';
import { openFolds } from '../../src/dataset/fold.js';
import { extractAhead, ingest, startExtractionPool } from '../../src/pipeline/ingest.js';
import { ingestTargetOf } from '../../src/db/open-store.js';
import { withStore } from '../../src/cli/database.js';
import { startEarly, takeEarly, THREADS } from '../../src/worker-threads.js';

const dir = tempDir('ingest');
const data = path.join(dir, 'data');
const dbFile = path.join(dir, 'x.sqlite');
const SIZE = 96;
let manifest: Manifest;

interface NucleusRow {
  fold: number; fold_index: number; class_id: number; instance_id: number; area: number;
  bbox_x0: number; bbox_y0: number; bbox_x1: number; bbox_y1: number; centroid_x: number; centroid_y: number;
  perimeter: number; parts: number; major_axis_length: number; minor_axis_length: number; eccentricity: number; orientation: number;
  contour: Buffer;
}

beforeAll(async () => {
  const io = captureIo();
  expect(await runCli(['synth', data, '--images-per-fold', '12', '--seed', '5', '--size', String(SIZE)], io), io.err()).toBe(0);
  manifest = JSON.parse(fs.readFileSync(path.join(data, 'manifest.json'), 'utf8')) as Manifest;
  const io2 = captureIo();
  expect(await runCli(['ingest', data, '--db', dbFile, '--batch-size', '5'], io2), io2.err()).toBe(0);
  expect(io2.out()).toMatch(/ingested 36 images/);
});

describe('ingest of a synthetic dataset', () => {
  it('has one images row per image with its tissue, and per-image class counts equal to the manifest', () => {
    const db = new Database(dbFile, { readonly: true });
    const images = db.prepare('SELECT i.fold, i.fold_index, t.name AS tissue, i.width, i.height, i.nucleus_count FROM images i JOIN tissues t ON t.id = i.tissue_id ORDER BY i.fold, i.fold_index').all() as { fold: number; fold_index: number; tissue: string; width: number; height: number; nucleus_count: number }[];
    const counts = db.prepare('SELECT i.fold, i.fold_index, n.class_id, count(*) AS n FROM nuclei n JOIN images i ON i.id = n.image_id GROUP BY 1, 2, 3').all() as { fold: number; fold_index: number; class_id: number; n: number }[];
    db.close();
    const expected = manifest.folds.flatMap((f) => f.images.map((im) => ({ fold: f.fold, fold_index: im.index, tissue: im.tissue, width: SIZE, height: SIZE, nucleus_count: im.counts.reduce((a, b) => a + b, 0) })));
    expect(images).toEqual(expected);
    const got = new Map(counts.map((c) => [`${c.fold}/${c.fold_index}/${c.class_id}`, c.n]));
    for (const f of manifest.folds) for (const im of f.images) im.counts.forEach((n, c) => expect(got.get(`${f.fold}/${im.index}/${c + 1}`) ?? 0, `fold ${f.fold} image ${im.index} class ${c + 1}`).toBe(n));
    // the generator put quirks in: empty images, shared ids, big ids
    expect(expected.some((e) => e.nucleus_count === 0)).toBe(true);
  });

  it('every row of fold 1 equals the reference implementation, and every contour rasterises back to its pixels', async () => {
    // npyjs reads the whole (small) file: an implementation independent of src/npy.
    const masks = await load(fileArrayBuffer(path.join(data, 'Fold 1', 'masks', 'fold1', 'masks.npy')));
    expect(masks.shape).toEqual([12, SIZE, SIZE, 6]);
    const values = masks.data as Float64Array;
    const db = new Database(dbFile, { readonly: true });
    const rows = db.prepare('SELECT i.fold, i.fold_index, n.* FROM nuclei n JOIN images i ON i.id = n.image_id WHERE i.fold = 1 ORDER BY i.fold_index, n.class_id, n.instance_id').all() as NucleusRow[];
    db.close();
    let checked = 0;
    for (let i = 0; i < 12; i++) {
      const mask: Mask3D = Array.from({ length: SIZE }, (_, r) => Array.from({ length: SIZE }, (_, q) => Array.from(values.subarray(((i * SIZE + r) * SIZE + q) * 6, ((i * SIZE + r) * SIZE + q) * 6 + 6))));
      const expected = referenceNuclei(mask);
      const got = rows.filter((r) => r.fold_index === i);
      expect(got.map((r) => [r.class_id, r.instance_id])).toEqual(expected.map((e) => [e.channel + 1, e.value]));
      got.forEach((row, k) => {
        const e = expected[k]!;
        expect([row.area, row.bbox_x0, row.bbox_y0, row.bbox_x1, row.bbox_y1, row.perimeter, row.parts]).toEqual([e.area, ...e.bbox, e.perimeter, e.parts]);
        for (const [got_, want] of [[row.centroid_x, e.centroid[0]], [row.centroid_y, e.centroid[1]], [row.major_axis_length, e.major], [row.minor_axis_length, e.minor], [row.eccentricity, e.eccentricity], [row.orientation, e.orientation]]) {
          expect(close(got_!, want!), `image ${i} id ${row.instance_id}: ${got_} vs ${want}`).toBe(true);
        }
        // raster round trip: fill the stored polygon and compare with the mask, pixel by pixel, over the image
        const polygons = decodeWkb(new Uint8Array(row.contour));
        for (let r = 0; r < SIZE; r++) {
          for (let q = 0; q < SIZE; q++) {
            const inMask = mask[r]![q]![row.class_id - 1] === row.instance_id;
            if (insideRings(q + 0.5, r + 0.5, polygons) !== inMask) throw new Error(`image ${i} id ${row.instance_id}: pixel (${r}, ${q}) differs`);
          }
        }
        checked++;
      });
    }
    expect(checked).toBeGreaterThan(50);
  });

  it('the nucleus_facts view has one flat row per nucleus with names', () => {
    const db = new Database(dbFile, { readonly: true });
    const facts = db.prepare('SELECT count(*) AS n, count(DISTINCT tissue) AS t FROM nucleus_facts').get() as { n: number; t: number };
    const nuclei = db.prepare('SELECT count(*) AS n FROM nuclei').get() as { n: number };
    const cols = (db.prepare('SELECT * FROM nucleus_facts LIMIT 1').columns() as { name: string }[]).map((c) => c.name);
    db.close();
    expect(facts.n).toBe(nuclei.n);
    expect(facts.n).toBe(manifest.totals.reduce((a, b) => a + b, 0));
    expect(cols).toEqual(expect.arrayContaining(['nucleus_id', 'fold', 'image_id', 'fold_index', 'tissue', 'class', 'instance_id', 'area', 'bbox_x0', 'bbox_y0', 'bbox_x1', 'bbox_y1', 'centroid_x', 'centroid_y', 'perimeter', 'major_axis_length', 'minor_axis_length', 'eccentricity', 'orientation', 'parts']));
    expect(cols).not.toContain('contour');
  });

  it('running ingest again changes nothing (images already loaded are skipped)', async () => {
    const before = dumpDb(dbFile);
    const io = captureIo();
    expect(await runCli(['ingest', data, '--db', dbFile], io)).toBe(0);
    expect(io.out()).toMatch(/nothing to do: all 36 images of folds 1, 2, 3 are already in /);
    expect(io.out()).not.toMatch(/Neoplastic/);
    expect(dumpDb(dbFile)).toBe(before);
  });

  it('ingesting folds one at a time, single-threaded, gives the same database as all at once', async () => {
    const other = path.join(dir, 'y.sqlite');
    for (const fold of ['1', '2', '3']) expect(await runCli(['ingest', data, '--db', other, '--folds', fold, '--workers', '1'], captureIo())).toBe(0);
    expect(dumpDb(other)).toBe(dumpDb(dbFile));
  });

  it('threads started early (as the CLI does before it loads a command) are taken by the pool of their kind and size only, and give the same database', async () => {
    startEarly(THREADS.verification, 2);
    expect(takeEarly(THREADS.extraction, 2)).toBeUndefined(); // another kind
    expect(takeEarly(THREADS.verification, 3)).toBeUndefined(); // another number: ended, not handed out
    expect(takeEarly(THREADS.verification, 2)).toBeUndefined(); // so they are gone
    startEarly(THREADS.verification, 1);
    startEarly(THREADS.verification, 2);
    const topped = takeEarly(THREADS.verification, 2);
    expect(topped?.length).toBe(2); // one started, then topped up to two
    await Promise.all((topped ?? []).map((t) => t.terminate()));
    const cores = os.availableParallelism();
    // As the CLI does: one thread before its bundle compiles (cli/warm.ts), the rest once it runs (a top-up).
    startEarly(THREADS.extraction, 1);
    startEarly(THREADS.extraction, cores);
    const other = path.join(dir, 'early.sqlite');
    expect(await runCli(['ingest', data, '--db', other], captureIo())).toBe(0);
    expect(takeEarly(THREADS.extraction, cores)).toBeUndefined(); // the ingest's pool took them
    expect(dumpDb(other)).toBe(dumpDb(dbFile));
  });

  it('a first fold extracted ahead that the plan does not want (another run loaded half of it meanwhile) is dropped: the same database as all at once', async () => {
    const other = path.join(dir, 'ahead.sqlite');
    expect(await runCli(['ingest', data, '--db', other, '--folds', '1'], captureIo())).toBe(0);
    // Fold 1 half loaded, as an interrupted run leaves it: images 6.. and their nuclei gone, the histogram recounted.
    const half = new Database(other);
    half.pragma('foreign_keys = ON');
    half.exec(`DELETE FROM images WHERE fold = 1 AND fold_index >= 6; DELETE FROM area_histogram;
      INSERT INTO area_histogram (fold, tissue_id, class_id, area, nuclei) SELECT i.fold, i.tissue_id, n.class_id, n.area, count(*)
        FROM nuclei n JOIN images i ON i.id = n.image_id GROUP BY 1, 2, 3, 4`);
    half.close();
    const folds = await openFolds(data);
    const pool = startExtractionPool(2);
    // What the CLI starts for a database it is about to create: fold 1, every image.
    const ahead = extractAhead(folds, pool);
    expect(ahead?.fold.fold).toBe(1);
    try {
      const summary = await withStore(other, 'load', async (store) => {
        const target = await ingestTargetOf(store);
        try {
          return await ingest(target, folds, { pool, ...(ahead !== undefined && { ahead }) });
        } finally {
          target.close();
        }
      });
      expect(summary.folds.map((f) => [f.fold, f.images, f.skipped])).toEqual([[1, 6, 6], [2, 12, 0], [3, 12, 0]]);
    } finally {
      await ahead?.stop();
      await pool.close();
      for (const f of folds) f.close();
    }
    expect(dumpDb(other)).toBe(dumpDb(dbFile));
  });
});

describe('masks saved in another dtype', () => {
  /** Fold 1's masks re-encoded as `descr` (bytes written here, independently of src/npy's decoder). */
  function reencode(descr: '>f8' | '<i4' | '>i4', values: Float64Array, shape: number[]): Uint8Array {
    const size = Number(descr.slice(2));
    const body = new Uint8Array(values.length * size);
    const view = new DataView(body.buffer);
    const little = descr[0] === '<';
    values.forEach((v, i) => (size === 8 ? view.setFloat64(i * 8, v, little) : view.setInt32(i * 4, v, little)));
    const header = formatHeader(descr, shape);
    return Buffer.concat([header, body]);
  }

  it('gives the same rows as float64 (big-endian float, little- and big-endian int32), through the workers', async () => {
    const masks = await load(fileArrayBuffer(path.join(data, 'Fold 1', 'masks', 'fold1', 'masks.npy')));
    const values = masks.data as Float64Array;
    expect(values.reduce((m, v) => Math.max(m, v), 0)).toBeLessThan(2 ** 31); // the synthetic ids fit int32: every encoding is exact
    const reference = path.join(dir, 'f8.sqlite');
    expect(await runCli(['ingest', data, '--db', reference, '--folds', '1'], captureIo())).toBe(0);
    for (const descr of ['>f8', '<i4', '>i4'] as const) {
      const root = path.join(dir, `dtype-${descr.replace(/[<>]/, (c) => (c === '<' ? 'le-' : 'be-'))}`);
      fs.cpSync(path.join(data, 'Fold 1'), path.join(root, 'Fold 1'), { recursive: true });
      fs.writeFileSync(path.join(root, 'Fold 1', 'masks', 'fold1', 'masks.npy'), reencode(descr, values, masks.shape));
      const db = path.join(root, 'x.sqlite');
      const io = captureIo();
      expect(await runCli(['ingest', root, '--db', db], io), io.err()).toBe(0);
      expect(naturalRows(db), descr).toBe(naturalRows(reference));
    }
  });
});

