// Subsets: exact quotas, determinism by seed, filters, balance against a random draw, list/show/drop; a
// --where that cannot widen the other filters; names, tissues, empty results; surviving ingest --replace.
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import { balancedImages, imbalance, randomImages, totalsOf } from '../../src/subset/select.js';
import { cli, cohortDatabase } from '../helpers/cohort.js';
import { fileSha } from '../helpers/files.js';
import { tempDir } from '../helpers/tmp.js';

const dir = tempDir('subset');
let db: string;
let data: string;

beforeAll(async () => {
  ({ db, data } = await cohortDatabase(dir));
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
    }
    expect(new Set(got.map((m) => m.nucleus_id)).size).toBe(got.length); // no duplicates
    // The shortfalls are one summary line, and `subset show` lists each group with what it had.
    const short = [...groups].filter((g) => all.filter((m) => `${m.tissue}|${m.class_id}` === g).length < k);
    expect(r.out).toMatch(new RegExp(`up to ${k} per class in each tissue \\(${groups.size} \\(tissue, class\\) strata\\)`));
    expect(r.err.trim().split('\n')).toEqual([`note: ${short.length} of ${groups.size} (tissue, class) strata had fewer than ${k} nuclei per (tissue, class) stratum; all of theirs were taken (pannuke subset show per-tissue lists them)`]);
    const show = await cli('subset', 'show', 'per-tissue', '--db', db);
    expect(show.out).toContain(`${short.length} group(s) had fewer nuclei than asked`);
    const names = ['Neoplastic', 'Inflammatory', 'Connective', 'Dead', 'Epithelial'];
    for (const g of short) {
      const [tissue, cls] = g.split('|');
      const have = all.filter((m) => `${m.tissue}|${m.class_id}` === g).length;
      expect(show.out).toMatch(new RegExp(`${tissue}\\s+${names[Number(cls) - 1]}\\s+${have}\\n`));
    }
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
    expect([r.code, r.err]).toEqual([2, expect.stringMatching(/--where: expected one SQL condition/)]);
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
    expect([missing.code, missing.err]).toEqual([2, expect.stringMatching(/no subset named 'keep'/)]); // a usage error, like an unknown prediction set
  });
});

describe('subset create: what it refuses, and what it never does', () => {
  it('--where can only narrow: no condition widens --folds, and a UNION cannot add rows', async () => {
    const attacks = ['1=1) OR (1=1', '1=1 OR 1=1', 'fold = 2 OR 1', '0) UNION ALL SELECT 1,1,9,\'\' --', "1) UNION SELECT nucleus_id, image_id, class_id, '' FROM nucleus_facts WHERE (1", 'fold IN (2, 3)'];
    for (const [k, where] of attacks.entries()) {
      const before = fileSha(db);
      const r = await cli('subset', 'create', `narrow-${k}`, '--db', db, '--nuclei-per-class', '100000', '--folds', '1', '--where', where);
      if (r.code === 0) {
        // accepted as one condition: every member is still in fold 1
        const got = members(`narrow-${k}`);
        expect(got.every((m) => m.fold === 1), where).toBe(true);
        expect(got.every((m) => m.class_id >= 1 && m.class_id <= 5), where).toBe(true);
      } else {
        expect([r.code, r.err], where).toEqual([expect.any(Number), expect.stringMatching(/^pannuke: error: .*(--where|no nucleus passes)/)]);
        expect(fileSha(db), where).toBe(before); // a refused command writes nothing, not even metadata
      }
    }
    // 'fold IN (2, 3)' is one condition, and with --folds 1 nothing passes
    expect((await cli('subset', 'list', '--db', db)).out).not.toMatch(/narrow-5/);
  });

  it('names are checked, tissues matched in any case with the closest suggested, empty subsets refused unless --allow-empty', async () => {
    const before = fileSha(db);
    const empty = await cli('subset', 'create', '', '--db', db, '--nuclei-per-class', '1');
    expect([empty.code, empty.err]).toEqual([2, expect.stringMatching(/subset name '': expected 1 to 64 letters/)]);
    expect((await cli('subset', 'create', 'a b', '--db', db, '--nuclei-per-class', '1')).code).toBe(2);
    const typo = await cli('subset', 'create', 't', '--db', db, '--nuclei-per-class', '1', '--tissues', 'Brest');
    expect([typo.code, typo.err]).toEqual([2, expect.stringMatching(/--tissues: no tissue 'Brest' in this database \(did you mean 'Breast'\?\)/)]);
    const none = await cli('subset', 'create', 'none', '--db', db, '--nuclei-per-class', '1', '--where', 'area < 0');
    expect([none.code, none.err]).toEqual([1, expect.stringMatching(/no nucleus passes the filters: the subset would be empty .*--allow-empty/)]);
    expect(fileSha(db)).toBe(before);

    const lower = await cli('subset', 'create', 'lower', '--db', db, '--nuclei-per-class', '1000', '--tissues', 'breast');
    expect(lower.code, lower.err).toBe(0);
    expect(members('lower').map((m) => m.nucleus_id)).toEqual(available("tissue = 'Breast'").map((m) => m.nucleus_id));
    expect((await cli('subset', 'create', 'none', '--db', db, '--nuclei-per-class', '1', '--where', 'area < 0', '--allow-empty')).code).toBe(0);
    expect((await cli('subset', 'list', '--db', db)).out).toMatch(/none\s+nuclei-per-class\s+0\s+0/);
  });
});

describe('subsets across ingest --replace', () => {
  it('keep their members by (fold, fold_index, class, instance_id); members whose nucleus is gone leave, counts follow', async () => {
    const root = path.join(dir, 'replace-data');
    fs.cpSync(data, root, { recursive: true });
    const file = path.join(dir, 'replace.sqlite');
    expect((await cli('ingest', root, '--db', file)).code).toBe(0);
    expect((await cli('subset', 'create', 'everything', '--db', file, '--nuclei-per-class', '100000')).code).toBe(0);
    expect((await cli('subset', 'create', 'fold2', '--db', file, '--nuclei-per-class', '100000', '--folds', '2')).code).toBe(0);
    const keys = (f: string, name: string) => {
      const raw = new Database(f, { readonly: true });
      const rows = raw.prepare(`SELECT i.fold || ':' || i.fold_index || ':' || n.class_id || ':' || n.instance_id AS k FROM subset_members m JOIN subsets s ON s.id = m.subset_id
        JOIN nuclei n ON n.id = m.nucleus_id JOIN images i ON i.id = n.image_id WHERE s.name = ? ORDER BY 1`).pluck().all(name) as string[];
      raw.close();
      return rows;
    };
    const before = keys(file, 'everything');
    // Image 3 of fold 2 loses every nucleus (its class channels zeroed); the other images are rewritten unchanged.
    const masks = path.join(root, 'Fold 2', 'masks', 'fold2', 'masks.npy');
    const bytes = fs.readFileSync(masks);
    const record = 128 * 128 * 6 * 8;
    const values = new Float64Array(bytes.buffer, bytes.byteOffset + 128 + 3 * record, record / 8);
    for (let p = 0; p < 128 * 128; p++) {
      for (let c = 0; c < 5; c++) values[p * 6 + c] = 0;
      values[p * 6 + 5] = 1;
    }
    fs.writeFileSync(masks, bytes);
    const gone = before.filter((k) => k.startsWith('2:3:'));
    expect(gone.length).toBeGreaterThan(0);

    const r = await cli('ingest', root, '--db', file, '--replace');
    expect(r.code, r.err).toBe(0);
    expect(r.err).toContain(`warning: subset 'everything': ${gone.length} of its ${before.filter((k) => k.startsWith('2:')).length} nuclei in fold 2 are not in the new files and left the subset`);
    expect(r.err).toContain(`warning: subset 'fold2': ${gone.length} of its`);
    const after = keys(file, 'everything');
    expect(after).toEqual(before.filter((k) => !k.startsWith('2:3:')));
    const raw = new Database(file, { readonly: true });
    const row = raw.prepare("SELECT nuclei, images FROM subsets WHERE name = 'everything'").get() as { nuclei: number; images: number };
    const actual = raw.prepare("SELECT count(*) AS nuclei, count(DISTINCT image_id) AS images FROM subset_members m JOIN subsets s ON s.id = m.subset_id WHERE s.name = 'everything'").get();
    raw.close();
    expect(row).toEqual(actual);
    expect(row.nuclei).toBe(after.length);
    const list = await cli('subset', 'list', '--db', file);
    expect(list.out).toMatch(new RegExp(`everything\\s+nuclei-per-class\\s+${after.length}\\s`));
  }, 60_000);
});
