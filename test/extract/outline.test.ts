// Outlines of hand-built pixel sets, with the expected rings worked out by hand (see the comments).
import { describe, expect, it } from 'vitest';
import { traceOutline } from '../../src/extract/outline.js';
import { decodeWkb, encodeWkb } from '../../src/extract/wkb.js';
import { outlineProblems } from '../helpers/reference.js';

/** Traces the pixels marked 'X' in ASCII art. */
function trace(art: string[]) {
  const pixels: [number, number][] = [];
  art.forEach((line, r) => [...line].forEach((ch, q) => ch === 'X' && pixels.push([r, q])));
  const set = new Set(pixels.map(([r, q]) => `${r},${q}`));
  const rows = pixels.map((p) => p[0]);
  const cols = pixels.map((p) => p[1]);
  const outline = traceOutline(Math.min(...cols), Math.min(...rows), Math.max(...cols), Math.max(...rows), (q, r) => set.has(`${r},${q}`));
  return { outline, pixels };
}

describe('traceOutline', () => {
  it('a single pixel is a unit square, exterior counter-clockwise in GEOS terms, starting at its top-left', () => {
    const { outline } = trace(['....', '....', '...X']);
    expect(outline.polygons).toEqual([[[3, 2, 4, 2, 4, 3, 3, 3, 3, 2]]]);
    expect(outline.perimeter).toBe(4);
  });

  it('a 1-px line keeps only its four corners', () => {
    const { outline } = trace(['XXX']);
    expect(outline.polygons).toEqual([[[0, 0, 3, 0, 3, 1, 0, 1, 0, 0]]]);
    expect(outline.perimeter).toBe(8);
  });

  it('a ring has one clockwise hole', () => {
    const { outline } = trace(['XXX', 'X.X', 'XXX']);
    expect(outline.polygons).toEqual([[[0, 0, 3, 0, 3, 3, 0, 3, 0, 0], [1, 1, 1, 2, 2, 2, 2, 1, 1, 1]]]);
    expect(outline.perimeter).toBe(16);
  });

  it('a gap closed off at a corner becomes a hole touching the exterior at that point', () => {
    // The exterior turns at the saddle (2, 1) towards the outside pixel (0, 2); the hole is pixel (1, 1).
    const { outline, pixels } = trace(['XX.', 'X.X', 'XXX']);
    expect(outline.polygons).toEqual([[[0, 0, 2, 0, 2, 1, 3, 1, 3, 3, 0, 3, 0, 0], [1, 1, 1, 2, 2, 2, 2, 1, 1, 1]]]);
    expect(outlineProblems(outline.polygons, pixels, 1)).toEqual([]);
  });

  it('parts touching only at a corner are separate polygons, in row-major order', () => {
    const { outline } = trace(['X.', '.X']);
    expect(outline.polygons).toEqual([[[0, 0, 1, 0, 1, 1, 0, 1, 0, 0]], [[1, 1, 2, 1, 2, 2, 1, 2, 1, 1]]]);
  });

  it('a checkerboard is one polygon per pixel', () => {
    const { outline, pixels } = trace(['X.X.', '.X.X', 'X.X.', '.X.X']);
    expect(outline.polygons).toHaveLength(8);
    expect(outline.perimeter).toBe(32);
    expect(outlineProblems(outline.polygons, pixels, 8)).toEqual([]);
  });

  it('two holes touching each other at a corner stay two simple rings', () => {
    const { outline, pixels } = trace(['XXXX', 'X.XX', 'XX.X', 'XXXX']);
    expect(outline.polygons).toHaveLength(1);
    expect(outline.polygons[0]).toHaveLength(3);
    expect(outlineProblems(outline.polygons, pixels, 1)).toEqual([]);
  });

  it('a fragment inside another fragment\'s hole is its own polygon', () => {
    const { outline, pixels } = trace(['XXXXX', 'X...X', 'X.X.X', 'X...X', 'XXXXX']);
    expect(outline.polygons).toHaveLength(2);
    expect(outline.polygons[0]).toHaveLength(2);
    expect(outlineProblems(outline.polygons, pixels, 2)).toEqual([]);
  });

  it('a spiral with several saddles', () => {
    const art = ['XXXXXXX', 'X......', 'X.XXXX.', 'X.X..X.', 'X.X.X..', 'X.X...X', 'X.XXXXX'];
    const { outline, pixels } = trace(art);
    expect(outlineProblems(outline.polygons, pixels, 3)).toEqual([]);
  });

  it('random pixel sets satisfy every outline rule', () => {
    let seed = 7;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let t = 0; t < 1500; t++) {
      const n = 3 + Math.floor(rand() * 9);
      const density = 0.3 + rand() * 0.5;
      const art = Array.from({ length: n }, () => Array.from({ length: n }, () => (rand() < density ? 'X' : '.')).join(''));
      if (!art.join('').includes('X')) continue;
      const { outline, pixels } = trace(art);
      const problems = outlineProblems(outline.polygons, pixels, outline.polygons.length);
      expect(problems, art.join('\n')).toEqual([]);
    }
  });
});

describe('WKB', () => {
  it('one part is a little-endian Polygon', () => {
    const wkb = encodeWkb([[[0, 0, 1, 0, 1, 1, 0, 1, 0, 0]]]);
    expect(wkb[0]).toBe(1);
    expect(new DataView(wkb.buffer).getUint32(1, true)).toBe(3);
    expect(wkb.byteLength).toBe(1 + 4 + 4 + 4 + 5 * 16);
    // the same bytes as written out by hand
    const hand = Buffer.alloc(93);
    hand.writeUInt8(1, 0); hand.writeUInt32LE(3, 1); hand.writeUInt32LE(1, 5); hand.writeUInt32LE(5, 9);
    [0, 0, 1, 0, 1, 1, 0, 1, 0, 0].forEach((v, i) => hand.writeDoubleLE(v, 13 + 8 * i));
    expect(Buffer.from(wkb)).toEqual(hand);
  });

  it('several parts are a MultiPolygon of Polygons, and decode back', () => {
    const polygons = [[[0, 0, 1, 0, 1, 1, 0, 1, 0, 0]], [[1, 1, 2, 1, 2, 2, 1, 2, 1, 1]]];
    const wkb = encodeWkb(polygons);
    expect(new DataView(wkb.buffer).getUint32(1, true)).toBe(6);
    expect(new DataView(wkb.buffer).getUint32(5, true)).toBe(2);
    expect(decodeWkb(wkb)).toEqual(polygons);
  });
});
