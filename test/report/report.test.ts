// The report in a real browser: Debian's Chromium driven by playwright-core (never a browser download).
// Skipped, with a message, where /usr/bin/chromium is absent (.ci/run installs it).
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodePng } from '../../src/report/png.js';
import { cli, cohortDatabase } from '../helpers/cohort.js';
import { tempDir } from '../helpers/tmp.js';

const CHROMIUM = '/usr/bin/chromium';
const available = fs.existsSync(CHROMIUM);
if (!available) console.warn(`skipping the browser test of the report: ${CHROMIUM} is not installed (apt-get install chromium)`);

const dir = tempDir('report');
let db: string;
let data: string;
let browser: Browser | undefined;

beforeAll(async () => {
  ({ db, data } = await cohortDatabase(dir));
  expect((await cli('subset', 'create', 'train', '--db', db, '--nuclei-per-class', '5')).code).toBe(0);
  if (available) {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  }
}, 120_000);

afterAll(async () => {
  await browser?.close();
});

describe('png', () => {
  it('writes a valid PNG signature and IHDR', () => {
    const png = encodePng(new Array(2 * 3 * 3).fill(200), 3, 2);
    expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    expect(png.readUInt32BE(16)).toBe(3);
    expect(png.readUInt32BE(20)).toBe(2);
  });
});

describe.skipIf(!available)('pannuke report in Chromium', () => {
  it('loads from file:// with no console errors and no network, charts render, the gallery shows every outline', async () => {
    const out = path.join(dir, 'report.html');
    const started = performance.now();
    const r = await cli('report', '--db', db, '--data', data, '--subset', 'train', '--out', out);
    expect(r.code, r.err).toBe(0);
    expect(performance.now() - started).toBeLessThan(15_000);
    expect(fs.statSync(out).size).toBeLessThan(4_000_000);

    const page = await browser!.newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    const requests: string[] = [];
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('request', (q) => requests.push(q.url()));
    await page.goto(`file://${out}`);
    expect(errors).toEqual([]);
    expect(requests.filter((u) => !u.startsWith('file://') && !u.startsWith('data:'))).toEqual([]);

    // charts: stacked bars with non-zero segments, histograms with bars
    expect(await page.locator('#classes svg.chart rect.seg').count()).toBeGreaterThan(19 * 3);
    const raw0 = new Database(db, { readonly: true });
    const maxArea = raw0.prepare('SELECT max(area) FROM nuclei').pluck().get() as number;
    raw0.close();
    // Area bins on the log scale: edges ⌊√2^k⌋ deduplicated, computed here independently of the report code.
    const edges: number[] = [];
    for (let k = 0; edges.length === 0 || edges.at(-1)! <= maxArea; k++) {
      const e = Math.floor(Math.sqrt(2) ** k);
      if (edges.length === 0 || e > edges.at(-1)!) edges.push(e);
    }
    expect(await page.locator('#morphology svg.chart rect.bar').count()).toBe(5 * (edges.length - 1) + 5 * 20);
    // every histogram has both axes titled and ticked, and the same y scale for every class
    const histograms = page.locator('#morphology svg.histogram');
    expect(await histograms.count()).toBe(10);
    for (const title of ['area (px, log scale)', 'eccentricity (0 = circle)']) {
      expect(await page.locator('#morphology svg.histogram text.x-title', { hasText: title }).count()).toBe(5);
    }
    expect(await page.locator('#morphology svg.histogram text.y-title').count()).toBe(10);
    const yLabels = await histograms.evaluateAll((els) => els.map((e) => [...e.querySelectorAll('text.tick')].filter((t) => t.textContent?.endsWith('%')).map((t) => t.textContent).join(' ')));
    expect(new Set(yLabels.slice(0, 5)).size).toBe(1);
    expect(new Set(yLabels.slice(5)).size).toBe(1);
    // no bin that no integer area can fall in
    const binTitles = await page.locator('#morphology svg.histogram rect.bar > title').allTextContents();
    for (const t of binTitles.filter((x) => x.includes('area '))) {
      const m = /area (\d+)(?:–(\d+))? px/.exec(t);
      expect(m, t).not.toBeNull();
      if (m?.[2] !== undefined) expect(Number(m[2])).toBeGreaterThan(Number(m[1]));
    }
    expect(await page.locator('#subset table').count()).toBe(2);

    // gallery: as many outline paths as the database holds nuclei for the images shown
    const shown = await page.locator('svg.patch').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-image-id'))));
    expect(shown.length).toBeGreaterThan(0);
    const raw = new Database(db, { readonly: true });
    const expected = raw.prepare(`SELECT count(*) FROM nuclei WHERE image_id IN (${shown.join(',')})`).pluck().get();
    raw.close();
    expect(await page.locator('svg.patch path.nucleus').count()).toBe(expected);
    expect(await page.locator('svg.patch image').count()).toBe(shown.length); // H&E patches drawn under the outlines
    // every path has its hover text, naming each number; a halo under every outline; captions name the ids
    expect(await page.locator('svg.patch path.nucleus > title').count()).toBe(expected);
    expect(await page.locator('svg.patch path.nucleus > title').first().textContent()).toMatch(/^nucleus_id \d+ · class \w+ · instance_id \d+ \(the mask value\) · area \d+ px$/);
    expect(await page.locator('svg.patch path.halo').count()).toBe(expected);
    expect(await page.locator('.tile figcaption').first().textContent()).toMatch(/^fold \d · fold_index \d+ · image_id \d+ · \d+ nuclei$/);
    // outlines are not filled over the nucleus by default
    const fill = await page.locator("svg.patch path.nucleus").first().evaluate((e) => (globalThis as unknown as { getComputedStyle(e: unknown): { fillOpacity: string } }).getComputedStyle(e).fillOpacity);
    expect(Number(fill)).toBe(0);

    const shot = path.join(dir, 'report.png');
    await page.screenshot({ path: shot, fullPage: false });
    expect(fs.statSync(shot).size).toBeGreaterThan(10_000);
    await page.close();
  }, 120_000);

  it('with --eval: the evaluation tables, and every true and predicted outline of the shown patches, misses and false positives marked', async () => {
    const pred = path.join(dir, 'pred');
    expect((await cli('synth', pred, '--prediction-of', data, '--fold', '2', '--seed', '5')).code).toBe(0);
    expect((await cli('eval', 'run', pred, '--db', db, '--name', 'model', '--fold', '2')).code).toBe(0);
    const out = path.join(dir, 'eval.html');
    const r = await cli('report', '--db', db, '--data', data, '--eval', 'model', '--out', out);
    expect(r.code, r.err).toBe(0);
    const page = await browser!.newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`file://${out}`);
    expect(errors).toEqual([]);
    const show = JSON.parse((await cli('eval', 'show', 'model', '--db', db, '--format', 'json')).out);
    const headline = await page.locator('#evaluation table').first().locator('tbody tr').allTextContents();
    expect(headline[0]).toContain(show.mPQ.toFixed(4));
    expect(headline[2]).toContain(show.mPQ_plus.toFixed(4));
    const shown = await page.locator('svg.eval-patch').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-image-id'))));
    expect(shown.length).toBeGreaterThan(0);
    const raw = new Database(db, { readonly: true });
    const ids = shown.join(',');
    const count = (sql: string) => raw.prepare(sql).pluck().get() as number;
    expect(await page.locator('svg.eval-patch path.truth').count()).toBe(count(`SELECT count(*) FROM nuclei WHERE image_id IN (${ids})`));
    expect(await page.locator('svg.eval-patch path.predicted').count()).toBe(count(`SELECT count(*) FROM predicted_nuclei p JOIN prediction_sets s ON s.id = p.set_id WHERE s.name = 'model' AND p.image_id IN (${ids})`));
    expect(await page.locator('svg.eval-patch circle.miss').count()).toBe(count(`SELECT count(*) FROM nuclei n WHERE n.image_id IN (${ids}) AND NOT EXISTS (SELECT 1 FROM eval_matches m JOIN prediction_sets s ON s.id = m.set_id WHERE s.name = 'model' AND m.mode = 0 AND m.gt_nucleus_id = n.id)`));
    expect(await page.locator('svg.eval-patch path.false-positive').count()).toBe(count(`SELECT count(*) FROM predicted_nuclei p JOIN prediction_sets s ON s.id = p.set_id WHERE s.name = 'model' AND p.image_id IN (${ids}) AND NOT EXISTS (SELECT 1 FROM eval_matches m WHERE m.set_id = s.id AND m.mode = 0 AND m.pred_nucleus_id = p.id)`));
    raw.close();
    expect(await page.locator('svg.eval-patch image').count()).toBe(shown.length);
    await page.close();
  }, 120_000);
});
