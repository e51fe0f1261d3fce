/**
 * Second-moment shape descriptors of a pixel set, from exact integer sums. With n = |P|, Sx = Σcol,
 * Sy = Σrow, Sxx = Σcol², Syy = Σrow², Sxy = Σcol·row:
 *
 *   a = n·Sxx − Sx²,  b = n·Syy − Sy²,  d = n·Sxy − Sx·Sy       (exact integers)
 *   l1 ≥ l2           eigenvalues of [[a, d], [d, b]] / n²       (the covariance of the pixel coordinates)
 *   major_axis_length = 4·√l1, minor_axis_length = 4·√l2        (as scikit-image regionprops)
 *   eccentricity      = √(1 − l2/l1), 0 when l1 = 0              (as scikit-image regionprops)
 *   orientation       = ½·atan2(2d, a − b)  radians in (−π/2, π/2], from +x (columns) towards +y (rows, down).
 *                       NOT scikit-image's `orientation`, which is measured from the row axis.
 *
 * The eigenvalues are computed without cancellation: with s = √((a−b)² + 4d²),
 *   l1 = (a + b + s) / (2n²),  l2 = 2(ab − d²) / (n²(a + b + s)),  1 − l2/l1 = 2s / (a + b + s),
 * where ab − d² is evaluated exactly (BigInt when it leaves float64's exact range). So a symmetric shape
 * gives exactly l1 = l2 and eccentricity 0, and a straight line exactly l2 = 0.
 */

/** |P| and the exact integer sums Σcol, Σrow, Σcol², Σrow², Σcol·row (exact in float64 at PanNuke's sizes). */
export interface MomentSums {
  n: number;
  sx: number;
  sy: number;
  sxx: number;
  syy: number;
  sxy: number;
}

export interface ShapeDescriptors {
  majorAxisLength: number;
  minorAxisLength: number;
  eccentricity: number;
  orientation: number;
}

const EXACT = 2 ** 53;

/** x·y − z·w exactly, rounded once to the nearest float64 (inputs are integers). */
function exactDiff(x: number, y: number, z: number, w: number): number {
  if (Math.abs(x * y) < EXACT && Math.abs(z * w) < EXACT) return x * y - z * w;
  return Number(BigInt(x) * BigInt(y) - BigInt(z) * BigInt(w));
}

export function shapeDescriptors({ n, sx, sy, sxx, syy, sxy }: MomentSums): ShapeDescriptors {
  const a = exactDiff(n, sxx, sx, sx);
  const b = exactDiff(n, syy, sy, sy);
  const d = exactDiff(n, sxy, sx, sy);
  const s = Math.hypot(a - b, 2 * d);
  const sum = a + b + s;
  const n2 = n * n;
  const l1 = sum / (2 * n2);
  const det = exactDiff(a, b, d, d);
  const l2 = sum === 0 || det <= 0 ? 0 : (2 * det) / (n2 * sum);
  return {
    majorAxisLength: 4 * Math.sqrt(l1),
    minorAxisLength: 4 * Math.sqrt(l2),
    eccentricity: sum === 0 ? 0 : Math.sqrt((2 * s) / sum),
    orientation: 0.5 * Math.atan2(2 * d, a - b),
  };
}
