// Subsets: exact quotas, determinism by seed, filters, balance against a random draw, list/show/drop.
import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import { balancedImages, imbalance, randomImages, totalsOf } from '../../src/subset/select.js';
import { cli, cohortDatabase } from '../helpers/cohort.js';
import { tempDir } from '../helpers/tmp.js';

const dir = tempDir('subset');
let db: string;

beforeAll(async () => {
  ({ db } = await cohortDatabase(dir));
}, 60_000);

interface Member { nucleus_id: number; image_id: number; class_id: number; tissue: string; fold: number; area: number; eccentricity: number }

function members(name: string): Member[] {
  const raw = new Database(db, { readonly: true });
  const out = raw.prepare(`SELECT f.nucleus_id, f.image_id, f.class_id, f.tissue, f.fold, f.area, f.eccentricity FROM subset_members m
    JOIN subsets s ON s.id = m.subset_id JOIN nucleus_facts f ON f.nucleus_id = m.nucleus_id WHERE s.name = ? ORDER BY f.nucleus_id`).all(name) as Member[];
  raw.close();
  return out;
}

function available(where = '1'): Member[] {
  const raw = new Database(db, { readonly: true });
  const out = raw.prepare(`SELECT nucleus_id, image_id, class_id, tissue, fold, area, eccentricity FROM nucleus_facts WHERE ${where}`).all() as Member[];
  raw.close();
  return out;
}

describe('subset create --nuclei-per-class', () => {
  it('takes exactly K per class and tissue where there are enough, all where not, and says so', async () => {
    const k = 6;
    const r = await cli('subset', 'create', 'per-tissue', '--db', db, '--nuclei-per-class', String(k), '--stratify', 'tissue', '--seed', '4');
    expect(r.code, r.err).toBe(0);
    const got = members('per-tissue');
    const all = available();
    const groups = new Set(all.map((m) => `${m.tissue}|${m.class_id}`));
    for (const g of groups) {
      const [tissue, cls] = g.split('|');
      const have = all.filter((m) => m.tissue === tissue && m.class_id === Number(cls)).length;
      expect(got.filter((m) => m.tissue === tissue && m.class_id === Number(cls)).length, g).toBe(Math.min(k, have));
      if (have < k) expect(r.err).toContain(`only ${have} `);
    }
    expect(new Set(got.map((m) => m.nucleus_id)).size).toBe(got.length); // no duplicates
  });

  it('is deterministic by seed, byte for byte, and another seed gives another subset', async () => {
    for (const [name, seed] of [['a', '7'], ['b', '7'], ['c', '8']]) {
      expect((await cli('subset', 'create', name!, '--db', db, '--nuclei-per-class', '10', '--seed', seed!)).code).toBe(0);
    }
    expect(JSON.stringify(members('a'))).toBe(JSON.stringify(members('b')));
    expect(JSON.stringify(members('a'))).not.toBe(JSON.stringify(members('c')));
  });

  it('respects every filter', async () => {
    const r = await cli('subset', 'create', 'filtered', '--db', db, '--nuclei-per-class', '1000', '--folds', '1,3', '--tissues', 'Breast,Colon,Lung,Kidney',
      '--classes', 'neoplastic,3,Dead', '--min-area', '20', '--where', 'eccentricity < 0.9');
    expect(r.code, r.err).toBe(0);
    const got = members('filtered');
    const expected = available("fold IN (1, 3) AND tissue IN ('Breast', 'Colon', 'Lung', 'Kidney') AND class_id IN (1, 3, 4) AND area >= 20 AND eccentricity < 0.9");
    expect(got.length).toBeGreaterThan(0);
    expect(got.map((m) => m.nucleus_id)).toEqual(expected.map((m) => m.nucleus_id).sort((a, b) => a - b)); // 1000 > all: every match
  });

  it('refuses a --where that writes, and unknown classes', async () => {
    const r = await cli('subset', 'create', 'evil', '--db', db, '--nuclei-per-class', '1', '--where', '1); DELETE FROM nuclei; --');
    expect(r.code).toBe(1);
    expect(available().length).toBeGreaterThan(0);
    expect((await cli('subset', 'create', 'x', '--db', db, '--nuclei-per-class', '1', '--classes', 'Mitotic')).err).toMatch(/unknown class 'Mitotic'/);
    expect((await cli('subset', 'create', 'x', '--db', db)).err).toMatch(/choose one of --nuclei-per-class/);
  });
});

describe('subset create --images N --balance class', () => {
  it('is more even than a random draw of N images with the same seed', async () => {
    const r = await cli('subset', 'create', 'balanced', '--db', db, '--images', '12', '--balance', 'class', '--seed', '5');
    expect(r.code, r.err).toBe(0);
    const [, ours, theirs] = /imbalance \(max\/min class\): ([\d.]+|∞[^,]*), against ([\d.]+|∞[^\n]*) for/.exec(r.out) ?? [];
    const got = members('balanced');
    expect(new Set(got.map((m) => m.image_id)).size).toBe(12);
    const perClass = [1, 2, 3, 4, 5].map((c) => got.filter((m) => m.class_id === c).length);
    expect(Number(ours)).toBeCloseTo(Math.max(...perClass) / Math.min(...perClass), 2);
    expect(Number(ours)).toBeLessThan(theirs!.startsWith('∞') ? Infinity : Number(theirs));
    // every nucleus of each chosen image is a member
    const all = available();
    const chosen = new Set(got.map((m) => m.image_id));
    expect(got.length).toBe(all.filter((m) => chosen.has(m.image_id)).length);
  });

  it('the greedy choice beats random draws on many seeds (pure function)', () => {
    let seed = 3;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const images = Array.from({ length: 300 }, (_, id) => ({ id, counts: [0, 1, 2, 3, 4].map((c) => Math.floor(rand() * (c === 3 ? 2 : 15))) }));
    for (let s = 0; s < 10; s++) {
      const ours = imbalance(totalsOf(balancedImages(images, 40, [1, 2, 3, 4, 5], s)), [1, 2, 3, 4, 5]);
      const random = imbalance(totalsOf(randomImages(images, 40, s)), [1, 2, 3, 4, 5]);
      expect(ours).toBeLessThan(random);
    }
  });
});

describe('subset list, show, drop', () => {
  it('lists, shows the class × tissue table, drops, and refuses duplicates and unknown names', async () => {
    expect((await cli('subset', 'create', 'keep', '--db', db, '--nuclei-per-class', '3')).code).toBe(0);
    expect((await cli('subset', 'create', 'keep', '--db', db, '--nuclei-per-class', '3')).err).toMatch(/already exists/);
    expect((await cli('subset', 'list', '--db', db)).out).toMatch(/keep\s+nuclei-per-class\s+15/);
    const show = await cli('subset', 'show', 'keep', '--db', db);
    expect(show.out).toMatch(/options: \{"kind":"nuclei-per-class","seed":0,"nucleiPerClass":3\}/);
    expect(show.out).toMatch(/all\s+\d+\s+3\s+3\s+3\s+3\s+3\s+15/);
    expect((await cli('subset', 'drop', 'keep', '--db', db)).code).toBe(0);
    expect(members('keep')).toEqual([]);
    const missing = await cli('subset', 'show', 'keep', '--db', db);
    expect([missing.code, missing.err]).toEqual([1, expect.stringMatching(/no subset named 'keep'/)]);
  });
});
