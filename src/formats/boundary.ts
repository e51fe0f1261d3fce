/**
 * The outer boundary of a set of pixels as a contour through pixel centres, the kind OpenCV's findContours
 * returns and its fillPoly fills back (./contour.ts has that rule): Moore-neighbour tracing, clockwise on the
 * screen, from the first pixel in row-major order, with collinear points dropped (as CHAIN_APPROX_SIMPLE). For
 * a connected set this fills back to the set with its holes filled: what formats holding one polygon per
 * nucleus (YOLO) can carry. A set of one or two pixels gives its points, repeated to three.
 */

// The 8 neighbours clockwise on the screen (y down), starting west.
const DX = [-1, -1, 0, 1, 1, 1, 0, -1];
const DY = [0, -1, -1, -1, 0, 1, 1, 1];

/** The boundary of `inside` (a width × height mask, one connected set), as x, y, x, y, … pixel centres. */
export function traceBoundary(inside: Uint8Array, width: number, height: number): number[] {
  const at = (x: number, y: number) => x >= 0 && y >= 0 && x < width && y < height && inside[y * width + x] === 1;
  let start = -1;
  for (let p = 0; p < inside.length; p++) if (inside[p] === 1) { start = p; break; }
  if (start < 0) return [];
  const sx = start % width, sy = Math.floor(start / width);
  const chain: number[] = [sx, sy];
  // `from`: the direction, from the current pixel, of the backtrack pixel (background) the search starts after.
  let cx = sx, cy = sy, from = 0; // entering the start from its west: nothing precedes it in row-major order
  let firstMove = -1;
  for (let steps = 0; steps < 4 * inside.length + 8; steps++) {
    let found = -1, k = 1;
    for (; k <= 8; k++) {
      const d = (from + k) % 8;
      if (at(cx + (DX[d] as number), cy + (DY[d] as number))) {
        found = d;
        break;
      }
    }
    if (found < 0) break; // a single pixel
    if (cx === sx && cy === sy) {
      if (firstMove < 0) firstMove = found;
      else if (found === firstMove) break; // back at the start, about to go round again
    }
    const checked = (from + k - 1) % 8; // the background pixel checked just before
    const bx = cx + (DX[checked] as number), by = cy + (DY[checked] as number);
    cx += DX[found] as number;
    cy += DY[found] as number;
    chain.push(cx, cy);
    from = DX.findIndex((dx, d) => dx === bx - cx && DY[d] === by - cy);
    if (from < 0) from = (found + 4) % 8; // (the backtrack is always a neighbour; kept safe)
  }
  // the last point is the start again: drop it, then drop collinear points
  if (chain.length > 2 && chain[chain.length - 2] === sx && chain[chain.length - 1] === sy) chain.length -= 2;
  const n = chain.length / 2;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const px = chain[2 * ((i + n - 1) % n)] as number, py = chain[2 * ((i + n - 1) % n) + 1] as number;
    const x = chain[2 * i] as number, y = chain[2 * i + 1] as number;
    const qx = chain[2 * ((i + 1) % n)] as number, qy = chain[2 * ((i + 1) % n) + 1] as number;
    if (n > 2 && x - px === qx - x && y - py === qy - y) continue;
    out.push(x, y);
  }
  while (out.length < 6) out.push(out[0] as number, out[1] as number);
  return out;
}
