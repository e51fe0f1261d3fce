// fillPolygons against an independent even-odd test of every pixel centre (ray casting per pixel, no
// scanline, no sorting), on shapes with holes, several parts, clipping, and rows crossing many edges.
import { describe, expect, it } from 'vitest';
import { fillPolygons } from '../../src/extract/raster.js';
import type { PolygonRings } from '../../src/extract/outline.js';
import { rng } from '../../src/random.js';

/** Whether (x, y) is inside by the even-odd rule: edges crossed by a ray to the right. */
function inside(polygons: readonly PolygonRings[], x: number, y: number): boolean {
  let crossings = 0;
  for (const rings of polygons) {
    for (const ring of rings) {
      for (let i = 0; i + 3 < ring.length; i += 2) {
        const [x1, y1, x2, y2] = [ring[i]!, ring[i + 1]!, ring[i + 2]!, ring[i + 3]!];
        if (y1 > y !== y2 > y && x < x1 + ((y - y1) * (x2 - x1)) / (y2 - y1)) crossings++;
      }
    }
  }
  return crossings % 2 === 1;
}

function filled(polygons: readonly PolygonRings[], width: number, height: number): string[] {
  const out: string[] = [];
  fillPolygons(polygons, width, height, (row, col) => out.push(`${row},${col}`));
  return out.sort();
}

function reference(polygons: readonly PolygonRings[], width: number, height: number): string[] {
  const out: string[] = [];
  for (let row = 0; row < height; row++) for (let col = 0; col < width; col++) if (inside(polygons, col + 0.5, row + 0.5)) out.push(`${row},${col}`);
  return out.sort();
}

const closed = (...xy: number[]) => [...xy, xy[0]!, xy[1]!];

describe('fillPolygons', () => {
  it('fills a square with a hole, and a second part', () => {
    const polygons = [[closed(1, 1, 9, 1, 9, 9, 1, 9), closed(3, 3, 3, 6, 6, 6, 6, 3)], [closed(12, 2, 15, 2, 15, 4, 12, 4)]];
    expect(filled(polygons, 16, 12)).toEqual(reference(polygons, 16, 12));
    expect(filled(polygons, 16, 12)).toHaveLength(64 - 9 + 6);
  });

  it('clips to the image', () => {
    const polygons = [[closed(-3, -2, 5, -2, 5, 4, -3, 4)]];
    expect(filled(polygons, 4, 3)).toEqual(reference(polygons, 4, 3));
  });

  it('matches the reference on a comb whose rows cross many edges (sorted by the typed-array path)', () => {
    // 30 teeth: rows in the teeth cross 60 edges.
    const xy: number[] = [0, 0];
    for (let t = 0; t < 30; t++) xy.push(2 * t + 1, 0, 2 * t + 1, 20, 2 * t + 2, 20, 2 * t + 2, 0);
    xy.push(62, 0, 62, 25, 0, 25);
    const polygons = [[closed(...xy)]];
    expect(filled(polygons, 64, 26)).toEqual(reference(polygons, 64, 26));
  });

  it('matches the reference on random polygons, one after another (the buffer is reused)', () => {
    const random = rng(7);
    for (let trial = 0; trial < 200; trial++) {
      const parts = 1 + Math.floor(random() * 3);
      const polygons: PolygonRings[] = [];
      for (let p = 0; p < parts; p++) {
        const n = 3 + Math.floor(random() * 40);
        const ring: number[] = [];
        for (let k = 0; k < n; k++) ring.push(Math.round(random() * 40 - 4) / (random() < 0.5 ? 1 : 2), Math.round(random() * 30 - 3) / (random() < 0.5 ? 1 : 2));
        polygons.push([closed(...ring)]);
      }
      expect(filled(polygons, 32, 24), `trial ${trial}`).toEqual(reference(polygons, 32, 24));
    }
  });
});
