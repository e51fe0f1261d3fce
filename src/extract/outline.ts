/**
 * The exact pixel-edge outline of a pixel set, as polygons with corner vertices only.
 *
 * Coordinates are pixel-edge: pixel (col, row) covers [col, col+1) × [row, row+1), x = column, y = row.
 * Each 4-connected part is traced on its own (pixels of other parts count as outside) into one polygon: an
 * exterior ring and one interior ring per enclosed gap. At a corner where two diagonal pixels of the part meet
 * and the other two are outside (a "saddle"), the outline keeps the part's pixels joined: the tracer turns
 * towards the outside pixel, so no ring passes through a point twice, and a gap closed off at that corner
 * becomes a hole touching the exterior at that one point (valid in GEOS / OGC simple features).
 *
 * Ring conventions (what a consumer can rely on):
 *   - closed: the first vertex is repeated at the end;
 *   - every vertex is a corner: no repeated and no collinear vertex;
 *   - exterior rings have positive signed (shoelace) area in x-right, y-down pixel coordinates, i.e. they are
 *     counter-clockwise to GEOS/shapely and RFC 7946's right-hand rule; interior rings have negative area;
 *   - each ring starts at its smallest (y, x) vertex; holes are ordered by that vertex; parts are ordered by
 *     their first pixel in row-major order.
 * Tracing is linear in the boundary length.
 */

/** A ring as flat [x0, y0, x1, y1, ..., x0, y0] pixel-edge coordinates (closed). */
export type Ring = number[];
/** Exterior ring first, then holes. */
export type PolygonRings = Ring[];

export interface Outline {
  /** One polygon per 4-connected part. */
  polygons: PolygonRings[];
  /** Unit pixel edges between the set and its complement (image border included). */
  perimeter: number;
}

// Directions in pixel coordinates (y down): E, S, W, N.
const DX = [1, 0, -1, 0] as const;
const DY = [0, 1, 0, -1] as const;
const E = 0, S = 1, W = 2, N = 3;

/**
 * Grids reused between calls (one thread traces one outline at a time), and the corners of the ring being
 * traced: collected there, each ring is then made once at its final size (a growing array, its two rotated
 * slices and their concatenation were most of what an extraction thread allocated, and so of its collections).
 */
const scratch = { part: new Int32Array(0), stack: new Int32Array(0), topVisited: new Uint8Array(0), corners: new Int32Array(256) };

/**
 * Traces the outline of the pixels where `inside(col, row)` holds within the inclusive box
 * [minCol, maxCol] × [minRow, maxRow] (pixels outside the box are outside the set).
 */
export function traceOutline(
  minCol: number,
  minRow: number,
  maxCol: number,
  maxRow: number,
  inside: (col: number, row: number) => boolean,
): Outline {
  // A local grid with a one-pixel empty margin, so every neighbour lookup stays in bounds.
  const gw = maxCol - minCol + 3;
  const gh = maxRow - minRow + 3;
  const size = gw * gh;
  if (scratch.part.length < size) {
    const grown = Math.max(size, scratch.part.length * 2);
    scratch.part = new Int32Array(grown);
    scratch.stack = new Int32Array(grown);
    scratch.topVisited = new Uint8Array(grown);
  }
  const part = scratch.part.subarray(0, size); // 0 = outside, k > 0 = 4-connected part k
  const stack = scratch.stack;
  const topVisited = scratch.topVisited.subarray(0, size); // the top edge of pixel i has been traced
  part.fill(0);
  topVisited.fill(0);
  for (let y = 1; y < gh - 1; y++) {
    for (let x = 1; x < gw - 1; x++) if (inside(x - 1 + minCol, y - 1 + minRow)) part[y * gw + x] = -1;
  }

  // Label 4-connected parts in row-major order of their first pixel.
  let parts = 0;
  for (let i = 0; i < part.length; i++) {
    if (part[i] !== -1) continue;
    parts++;
    let top = 0;
    stack[top++] = i;
    part[i] = parts;
    while (top > 0) {
      const j = stack[--top] as number;
      if (part[j - 1] === -1) { part[j - 1] = parts; stack[top++] = j - 1; }
      if (part[j + 1] === -1) { part[j + 1] = parts; stack[top++] = j + 1; }
      if (part[j - gw] === -1) { part[j - gw] = parts; stack[top++] = j - gw; }
      if (part[j + gw] === -1) { part[j + gw] = parts; stack[top++] = j + gw; }
    }
  }

  const polygons: PolygonRings[] = Array.from({ length: parts }, () => []);
  let perimeter = 0;

  for (let i = gw; i < part.length - gw; i++) {
    const k = part[i] as number;
    // An unvisited top edge with the part below and outside above starts a new ring of part k.
    if (k === 0 || part[i - gw] === k || topVisited[i] === 1) continue;
    const sx = i % gw;
    const sy = (i - sx) / gw;
    let corners = scratch.corners;
    let m = 0;
    let x = sx, y = sy, dir = E;
    for (;;) {
      if (dir === E) topVisited[y * gw + x] = 1;
      x += DX[dir] as number;
      y += DY[dir] as number;
      perimeter++;
      // The four pixels around vertex (x, y): a b / c d.
      const v = y * gw + x;
      const a = part[v - gw - 1] === k, b = part[v - gw] === k, c = part[v - 1] === k, d = part[v] === k;
      // At a saddle the tracer turns left on screen (y down: E→N, S→E, W→S, N→W), round the outside pixel.
      // Computed at every step: code first reached at a rare saddle would throw away V8's optimised code.
      const left = (dir + 3) & 3;
      let next: number;
      if (a && d && !b && !c) next = left; // saddle: arriving E or W
      else if (b && c && !a && !d) next = left; // saddle: arriving N or S
      else if (d && !b) next = E;
      else if (c && !d) next = S;
      else if (a && !c) next = W;
      else next = N; // b && !a
      if (next !== dir) {
        if (m + 2 > corners.length) {
          const grown = new Int32Array(2 * corners.length);
          grown.set(corners);
          corners = scratch.corners = grown;
        }
        corners[m++] = x - 1 + minCol;
        corners[m++] = y - 1 + minRow;
      }
      const closed = x === sx && y === sy && next === E;
      dir = next;
      if (closed) break;
    }
    polygons[k - 1]!.push(startAtSmallest(corners, m));
  }
  for (const rings of polygons) {
    if (rings.length < 3) continue; // no holes to order, or one
    const holes = rings.slice(1).sort((p, q) => (p[1] as number) - (q[1] as number) || (p[0] as number) - (q[0] as number));
    rings.splice(1, holes.length, ...holes);
  }
  return { polygons, perimeter };
}

/** The ring of the first `m` values of `flat` (x, y pairs, open), rotated to start at its smallest (y, x) vertex, and closed. */
function startAtSmallest(flat: Int32Array, m: number): Ring {
  let best = 0;
  for (let i = 2; i < m; i += 2) {
    const y = flat[i + 1] as number, by = flat[best + 1] as number;
    if (y < by || (y === by && (flat[i] as number) < (flat[best] as number))) best = i;
  }
  const ring: Ring = new Array<number>(m + 2);
  for (let i = 0; i < m; i++) ring[i] = flat[(best + i) % m] as number;
  ring[m] = flat[best] as number;
  ring[m + 1] = flat[best + 1] as number;
  return ring;
}
