// Training layouts (issue 21, first part): `export images` and `export coco` checked by an independent Python
// reader (PIL; COCO RLE decoded from its definition: test/export/training.py) against the source folds and
// the database, and the COCO round trip: every annotation as a result scores PQ = 1 through `eval run`.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../helpers/cohort.js';
import { writeTinyFold } from '../helpers/folds.js';
import { skipBecause, tempDir } from '../helpers/tmp.js';

const PYTHON = '/usr/bin/python3';
const CLASSES = ['Neoplastic', 'Inflammatory', 'Connective', 'Dead', 'Epithelial'];
const available = spawnSync(PYTHON, ['-c', 'import numpy, PIL']).status === 0;
const dir = tempDir('training');
const data = path.join(dir, 'data');
const db = path.join(dir, 'x.sqlite');

describe('training layouts', () => {
  beforeAll(async () => {
    expect((await cli('synth', data, '--images-per-fold', '8', '--size', '128', '--seed', '12')).code).toBe(0);
    expect((await cli('ingest', data, '--db', db)).code).toBe(0);
  }, 60_000);

  it.skipIf(skipBecause(!available, "the training-layout checks need Debian's python3-numpy and python3-pil"))('images (PNG) and COCO (exact RLE) equal the folds and the database, nucleus by nucleus', async () => {
    const images = path.join(dir, 'images');
    const coco = path.join(dir, 'coco');
    const r1 = await cli('export', 'images', '--db', db, '--out', images);
    expect(r1.code, r1.err).toBe(0);
    expect(r1.out).toMatch(/wrote 24 PNG images/);
    const r2 = await cli('export', 'coco', '--db', db, '--out', coco);
    expect(r2.code, r2.err).toBe(0);
    const py = spawnSync(PYTHON, [path.join(import.meta.dirname, 'training.py'), data, db, images, coco], { encoding: 'utf8' });
    expect([py.status, py.stderr.trim(), py.stdout.trim()]).toEqual([0, '', 'ok']);
    expect(fs.readdirSync(coco).sort()).toEqual(['.pannuke-output.json', 'annotations.json', 'images']);
  }, 60_000);

  it.skipIf(skipBecause(!available || spawnSync(PYTHON, ['-c', 'import tifffile']).status !== 0, "the label checks need Debian's python3-tifffile"))('HoVer-Net patches (numpy) and label images (tifffile; PIL for --png) hold the binarized instance and type maps; the labels read back by eval run score PQ = 1', async () => {
    const hover = path.join(dir, 'hover');
    const labels = path.join(dir, 'labels');
    const r1 = await cli('export', 'hovernet', '--db', db, '--out', hover);
    expect(r1.code, r1.err).toBe(0);
    const r2 = await cli('export', 'labels', '--db', db, '--out', labels);
    expect(r2.code, r2.err).toBe(0);
    expect(r2.err).toMatch(/note: one instance map holds one nucleus per pixel: \d+ pixels/);
    const images = path.join(dir, 'images-for-labels'), coco = path.join(dir, 'coco-for-labels');
    expect((await cli('export', 'images', '--db', db, '--out', images)).code).toBe(0);
    expect((await cli('export', 'coco', '--db', db, '--out', coco)).code).toBe(0);
    const py = spawnSync(PYTHON, [path.join(import.meta.dirname, 'training.py'), data, db, images, coco, hover, labels], { encoding: 'utf8' });
    expect([py.status, py.stderr.trim(), py.stdout.trim()]).toEqual([0, '', 'ok\nok']);
    // 16-bit PNG labels, read by PIL as the TIFFs' values
    const png = path.join(dir, 'labels-png');
    expect((await cli('export', 'labels', '--db', db, '--out', png, '--png')).code).toBe(0);
    const same = spawnSync(PYTHON, ['-c', `import numpy as np, tifffile, os\nfrom PIL import Image\nfor f in os.listdir('${labels}/labels'):\n  if f.endswith('.tif'): assert np.array_equal(np.asarray(Image.open('${png}/labels/' + f[:-4] + '.png')), tifffile.imread('${labels}/labels/' + f)), f\nprint('ok')`], { encoding: 'utf8' });
    expect([same.status, same.stderr.trim(), same.stdout.trim()]).toEqual([0, '', 'ok']);
    // what a label-image model would be scored on: its own training labels score PQ = 1 on the binary figures
    const r = await cli('eval', 'run', path.join(labels, 'labels'), '--db', db, '--name', 'labels-rt', '--fold', '3', '--ignore-unmatched');
    expect(r.code, r.err).toBe(0);
    const show = JSON.parse((await cli('eval', 'show', 'labels-rt', '--db', db, '--format', 'json')).out);
    expect(show.bPQ).toBeGreaterThan(1 - 1e-5);
    expect([show.binary_plus.FP, show.binary_plus.FN]).toEqual([0, 0]);
  }, 120_000);

  it.skipIf(skipBecause(spawnSync(PYTHON, ['-c', 'import cv2, numpy']).status !== 0, "the YOLO check needs Debian's python3-opencv"))('YOLO: a line per nucleus as Ultralytics reads it (filled with OpenCV as its polygon2mask does): well formed, and its IoU with the true pixels measured', async () => {
    const yolo = path.join(dir, 'yolo');
    const r = await cli('export', 'yolo', '--db', db, '--out', yolo);
    expect(r.code, r.err).toBe(0);
    expect(fs.readFileSync(path.join(yolo, 'data.yaml'), 'utf8')).toContain(`path: ${JSON.stringify(yolo)}`);
    const py = spawnSync(PYTHON, [path.join(import.meta.dirname, 'yolo.py'), data, db, yolo], { encoding: 'utf8' });
    expect(py.status, py.stderr).toBe(0);
    const [iou, count, inexact] = py.stdout.trim().split(' ').map(Number);
    expect(inexact).toBe(0); // a nucleus of one part without holes fills back exactly
    expect(count).toBe(Number(spawnSync(process.execPath, ['-e', `const D=require('better-sqlite3');console.log(new D(${JSON.stringify(db)},{readonly:true}).prepare('SELECT count(*) FROM nuclei').pluck().get())`], { encoding: 'utf8' }).stdout));
    expect(iou).toBeGreaterThan(0.9); // the README states the figure measured on the demo data
  }, 60_000);

  it('GeoJSON per image for QuPath: a FeatureCollection per image, QuPath\'s properties on every Feature, read back by eval run with PQ = 1', async () => {
    const out = path.join(dir, 'geojson-per-image');
    const r = await cli('export', '--db', db, '--format', 'geojson', '--per-image', '--out', out);
    expect(r.code, r.err).toBe(0);
    const files = fs.readdirSync(out).filter((f) => f.endsWith('.geojson')).sort();
    expect(files).toHaveLength(24);
    let features = 0;
    for (const f of files) {
      const doc = JSON.parse(fs.readFileSync(path.join(out, f), 'utf8')) as { type: string; features: { properties: Record<string, any>; geometry: { type: string } }[] };
      expect(doc.type).toBe('FeatureCollection');
      for (const feature of doc.features) {
        const p = feature.properties;
        expect(`${p.fold}_${p.fold_index}.geojson`).toBe(f);
        expect(p.objectType).toBe('detection');
        expect(p.classification.name).toBe(p.class);
        expect(p.classification.color).toEqual(expect.arrayContaining([expect.any(Number)]));
        expect(p.classification.color).toHaveLength(3);
        features++;
      }
    }
    expect(features).toBe(Number(new (await import('better-sqlite3')).default(db, { readonly: true }).prepare('SELECT count(*) FROM nuclei').pluck().get()));
    const e = await cli('eval', 'run', out, '--db', db, '--name', 'geojson-rt', '--fold', '1', '--ignore-unmatched');
    expect(e.code, e.err).toBe(0);
    const show = JSON.parse((await cli('eval', 'show', 'geojson-rt', '--db', db, '--format', 'json')).out);
    expect(show.mPQ).toBeGreaterThan(1 - 1e-5);
    expect(show.bPQ).toBeGreaterThan(1 - 1e-5);
  }, 60_000);

  it('COCO polygons (--segmentation polygon): one pixel-edge exterior per part, holes dropped and counted', async () => {
    const out = path.join(dir, 'coco-poly');
    const r = await cli('export', 'coco', '--db', db, '--out', out, '--segmentation', 'polygon');
    expect(r.code, r.err).toBe(0);
    const raw = new (await import('better-sqlite3')).default(db, { readonly: true });
    const withHoles = raw.prepare('SELECT count(*) FROM nuclei WHERE holes > 0').pluck().get() as number;
    const parts = new Map((raw.prepare('SELECT id, parts FROM nuclei').raw().all() as [number, number][]));
    raw.close();
    expect(withHoles).toBeGreaterThan(0); // the synthetic data has the quirk
    expect(r.err).toMatch(new RegExp(`note: COCO polygons hold no holes: ${withHoles} nuclei with holes gained \\d+ pixels`));
    const doc = JSON.parse(fs.readFileSync(path.join(out, 'annotations.json'), 'utf8')) as { annotations: { id: number; segmentation: number[][] }[] };
    for (const a of doc.annotations) {
      expect(a.segmentation).toHaveLength(parts.get(a.id) as number);
      for (const poly of a.segmentation) expect(poly.length % 2 === 0 && poly.length >= 8 && poly.every((v) => Number.isInteger(v))).toBe(true);
    }
    // Read back as COCO results (pycocotools' polygon rule, src/formats/coco-polygon.ts): every nucleus
    // without holes is exactly its pixels again, so its stored outline is the ground truth's, byte for byte.
    const fold2 = new Set((doc as unknown as { images: { id: number; fold: number }[] }).images.filter((i) => i.fold === 2).map((i) => i.id));
    const results = (doc.annotations as unknown as { id: number; image_id: number; category_id: number; segmentation: number[][] }[])
      .filter((a) => fold2.has(a.image_id)).map((a) => ({ image_id: a.image_id, category_id: a.category_id, segmentation: a.segmentation, score: 1 }));
    fs.writeFileSync(path.join(dir, 'poly-results.json'), JSON.stringify(results));
    const e = await cli('eval', 'run', path.join(dir, 'poly-results.json'), '--db', db, '--name', 'poly-rt', '--fold', '2');
    expect(e.code, e.err).toBe(0);
    const check = new (await import('better-sqlite3')).default(db, { readonly: true });
    const missing = check.prepare(`SELECT count(*) FROM nuclei n JOIN images i ON i.id = n.image_id WHERE i.fold = 2 AND n.holes = 0 AND NOT EXISTS (
        SELECT 1 FROM predicted_nuclei p JOIN prediction_sets s ON s.id = p.set_id WHERE s.name = 'poly-rt' AND p.image_id = n.image_id AND p.class_id = n.class_id AND p.contour = n.contour)`).pluck().get();
    const holeFree = check.prepare('SELECT count(*) FROM nuclei n JOIN images i ON i.id = n.image_id WHERE i.fold = 2 AND n.holes = 0').pluck().get() as number;
    const rows = check.prepare("SELECT count(*) FROM predicted_nuclei p JOIN prediction_sets s ON s.id = p.set_id WHERE s.name = 'poly-rt'").pluck().get();
    check.close();
    expect(holeFree).toBeGreaterThan(20);
    expect([missing, rows]).toEqual([0, results.length]);
  }, 60_000);

  it('COCO round trip: every annotation of fold 2 as a result (with a score) scores PQ = 1 in eval run', async () => {
    const coco = path.join(dir, 'coco-rt');
    expect((await cli('export', 'coco', '--db', db, '--out', coco)).code).toBe(0);
    const doc = JSON.parse(fs.readFileSync(path.join(coco, 'annotations.json'), 'utf8')) as { images: { id: number; fold: number }[]; annotations: { image_id: number; category_id: number; segmentation: unknown }[] };
    const fold2 = new Set(doc.images.filter((i) => i.fold === 2).map((i) => i.id));
    const results = doc.annotations.filter((a) => fold2.has(a.image_id)).map((a) => ({ image_id: a.image_id, category_id: a.category_id, segmentation: a.segmentation, score: 0.99 }));
    fs.writeFileSync(path.join(dir, 'results.json'), JSON.stringify(results));
    const r = await cli('eval', 'run', path.join(dir, 'results.json'), '--db', db, '--name', 'roundtrip', '--fold', '2');
    expect(r.code, r.err).toBe(0);
    const show = JSON.parse((await cli('eval', 'show', 'roundtrip', '--db', db, '--format', 'json')).out);
    // the official SQ divides by (TP + 1e-6): a perfect match is 1 − 1e-6 relative
    for (const k of ['mPQ', 'bPQ', 'bPQ_plus']) expect(show[k], k).toBeGreaterThan(1 - 1e-5);
    // binary: instances still visible after binarize (a nucleus wholly under a later class is none, on both sides)
    expect([show.binary_plus.FP, show.binary_plus.FN]).toEqual([0, 0]);
    // per class, pooled: 1 wherever the class occurs (a class absent from the fold pools to 0 by definition)
    for (const [c, f] of Object.entries(show.classes_plus as Record<string, { PQ: number; TP: number; FP: number; FN: number }>)) {
      expect([f.FP, f.FN, f.TP], c).toEqual([0, 0, results.filter((r) => r.category_id === CLASSES.indexOf(c) + 1).length]);
      if (f.TP > 0) expect(f.PQ, c).toBeGreaterThan(1 - 1e-5);
    }
  }, 60_000);

  it('outputs are refused onto the database or the sources; a pixel outside 0..255 is one line naming it', async () => {
    for (const what of ['images', 'coco']) {
      const r = await cli('export', what, '--db', db, '--out', data, '--force');
      expect([r.code, r.err.trim()], what).toEqual([2, expect.stringMatching(/refusing to write over an input of this command/)]);
    }
    const bad = path.join(dir, 'bad');
    writeTinyFold(bad, 1, 'flat', { n: 2 });
    const images = path.join(bad, 'fold1', 'images.npy');
    const buf = fs.readFileSync(images);
    buf.writeDoubleLE(255.5, buf.length - 8); // the last value of the last image
    fs.writeFileSync(images, buf);
    const badDb = path.join(dir, 'bad.sqlite');
    expect((await cli('ingest', bad, '--db', badDb)).code).toBe(0);
    const r = await cli('export', 'images', '--db', badDb, '--out', path.join(dir, 'bad-out'));
    expect([r.code, r.err.trim().split('\n').filter((l) => l.startsWith('pannuke'))]).toEqual([1, [expect.stringMatching(/images\.npy: fold 1, image 1, row 3, col 3, channel 2: pixel value 255\.5 is not a whole number in 0\.\.255/)]]);
    expect(fs.existsSync(path.join(dir, 'bad-out'))).toBe(false);
  }, 60_000);
});
