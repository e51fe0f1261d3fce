/**
 * Polygons to pixels. The rule for outlines given in pixel coordinates (GeoJSON from QuPath, CellViT, rasterio
 * or pannuke's own export: x = column, y = row, pixel (c, r) covering [c, c+1) × [r, r+1)): a pixel belongs to
 * the shape when its centre (c + ½, r + ½) is inside by the even-odd rule over every ring of the geometry
 * together (holes and parts included; an invalid, self-crossing ring is filled the same way). An edge counts
 * for a centre's row when one end is at or below the centre's y and the other above (half-open), and a centre
 * counts when it lies at or right of a crossing's x and left of the next: for an outline traced on pixel edges
 * this gives exactly its pixels, since centres never lie on such an edge.
 */

/** A ring: x, y, x, y, … (closed or not; the closing edge is implied). */
export type Ring = ArrayLike<number>;

/** The pixels (row × width + col, ascending) whose centres are inside `rings` by the even-odd rule. */
export function fillEvenOdd(rings: readonly Ring[], width: number, height: number): Int32Array {
  let minY = Infinity, maxY = -Infinity;
  for (const ring of rings) for (let i = 1; i < ring.length; i += 2) { const y = ring[i] as number; if (y < minY) minY = y; if (y > maxY) maxY = y; }
  const out: number[] = [];
  if (!(minY < maxY)) return new Int32Array(0);
  const r0 = Math.max(0, Math.ceil(minY - 0.5)), r1 = Math.min(height - 1, Math.floor(maxY - 0.5));
  const xs: number[] = [];
  for (let r = r0; r <= r1; r++) {
    const y = r + 0.5;
    xs.length = 0;
    for (const ring of rings) {
      const n = ring.length >> 1;
      for (let i = 0; i < n; i++) {
        const j = (i + 1) % n;
        const x1 = ring[2 * i] as number, y1 = ring[2 * i + 1] as number, x2 = ring[2 * j] as number, y2 = ring[2 * j + 1] as number;
        if ((y1 <= y) === (y2 <= y)) continue;
        xs.push(x1 + ((y - y1) * (x2 - x1)) / (y2 - y1));
      }
    }
    xs.sort((a, b) => a - b);
    for (let k = 0; k + 1 < xs.length; k += 2) {
      // centres c + ½ with xa ≤ c + ½ < xb
      const c0 = Math.max(0, Math.ceil((xs[k] as number) - 0.5)), c1 = Math.min(width - 1, Math.ceil((xs[k + 1] as number) - 0.5) - 1);
      for (let c = c0; c <= c1; c++) out.push(r * width + c);
    }
  }
  return Int32Array.from(out);
}
