// Predictions in other tools' formats, written by those tools (rasterio, tifffile, PIL; COCO RLE encoded in
// Python from the format's definition: test/formats/fixtures.py), evaluated by `pannuke eval run` and
// compared with the masks.npy they stand for, figure by figure; and every kind of bad input, one line each.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import { exitOf, spawnCli } from '../helpers/child.js';
import { cli } from '../helpers/cohort.js';
import { skipBecause, tempDir } from '../helpers/tmp.js';

const PYTHON = '/usr/bin/python3';
const available = spawnSync(PYTHON, ['-c', 'import numpy, rasterio, tifffile, PIL, cv2']).status === 0;
const dir = tempDir('formats');
const data = path.join(dir, 'data');
const db = path.join(dir, 'x.sqlite');
const pred = path.join(dir, 'pred');
const out = path.join(dir, 'fixtures');
const lines = (err: string) => err.trim().split('\n').filter((l) => l !== '' && !l.startsWith('note:') && !l.startsWith('warning:'));

async function show(set: string) {
  const r = await cli('eval', 'show', set, '--db', db, '--format', 'json');
  expect(r.code, r.err).toBe(0);
  const { set: _name, ...figures } = JSON.parse(r.out) as Record<string, unknown>;
  return figures;
}

async function run(input: string, name: string, ...extra: string[]) {
  return cli('eval', 'run', input, '--db', db, '--name', name, '--fold', '1', ...extra);
}

describe.skipIf(skipBecause(!available, 'the format fixtures need Debian\'s python3-numpy, python3-rasterio, python3-tifffile, python3-pil and python3-opencv'))('predictions as other tools write them', () => {
  beforeAll(async () => {
    expect((await cli('synth', data, '--images-per-fold', '16', '--size', '96', '--seed', '5', '--folds', '1')).code).toBe(0);
    expect((await cli('ingest', data, '--db', db)).code).toBe(0);
    expect((await cli('synth', pred, '--prediction-of', data, '--fold', '1', '--seed', '6')).code).toBe(0);
    const ids = new Database(db, { readonly: true }).prepare('SELECT id FROM images WHERE fold = 1 ORDER BY fold_index').pluck().all() as number[];
    expect(ids).toEqual(ids.map((_, i) => (ids[0] as number) + i));
    const py = spawnSync(PYTHON, [path.join(import.meta.dirname, 'fixtures.py'), path.join(pred, 'masks.npy'), '1', out, String(ids[0])], { encoding: 'utf8' });
    expect(py.status, py.stderr).toBe(0);
    expect((await run(path.join(out, 'reference.npy'), 'reference')).code).toBe(0);
    expect((await run(path.join(out, 'labels-reference.npy'), 'labels-reference')).code).toBe(0);
    expect((await run(path.join(out, 'hovernet-reference.npy'), 'hovernet-reference')).code).toBe(0);
    expect((await run(path.join(out, 'agnostic-reference.npy'), 'agnostic-reference')).code).toBe(0);
    expect((await run(path.join(out, 'hovernet-untyped-reference.npy'), 'untyped-reference')).code).toBe(0);
    expect((await run(path.join(out, 'overlap-reference.npy'), 'overlap-reference')).code).toBe(0);
  }, 120_000);

  const rowsOf = (set: string, where = '') =>
    new Database(db, { readonly: true }).prepare(`SELECT p.* FROM predicted_nuclei p JOIN prediction_sets s ON s.id = p.set_id WHERE s.name = ? ${where} ORDER BY p.image_id, p.id`).all(set) as { image_id: number; class_id: number | null; area: number }[];

  it('untyped nuclei (HoVer-Net type 0): in the binary figures and detection, in no class; stored with class_id NULL', async () => {
    const r = await run(path.join(out, 'hovernet-untyped'), 'untyped');
    expect(r.code, r.err).toBe(0);
    const files = fs.readdirSync(path.join(out, 'hovernet-untyped')).map((f) => JSON.parse(fs.readFileSync(path.join(out, 'hovernet-untyped', f), 'utf8')) as { nuc: Record<string, { type: number }> });
    const untyped = files.reduce((n, f) => n + Object.values(f.nuc).filter((v) => v.type === 0).length, 0);
    expect(untyped).toBeGreaterThan(0);
    expect(r.err).toContain(`note: ${untyped} untyped nuclei (type 0 or no class)`);
    const got = (await show('untyped')) as any, typed = (await show('hovernet-reference')) as any, classes = (await show('untyped-reference')) as any;
    // The fixture's untyped nuclei are its Neoplastic ones, which binarize writes first as the untyped are:
    // the binary figures are those of the fully typed masks, the class figures those of the masks without them.
    for (const k of ['bPQ', 'bPQ_image_avg', 'bPQ_plus', 'binary', 'binary_plus']) expect(got[k], k).toEqual(typed[k]);
    for (const k of ['F1', 'precision', 'recall', 'TP', 'FP', 'FN']) expect(got.detection[k], k).toEqual(typed.detection[k]);
    for (const k of ['mPQ', 'mPQ_image_avg', 'mPQ_plus', 'class_PQ', 'classes', 'classes_plus']) expect(got[k], k).toEqual(classes[k]);
    expect(got.class_agnostic).toBe(false);
    expect(rowsOf('untyped', 'AND p.class_id IS NULL').length).toBe(untyped);
    expect(rowsOf('untyped').length).toBe(files.reduce((n, f) => n + Object.keys(f.nuc).length, 0));
  }, 60_000);

  it('two overlapping nuclei of one class stay two rows, each measured whole; the label map they stand for (the later wins) gives the figures', async () => {
    const r = await run(path.join(out, 'geojson-overlap'), 'overlap');
    expect(r.code, r.err).toBe(0);
    expect(await show('overlap')).toEqual(await show('overlap-reference'));
    expect(r.err).toMatch(/note: [\d,]+ pixels of [1-9][\d,]* wholly and some partly hidden nuclei were painted over/);
    // one row per Feature, with the Feature's own pixel count (numpy's, in the fixture), hidden ones included
    const areas = JSON.parse(fs.readFileSync(path.join(out, 'overlap-areas.json'), 'utf8')) as Record<string, number[]>;
    const ids = new Database(db, { readonly: true }).prepare('SELECT id FROM images WHERE fold = 1 ORDER BY fold_index').pluck().all() as number[];
    const rows = rowsOf('overlap');
    ids.forEach((id, i) => {
      const mine = rows.filter((row) => row.image_id === id).map((row) => row.area).sort((a, b) => a - b);
      expect(mine, `image 1_${i}`).toEqual([...(areas[`1_${i}`] as number[])].sort((a, b) => a - b));
    });
  }, 60_000);

  it('HoVer-Net JSON (its post_proc contouring, OpenCV) and the same in CellViT\'s cells list score exactly as the masks.npy OpenCV fills from them', async () => {
    for (const [folder, name, said] of [['hovernet', 'hover', 'HoVer-Net JSON'], ['cellvit', 'cellvit', 'CellViT JSON']] as const) {
      const r = await run(path.join(out, folder), name);
      expect(r.code, r.err).toBe(0);
      expect(r.out).toContain(`read as ${said}`);
      expect(await show(name)).toEqual(await show('hovernet-reference'));
    }
    // what the first-contour-only format loses, on this prediction: figures below the masks' own
    const lost = (await show('hover')) as { bPQ: number };
    expect(lost.bPQ).toBeLessThanOrEqual(((await show('reference')) as { bPQ: number }).bPQ);
  }, 60_000);

  it('GeoJSON on pixel edges (rasterio) scores exactly as the masks.npy it stands for', async () => {
    const r = await run(path.join(out, 'geojson'), 'geo');
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('read as GeoJSON');
    expect(r.err).not.toMatch(/invalid/); // rasterio's outlines are valid polygons
    expect(await show('geo')).toEqual(await show('reference'));
  }, 60_000);

  it('an invalid polygon (a bow tie) is read by the even-odd rule and counted in a warning', async () => {
    const folder = path.join(dir, 'bowtie');
    fs.mkdirSync(folder);
    const bowtie = [[2, 2], [30, 30], [30, 2], [2, 30], [2, 2]];
    const square = [[40, 40], [50, 40], [50, 50], [40, 50], [40, 40]];
    fs.writeFileSync(path.join(folder, '1_0.geojson'), JSON.stringify({ type: 'FeatureCollection', features: [bowtie, square].map((ring) => ({ type: 'Feature', geometry: { type: 'Polygon', coordinates: [ring] }, properties: { classification: { name: 'Dead' } } })) }));
    const r = await run(folder, 'bowtie');
    expect(r.code, r.err).toBe(0);
    expect(r.err).toContain('warning: 1 polygon was invalid (edges crossing or overlapping): read by the even-odd rule');
    // the pixel centres inside by a ray-crossing count, written here
    const inside = (x: number, y: number, poly: number[][]) => {
      let c = false;
      for (let i = 0, j = poly.length - 2; i < poly.length - 1; j = i++) {
        const [xi, yi] = poly[i] as [number, number], [xj, yj] = poly[j] as [number, number];
        if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) c = !c;
      }
      return c;
    };
    let want = 0;
    for (let row = 0; row < 96; row++) for (let col = 0; col < 96; col++) if (inside(col + 0.5, row + 0.5, bowtie)) want++;
    const areas = new Database(db, { readonly: true }).prepare("SELECT p.area FROM predicted_nuclei p JOIN prediction_sets s ON s.id = p.set_id WHERE s.name = 'bowtie' ORDER BY p.id").pluck().all();
    expect(areas).toEqual([want, 100]);
  }, 60_000);

  it('COCO results with compressed RLE score exactly as the masks.npy', async () => {
    const r = await run(path.join(out, 'coco.json'), 'coco');
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('read as COCO results');
    expect(await show('coco')).toEqual(await show('reference'));
  }, 60_000);

  it('label images (tifffile TIFF, PIL 16-bit PNG named as Cellpose does) with class CSVs score exactly as their masks.npy', async () => {
    for (const [folder, name] of [['labels-tif', 'tif'], ['labels-png', 'png']] as const) {
      const r = await run(path.join(out, folder), name);
      expect(r.code, r.err).toBe(0);
      expect(r.out).toContain('read as instance label images');
      expect(await show(name)).toEqual(await show('labels-reference'));
    }
  }, 60_000);

  it('class CSVs numbered from 0: refused with a hint that names 1..5 and the mapping; mapped with --classes, exactly the 1-based figures', async () => {
    const zeroBased = path.join(dir, 'labels-0-based');
    fs.mkdirSync(zeroBased);
    let rows = 0;
    for (const f of fs.readdirSync(path.join(out, 'labels-tif'))) {
      const from = path.join(out, 'labels-tif', f);
      if (!f.endsWith('.csv')) {
        fs.copyFileSync(from, path.join(zeroBased, f));
        continue;
      }
      // The same classes, each number one lower (the header line kept).
      fs.writeFileSync(path.join(zeroBased, f), fs.readFileSync(from, 'utf8').replace(/^(\d+),([1-5])$/gm, (_, id: string, c: string) => {
        rows++;
        return `${id},${Number(c) - 1}`;
      }));
    }
    expect(rows).toBeGreaterThan(0);
    const refused = await run(zeroBased, 'zero-based');
    expect([refused.code, lines(refused.err)]).toEqual([1, [expect.stringMatching(/\.csv: unknown class numbers?: '0'.*PanNuke's 1\.\.5 .*--classes '0=1,1=2,2=3,3=4,4=5'/)]]);
    const mapped = await run(zeroBased, 'zero-based', '--classes', '0=1,1=2,2=3,3=4,4=5');
    expect(mapped.code, mapped.err).toBe(0);
    expect(await show('zero-based')).toEqual(await show('labels-reference'));
    // A format that names no classes: --classes would do nothing, so it is refused rather than ignored.
    const npy = await run(path.join(pred, 'masks.npy'), 'npy-with-classes', '--classes', '0=1');
    expect([npy.code, lines(npy.err)]).toEqual([2, [expect.stringMatching(/masks\.npy: --classes maps the class names of GeoJSON and of label images' CSVs; a npy prediction/)]]);
  }, 60_000);

  it('kill -9 during a run on a JSON folder, then the same command: the same tables as an uninterrupted run', async () => {
    const args = ['eval', 'run', path.join(out, 'hovernet'), '--db', db, '--name', 'hover-killed', '--fold', '1', '--workers', '1'];
    const child = spawnCli(args);
    const exit = exitOf(child);
    await new Promise<void>((resolve) => {
      child.stderr?.on('data', () => { if (/eval: [1-9]\d*\/16/.test(child.output().err)) resolve(); });
      void exit.then(() => resolve());
    });
    child.kill('SIGKILL');
    await exit;
    const again = await cli(...args);
    expect(again.code, again.err).toBe(0);
    expect(await show('hover-killed')).toEqual(await show('hovernet-reference'));
  }, 60_000);

  it('a polygon of 10^6 vertices is read (valid, within memory), and JSON nested 10^5 deep is one line', async () => {
    const big = path.join(dir, 'big');
    fs.mkdirSync(big);
    // a circle of radius 30 around (48, 48) drawn with a million vertices
    const ring = Array.from({ length: 1_000_000 }, (_, i) => [48 + 30 * Math.cos((2 * Math.PI * i) / 1_000_000), 48 + 30 * Math.sin((2 * Math.PI * i) / 1_000_000)]);
    fs.writeFileSync(path.join(big, '1_0.geojson'), JSON.stringify({ type: 'FeatureCollection', features: [{ type: 'Feature', geometry: { type: 'Polygon', coordinates: [ring] }, properties: { classification: { name: 'Dead' } } }] }));
    const r = await run(big, 'big');
    expect(r.code, r.err).toBe(0);
    const area = new Database(db, { readonly: true }).prepare("SELECT area FROM predicted_nuclei p JOIN prediction_sets s ON s.id = p.set_id WHERE s.name = 'big'").pluck().all() as number[];
    expect(area).toHaveLength(1);
    expect(Math.abs((area[0] as number) - Math.PI * 900)).toBeLessThan(40); // the pixel centres inside a circle of r = 30
    const deep = path.join(dir, 'deep');
    fs.mkdirSync(deep);
    fs.writeFileSync(path.join(deep, '1_0.geojson'), `${'['.repeat(100_000)}${']'.repeat(100_000)}`);
    const d = await run(deep, 'deep');
    expect([d.code, lines(d.err)]).toEqual([1, [expect.stringMatching(/1_0\.geojson: cannot tell the format of this file/)]]);
    const forced = await run(deep, 'deep', '--format', 'geojson');
    expect([forced.code, lines(forced.err)]).toEqual([1, [expect.stringMatching(/1_0\.geojson: feature 0: not a GeoJSON Feature/)]]);
  }, 60_000);

  it('one GeoJSON for the fold: pannuke\'s own export of the prediction, read back, scores exactly as the npy', async () => {
    // the prediction ingested as a dataset of its own (the fold's images and tissues, the prediction's masks)
    const scratch = path.join(dir, 'as-dataset');
    fs.cpSync(path.join(data, 'Fold 1'), path.join(scratch, 'Fold 1'), { recursive: true });
    fs.copyFileSync(path.join(pred, 'masks.npy'), path.join(scratch, 'Fold 1', 'masks', 'fold1', 'masks.npy'));
    const scratchDb = path.join(dir, 'as-dataset.sqlite');
    expect((await cli('ingest', scratch, '--db', scratchDb)).code).toBe(0);
    const exported = path.join(dir, 'prediction.geojson');
    expect((await cli('export', '--db', scratchDb, '--format', 'geojson', '--out', exported)).code).toBe(0);
    const r = await run(exported, 'exported');
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('read as GeoJSON');
    expect(await show('exported')).toEqual(await show('reference'));
    // a Feature that names no image
    const orphan = path.join(dir, 'orphan.geojson');
    fs.writeFileSync(orphan, JSON.stringify({ type: 'FeatureCollection', features: [{ type: 'Feature', geometry: { type: 'Polygon', coordinates: [[[1, 1], [5, 1], [5, 5], [1, 1]]] }, properties: { class_id: 1 } }] }));
    const o = await run(orphan, 'orphan');
    expect([o.code, lines(o.err)]).toEqual([1, [expect.stringMatching(/orphan\.geojson: feature 0: the feature names no image of fold 1/)]]);
  }, 60_000);

  it('one GeoJSON for the fold larger than a JavaScript string can hold (560 MB): streamed in ≤ 256 MB, the same figures', async () => {
    // pannuke's export of the prediction (the test above), its Features between 560 MB of QuPath-like
    // Features of fold 2, which are left out and counted
    const small = JSON.parse(fs.readFileSync(path.join(dir, 'prediction.geojson'), 'utf8')) as { features: unknown[] };
    const big = path.join(dir, 'big.geojson');
    const measurements = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`Nucleus: measurement ${i}`, Math.PI * i]));
    const padding = Array.from({ length: 1000 }, (_, k) => JSON.stringify({ type: 'Feature', geometry: { type: 'Polygon', coordinates: [[[k % 90, 1], [k % 90 + 5, 1], [k % 90 + 5, 6], [k % 90, 1]]] }, properties: { fold: 2, fold_index: k % 16, objectType: 'detection', classification: { name: 'Dead', color: [1, 2, 3] }, measurements } })).join(',\n');
    const fd = fs.openSync(big, 'w');
    let paddingFeatures = 0;
    fs.writeSync(fd, '{"type": "FeatureCollection", "features": [\n');
    const real = small.features.map((f) => JSON.stringify(f)).join(',\n');
    for (let written = 0, placed = false; written < 560e6; ) {
      fs.writeSync(fd, `${written > 0 ? ',\n' : ''}${padding}`);
      written += padding.length;
      paddingFeatures += 1000;
      if (!placed && written >= 250e6) {
        fs.writeSync(fd, `,\n${real}`);
        placed = true;
      }
    }
    fs.writeSync(fd, ']}\n');
    fs.closeSync(fd);
    try {
      expect(fs.statSync(big).size).toBeGreaterThan(0x1fffffe8); // V8's longest string
      // the installed command (the build `npm ci` makes), as a user runs it: no TypeScript loader in its memory
      const bin = path.resolve(import.meta.dirname, '../../bin/pannuke.cjs');
      const rusage = path.resolve(import.meta.dirname, '../../bench/rusage.mjs');
      const r = spawnSync(process.execPath, ['--import', rusage, bin, 'eval', 'run', big, '--db', db, '--name', 'big-file', '--fold', '1'], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      expect(r.stderr).toContain(`note: ${paddingFeatures.toLocaleString('en-US')} features of other folds were left out`);
      const rssKb = Number(/BENCH_MAX_RSS_KB=(\d+)/.exec(r.stderr)?.[1]);
      expect(rssKb).toBeGreaterThan(0);
      console.log(`eval run of a ${(fs.statSync(big).size / 1e6).toFixed(0)} MB GeoJSON: peak RSS ${(rssKb / 1024).toFixed(0)} MB`);
      expect(rssKb).toBeLessThan(256 * 1024);
      expect(await show('big-file')).toEqual(await show('reference'));
    } finally {
      fs.rmSync(big, { force: true });
    }
  }, 180_000);

  it('one file for the fold, malformed: one line with its line, column and byte; an entry that is not a result names its place', async () => {
    const bad = path.join(dir, 'bad-results.json');
    const text = '[\n  {"image_id": 1, "category_id": 1, "segmentation": [[1, 1, 5, 1, 5, 5]], "score": 1},\n  {"image_id": 1, "category_id": 1 "score": 1}\n]\n';
    fs.writeFileSync(bad, text);
    const r = await run(bad, 'bad-results', '--format', 'coco');
    const byte = text.lastIndexOf('"score"'); // the missing comma's place: line 3, column 36
    expect([r.code, lines(r.err)]).toEqual([1, [expect.stringMatching(new RegExp(`bad-results\\.json: line 3, column 36 \\(byte ${byte}\\): malformed JSON`))]]);
    fs.writeFileSync(bad, '[{"image_id": 1, "category_id": 1, "segmentation": []}, 7]');
    const e = await run(bad, 'bad-results', '--format', 'coco');
    expect([e.code, lines(e.err)]).toEqual([1, [expect.stringMatching(/bad-results\.json: result 1: expected \{image_id, category_id, segmentation\}/)]]);
  }, 60_000);

  it('label images without classes (zlib TIFFs, no CSVs): a class-agnostic set, its binary figures and untyped detection exact, every class figure null', async () => {
    const r = await run(path.join(out, 'labels-agnostic'), 'agnostic');
    expect(r.code, r.err).toBe(0);
    const got = (await show('agnostic')) as any, want = (await show('agnostic-reference')) as any;
    expect(got.class_agnostic).toBe(true);
    for (const k of ['bPQ', 'bPQ_image_avg', 'bPQ_plus', 'binary', 'binary_plus', 'official_script_would_fail']) expect(got[k], k).toEqual(want[k]);
    for (const k of ['F1', 'precision', 'recall', 'TP', 'FP', 'FN']) expect(got.detection[k], k).toEqual(want.detection[k]);
    expect([got.mPQ, got.mPQ_plus, got.detection.type_accuracy, got.classes.Neoplastic.PQ, got.classes.Neoplastic.TP]).toEqual([null, null, null, null, null]);
    expect((await cli('eval', 'show', 'agnostic', '--db', db)).out).toContain('class-agnostic prediction (no classes)');
    // some images with a CSV and some without: refused
    const mixed = path.join(dir, 'mixed');
    fs.cpSync(path.join(out, 'labels-agnostic'), mixed, { recursive: true });
    fs.copyFileSync(path.join(out, 'labels-tif', '1_2.csv'), path.join(mixed, '1_2.csv'));
    const m = await run(mixed, 'mixed');
    expect([m.code, lines(m.err)]).toEqual([1, [expect.stringMatching(/1_0\.tif: no classes for this label image: expected 1_0\.csv beside it \(15 of 16 images have none\)/)]]);
  }, 60_000);

  it('files to images: a missing file is an empty prediction (warned); a file naming no image is refused unless --ignore-unmatched; --names', async () => {
    const partial = path.join(dir, 'partial');
    fs.cpSync(path.join(out, 'geojson'), partial, { recursive: true });
    fs.rmSync(path.join(partial, '1_3.geojson'));
    const missing = await run(partial, 'partial');
    expect(missing.code, missing.err).toBe(0);
    expect(missing.err).toMatch(/warning: 1 image of fold 1 has no prediction .*empty predictions/);
    fs.writeFileSync(path.join(partial, 'slide_7.geojson'), '{"type":"FeatureCollection","features":[]}');
    const refused = await run(partial, 'partial2');
    expect([refused.code, lines(refused.err)]).toEqual([1, [expect.stringMatching(/1 file matches no image of fold 1 \(first: slide_7\.geojson.*--ignore-unmatched/)]]);
    expect((await run(partial, 'partial2', '--ignore-unmatched')).err).toMatch(/warning: 1 file named no image of fold 1/);
    // CellViT's naming: 0-based folds
    const renamed = path.join(dir, 'renamed');
    fs.mkdirSync(renamed);
    for (const f of fs.readdirSync(path.join(out, 'geojson'))) fs.copyFileSync(path.join(out, 'geojson', f), path.join(renamed, f.replace(/^1_(\d+)/, 'fold0_img$1')));
    expect((await run(renamed, 'renamed', '--names', 'fold{fold0}_img{index}')).code).toBe(0);
    expect(await show('renamed')).toEqual(await show('reference'));
  }, 60_000);

  it('bad input: one line naming the file and the place, exit 1, nothing stored', async () => {
    const bad = (name: string) => {
      const d = path.join(dir, 'bad', name);
      fs.mkdirSync(d, { recursive: true });
      return d;
    };
    const feature = (coords: unknown, cls = 'Neoplastic') => ({ type: 'Feature', geometry: { type: 'Polygon', coordinates: coords }, properties: { classification: { name: cls } } });
    const cases: [string, (d: string) => void, RegExp][] = [
      ['malformed', (d) => fs.writeFileSync(path.join(d, '1_0.geojson'), '{"type": "FeatureCollection", "features": [}'), /1_0\.geojson: line 1, column 44 \(character 43\): malformed JSON/],
      ['nan', (d) => fs.writeFileSync(path.join(d, '1_0.geojson'), JSON.stringify({ type: 'FeatureCollection', features: [feature([[[0, 0], ['NaN', 1], [2, 2]]])] })), /1_0\.geojson: feature 0, ring 0: vertex 1 is not two finite numbers/],
      ['outside', (d) => fs.writeFileSync(path.join(d, '1_0.geojson'), JSON.stringify({ type: 'FeatureCollection', features: [feature([[[0, 0], [97, 0], [0, 5]]])] })), /vertex 1 \(97, 0\) is outside the 96 × 96 image/],
      ['class', (d) => fs.writeFileSync(path.join(d, '1_0.geojson'), JSON.stringify({ type: 'FeatureCollection', features: [feature([[[0, 0], [4, 0], [0, 5]]], 'Tumor')] })), /unknown class name: 'Tumor'.*--classes/],
    ];
    for (const [name, make, message] of cases) {
      const d = bad(name);
      make(d);
      const r = await run(d, `bad-${name}`);
      expect([r.code, lines(r.err)], name).toEqual([1, [expect.stringMatching(message)]]);
      expect((await cli('eval', 'list', '--db', db)).out).not.toContain(`bad-${name}`);
    }
    // --classes maps another vocabulary
    expect((await run(path.join(dir, 'bad', 'class'), 'mapped', '--classes', 'Tumor=Neoplastic', '--ignore-unmatched')).code).toBe(0);
    // label images: another size, a float TIFF, a CSV naming an instance the image lacks
    const py = (code: string) => expect(spawnSync(PYTHON, ['-c', `import numpy as np, tifffile\n${code}`], { encoding: 'utf8' }).status).toBe(0);
    const size = bad('size');
    py(`tifffile.imwrite('${size}/1_0.tif', np.ones((64, 96), np.uint16))`);
    fs.writeFileSync(path.join(size, '1_0.csv'), 'instance_id,class_id\n1,1\n');
    const float = bad('float');
    py(`tifffile.imwrite('${float}/1_0.tif', np.ones((96, 96), np.float32))`);
    fs.writeFileSync(path.join(float, '1_0.csv'), '1,1\n');
    const csv = bad('csv');
    py(`a = np.zeros((96, 96), np.uint16); a[3:6, 3:6] = 2; tifffile.imwrite('${csv}/1_0.tif', a)`);
    fs.writeFileSync(path.join(csv, '1_0.csv'), 'instance_id,class_id\n2,Dead\n9,1\n');
    for (const [d, message] of [[size, /1_0\.tif: the label image is 96 × 64, the ground truth 96 × 96/], [float, /1_0\.tif: a 32-bit float TIFF/], [csv, /1_0\.csv: instance 9 listed but not in the image/]] as const) {
      const r = await run(d, 'bad-labels');
      expect([r.code, lines(r.err)], d).toEqual([1, [expect.stringMatching(message)]]);
    }
    // COCO: an image_id of another fold
    const coco = path.join(dir, 'bad', 'coco.json');
    fs.writeFileSync(coco, JSON.stringify([{ image_id: 99999, category_id: 1, segmentation: { size: [96, 96], counts: '0' }, score: 1 }]));
    const r = await run(coco, 'bad-coco');
    expect([r.code, lines(r.err)]).toEqual([1, [expect.stringMatching(/coco\.json: image_id 99999 is not an image of fold 1/)]]);
  }, 120_000);
});
