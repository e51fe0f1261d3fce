// Which polygons the GeoJSON reader warns about (src/formats/validity.ts): edges crossing or overlapping,
// not rings that touch at a vertex (as pixel-edge outlines do); and a 10^6-edge ring checked in linear time.
import { describe, expect, it } from 'vitest';
import { hasCrossingEdges } from '../../src/formats/validity.js';

const ring = (...pts: [number, number][]) => [...pts, pts[0] as [number, number]].flat();

describe('invalid polygons', () => {
  it('crossing and overlapping edges are found; valid rings, and rings touching at a vertex, are not', () => {
    expect(hasCrossingEdges([ring([0, 0], [4, 0], [4, 4], [0, 4])])).toBe(false);
    expect(hasCrossingEdges([ring([2, 2], [10, 10], [10, 2], [2, 10])])).toBe(true); // bow tie
    expect(hasCrossingEdges([ring([0, 0], [4, 0], [8, 0], [4, 0], [4, 4])])).toBe(true); // runs back along itself
    expect(hasCrossingEdges([ring([0, 0], [4, 0], [4, 4], [0, 4]), ring([1, 1], [3, 1], [3, 3], [1, 3])])).toBe(false); // a hole inside
    expect(hasCrossingEdges([ring([0, 0], [4, 0], [4, 4], [0, 4]), ring([2, 2], [6, 2], [6, 3], [2, 3])])).toBe(true); // a hole through the exterior
    // two squares meeting at a corner (diagonal pixels traced on pixel edges), and a hole touching the exterior at a vertex
    expect(hasCrossingEdges([ring([0, 0], [1, 0], [1, 1], [2, 1], [2, 2], [1, 2], [1, 1], [0, 1])])).toBe(false);
    expect(hasCrossingEdges([ring([0, 0], [4, 0], [4, 4], [0, 4]), ring([0, 0], [2, 1], [1, 2])])).toBe(false);
    // collinear edges meeting end to end, and a repeated position
    expect(hasCrossingEdges([ring([0, 0], [2, 0], [4, 0], [4, 4], [4, 4], [0, 4])])).toBe(false);
  });

  it('a circle of 10^6 edges is valid, and one nudged across itself is not, each within seconds', () => {
    const n = 1_000_000;
    const circle = Array.from({ length: n }, (_, i) => [48 + 30 * Math.cos((2 * Math.PI * i) / n), 48 + 30 * Math.sin((2 * Math.PI * i) / n)] as [number, number]);
    const flat = (pts: [number, number][]) => {
      const out = new Array<number>(2 * pts.length + 2);
      pts.forEach(([x, y], i) => { out[2 * i] = x; out[2 * i + 1] = y; });
      out[2 * pts.length] = pts[0]?.[0] as number;
      out[2 * pts.length + 1] = pts[0]?.[1] as number;
      return out;
    };
    let t = performance.now();
    expect(hasCrossingEdges([flat(circle)])).toBe(false);
    expect(performance.now() - t).toBeLessThan(5_000);
    circle[n / 2] = [78.5, 48]; // a spike across the opposite side's neighbourhood: its edges cross the circle
    circle[n / 2 + 1] = [17, 48.0001];
    t = performance.now();
    expect(hasCrossingEdges([flat(circle)])).toBe(true);
    expect(performance.now() - t).toBeLessThan(5_000);
  }, 30_000);
});
