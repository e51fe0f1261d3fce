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
    expect(await page.locator('#morphology svg.chart rect.bar').count()).toBe(5 * 24 + 5 * 20);
    expect(await page.locator('#subset table').count()).toBe(2);

    // gallery: as many outline paths as the database holds nuclei for the images shown
    const shown = await page.locator('svg.patch').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-image-id'))));
    expect(shown.length).toBeGreaterThan(0);
    const raw = new Database(db, { readonly: true });
    const expected = raw.prepare(`SELECT count(*) FROM nuclei WHERE image_id IN (${shown.join(',')})`).pluck().get();
    raw.close();
    expect(await page.locator('svg.patch path.nucleus').count()).toBe(expected);
    expect(await page.locator('svg.patch image').count()).toBe(shown.length); // H&E patches drawn under the outlines
    // every path has its hover text
    expect(await page.locator('svg.patch path.nucleus > title').count()).toBe(expected);

    const shot = path.join(dir, 'report.png');
    await page.screenshot({ path: shot, fullPage: false });
    expect(fs.statSync(shot).size).toBeGreaterThan(10_000);
    await page.close();
  }, 120_000);
});
