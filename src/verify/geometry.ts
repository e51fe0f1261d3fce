/**
 * The geometry the contract promises for a stored outline, checked from the WKB alone (no mask needed):
 * integer vertices within the image, axis-parallel edges of non-zero length, closed rings of at least four
 * corners, exteriors with positive shoelace area and holes with negative (x = column, y = row), one polygon
 * per part, `holes` interior rings, and a total shoelace area equal to `area`. The first problem is returned,
 * in words; undefined when the outline is as promised.
 */
import { decodeWkb } from '../extract/wkb.js';

export interface StoredOutline {
  contour: Uint8Array;
  area: number;
  parts: number;
  holes: number;
}

/** Twice the signed shoelace area of a closed ring given as x0, y0, x1, y1, … (first point repeated last). */
function doubleArea(ring: readonly number[]): number {
  let s = 0;
  for (let i = 0; i + 3 < ring.length; i += 2) s += (ring[i] as number) * (ring[i + 3] as number) - (ring[i + 2] as number) * (ring[i + 1] as number);
  return s;
}

export function outlineProblem(nucleus: StoredOutline, width: number, height: number): string | undefined {
  let polygons: number[][][];
  try {
    polygons = decodeWkb(nucleus.contour);
  } catch (e) {
    return `contour is not readable WKB (${(e as Error).message})`;
  }
  if (polygons.length !== nucleus.parts) return `contour has ${polygons.length} polygon(s), parts is ${nucleus.parts}`;
  let total = 0;
  let holes = 0;
  for (let p = 0; p < polygons.length; p++) {
    const rings = polygons[p] as number[][];
    if (rings.length === 0) return `polygon ${p} has no ring`;
    holes += rings.length - 1;
    for (let k = 0; k < rings.length; k++) {
      const ring = rings[k] as number[];
      const where = `polygon ${p}, ${k === 0 ? 'exterior' : `hole ${k}`}`;
      const points = ring.length / 2;
      if (points < 5) return `${where}: ${points} points, a closed ring needs at least 5`;
      if (ring[0] !== ring[ring.length - 2] || ring[1] !== ring[ring.length - 1]) return `${where}: not closed`;
      for (let i = 0; i < ring.length; i += 2) {
        const x = ring[i] as number, y = ring[i + 1] as number;
        if (!Number.isInteger(x) || !Number.isInteger(y)) return `${where}: vertex (${x}, ${y}) is not on the pixel grid`;
        if (x < 0 || y < 0 || x > width || y > height) return `${where}: vertex (${x}, ${y}) is outside the ${width}×${height} image`;
        if (i + 3 < ring.length) {
          const dx = (ring[i + 2] as number) - x, dy = (ring[i + 3] as number) - y;
          if (dx !== 0 && dy !== 0) return `${where}: edge (${x}, ${y}) → (${ring[i + 2]}, ${ring[i + 3]}) is not axis-parallel`;
          if (dx === 0 && dy === 0) return `${where}: repeated vertex (${x}, ${y})`;
        }
      }
      const a = doubleArea(ring);
      if (k === 0 && a <= 0) return `${where}: shoelace area ${a / 2} is not positive (exteriors run counter-clockwise)`;
      if (k > 0 && a >= 0) return `${where}: shoelace area ${a / 2} is not negative (holes run clockwise)`;
      total += a;
    }
  }
  if (holes !== nucleus.holes) return `contour has ${holes} hole ring(s), holes is ${nucleus.holes}`;
  if (total / 2 !== nucleus.area) return `contour's shoelace area is ${total / 2}, area is ${nucleus.area}`;
  return undefined;
}
