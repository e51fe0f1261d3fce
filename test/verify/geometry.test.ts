// verify proves the geometry the contract states, not only the raster: an outline changed so that its pixel
// centres stay the same but it is no longer the exact pixel boundary (half a pixel cut off a corner) fails,
// and so do a diagonal edge, a reversed ring and a wrong area. The WKB is edited by hand, as bytes.
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import { outlineProblem } from '../../src/verify/geometry.js';
import { cli, cohortDatabase } from '../helpers/cohort.js';
import { tempDir } from '../helpers/tmp.js';

const dir = tempDir('geometry');
let db: string;
let data: string;

beforeAll(async () => {
  ({ db, data } = await cohortDatabase(dir));
}, 60_000);

/** Little-endian WKB Polygon from rings of [x, y] points, written here byte by byte. */
function polygonWkb(rings: number[][][]): Buffer {
  const size = 9 + rings.reduce((s, r) => s + 4 + 16 * r.length, 0);
  const b = Buffer.alloc(size);
  b.writeUInt8(1, 0);
  b.writeUInt32LE(3, 1);
  b.writeUInt32LE(rings.length, 5);
  let o = 9;
  for (const ring of rings) {
    b.writeUInt32LE(ring.length, o);
    o += 4;
    for (const [x, y] of ring) {
      b.writeDoubleLE(x!, o);
      b.writeDoubleLE(y!, o + 8);
      o += 16;
    }
  }
  return b;
}

const square = [[0, 0], [2, 0], [2, 2], [0, 2], [0, 0]]; // pixels (0..1, 0..1): shoelace +4 with y down

describe('outlineProblem (hand-made outlines)', () => {
  const check = (rings: number[][][], area = 4, parts = 1, holes = 0) => outlineProblem({ contour: polygonWkb(rings), area, parts, holes }, 8, 8);
  it('accepts the exact boundary, and names each broken promise', () => {
    expect(check([square])).toBeUndefined();
    expect(check([[[0, 0], [2, 0], [2, 2], [0, 2]]])).toMatch(/exterior: 4 points, a closed ring needs at least 5/);
    expect(check([[[0, 1], [2, 0], [2, 2], [0, 2], [0, 1]]], 4)).toMatch(/edge \(0, 1\) → \(2, 0\) is not axis-parallel/);
    expect(check([[[0, 0], [0, 2], [2, 2], [2, 0], [0, 0]]])).toMatch(/exterior: shoelace area -4 is not positive/);
    expect(check([[[0, 0], [2.5, 0], [2.5, 2], [0, 2], [0, 0]]], 5)).toMatch(/vertex \(2\.5, 0\) is not on the pixel grid/);
    expect(check([[[0, 0], [9, 0], [9, 2], [0, 2], [0, 0]]], 18)).toMatch(/vertex \(9, 0\) is outside the 8×8 image/);
    expect(check([square], 5)).toMatch(/contour's shoelace area is 4, area is 5/);
    expect(check([square], 4, 2)).toMatch(/contour has 1 polygon\(s\), parts is 2/);
    expect(check([[[0, 0], [3, 0], [3, 3], [0, 3], [0, 0]], [[1, 1], [2, 1], [2, 2], [1, 2], [1, 1]]], 8, 1, 1)).toMatch(/hole 1: shoelace area 1 is not negative/);
    expect(check([[[0, 0], [3, 0], [3, 3], [0, 3], [0, 0]], [[1, 1], [1, 2], [2, 2], [2, 1], [1, 1]]], 8, 1, 1)).toBeUndefined();
    expect(outlineProblem({ contour: Buffer.from([1, 3, 0, 0, 0, 9, 0, 0, 0]), area: 1, parts: 1, holes: 0 }, 8, 8)).toMatch(/not readable WKB/);
  });
});

describe('pannuke verify on an edited database', () => {
  it('fails on half a pixel cut off a corner (same pixel centres, not the boundary), naming the nucleus', async () => {
    const bad = path.join(dir, 'corner.sqlite');
    fs.copyFileSync(db, bad);
    const raw = new Database(bad);
    // A one-part nucleus whose outline starts with an edge of length 1: moving the first vertex one pixel
    // down turns that edge into a diagonal through the corner pixel's centre.
    const rows = raw.prepare('SELECT n.id, n.instance_id, n.class_id, i.fold, i.fold_index, n.contour FROM nuclei n JOIN images i ON i.id = n.image_id WHERE n.parts = 1 AND n.holes = 0 ORDER BY n.id').all() as { id: number; instance_id: number; class_id: number; fold: number; fold_index: number; contour: Buffer }[];
    const victim = rows.find((r) => r.contour.readDoubleLE(13 + 16) - r.contour.readDoubleLE(13) === 1 && r.contour.readDoubleLE(13 + 8) === r.contour.readDoubleLE(13 + 24))!;
    expect(victim).toBeDefined();
    const blob = Buffer.from(victim.contour);
    const n = blob.readUInt32LE(9);
    const y0 = blob.readDoubleLE(13 + 8);
    blob.writeDoubleLE(y0 + 1, 13 + 8);
    blob.writeDoubleLE(y0 + 1, 13 + (n - 1) * 16 + 8); // the closing point is the first point
    raw.prepare('UPDATE nuclei SET contour = ? WHERE id = ?').run(blob, victim.id);
    raw.close();
    const r = await cli('verify', data, '--db', bad);
    expect(r.code).toBe(1);
    expect(r.out).toContain(`✗ fold ${victim.fold}, image ${victim.fold_index}, channel ${victim.class_id - 1}: id ${victim.instance_id}: polygon 0, exterior: edge`);
    expect(r.out).toMatch(/is not axis-parallel/);
  }, 60_000);

  it('fails on a ring reversed in place (the same points, clockwise)', async () => {
    const bad = path.join(dir, 'reversed.sqlite');
    fs.copyFileSync(db, bad);
    const raw = new Database(bad);
    const row = raw.prepare('SELECT n.id, n.instance_id, n.contour FROM nuclei n WHERE n.parts = 1 AND n.holes = 0 ORDER BY n.id LIMIT 1').get() as { id: number; instance_id: number; contour: Buffer };
    const n = row.contour.readUInt32LE(9);
    const points = Array.from({ length: n }, (_, i) => [row.contour.readDoubleLE(13 + 16 * i), row.contour.readDoubleLE(13 + 16 * i + 8)]);
    raw.prepare('UPDATE nuclei SET contour = ? WHERE id = ?').run(polygonWkb([points.reverse()]), row.id);
    raw.close();
    const r = await cli('verify', data, '--db', bad);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(new RegExp(`id ${row.instance_id}: polygon 0, exterior: shoelace area -\\d+ is not positive`));
  }, 60_000);
});
