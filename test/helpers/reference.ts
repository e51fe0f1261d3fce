/**
 * An independent, deliberately naive implementation of the data contract, for tests only. It shares no code
 * with src/extract: sets of pixels as strings, two-pass central moments with a closed-form eigen solution,
 * and geometry checked by even-odd point-in-polygon tests on the decoded WKB.
 */

export interface RefNucleus {
  channel: number;
  value: number;
  pixels: [number, number][]; // [row, col]
  area: number;
  bbox: [number, number, number, number];
  centroid: [number, number];
  perimeter: number;
  parts: number;
  major: number;
  minor: number;
  eccentricity: number;
  orientation: number;
}

/** mask[row][col][channel] as nested arrays, the way a person writes a test case. */
export type Mask3D = number[][][];

export function referenceNuclei(mask: Mask3D, classChannels = 5): RefNucleus[] {
  const h = mask.length;
  const w = mask[0]!.length;
  const groups = new Map<string, [number, number][]>();
  for (let c = 0; c < classChannels; c++) {
    for (let r = 0; r < h; r++) {
      for (let q = 0; q < w; q++) {
        const v = mask[r]![q]![c]!;
        if (v !== 0) {
          const key = `${c}:${v}`;
          if (!groups.has(key)) groups.set(key, []);
          groups.get(key)!.push([r, q]);
        }
      }
    }
  }
  const out: RefNucleus[] = [];
  for (const [key, pixels] of groups) {
    const [c, v] = key.split(':').map(Number) as [number, number];
    const set = new Set(pixels.map(([r, q]) => `${r},${q}`));
    const has = (r: number, q: number) => set.has(`${r},${q}`);
    let perimeter = 0;
    for (const [r, q] of pixels) for (const [dr, dq] of [[0, 1], [0, -1], [1, 0], [-1, 0]] as const) if (!has(r + dr, q + dq)) perimeter++;
    // parts: naive repeated relabelling until stable
    const label = new Map(pixels.map(([r, q], i) => [`${r},${q}`, i]));
    let changed = true;
    while (changed) {
      changed = false;
      for (const [r, q] of pixels) {
        for (const [dr, dq] of [[0, 1], [0, -1], [1, 0], [-1, 0]] as const) {
          const a = label.get(`${r},${q}`)!;
          const b = label.get(`${r + dr},${q + dq}`);
          if (b !== undefined && b < a) {
            label.set(`${r},${q}`, b);
            changed = true;
          }
        }
      }
    }
    const parts = new Set(label.values()).size;
    const n = pixels.length;
    const sx = pixels.reduce((s, [, q]) => s + q, 0);
    const sy = pixels.reduce((s, [r]) => s + r, 0);
    const sxx = pixels.reduce((s, [, q]) => s + q * q, 0);
    const syy = pixels.reduce((s, [r]) => s + r * r, 0);
    const sxy = pixels.reduce((s, [r, q]) => s + r * q, 0);
    const mr = pixels.reduce((s, [r]) => s + r, 0) / n;
    const mc = pixels.reduce((s, [, q]) => s + q, 0) / n;
    // central second moments (population covariance)
    const cxx = pixels.reduce((s, [, q]) => s + (q - mc) ** 2, 0) / n;
    const cyy = pixels.reduce((s, [r]) => s + (r - mr) ** 2, 0) / n;
    const cxy = pixels.reduce((s, [r, q]) => s + (q - mc) * (r - mr), 0) / n;
    const tr = cxx + cyy;
    const disc = Math.sqrt(((cxx - cyy) / 2) ** 2 + cxy ** 2);
    const l1 = tr / 2 + disc;
    const l2 = Math.max(0, tr / 2 - disc);
    out.push({
      channel: c,
      value: v,
      pixels,
      area: n,
      bbox: [Math.min(...pixels.map((p) => p[1])), Math.min(...pixels.map((p) => p[0])), Math.max(...pixels.map((p) => p[1])) + 1, Math.max(...pixels.map((p) => p[0])) + 1],
      centroid: [mc + 0.5, mr + 0.5],
      perimeter,
      parts,
      major: 4 * Math.sqrt(l1),
      minor: 4 * Math.sqrt(l2),
      eccentricity: l1 === 0 ? 0 : Math.sqrt(1 - l2 / l1),
      // The contract's formula on its exact integer terms (so d = 0 is +0 and a vertical shape is +π/2).
      orientation: 0.5 * Math.atan2(2 * (n * sxy - sx * sy), n * sxx - sx * sx - (n * syy - sy * sy)),
    });
  }
  return out.sort((a, b) => a.channel - b.channel || a.value - b.value);
}

/** Within 1e-6: relative above 1, absolute below (the contract's float tolerance). */
export function close(actual: number, expected: number, tol = 1e-6): boolean {
  return Math.abs(actual - expected) <= tol * Math.max(1, Math.abs(expected));
}

export function signedArea(ring: number[]): number {
  let s = 0;
  for (let i = 0; i + 3 < ring.length; i += 2) s += ring[i]! * ring[i + 3]! - ring[i + 2]! * ring[i + 1]!;
  return s / 2;
}

/** Even-odd ray casting over all rings of all polygons. */
export function insideRings(x: number, y: number, polygons: number[][][]): boolean {
  let inside = false;
  for (const rings of polygons) {
    for (const ring of rings) {
      for (let i = 0; i + 3 < ring.length; i += 2) {
        const x1 = ring[i]!, y1 = ring[i + 1]!, x2 = ring[i + 2]!, y2 = ring[i + 3]!;
        if (y1 > y !== y2 > y && x < ((x2 - x1) * (y - y1)) / (y2 - y1) + x1) inside = !inside;
      }
    }
  }
  return inside;
}

/**
 * Problems with a decoded outline against the contract (empty list = all good): closed rings, corner vertices
 * only, simple rings (no point visited twice), exterior positive / holes negative, area = |P|, pixel centres
 * inside = P exactly, one polygon per part.
 */
export function outlineProblems(polygons: number[][][], pixels: [number, number][], parts: number): string[] {
  const problems: string[] = [];
  if (polygons.length !== parts) problems.push(`${polygons.length} polygons for ${parts} parts`);
  let total = 0;
  polygons.forEach((rings, p) => {
    rings.forEach((ring, k) => {
      const m = ring.length / 2;
      if (m < 5) problems.push(`polygon ${p} ring ${k}: ${m} points`);
      if (ring[0] !== ring[ring.length - 2] || ring[1] !== ring[ring.length - 1]) problems.push(`polygon ${p} ring ${k}: not closed`);
      const pts: [number, number][] = [];
      for (let i = 0; i < ring.length - 2; i += 2) pts.push([ring[i]!, ring[i + 1]!]);
      for (let i = 0; i < pts.length; i++) {
        const [ax, ay] = pts[(i + pts.length - 1) % pts.length]!;
        const [bx, by] = pts[i]!;
        const [cx, cy] = pts[(i + 1) % pts.length]!;
        if (ax === bx && ay === by) problems.push(`polygon ${p} ring ${k}: repeated vertex`);
        if ((bx - ax) * (cy - by) - (by - ay) * (cx - bx) === 0) problems.push(`polygon ${p} ring ${k}: collinear vertex (${bx}, ${by})`);
        if (ax !== bx && ay !== by) problems.push(`polygon ${p} ring ${k}: diagonal edge`);
      }
      // simple: walking unit steps, no lattice point is visited twice
      const seen = new Set<string>();
      for (let i = 0; i < pts.length; i++) {
        const [ax, ay] = pts[i]!;
        const [bx, by] = pts[(i + 1) % pts.length]!;
        const steps = Math.abs(bx - ax) + Math.abs(by - ay);
        for (let s = 0; s < steps; s++) {
          const key = `${ax + (Math.sign(bx - ax) * s)},${ay + Math.sign(by - ay) * s}`;
          if (seen.has(key)) problems.push(`polygon ${p} ring ${k}: passes through ${key} twice`);
          seen.add(key);
        }
      }
      const a = signedArea(ring);
      if (k === 0 && a <= 0) problems.push(`polygon ${p}: exterior area ${a} not positive`);
      if (k > 0 && a >= 0) problems.push(`polygon ${p} hole ${k}: area ${a} not negative`);
      total += a;
    });
  });
  if (total !== pixels.length) problems.push(`area ${total}, expected ${pixels.length}`);
  // GEOS: within a polygon, rings may touch only at points, and the touch graph (rings as nodes) must have no
  // cycle, or the interior would be disconnected.
  polygons.forEach((rings, p) => {
    const vertexSets = rings.map((ring) => {
      const set = new Set<string>();
      for (let i = 0; i + 3 < ring.length; i += 2) {
        const [ax, ay, bx, by] = [ring[i]!, ring[i + 1]!, ring[i + 2]!, ring[i + 3]!];
        for (let t = 0; t < Math.abs(bx - ax) + Math.abs(by - ay); t++) set.add(`${ax + Math.sign(bx - ax) * t},${ay + Math.sign(by - ay) * t}`);
      }
      return set;
    });
    const parent = rings.map((_, i) => i);
    const find = (i: number): number => (parent[i] === i ? i : (parent[i] = find(parent[i]!)));
    for (let a = 0; a < rings.length; a++) {
      for (let b = a + 1; b < rings.length; b++) {
        const shared = [...vertexSets[a]!].filter((v) => vertexSets[b]!.has(v)).length;
        if (shared === 0) continue;
        if (shared > 1) problems.push(`polygon ${p}: rings ${a} and ${b} touch at ${shared} points`);
        if (find(a) === find(b)) problems.push(`polygon ${p}: ring touches form a cycle (interior disconnected)`);
        parent[find(a)] = find(b);
      }
    }
  });
  const set = new Set(pixels.map(([r, q]) => `${r},${q}`));
  const rows = pixels.map((p) => p[0]);
  const cols = pixels.map((p) => p[1]);
  for (let r = Math.min(...rows) - 1; r <= Math.max(...rows) + 1; r++) {
    for (let q = Math.min(...cols) - 1; q <= Math.max(...cols) + 1; q++) {
      if (insideRings(q + 0.5, r + 0.5, polygons) !== set.has(`${r},${q}`)) problems.push(`pixel (row ${r}, col ${q}) wrongly ${set.has(`${r},${q}`) ? 'outside' : 'inside'}`);
    }
  }
  return problems;
}
