/**
 * COCO polygons (`segmentation: [[x1, y1, x2, y2, …], …]`) as pycocotools rasterizes them: every COCO tool
 * (COCO.annToRLE, frPyObjects, detectron2, mmdetection) goes through its rleFrPoly, whose rule is not
 * "pixel centres inside", so it is written out here (there is no JavaScript port; the rule below is that
 * function's, step by step, in double precision as its C computes):
 *
 *  1. Each vertex is scaled by 5 and rounded: X = trunc(5x + 0.5), Y = trunc(5y + 0.5); the ring is closed.
 *  2. Each edge is walked on that 5× grid one step at a time along its longer axis, from the end with the
 *     smaller coordinate on that axis; the other coordinate is trunc(start + slope·t + 0.5).
 *  3. Wherever two successive points of the walk differ in X, the walk crosses the vertical line between grid
 *     columns X0 = min of the two and X0 + 1; when (X0 + 0.5) / 5 − 0.5 is a whole column c in 0..w−1 (the line
 *     through the centres of pixel column c), column c toggles at row ceil((Y0 + 0.5) / 5 − 0.5) clamped to
 *     0..h, with Y0 the smaller Y of the two points.
 *  4. The toggles, as column-major positions c·h + row, sorted: the pixels between the first and second,
 *     third and fourth, … are set (two toggles at one position cancel).
 *
 * A segmentation of several polygons is their union (annToRLE merges them). For an outline on pixel edges
 * (integer vertices, as `pannuke export coco --segmentation polygon` writes) this is exactly its pixels.
 */
import { PannukeError } from '../errors.js';

const SCALE = 5;

/** The column-major toggle positions of one polygon (flat x, y list), as rleFrPoly finds them. */
function toggles(xy: readonly number[], height: number, width: number): number[] {
  const k = xy.length / 2;
  const x = new Int32Array(k + 1), y = new Int32Array(k + 1);
  for (let j = 0; j < k; j++) {
    x[j] = Math.trunc(SCALE * (xy[2 * j] as number) + 0.5);
    y[j] = Math.trunc(SCALE * (xy[2 * j + 1] as number) + 0.5);
  }
  x[k] = x[0] as number;
  y[k] = y[0] as number;
  // The walk: every grid point of every edge, edges in order (an edge's end is the next one's start).
  const u: number[] = [], v: number[] = [];
  for (let j = 0; j < k; j++) {
    let xs = x[j] as number, xe = x[j + 1] as number, ys = y[j] as number, ye = y[j + 1] as number;
    const dx = Math.abs(xe - xs), dy = Math.abs(ys - ye);
    const flip = (dx >= dy && xs > xe) || (dx < dy && ys > ye);
    if (flip) [xs, xe, ys, ye] = [xe, xs, ye, ys];
    // A zero-length edge gives NaN here; its one point shares X with its neighbours, so it is never read.
    const s = dx >= dy ? (ye - ys) / dx : (xe - xs) / dy;
    if (dx >= dy) {
      for (let d = 0; d <= dx; d++) {
        const t = flip ? dx - d : d;
        u.push(t + xs);
        v.push(Math.trunc(ys + s * t + 0.5));
      }
    } else {
      for (let d = 0; d <= dy; d++) {
        const t = flip ? dy - d : d;
        v.push(t + ys);
        u.push(Math.trunc(xs + s * t + 0.5));
      }
    }
  }
  const out: number[] = [];
  for (let j = 1; j < u.length; j++) {
    const a = u[j] as number, b = u[j - 1] as number;
    if (a === b) continue;
    const xd = ((a < b ? a : a - 1) + 0.5) / SCALE - 0.5;
    if (Math.floor(xd) !== xd || xd < 0 || xd > width - 1) continue;
    let yd = (Math.min(v[j] as number, v[j - 1] as number) + 0.5) / SCALE - 0.5;
    yd = yd < 0 ? 0 : yd > height ? height : yd;
    out.push(xd * height + Math.ceil(yd));
  }
  return out;
}

/** The pixels (row × width + col) of a COCO polygon segmentation, checked. */
export function polygonPixels(seg: unknown[], width: number, height: number, file: string, where: string): Int32Array {
  const inside = new Uint8Array(width * height); // column-major, as the toggles
  seg.forEach((poly, i) => {
    const at = `${where}, polygon ${i}`;
    if (!Array.isArray(poly) || poly.length % 2 !== 0 || poly.length < 6) {
      throw new PannukeError('FOLD_MISMATCH', 'a COCO polygon is a flat list of at least 3 (x, y) pairs', { file, position: at });
    }
    for (let q = 0; q < poly.length; q++) {
      const c = poly[q] as unknown;
      if (typeof c !== 'number' || !Number.isFinite(c)) throw new PannukeError('FOLD_MISMATCH', `coordinate ${q} is not a finite number (${JSON.stringify(c)})`, { file, position: at });
      if (c < 0 || c > (q % 2 === 0 ? width : height)) throw new PannukeError('FOLD_MISMATCH', `vertex ${q >> 1} (${poly[q & ~1]}, ${poly[q | 1]}) is outside the ${width} × ${height} image`, { file, position: at });
    }
    const t = toggles(poly as number[], height, width).sort((a, b) => a - b);
    const part = new Uint8Array(width * height);
    for (let j = 0; j + 1 < t.length; j += 2) part.fill(1, t[j], t[j + 1]);
    // toggles in pairs: [t0, t1), [t2, t3), … (equal positions give empty runs, so they cancel)
    for (let q = 0; q < part.length; q++) if (part[q] === 1) inside[q] = 1;
  });
  const pixels: number[] = [];
  for (let row = 0; row < height; row++) for (let col = 0; col < width; col++) if (inside[col * height + row] === 1) pixels.push(row * width + col);
  return Int32Array.from(pixels);
}
