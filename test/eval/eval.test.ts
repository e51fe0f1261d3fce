// pannuke eval: hand-computed cases for every rule, an independent oracle on a synthetic fold and a
// model-like prediction of it, resume after kill -9, and what it refuses.
import fs from 'node:fs';
import path from 'node:path';
import { load } from 'npyjs';
import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import { minCostAssignment } from '../../src/eval/assign.js';
import { exitOf, spawnCli } from '../helpers/child.js';
import { cli } from '../helpers/cohort.js';
import { writeTinyFold } from '../helpers/folds.js';
import { aggregate, detectionStats, evaluateRecord, points, type ImageResult } from '../helpers/pq-oracle.js';
import { fileArrayBuffer, tempDir } from '../helpers/tmp.js';
import { dump } from 'npyjs';

const dir = tempDir('eval');
const CLASSES = ['Neoplastic', 'Inflammatory', 'Connective', 'Dead', 'Epithelial'];
const close = (a: number | null, b: number) => (a === null ? Number.isNaN(b) : Math.abs(a - b) <= 1e-9);

/** A blank (n, 16, 16, 6) mask with background 1; `set(i, c, rows, cols, id)` paints a rectangle. */
function blank(n: number, size = 16) {
  const m = new Float64Array(n * size * size * 6);
  for (let p = 0; p < n * size * size; p++) m[p * 6 + 5] = 1;
  const set = (i: number, c: number, r0: number, r1: number, c0: number, c1: number, id: number) => {
    for (let r = r0; r <= r1; r++) {
      for (let q = c0; q <= c1; q++) {
        const p = (i * size + r) * size + q;
        m[p * 6 + c] = id;
        m[p * 6 + 5] = 0;
      }
    }
  };
  return { m, set };
}

async function json(db: string, set: string) {
  const r = await cli('eval', 'show', set, '--db', db, '--format', 'json');
  expect(r.code, r.err).toBe(0);
  return JSON.parse(r.out);
}

describe('hand-computed cases', () => {
  const e = 1 / (1 + 1e-6); // SQ of one perfect match: the official epsilon is part of the figure
  let db: string;
  let report: any;

  beforeAll(async () => {
    const root = path.join(dir, 'hand');
    const gt = blank(5), pred = blank(5);
    // 0: A (Neoplastic 5) and B (Connective 5, the same id in another channel); B predicted one pixel off:
    //    IoU = 6/12 = 0.5 exactly, which does not match (strict >).
    gt.set(0, 0, 1, 3, 1, 3, 5); gt.set(0, 2, 8, 10, 8, 10, 5);
    pred.set(0, 0, 1, 3, 1, 3, 900); pred.set(0, 2, 8, 10, 9, 11, 70000);
    // 1: empty ground truth, one false positive: NaN in every official figure, counted by the pooled ones.
    pred.set(1, 1, 4, 6, 4, 6, 3);
    // 2: Neoplastic 1 (cols 0..3) partly under Dead 2 (cols 2..5): binarized, A keeps cols 0..1 only.
    //    Predicted: A whole, no Dead. Class 1: IoU 1; binary: A' vs visible A = 8/16 (no), vs B = 8/24 (no).
    gt.set(2, 0, 0, 3, 0, 3, 1); gt.set(2, 3, 0, 3, 2, 5, 2);
    pred.set(2, 0, 0, 3, 0, 3, 1);
    // 3: Neoplastic 7 wholly under Epithelial 3: binarize leaves a gap in the ids (the official script fails).
    gt.set(3, 0, 5, 6, 5, 6, 7); gt.set(3, 4, 4, 7, 4, 7, 3);
    pred.set(3, 4, 4, 7, 4, 7, 3);
    // 4: two true points 5 px either side of two predicted ones at one place (a tie in the assignment), and the
    //    prediction's Neoplastic pixel is under its Inflammatory one (a gap in the prediction's binarized ids).
    gt.set(4, 0, 2, 2, 2, 2, 1); gt.set(4, 1, 2, 2, 12, 12, 1);
    pred.set(4, 0, 2, 2, 7, 7, 1); pred.set(4, 1, 2, 2, 7, 7, 2);
    writeTinyFold(root, 1, 'flat', { n: 5, h: 16, w: 16, masks: gt.m, types: ['Breast', 'Breast', 'Colon', 'Colon', 'Lung'] });
    db = path.join(root, 'x.sqlite');
    expect((await cli('ingest', root, '--db', db)).code).toBe(0);
    fs.writeFileSync(path.join(root, 'pred.npy'), new Uint8Array(dump(pred.m, [5, 16, 16, 6])));
    const r = await cli('eval', 'run', path.join(root, 'pred.npy'), '--db', db, '--name', 'hand', '--fold', '1');
    expect(r.code, r.err).toBe(0);
    report = await json(db, 'hand');
  }, 60_000);

  it('official: NaN rule, strict IoU > 0.5, the epsilon, binarize\'s overwrite order, tissue then overall means', () => {
    // per image mPQ: e/2, NaN, e/2, e/2, 0; bPQ: e/2, NaN, 0, e, 0
    expect(report.tissues).toEqual({
      Breast: { images: 2, mPQ: expect.closeTo(e / 2, 12), bPQ: expect.closeTo(e / 2, 12), mPQ_plus: expect.any(Number) },
      Colon: { images: 2, mPQ: expect.closeTo(e / 2, 12), bPQ: expect.closeTo(e / 2, 12), mPQ_plus: expect.any(Number) },
      Lung: { images: 1, mPQ: 0, bPQ: 0, mPQ_plus: expect.any(Number) },
    });
    expect(report.mPQ).toBeCloseTo(e / 3, 12);
    expect(report.bPQ).toBeCloseTo(e / 3, 12);
    expect(report.mPQ_image_avg).toBeCloseTo((3 * e) / 8, 12);
    expect(report.bPQ_image_avg).toBeCloseTo((3 * e) / 8, 12);
    expect(report.class_PQ.Neoplastic).toBeCloseTo(e / 2, 12);
    expect(report.class_PQ.Inflammatory).toBe(0);
    expect(report.class_PQ.Connective).toBe(0);
    expect(report.class_PQ.Dead).toBe(0);
    expect(report.class_PQ.Epithelial).toBeCloseTo(e, 12);
    expect(report.official_script_would_fail).toBe(2);
  });

  it('pooled (+): false positives of images without that class count', () => {
    const pq = (tp: number, fp: number, fn: number, iou: number) => (tp / (tp + 0.5 * fp + 0.5 * fn + 1e-6)) * (iou / (tp + 1e-6));
    const neo = pq(2, 1, 2, 2), epi = pq(1, 0, 0, 1);
    expect(report.classes_plus.Neoplastic).toMatchObject({ TP: 2, FP: 1, FN: 2 });
    expect(report.classes_plus.Inflammatory).toMatchObject({ TP: 0, FP: 2, FN: 1, PQ: 0 });
    expect(report.mPQ_plus).toBeCloseTo((neo + epi) / 5, 12);
    expect(report.binary_plus).toMatchObject({ TP: 2, FP: 4, FN: 5 });
    expect(report.bPQ_plus).toBeCloseTo(pq(2, 4, 5, 2), 12);
  });

  it('detection: pairs within the radius, ties to the first true nucleus (class order), F1 per type', () => {
    const d = report.detection;
    expect([d.TP, d.FP, d.FN]).toEqual([6, 1, 2]);
    expect(d.F1).toBeCloseTo(12 / 15, 12);
    expect(d.precision).toBeCloseTo(6 / 7, 12);
    expect(d.recall).toBeCloseTo(6 / 8, 12);
    expect(d.type_accuracy).toBeCloseTo(5 / 6, 12);
    expect(d.types.Neoplastic).toMatchObject({ F1: 0.75, TP: 3, FP: 0, FN: 1, FP_d: 0, FN_d: 0 });
    expect(d.types.Inflammatory.F1).toBeCloseTo(2 / 3, 12);
    expect(d.types.Connective.F1).toBe(1);
    expect(d.types.Dead).toMatchObject({ F1: 0, FN_d: 1 });
    expect(d.types.Epithelial).toMatchObject({ F1: 0, FP: 1, FN_d: 1 });
  });

  it('the table says where the official script would fail', async () => {
    const r = await cli('eval', 'show', 'hand', '--db', db);
    expect(r.out).toMatch(/official PanNuke\s+0\.3333\s+0\.3333/);
    expect(r.out).toContain('the official script (PanNuke-metrics run.py) would raise on 2 of these images');
  });
});

describe('the minimum-cost assignment', () => {
  it('equals brute force over every permutation on random rectangular matrices', () => {
    let seed = 7;
    const rand = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    for (let trial = 0; trial < 200; trial++) {
      const n = 1 + Math.floor(rand() * 6), m = 1 + Math.floor(rand() * 6);
      const cost = Float64Array.from({ length: n * m }, () => Math.round(rand() * 20) / 2);
      const got = minCostAssignment(cost, n, m);
      const total = [...got].reduce((s, j, i) => s + (j >= 0 ? cost[i * m + j]! : 0), 0);
      expect(got.filter((j) => j >= 0).length).toBe(Math.min(n, m));
      expect(new Set([...got].filter((j) => j >= 0)).size).toBe(Math.min(n, m));
      let best = Infinity;
      const rows = n <= m;
      const k = Math.min(n, m), big = Math.max(n, m);
      const search = (depth: number, used: Set<number>, sum: number) => {
        if (depth === k) { best = Math.min(best, sum); return; }
        for (let x = 0; x < big; x++) if (!used.has(x)) { used.add(x); search(depth + 1, used, sum + (rows ? cost[depth * m + x]! : cost[x * m + depth]!)); used.delete(x); }
      };
      search(0, new Set(), 0);
      expect(total).toBeCloseTo(best, 9);
    }
  });
});

describe('a synthetic fold and a model-like prediction, against an independent oracle', () => {
  const root = path.join(dir, 'synthetic');
  const db = path.join(dir, 'synthetic.sqlite');
  const predDir = path.join(dir, 'prediction');

  beforeAll(async () => {
    expect((await cli('synth', root, '--images-per-fold', '60', '--size', '128', '--seed', '8', '--folds', '2')).code).toBe(0);
    expect((await cli('ingest', root, '--db', db)).code).toBe(0);
    expect((await cli('synth', predDir, '--prediction-of', root, '--fold', '2', '--seed', '3')).code).toBe(0);
  }, 120_000);

  it('every figure agrees to 1e-9', async () => {
    const r = await cli('eval', 'run', predDir, '--db', db, '--name', 'model', '--fold', '2');
    expect(r.code, r.err).toBe(0);
    const got = await json(db, 'model');
    const truth = await load(fileArrayBuffer(path.join(root, 'Fold 2', 'masks', 'fold2', 'masks.npy')));
    const pred = await load(fileArrayBuffer(path.join(predDir, 'masks.npy')));
    const types = (await load(fileArrayBuffer(path.join(root, 'Fold 2', 'images', 'fold2', 'types.npy')))).data as unknown as string[];
    const [n, h, w] = truth.shape as [number, number, number];
    const hw = h * w;
    const results: ImageResult[] = [];
    const detection: { truth: ReturnType<typeof points>; pred: ReturnType<typeof points> }[] = [];
    for (let i = 0; i < n; i++) {
      const t = (truth.data as Float64Array).subarray(i * hw * 6, (i + 1) * hw * 6);
      const p = (pred.data as Float64Array).subarray(i * hw * 6, (i + 1) * hw * 6);
      results.push(evaluateRecord(t, p, hw, 6));
      detection.push({ truth: points(t, h, w, 6), pred: points(p, h, w, 6) });
    }
    const want = aggregate(results, types);
    for (const key of ['mPQ', 'bPQ', 'mPQ_image_avg', 'bPQ_image_avg', 'mPQ_plus', 'bPQ_plus'] as const) expect(close(got[key], want[key]), `${key}: ${got[key]} vs ${want[key]}`).toBe(true);
    CLASSES.forEach((c, k) => expect(close(got.class_PQ[c], want.class_PQ[k]!), c).toBe(true));
    for (const [t, v] of Object.entries(want.tissues)) {
      expect(got.tissues[t].images).toBe(v.images);
      expect(close(got.tissues[t].mPQ, v.mPQ) && close(got.tissues[t].bPQ, v.bPQ), t).toBe(true);
    }
    expect(got.official_script_would_fail).toBe(want.fails);
    const d = detectionStats(detection, 12);
    expect([got.detection.TP, got.detection.FP, got.detection.FN]).toEqual([d.tp, d.fp, d.fn]);
    expect(close(got.detection.F1, d.F1)).toBe(true);
    CLASSES.forEach((c, k) => expect(close(got.detection.types[c].F1, d.types[k]!), c).toBe(true));
    // The case mix this test stands on: misses, false positives, empty ground truth with predictions.
    expect(results.some((x) => x.binary.nan && x.binary.fp > 0)).toBe(true);
    expect(results.reduce((s, x) => s + x.binary.fn, 0)).toBeGreaterThan(0);
    expect(results.reduce((s, x) => s + x.binary.fp, 0)).toBeGreaterThan(0);
  }, 120_000);

  it('kill -9 during a run, then the same command, gives the same tables; a rerun does nothing', async () => {
    const args = ['eval', 'run', predDir, '--db', db, '--name', 'resumed', '--fold', '2', '--workers', '1'];
    const child = spawnCli(args);
    const exit = exitOf(child);
    await new Promise<void>((resolve) => {
      child.stderr?.on('data', () => { if (/eval: [1-9]\d*\/60/.test(child.output().err)) resolve(); });
      void exit.then(() => resolve());
    });
    child.kill('SIGKILL');
    await exit;
    const again = await cli(...args);
    expect(again.code, again.err).toBe(0);
    const a = await json(db, 'model');
    const b = await json(db, 'resumed');
    expect({ ...b, set: 'model' }).toEqual(a);
    expect((await cli(...args)).out).toMatch(/nothing to do: all 60 images of 'resumed' are evaluated/);
  }, 120_000);

  it('an unfinished set is said everywhere: list, show, report --eval; compare refuses it unless --allow-incomplete', async () => {
    // What a run stopped after 24 of 60 images leaves (each batch of images commits whole, with the set's count).
    expect((await cli('eval', 'run', predDir, '--db', db, '--name', 'part', '--fold', '2')).code).toBe(0);
    const raw = new Database(db);
    const id = raw.prepare("SELECT id FROM prediction_sets WHERE name = 'part'").pluck().get() as number;
    const late = 'SELECT id FROM images WHERE fold = 2 AND fold_index >= 24';
    raw.prepare(`DELETE FROM eval_matches WHERE set_id = ? AND gt_nucleus_id IN (SELECT id FROM nuclei WHERE image_id IN (${late}))`).run(id);
    raw.prepare(`DELETE FROM eval_matches WHERE set_id = ? AND pred_nucleus_id IN (SELECT id FROM predicted_nuclei WHERE image_id IN (${late}))`).run(id);
    for (const t of ['eval_detections', 'eval_counts', 'predicted_nuclei']) raw.prepare(`DELETE FROM ${t} WHERE set_id = ? AND image_id IN (${late})`).run(id);
    raw.prepare('UPDATE prediction_sets SET images = 24 WHERE id = ?').run(id);
    raw.close();
    const note = '24 of 60 images: incomplete; run `pannuke eval run` again to finish';
    const list = await cli('eval', 'list', '--db', db);
    expect(list.out).toMatch(/part\s+2\s+24\s+60\s+no: run eval run again/);
    expect(list.out).toMatch(/model\s+2\s+60\s+60\s+yes/);
    expect((await cli('eval', 'show', 'part', '--db', db)).out).toContain(`prediction set 'part', fold 2: ${note}`);
    const asJson = await cli('eval', 'show', 'part', '--db', db, '--format', 'json');
    expect(JSON.parse(asJson.out)).toMatchObject({ images: 24, fold_images: 60, complete: false });
    expect(asJson.err).toContain(`warning: 'part' covers ${note}`);
    const refused = await cli('eval', 'compare', 'model', 'part', '--db', db);
    expect([refused.code, refused.err.trim()]).toEqual([2, expect.stringMatching(new RegExp(`^pannuke: error: .*: 'part' covers 24 of 60 images: incomplete.*--allow-incomplete`))]);
    const allowed = await cli('eval', 'compare', 'model', 'part', '--db', db, '--allow-incomplete');
    expect([allowed.code, allowed.err.trim()]).toEqual([0, `warning: 'part' covers ${note}`]);
    const report = await cli('report', '--db', db, '--eval', 'part', '--out', path.join(dir, 'part.html'));
    expect(report.err).toContain(`warning: 'part' covers ${note}`);
    expect(fs.readFileSync(path.join(dir, 'part.html'), 'utf8')).toContain('(fold 2, 24 of 60 images: incomplete;');
    // finishing it clears every mark
    expect((await cli('eval', 'run', predDir, '--db', db, '--name', 'part', '--fold', '2')).out).toMatch(/evaluated 'part' \(fold 2\): 36 images/);
    expect((await cli('eval', 'compare', 'model', 'part', '--db', db)).code).toBe(0);
    expect((await cli('eval', 'drop', 'part', '--db', db)).code).toBe(0);
  }, 120_000);

  it('list, compare, drop', async () => {
    expect((await cli('eval', 'list', '--db', db)).out).toMatch(/model\s+2\s+60\s/);
    const cmp = await cli('eval', 'compare', 'model', 'resumed', '--db', db, '--format', 'csv');
    expect(cmp.code, cmp.err).toBe(0);
    const rows = cmp.out.trim().split('\r\n').slice(1).map((l) => l.split(','));
    expect(rows.length).toBeGreaterThan(10);
    for (const row of rows) expect(Number(row.at(-1))).toBe(0); // identical sets: every difference is 0
    expect((await cli('eval', 'drop', 'resumed', '--db', db)).code).toBe(0);
    expect((await cli('eval', 'show', 'resumed', '--db', db)).code).toBe(2);
  });
});

describe('what eval refuses', () => {
  const root = path.join(dir, 'refusals');
  const db = path.join(root, 'x.sqlite');

  beforeAll(async () => {
    const gt = blank(3);
    gt.set(0, 0, 1, 3, 1, 3, 5);
    writeTinyFold(root, 1, 'flat', { n: 3, h: 16, w: 16, masks: gt.m });
    expect((await cli('ingest', root, '--db', db)).code).toBe(0);
  });

  it('a prediction of another shape, with a bad value, or a changed file under an existing name', async () => {
    const write = (name: string, m: Float64Array, shape: number[]) => {
      const file = path.join(root, name);
      fs.writeFileSync(file, new Uint8Array(dump(m, shape)));
      return file;
    };
    const wrongN = await cli('eval', 'run', write('n4.npy', blank(4).m, [4, 16, 16, 6]), '--db', db, '--name', 'p', '--fold', '1');
    expect([wrongN.code, wrongN.err.trim()]).toEqual([1, expect.stringMatching(/n4\.npy: header: the prediction does not fit fold 1: expected shape \(3, 16, 16, 5 or 6\), found \(4, 16, 16, 6\) \(<f8\): N = 4, the database holds 3 images of fold 1/)]);
    const missing = await cli('eval', 'run', path.join(root, 'n4.npy'), '--db', path.join(root, 'typo.sqlite'), '--name', 'p', '--fold', '1');
    expect([missing.code, missing.err.trim()]).toEqual([1, expect.stringMatching(/typo\.sqlite: database does not exist/)]);
    expect(fs.existsSync(path.join(root, 'typo.sqlite'))).toBe(false);
    const wrongFold = await cli('eval', 'run', write('ok.npy', blank(3).m, [3, 16, 16, 6]), '--db', db, '--name', 'p', '--fold', '2');
    expect([wrongFold.code, wrongFold.err.trim()]).toEqual([1, expect.stringMatching(/fold 2 is not in the database/)]);
    const bad = blank(3);
    bad.m[(2 * 256 + 17) * 6 + 1] = Number.NaN;
    const nan = await cli('eval', 'run', write('nan.npy', bad.m, [3, 16, 16, 6]), '--db', db, '--name', 'p', '--fold', '1');
    expect([nan.code, nan.err.trim()]).toEqual([1, expect.stringMatching(/nan\.npy: fold 1, image 2, channel 1, row 1, col 1: mask value NaN is not a number/)]);
    expect((await cli('eval', 'list', '--db', db)).out).not.toMatch(/\bp\b/); // nothing stays of a failed run

    expect((await cli('eval', 'run', path.join(root, 'ok.npy'), '--db', db, '--name', 'p', '--fold', '1')).code).toBe(0);
    const other = blank(3);
    other.set(1, 2, 0, 1, 0, 1, 4);
    const changed = write('ok.npy', other.m, [3, 16, 16, 6]);
    const refused = await cli('eval', 'run', changed, '--db', db, '--name', 'p', '--fold', '1');
    expect([refused.code, refused.err.trim()]).toEqual([1, expect.stringMatching(/prediction set 'p' was made from other data \(.*ok\.npy as it was then\); this prediction differs in size or content \(add --replace/)]);
    const replaced = await cli('eval', 'run', changed, '--db', db, '--name', 'p', '--fold', '1', '--replace');
    expect([replaced.code, replaced.out]).toEqual([0, expect.stringMatching(/replaced and evaluated 'p'/)]);
    expect((await json(db, 'p')).classes_plus.Connective.FP).toBe(1);
  });

  it('5-channel predictions are read as well as 6-channel ones', async () => {
    const five = new Float64Array(3 * 256 * 5);
    for (let r = 1; r <= 3; r++) for (let q = 1; q <= 3; q++) five[((0 * 16 + r) * 16 + q) * 5] = 42;
    fs.writeFileSync(path.join(root, 'five.npy'), new Uint8Array(dump(five, [3, 16, 16, 5])));
    expect((await cli('eval', 'run', path.join(root, 'five.npy'), '--db', db, '--name', 'five', '--fold', '1')).code).toBe(0);
    const r = await json(db, 'five');
    expect(r.classes.Neoplastic).toMatchObject({ TP: 1, FP: 0, FN: 0 });
  });

  it('ingest --replace of the fold deletes its prediction sets, saying so (their ground truth is gone)', async () => {
    const gt = blank(3);
    gt.set(0, 0, 1, 4, 1, 4, 5);
    writeTinyFold(root, 1, 'flat', { n: 3, h: 16, w: 16, masks: gt.m });
    const r = await cli('ingest', root, '--db', db, '--replace');
    expect(r.code, r.err).toBe(0);
    expect(r.err).toMatch(/warning: prediction set 'five' was of fold 1's old ground truth and was deleted/);
    expect(r.err).toMatch(/warning: prediction set 'p' was of fold 1's old ground truth and was deleted/);
    expect((await cli('eval', 'list', '--db', db)).out.trim().split('\n')).toHaveLength(2); // header and rule only
  });
});
