// `pannuke serve`, run as the real CLI: its pages in Debian's Chromium (playwright-core, never a browser
// download), every count compared with SQL written here against the database, the outlines by their data
// attributes; and its guards over raw HTTP: foreign Host names, paths in tile routes, cross-origin writes,
// the loopback-only listener, a database left byte for byte as it was.
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exitOf, spawnCli } from '../helpers/child.js';
import { cli, cohortDatabase } from '../helpers/cohort.js';
import { freshDatabase, postgresSkip } from '../helpers/postgres.js';
import { skipBecause, tempDir } from '../helpers/tmp.js';

const CHROMIUM = '/usr/bin/chromium';
const browserAvailable = fs.existsSync(CHROMIUM);
const dir = tempDir('serve');
let db: string;
let data: string;
let browser: Browser | undefined;
const servers: ReturnType<typeof spawnCli>[] = [];

/** Starts `pannuke serve` and resolves with its URL (from its first line). */
async function serve(...args: string[]): Promise<{ url: string; child: ReturnType<typeof spawnCli> }> {
  const child = spawnCli(['serve', '--port', '0', ...args]);
  servers.push(child);
  for (let waited = 0; waited < 30_000; waited += 50) {
    const m = /pannuke serve: (http:\/\/\S+)/.exec(child.output().out);
    if (m !== null) return { url: m[1] as string, child };
    if (child.exitCode !== null) throw new Error(`serve exited: ${child.output().err}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`serve did not start: ${child.output().err}`);
}

/** A raw request with the headers given (fetch would not let a test forge Host). */
function request(url: string, o: { method?: string; headers?: Record<string, string>; body?: string; path?: string } = {}): Promise<{ status: number; body: string }> {
  const u = new URL(url);
  return new Promise((ok, ko) => {
    const req = http.request({ host: u.hostname, port: u.port, path: o.path ?? u.pathname + u.search, method: o.method ?? 'GET', headers: o.headers ?? {} }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => ok({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', ko);
    req.end(o.body);
  });
}

const sha256 = (file: string) => crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
const sql = <T = unknown>(query: string, ...params: unknown[]): T[] => {
  const d = new Database(db, { readonly: true });
  try {
    return d.prepare(query).raw().all(...params).map((r) => (r as unknown[])[0]) as T[];
  } finally {
    d.close();
  }
};

beforeAll(async () => {
  ({ db, data } = await cohortDatabase(dir));
  for (const [name, seed] of [['model-a', '5'], ['model-b', '6']] as const) {
    expect((await cli('synth', path.join(dir, name), '--prediction-of', data, '--fold', '1', '--seed', seed)).code).toBe(0);
    expect((await cli('eval', 'run', path.join(dir, name, 'masks.npy'), '--db', db, '--name', name, '--fold', '1')).code).toBe(0);
  }
  if (browserAvailable) {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
  }
}, 180_000);

afterAll(async () => {
  for (const s of servers) if (s.exitCode === null) s.kill('SIGKILL');
  await browser?.close();
});

describe('pannuke serve: trust', () => {
  it('answers loopback Host names only, refuses paths in tile routes, listens on 127.0.0.1 alone, and leaves the database byte for byte as it was', async () => {
    const before = sha256(db);
    const { url, child } = await serve('--db', db);
    expect(new URL(url).hostname).toBe('127.0.0.1');
    const port = new URL(url).port;
    expect((await request(url)).status).toBe(200);
    expect((await request(url, { headers: { host: `localhost:${port}` } })).status).toBe(200);
    // DNS rebinding: a page of evil.example resolved to 127.0.0.1 sends its own name
    const rebinding = await request(url, { headers: { host: `evil.example:${port}` } });
    expect([rebinding.status, rebinding.body]).toEqual([403, expect.stringContaining("Host 'evil.example")]);
    expect((await request(url, { headers: { host: `127.0.0.1:${Number(port) + 1}` } })).status).toBe(403);
    for (const p of ['/tile/../../etc/passwd', '/tile/..%2F..%2Fetc%2Fpasswd', '/tile//etc/passwd', '/tile/1.png/../../x', '/tile/%2Fetc%2Fpasswd.png']) {
      const r = await request(url, { path: p });
      expect(r.status, p).toBe(404);
      expect(r.body).not.toContain('root:');
    }
    // no arbitrary SQL from the page: a filter value is a bound number or refused
    const injected = await request(url, { path: '/nuclei?min_area=1;DROP%20TABLE%20nuclei' });
    expect(injected.status).toBe(400);
    const column = await request(url, { path: '/nuclei?min_area)%20OR%201=1--=3' });
    expect(column.status).toBe(400);
    // read-only: saving a subset is refused
    const save = await request(url, { method: 'POST', path: '/api/subsets', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'x', query: 'class=Dead' }) });
    expect([save.status, save.body]).toEqual([403, expect.stringContaining('--allow-write')]);
    // nothing listens on this machine's other addresses
    const others = Object.values(os.networkInterfaces()).flat().filter((a) => a !== undefined && !a.internal && a.family === 'IPv4').map((a) => a?.address as string);
    for (const address of others) await expect(request(`http://${address}:${port}/`)).rejects.toThrow(/ECONNREFUSED/);
    // Ctrl-C stops it at once
    const started = performance.now();
    child.kill('SIGINT');
    expect((await exitOf(child)).code).toBe(130);
    expect(performance.now() - started).toBeLessThan(3_000);
    expect(sha256(db)).toBe(before);
    expect(fs.existsSync(`${db}-wal`)).toBe(false);
  }, 60_000);

  it('a source that is gone shows a placeholder patch, never an error', async () => {
    const moved = path.join(dir, 'moved-data');
    fs.cpSync(data, moved, { recursive: true });
    const movedDb = path.join(dir, 'moved.sqlite');
    expect((await cli('ingest', moved, '--db', movedDb)).code).toBe(0);
    fs.rmSync(moved, { recursive: true });
    const { url, child } = await serve('--db', movedDb);
    expect(child.output().err).toMatch(/warning: no H&E for fold 1: .*no longer there/);
    const tile = await request(url, { path: '/tile/1.png' });
    expect([tile.status, tile.body]).toEqual([200, expect.stringContaining('no H&amp;E: source not found')]);
    expect((await request(url, { path: '/image/1' })).status).toBe(200);
  }, 60_000);

  it('with --allow-write, a filter is saved as a subset by the same rules as subset create; a cross-origin write is refused', async () => {
    const copy = path.join(dir, 'writable.sqlite');
    fs.copyFileSync(db, copy);
    const { url } = await serve('--db', copy, '--allow-write');
    const port = new URL(url).port;
    const body = JSON.stringify({ name: 'big-dead', query: 'class=Dead&min_area=30&fold=1,2' });
    const foreign = await request(url, { method: 'POST', path: '/api/subsets', headers: { 'content-type': 'application/json', origin: 'http://evil.example', host: `127.0.0.1:${port}` }, body });
    expect(foreign.status).toBe(403);
    const site = await request(url, { method: 'POST', path: '/api/subsets', headers: { 'content-type': 'application/json', 'sec-fetch-site': 'cross-site' }, body });
    expect(site.status).toBe(403);
    const ok = await request(url, { method: 'POST', path: '/api/subsets', headers: { 'content-type': 'application/json', origin: `http://127.0.0.1:${port}` }, body });
    expect(ok.status, ok.body).toBe(200);
    const d = new Database(copy, { readonly: true });
    const members = d.prepare("SELECT m.nucleus_id FROM subset_members m JOIN subsets s ON s.id = m.subset_id WHERE s.name = 'big-dead' ORDER BY 1").pluck().all();
    const want = d.prepare('SELECT n.id FROM nuclei n JOIN images i ON i.id = n.image_id WHERE n.class_id = 4 AND n.area >= 30 AND i.fold IN (1, 2) ORDER BY 1').pluck().all();
    d.close();
    expect(want.length).toBeGreaterThan(0);
    expect(members).toEqual(want);
    expect(JSON.parse(ok.body)).toMatchObject({ name: 'big-dead', nuclei: want.length });
  }, 60_000);
});

describe.skipIf(skipBecause(!browserAvailable, `the explorer's browser test needs ${CHROMIUM} (apt-get install chromium)`))('pannuke serve in Chromium', () => {
  let url: string;
  let page: Page;
  const errors: string[] = [];

  beforeAll(async () => {
    ({ url } = await serve('--db', db));
    page = await (browser as Browser).newPage({ viewport: { width: 1280, height: 900 } });
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(String(e)));
  }, 60_000);

  const open = async (p: string) => {
    const r = await page.goto(new URL(p, url).toString());
    expect(r?.status(), p).toBe(200);
  };
  const total = async () => Number((await page.textContent('#total'))?.replace(/,/g, ''));

  it('every view loads with no console error', async () => {
    const image = sql<number>('SELECT id FROM images WHERE fold = 1 ORDER BY id')[3] as number;
    for (const p of ['/', '/images', '/images?set=model-a&sort=mpq', `/image/${image}`, `/image/${image}?set=model-a&vs=model-b`, '/nuclei?sort=-area', '/eval', '/eval/model-a', '/eval/model-a/vs/model-b', '/nuclei?set=model-a&gt_class=Neoplastic&pred_class=missed']) {
      await open(p);
    }
    expect(errors).toEqual([]);
  }, 60_000);

  it('the counts shown equal SQL over the database, under the filter in the URL', async () => {
    await open('/');
    expect(await page.textContent('main p a b')).toBe(sql<number>('SELECT count(*) FROM images')[0]?.toLocaleString('en-US'));
    await open('/nuclei?class=Dead,Inflammatory&min_area=40&max_eccentricity=0.9&fold=1,3');
    const want = sql<number>(`SELECT n.id FROM nuclei n JOIN images i ON i.id = n.image_id WHERE n.class_id IN (2, 4) AND n.area >= 40 AND n.eccentricity <= 0.9 AND i.fold IN (1, 3) ORDER BY n.id`);
    expect(await total()).toBe(want.length);
    const shown = (await page.$$eval('.crops [data-nucleus-id]', (els) => els.map((e) => Number(e.getAttribute('data-nucleus-id')))));
    expect(shown).toEqual(want.slice(0, shown.length));
    expect(shown.length).toBe(Math.min(want.length, 96));
    // images: those with a passing nucleus
    await open('/images?class=Dead&min_area=30');
    expect(await total()).toBe(sql<number>('SELECT count(DISTINCT image_id) FROM nuclei WHERE class_id = 4 AND area >= 30')[0]);
    // the form writes the same URL a person would
    await open('/images');
    await page.check('input[name=class][value=Dead]');
    await page.fill('input[name=min_area]', '30');
    await Promise.all([page.waitForNavigation(), page.click('form#filter button[type=submit]')]);
    expect(new URL(page.url()).searchParams.get('class')).toBe('Dead');
    expect(await total()).toBe(sql<number>('SELECT count(DISTINCT image_id) FROM nuclei WHERE class_id = 4 AND area >= 30')[0]);
  }, 60_000);

  it('the outlines on /image/<id> are exactly its nuclei and its predicted nuclei; arrow keys step through the list', async () => {
    const ids = sql<number>('SELECT id FROM images WHERE fold = 1 ORDER BY id');
    const image = ids[5] as number;
    await open(`/image/${image}?set=model-a`);
    const gt = await page.$$eval('.panel [data-nucleus-id]', (els) => els.map((e) => Number(e.getAttribute('data-nucleus-id'))).sort((a, b) => a - b));
    expect(gt).toEqual(sql<number>('SELECT id FROM nuclei WHERE image_id = ? ORDER BY id', image));
    const pred = await page.$$eval('.panel [data-predicted-id]', (els) => els.map((e) => Number(e.getAttribute('data-predicted-id'))).sort((a, b) => a - b));
    expect(pred).toEqual(sql<number>("SELECT p.id FROM predicted_nuclei p JOIN prediction_sets s ON s.id = p.set_id WHERE s.name = 'model-a' AND p.image_id = ? ORDER BY p.id", image));
    const misses = await page.$$eval('[data-miss]', (els) => els.map((e) => Number(e.getAttribute('data-miss'))).sort((a, b) => a - b));
    expect(misses).toEqual(sql<number>(`SELECT n.id FROM nuclei n WHERE n.image_id = ? AND NOT EXISTS (SELECT 1 FROM eval_matches m JOIN prediction_sets s ON s.id = m.set_id
        WHERE s.name = 'model-a' AND m.mode = 0 AND m.gt_nucleus_id = n.id) ORDER BY n.id`, image));
    // hovering a nucleus shows its row
    if (gt.length > 0) {
      // an outline takes the pointer on its stroke only: the event is sent to the path itself
      await page.dispatchEvent(`.panel path[data-nucleus-id="${gt[0]}"]`, 'mouseover');
      expect(await page.textContent('#nucleus-info')).toContain(`nuclei.id ${gt[0]}`);
    }
    // the list under ?set= is sorted by mPQ (worst first): the arrow keys follow it
    await open(`/image/${image}`);
    await Promise.all([page.waitForNavigation(), page.keyboard.press('ArrowRight')]);
    expect(new URL(page.url()).pathname).toBe(`/image/${ids[6]}`);
    await Promise.all([page.waitForNavigation(), page.keyboard.press('ArrowLeft')]);
    expect(new URL(page.url()).pathname).toBe(`/image/${image}`);
    expect(errors).toEqual([]);
  }, 60_000);

  it('the confusion matrix (eval show --format json) adds up to the binary counts and the nuclei, and its cells list the nuclei behind them', async () => {
    const r = await cli('eval', 'show', 'model-a', '--db', db, '--format', 'json');
    const report = JSON.parse(r.out) as { confusion: Record<string, Record<string, number>>; binary_plus: { TP: number } };
    const classes = ['Neoplastic', 'Inflammatory', 'Connective', 'Dead', 'Epithelial'];
    const matched = classes.reduce((s, g) => s + [...classes, 'untyped'].reduce((t, p) => t + (report.confusion[g]?.[p] ?? 0), 0), 0);
    expect(matched).toBe(sql<number>("SELECT count(*) FROM eval_matches m JOIN prediction_sets s ON s.id = m.set_id WHERE s.name = 'model-a' AND m.mode = 0")[0]);
    classes.forEach((g, k) => {
      const row = Object.values(report.confusion[g] ?? {}).reduce((a, b) => a + b, 0);
      expect(row, g).toBe(sql<number>('SELECT count(*) FROM nuclei n JOIN images i ON i.id = n.image_id WHERE i.fold = 1 AND n.class_id = ?', k + 1)[0]);
    });
    const predicted = Object.values(report.confusion.false_positive ?? {}).reduce((a, b) => a + b, 0) + matched;
    expect(predicted).toBe(sql<number>("SELECT count(*) FROM predicted_nuclei p JOIN prediction_sets s ON s.id = p.set_id WHERE s.name = 'model-a'")[0]);
    await open('/eval/model-a');
    expect(await page.textContent('[data-cell="Neoplastic|missed"]')).toBe((report.confusion.Neoplastic?.missed ?? 0).toLocaleString('en-US'));
    if ((report.confusion.Neoplastic?.missed ?? 0) > 0) {
      await Promise.all([page.waitForNavigation(), page.click('[data-cell="Neoplastic|missed"] a')]);
      expect(await total()).toBe(report.confusion.Neoplastic?.missed);
    }
    // a false-positive cell lists those predicted nuclei: evaluated, of that class, with no binary match
    const fpClass = classes.find((c) => (report.confusion.false_positive?.[c] ?? 0) > 0) as string;
    expect(fpClass).toBeDefined();
    await open('/eval/model-a');
    await Promise.all([page.waitForNavigation(), page.click(`[data-cell="false_positive|${fpClass}"] a`)]);
    expect(await total()).toBe(report.confusion.false_positive?.[fpClass]);
    const shown = await page.$$eval('.crops [data-predicted-id]', (els) => els.map((e) => Number(e.getAttribute('data-predicted-id'))));
    const want = sql<number>(`SELECT p.id FROM predicted_nuclei p JOIN prediction_sets s ON s.id = p.set_id WHERE s.name = 'model-a' AND p.class_id = ?
        AND NOT EXISTS (SELECT 1 FROM eval_matches m WHERE m.set_id = p.set_id AND m.mode = 0 AND m.pred_nucleus_id = p.id) ORDER BY p.id`, classes.indexOf(fpClass) + 1);
    expect(shown).toEqual(want.slice(0, shown.length));
    expect(shown.length).toBe(Math.min(want.length, 96));
  }, 60_000);
});

/** A JSON or CSV answer with every non-integer number rounded to 12 significant digits. */
function approximate(body: string, p: string): unknown {
  const round = (v: unknown): unknown => (typeof v === 'number' && !Number.isInteger(v) ? Number(v.toPrecision(12)) : Array.isArray(v) ? v.map(round) : v !== null && typeof v === 'object' ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, round(x)])) : v);
  if (p.includes('.csv')) return body.split('\n').map((line) => line.split(',').map((cell) => (/^-?\d+\.\d+(e-?\d+)?$/.test(cell) ? round(Number(cell)) : cell)));
  return round(JSON.parse(body));
}

describe.skipIf(skipBecause(postgresSkip !== '', postgresSkip))('pannuke serve on PostgreSQL', () => {
  it('every /api/ answer equals the SQLite file\'s, after `pannuke copy`', async () => {
    const pgUrl = await freshDatabase();
    const c = await cli('copy', '--from', db, '--to', pgUrl);
    expect(c.code, c.err).toBe(0);
    const [lite, pgServer] = [await serve('--db', db), await serve('--db', pgUrl)];
    const image = sql<number>('SELECT id FROM images WHERE fold = 1 ORDER BY id')[4] as number;
    for (const p of ['/api/overview', '/api/overview?class=Dead&min_area=20', '/api/images?sort=-nuclei&page=2', '/api/images?set=model-a&sort=mpq', `/api/image/${image}?set=model-a`,
      '/api/nuclei?sort=-eccentricity&quirk=holes', '/api/nuclei?set=model-a&gt_class=Connective&pred_class=missed', '/api/eval/model-a', '/api/eval/model-a/vs/model-b',
      '/api/histogram?column=area&tissue=Breast,Colon', '/api/nuclei.csv?fold=2&max_area=50', '/api/images.csv?set=model-b']) {
      const [a, b] = [await request(new URL(p, lite.url).toString()), await request(new URL(p, pgServer.url).toString())];
      expect(a.status, p).toBe(200);
      expect(b.status, `${p}: ${b.body.slice(0, 200)}`).toBe(200);
      // the same answer; floating point to 1e-12 (SQLite's avg() sums compensated, PostgreSQL's plainly: the
      // per-image mPQ, a mean of five, can differ in its last bit)
      expect(approximate(b.body, p)).toEqual(approximate(a.body, p));
    }
  }, 120_000);
});
