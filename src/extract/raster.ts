/**
 * The inverse of the outline: the pixels whose centres (col + 0.5, row + 0.5) lie inside polygons, by an
 * even-odd scanline over all rings. Used to prove that stored contours reproduce the masks (verify) and to
 * rebuild masks from contours. Works for any simple polygons, not only the rectilinear ones we write.
 */
import type { PolygonRings } from './outline.js';

/**
 * The x of each ring edge a scanline crosses, reused from call to call. `Array.prototype.sort` with a
 * comparator copies its array on every call: one sort per row of every nucleus was ~60 % of what `eval run`'s
 * threads allocated (670 KB an image), and their young-generation collections took a quarter of their time.
 */
let crossings = new Float64Array(64);

/** Sorts the first `n` crossings: by insertion when few (a row of a nucleus crosses 2 edges, mostly). */
function sortCrossings(n: number): void {
  if (n > 16) {
    crossings.subarray(0, n).sort();
    return;
  }
  for (let i = 1; i < n; i++) {
    const x = crossings[i] as number;
    let k = i;
    for (; k > 0 && (crossings[k - 1] as number) > x; k--) crossings[k] = crossings[k - 1] as number;
    crossings[k] = x;
  }
}

/**
 * Calls `visit(row, col)` for every pixel centre inside the polygons, clipped to width × height. `visit` must
 * not call fillPolygons itself (the crossings' buffer is shared).
 */
export function fillPolygons(polygons: readonly PolygonRings[], width: number, height: number, visit: (row: number, col: number) => void): void {
  let minY = Infinity, maxY = -Infinity;
  for (const rings of polygons) {
    for (const ring of rings) {
      for (let i = 1; i < ring.length; i += 2) {
        minY = Math.min(minY, ring[i] as number);
        maxY = Math.max(maxY, ring[i] as number);
      }
    }
  }
  const firstRow = Math.max(0, Math.floor(minY));
  const lastRow = Math.min(height - 1, Math.ceil(maxY) - 1);
  for (let row = firstRow; row <= lastRow; row++) {
    const y = row + 0.5;
    let n = 0;
    for (const rings of polygons) {
      for (const ring of rings) {
        for (let i = 0; i + 3 < ring.length; i += 2) {
          const x1 = ring[i] as number, y1 = ring[i + 1] as number, x2 = ring[i + 2] as number, y2 = ring[i + 3] as number;
          if (y1 > y === y2 > y) continue;
          if (n === crossings.length) {
            const grown = new Float64Array(2 * n);
            grown.set(crossings);
            crossings = grown;
          }
          crossings[n++] = x1 + ((y - y1) * (x2 - x1)) / (y2 - y1);
        }
      }
    }
    sortCrossings(n);
    for (let k = 0; k + 1 < n; k += 2) {
      // pixel centres col + 0.5 in [a, b)
      const from = Math.max(0, Math.ceil((crossings[k] as number) - 0.5));
      const to = Math.min(width, Math.ceil((crossings[k + 1] as number) - 0.5));
      for (let col = from; col < to; col++) visit(row, col);
    }
  }
}
