/**
 * Whether a GeoJSON geometry is an invalid polygon in the sense a reader must warn about: two of its edges
 * (of any ring, any part) cross each other or overlap along a stretch, other than two consecutive edges at
 * their shared vertex. Such a geometry is still read, by the even-odd rule over all its rings (a bow tie gives
 * both lobes, a ring run twice gives nothing, overlapping parts cancel where they overlap): a warning says how
 * many there were. Rings touching at a vertex (common in pixel-edge outlines) are not counted.
 *
 * Edges are bucketed in a uniform grid sized to their mean length (occupied cells only, in a Map), so a
 * polygon of 10^6 tiny edges is checked in about linear time.
 */

/** `rings`: closed flat rings (x0, y0, x1, y1, …, x0, y0) as geojson.ts makes them. */
export function hasCrossingEdges(rings: readonly number[][]): boolean {
  const edges: number[] = []; // x1, y1, x2, y2, ring, index in ring, edges in ring
  let total = 0;
  rings.forEach((ring, r) => {
    const n = ring.length / 2 - 1;
    for (let i = 0; i < n; i++) {
      const x1 = ring[2 * i] as number, y1 = ring[2 * i + 1] as number, x2 = ring[2 * i + 2] as number, y2 = ring[2 * i + 3] as number;
      if (x1 === x2 && y1 === y2) continue; // a repeated position: no edge
      edges.push(x1, y1, x2, y2, r, i, n);
      total += Math.hypot(x2 - x1, y2 - y1);
    }
  });
  const count = edges.length / 7;
  if (count < 3) return false;
  const cell = Math.max(total / count, 1e-9) * 2;
  // numeric keys (a collision only merges two cells: more pairs tested, the same answer)
  const grid = new Map<number, number[]>();
  for (let e = 0; e < count; e++) {
    const o = 7 * e;
    const cx0 = Math.floor(Math.min(edges[o] as number, edges[o + 2] as number) / cell), cx1 = Math.floor(Math.max(edges[o] as number, edges[o + 2] as number) / cell);
    const cy0 = Math.floor(Math.min(edges[o + 1] as number, edges[o + 3] as number) / cell), cy1 = Math.floor(Math.max(edges[o + 1] as number, edges[o + 3] as number) / cell);
    // a long edge among short ones spans many cells: past a bound it is checked against every edge instead
    if ((cx1 - cx0 + 1) * (cy1 - cy0 + 1) > 4096) {
      for (let f = 0; f < count; f++) if (f !== e && conflict(edges, e, f)) return true;
      continue;
    }
    for (let cx = cx0; cx <= cx1; cx++) {
      for (let cy = cy0; cy <= cy1; cy++) {
        const key = cx * 67_108_864 + cy;
        const list = grid.get(key);
        if (list === undefined) {
          grid.set(key, [e]);
          continue;
        }
        for (const f of list) if (conflict(edges, e, f)) return true;
        list.push(e);
      }
    }
  }
  return false;
}

const orient = (ax: number, ay: number, bx: number, by: number, cx: number, cy: number) => Math.sign((bx - ax) * (cy - ay) - (by - ay) * (cx - ax));

/** Whether edges e and f cross at an interior point or overlap along a stretch (not consecutive at their shared vertex). */
function conflict(edges: number[], e: number, f: number): boolean {
  const a = 7 * e, b = 7 * f;
  const [ax, ay, bx, by] = [edges[a] as number, edges[a + 1] as number, edges[a + 2] as number, edges[a + 3] as number];
  const [cx, cy, dx, dy] = [edges[b] as number, edges[b + 1] as number, edges[b + 2] as number, edges[b + 3] as number];
  if (Math.max(ax, bx) < Math.min(cx, dx) || Math.max(cx, dx) < Math.min(ax, bx) || Math.max(ay, by) < Math.min(cy, dy) || Math.max(cy, dy) < Math.min(ay, by)) return false;
  const o1 = orient(ax, ay, bx, by, cx, cy), o2 = orient(ax, ay, bx, by, dx, dy), o3 = orient(cx, cy, dx, dy, ax, ay), o4 = orient(cx, cy, dx, dy, bx, by);
  if (o1 === 0 && o2 === 0) {
    // collinear: an overlap of positive length along the line (a shared endpoint alone is a touch)
    const horizontal = Math.abs(bx - ax) >= Math.abs(by - ay);
    const [p0, p1] = horizontal ? [Math.min(ax, bx), Math.max(ax, bx)] : [Math.min(ay, by), Math.max(ay, by)];
    const [q0, q1] = horizontal ? [Math.min(cx, dx), Math.max(cx, dx)] : [Math.min(cy, dy), Math.max(cy, dy)];
    return Math.min(p1, q1) - Math.max(p0, q0) > 0;
  }
  // a proper crossing: each edge's ends strictly on both sides of the other
  return o1 * o2 < 0 && o3 * o4 < 0;
}
