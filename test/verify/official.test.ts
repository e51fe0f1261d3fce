// verify --official: a database built to match the release passes; one nucleus off, or a synthetic
// database, fails with the rows that differ. The embedded per-image table agrees with the real types.npy.
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/open.js';
import { BulkWriter } from '../../src/db/writer.js';
import { packImage } from '../../src/handoff/packed.js';
import { encodeWkb } from '../../src/extract/wkb.js';
import { decodeStrings } from '../../src/npy/decode.js';
import { NpyFile } from '../../src/npy/reader.js';
import { loadRelease } from '../../src/release/expected.js';
import { OFFICIAL } from '../../src/release/pannuke.js';
import { cli, cohortDatabase } from '../helpers/cohort.js';
import { hasShared, SHARED_SAMPLE, tempDir, skipBecause } from '../helpers/tmp.js';

const dir = tempDir('official');
const release = loadRelease();

/** A database whose fold 1 has the release's images, tissues and per-image class counts (geometry is dummy). */
function releaseLikeDb(file: string): void {
  const db = openDatabase(file);
  const writer = new BulkWriter(db);
  const expected = release.folds.get(1)!;
  const tissueIds = writer.tissueIds([...new Set(expected.map((e) => e.tissue))].sort());
  const square = encodeWkb([[[0, 0, 1, 0, 1, 1, 0, 1, 0, 0]]]);
  const nucleus = { area: 1, bboxX0: 0, bboxY0: 0, bboxX1: 1, bboxY1: 1, centroidX: 0.5, centroidY: 0.5, perimeter: 4, majorAxisLength: 0, minorAxisLength: 0, eccentricity: 0, orientation: 0, parts: 1, holes: 0, overlapArea: 0, sharedId: 0, contour: square };
  writer.write(expected.map((e, i) => ({
    image: { fold: 1, foldIndex: i, tissueId: tissueIds.get(e.tissue)!, width: 256, height: 256, nucleusCount: e.counts.reduce((a, b) => a + b, 0), voidPixels: 0, overlapPixels: 0 },
    nuclei: packImage({ nuclei: e.counts.flatMap((n, c) => Array.from({ length: n }, (_, k) => ({ ...nucleus, classId: c + 1, instanceId: k + 1 }))), voidPixels: 0, overlapPixels: 0 }),
  })));
  db.$client.close();
}

let good: string;
beforeAll(() => {
  good = path.join(dir, 'release-like.sqlite');
  releaseLikeDb(good);
});

describe('verify --official', () => {
  it('passes on a database that matches the published figures (the folds it holds)', async () => {
    const r = await cli('verify', '--official', '--db', good);
    expect(r.code, r.out + r.err).toBe(0);
    expect(r.out).toMatch(/Checking fold 1 against the published PanNuke figures/);
    expect(r.out).toMatch(/1\s+images\s+2656\s+2656\s+✓/);
    expect(r.out).toMatch(/1\s+Neoplastic nuclei\s+26201\s+26201\s+✓/);
    expect(r.out).toMatch(/1\s+empty images\s+116\s+116\s+✓/);
    expect(r.out).toMatch(/images with the published tissue and class counts\s+2656\s+2656\s+✓/);
    expect(r.out).toMatch(/✓ the database matches the published release/);
    expect(r.out).not.toMatch(/✗/);
  });

  it('one Dead nucleus missing and one image relabelled: exit 1, the rows and the images that differ', async () => {
    const bad = path.join(dir, 'off-by-one.sqlite');
    fs.copyFileSync(good, bad);
    const raw = new Database(bad);
    const victim = raw.prepare('SELECT n.id, i.fold_index FROM nuclei n JOIN images i ON i.id = n.image_id WHERE n.class_id = 4 ORDER BY n.id LIMIT 1').get() as { id: number; fold_index: number };
    raw.prepare('DELETE FROM nuclei WHERE id = ?').run(victim.id);
    raw.prepare('UPDATE images SET nucleus_count = nucleus_count - 1 WHERE fold = 1 AND fold_index = ?').run(victim.fold_index);
    raw.prepare("UPDATE images SET tissue_id = (SELECT id FROM tissues WHERE name = 'Colon') WHERE fold = 1 AND fold_index = 0").run();
    raw.close();
    const r = await cli('verify', '--official', '--db', bad);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/1\s+Dead nuclei\s+967\s+966\s+✗/);
    expect(r.out).toMatch(/1\s+Breast images\s+827\s+826\s+✗/);
    expect(r.out).toMatch(/1\s+Colon images\s+478\s+479\s+✗/);
    expect(r.out).toMatch(/2 image\(s\) differ from the release/);
    expect(r.out).toMatch(/1\s+0\s+Breast 4\/2\/2\/0\/0\s+Colon 4\/2\/2\/0\/0/);
    expect(r.out).toMatch(new RegExp(`1\\s+${victim.fold_index}\\s+\\S+ (\\d+/){3}[1-9]\\d*/\\d+\\s+\\S+ (\\d+/){4}\\d+`));
    expect(r.err).toMatch(/check\(s\) failed/);
  });

  it('a synthetic database fails with a readable diff', async () => {
    const { db } = await cohortDatabase(path.join(dir, 'synthetic'));
    const r = await cli('verify', '--official', '--db', db);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/1\s+images\s+2656\s+20\s+✗/);
  }, 60_000);

  it('with neither <root> nor --official it is a usage error', async () => {
    expect((await cli('verify', '--db', good)).code).toBe(2);
  });
});

describe('the embedded release table', () => {
  it('reproduces the published per-fold figures', () => {
    for (const f of OFFICIAL.folds) {
      const images = release.folds.get(f.fold)!;
      expect(images).toHaveLength(f.images);
      expect([0, 1, 2, 3, 4].map((k) => images.reduce((s, im) => s + im.counts[k]!, 0))).toEqual([...f.nucleiPerClass]);
      expect(images.filter((im) => im.counts.every((c) => c === 0))).toHaveLength(f.emptyImages);
    }
    const total = OFFICIAL.folds.reduce((s, f) => s + f.nucleiPerClass.reduce((a, b) => a + b, 0), 0);
    expect(total).toBe(189_744);
  });

  it.skipIf(skipBecause(!hasShared, 'the real types.npy files are in ../shared, absent here'))('its tissues equal the real official types.npy of folds 1 and 3 (../shared; skipped when absent)', () => {
    for (const [file, fold] of [['fold1-types.npy', 1], ['fold3-types.npy', 3]] as const) {
      const npy = NpyFile.open(path.join(SHARED_SAMPLE, 'official-types-npy', file));
      if (npy.header.dtype.kind !== 'unicode') throw new Error('unicode expected');
      expect(decodeStrings(npy.readAllSync(), npy.header.dtype)).toEqual(release.folds.get(fold)!.map((im) => im.tissue));
      npy.close();
    }
  });
});
