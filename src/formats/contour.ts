/**
 * Contours through pixel centres (HoVer-Net's and CellViT's JSON: OpenCV's findContours output, points (x, y)
 * = (column, row)) to pixels, exactly as `cv2.drawContours(canvas, [contour], -1, 1, thickness=cv2.FILLED)`
 * sets them (OpenCV 4, lineType 8): every edge, the closing one included, is drawn as an 8-connected line
 * (OpenCV's LineIterator: Bresenham stepping left to right), then the polygon is filled by OpenCV's scanline
 * rule (its FillEdgeCollection: edges in 16.16 fixed point, each row filled from ceil(x) of one crossing to
 * floor(x) of the next, an edge active from its upper end's row to the row before its lower end). The rule
 * is OpenCV's and is written out here because no JavaScript library has it without loading OpenCV whole; the
 * tests compare it with Debian's OpenCV on 10,000 random contours and the hard cases.
 */

const XY_SHIFT = 16;
const XY_ONE = 1 << XY_SHIFT;

interface Edge {
  y0: number;
  y1: number;
  x: number;
  dx: number;
}

/** Sets the pixels of an 8-connected line from (x0, y0) to (x1, y1), as OpenCV's LineIterator visits them. */
function line(set: (x: number, y: number) => void, x0: number, y0: number, x1: number, y1: number): void {
  if (x1 < x0) [x0, y0, x1, y1] = [x1, y1, x0, y0]; // left to right
  let dx = x1 - x0, dy = y1 - y0;
  // steps: along the major axis every time, along the minor one when the error says so
  let major: [number, number] = [1, 0], minor: [number, number] = [0, dy < 0 ? -1 : 1];
  dy = Math.abs(dy);
  if (dy > dx) {
    [dx, dy] = [dy, dx];
    [major, minor] = [minor, major];
  }
  let err = dx - (dy + dy);
  const plusDelta = dx + dx, minusDelta = -(dy + dy);
  let x = x0, y = y0;
  for (let i = 0; i <= dx; i++) {
    set(x, y);
    const step = err < 0;
    err += minusDelta + (step ? plusDelta : 0);
    x += major[0] + (step ? minor[0] : 0);
    y += major[1] + (step ? minor[1] : 0);
  }
}

/**
 * The pixels (row × width + col, ascending) OpenCV's drawContours fills for one contour: `points` is x, y,
 * x, y, … (integers). Points outside the image are refused by the caller.
 */
export function fillContour(points: ArrayLike<number>, width: number, height: number): Int32Array {
  const n = points.length >> 1;
  // Everything happens inside the contour's bounding box: a raster of the box, not of the image.
  let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
  for (let i = 0; i < n; i++) {
    const x = points[2 * i] as number, y = points[2 * i + 1] as number;
    if (x < x0) x0 = x;
    if (x > x1) x1 = x;
    if (y < y0) y0 = y;
    if (y > y1) y1 = y;
  }
  x0 = Math.max(0, x0);
  y0 = Math.max(0, y0);
  x1 = Math.min(width - 1, x1);
  y1 = Math.min(height - 1, y1);
  if (n === 0 || x1 < x0 || y1 < y0) return new Int32Array(0);
  const bw = x1 - x0 + 1, bh = y1 - y0 + 1;
  const inside = new Uint8Array(bw * bh);
  const set = (x: number, y: number) => {
    if (x >= x0 && y >= y0 && x <= x1 && y <= y1) inside[(y - y0) * bw + (x - x0)] = 1;
  };
  const edges: Edge[] = [];
  let px = points[2 * (n - 1)] as number, py = points[2 * (n - 1) + 1] as number;
  for (let i = 0; i < n; i++) {
    const qx = points[2 * i] as number, qy = points[2 * i + 1] as number;
    line(set, px, py, qx, qy);
    if (py !== qy) {
      const ax = px * XY_ONE, bx = qx * XY_ONE;
      const dx = Math.trunc((bx - ax) / (qy - py));
      edges.push(py < qy ? { y0: py, y1: qy, x: ax, dx } : { y0: qy, y1: py, x: bx, dx });
    }
    px = qx;
    py = qy;
  }
  if (edges.length >= 2) {
    fillEdges(edges, width, height, (y, a, b) => {
      const from = Math.max(a, x0), to = Math.min(b, x1);
      if (y >= y0 && y <= y1 && from <= to) inside.fill(1, (y - y0) * bw + (from - x0), (y - y0) * bw + (to - x0) + 1);
    });
  }
  const out: number[] = [];
  for (let r = 0; r < bh; r++) for (let c = 0; c < bw; c++) if (inside[r * bw + c] === 1) out.push((r + y0) * width + c + x0);
  return Int32Array.from(out);
}

/** OpenCV's FillEdgeCollection for non-antialiased fills: an active edge list walked row by row. */
function fillEdges(edges: Edge[], width: number, height: number, span: (y: number, x1: number, x2: number) => void): void {
  edges.sort((a, b) => (a.y0 !== b.y0 ? a.y0 - b.y0 : a.x !== b.x ? a.x - b.x : a.dx - b.dx));
  const yMax = Math.min(Math.max(...edges.map((e) => e.y1)), height);
  let next = 0;
  let active: Edge[] = [];
  for (let y = (edges[0] as Edge).y0; y < yMax; y++) {
    // edges ending at this row leave; edges starting here join, in x order (as OpenCV inserts them)
    active = active.filter((e) => e.y1 !== y);
    // (OpenCV walks the list once: each new edge goes before the first edge at or right of it, searching on
    // from where the previous new edge went, which decides the order of ties)
    let at = 0;
    while (next < edges.length && (edges[next] as Edge).y0 === y) {
      const e = edges[next++] as Edge;
      while (at < active.length && (active[at] as Edge).x < e.x) at++;
      active.splice(at, 0, e);
      at++;
    }
    for (let k = 0; k + 1 < active.length; k += 2) {
      const a = active[k] as Edge, b = active[k + 1] as Edge;
      if (y >= 0) {
        // OpenCV 4.6 (Debian's): the left end rounded up, the right one down
        let x1 = Math.floor((Math.min(a.x, b.x) + XY_ONE - 1) / XY_ONE), x2 = Math.floor(Math.max(a.x, b.x) / XY_ONE);
        if (x1 < width && x2 >= 0) {
          if (x1 < 0) x1 = 0;
          if (x2 >= width) x2 = width - 1;
          span(y, x1, x2);
        }
      }
      a.x += a.dx;
      b.x += b.dx;
    }
    // OpenCV bubble-sorts the active list by x after each row
    active.sort((a, b) => a.x - b.x);
  }
}
