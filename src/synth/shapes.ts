/**
 * Pixel shapes for the synthetic generator: each returns the (row, col) pixels of one shape, clipped to the
 * image later. Ordinary nuclei are rotated ellipses; the rest are the hard cases real PanNuke has.
 */

export type Pixel = readonly [row: number, col: number];

export function ellipse(cy: number, cx: number, ry: number, rx: number, angle: number): Pixel[] {
  const out: Pixel[] = [];
  const r = Math.ceil(Math.max(rx, ry)) + 1;
  const cos = Math.cos(angle), sin = Math.sin(angle);
  for (let row = Math.floor(cy - r); row <= cy + r; row++) {
    for (let col = Math.floor(cx - r); col <= cx + r; col++) {
      const dy = row + 0.5 - cy, dx = col + 0.5 - cx;
      const u = dx * cos + dy * sin, v = -dx * sin + dy * cos;
      if ((u * u) / (rx * rx) + (v * v) / (ry * ry) <= 1) out.push([row, col]);
    }
  }
  return out;
}

/** An annulus: a nucleus with a hole. */
export function ring(cy: number, cx: number, outer: number, inner: number): Pixel[] {
  return ellipse(cy, cx, outer, outer, 0).filter(([row, col]) => {
    const dy = row + 0.5 - cy, dx = col + 0.5 - cx;
    return dx * dx + dy * dy > inner * inner;
  });
}

/** A straight 1-pixel line (horizontal, vertical or diagonal: diagonal pixels touch only at corners). */
export function line(row: number, col: number, length: number, direction: 'h' | 'v' | 'd'): Pixel[] {
  return Array.from({ length }, (_, k): Pixel => (direction === 'h' ? [row, col + k] : direction === 'v' ? [row + k, col] : [row + k, col + k]));
}

/**
 * A 3×3 block without its centre and its top-right pixel. The centre is enclosed on four sides but meets the
 * outside at one corner (the vertex between (0,1) and (1,2)), so the outline has a hole touching the
 * exterior at exactly that point.
 *
 *   X X .
 *   X . X
 *   X X X
 */
export function cornerHole(row: number, col: number): Pixel[] {
  const out: Pixel[] = [];
  for (let r = 0; r < 3; r++) {
    for (let c = 0; c < 3; c++) {
      if ((r === 1 && c === 1) || (r === 0 && c === 2)) continue;
      out.push([row + r, col + c]);
    }
  }
  return out;
}

/** A checkerboard patch: every pixel touches the others only at corners (n² / 2 one-pixel parts). */
export function checkerboard(row: number, col: number, n: number): Pixel[] {
  const out: Pixel[] = [];
  for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) if ((r + c) % 2 === 0) out.push([row + r, col + c]);
  return out;
}
