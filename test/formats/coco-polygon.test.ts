// COCO polygons as pycocotools rasterizes them (src/formats/coco-polygon.ts), against an independent Python
// rasterizer of the same rule (test/formats/cocopoly.py: dense column-major parity, not sorted runs) on 10,000
// random polygons (integer, star-shaped, self-crossing, thin, repeated vertices, several per segmentation),
// and against what COCO itself defines: a box [x, y, w, h] as a polygon is its w × h pixels.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { polygonPixels } from '../../src/formats/coco-polygon.js';
import type { PannukeError } from '../../src/errors.js';
import { skipBecause, tempDir } from '../helpers/tmp.js';

const PYTHON = '/usr/bin/python3';
const python = spawnSync(PYTHON, ['-c', 'import json']).status === 0;

describe('COCO polygons', () => {
  // Made here, not in the test: a folder made inside a test would outlive the run (afterAll is the suite's).
  const dir = tempDir('cocopoly');
  it.skipIf(skipBecause(!python, 'the polygon oracle needs python3'))('equal an independent rasterizer of pycocotools\' rule on 10,000 random polygons', () => {
    const file = path.join(dir, 'cases.json');
    const py = spawnSync(PYTHON, [path.join(import.meta.dirname, 'cocopoly.py'), file, '10000', '7'], { encoding: 'utf8' });
    expect(py.status, py.stderr).toBe(0);
    const cases = JSON.parse(fs.readFileSync(file, 'utf8')) as { w: number; h: number; polygons: number[][]; pixels: number[] }[];
    let differing = 0, nonEmpty = 0;
    for (const c of cases) {
      const got = Array.from(polygonPixels(c.polygons, c.w, c.h, 'cases.json', 'case'));
      if (got.length > 0) nonEmpty++;
      if (got.length !== c.pixels.length || got.some((p, i) => p !== c.pixels[i])) differing++;
    }
    expect(differing).toBe(0);
    expect(nonEmpty).toBeGreaterThan(8000);
  }, 60_000);

  it('a box as a polygon is its pixels (COCO\'s bbox rule); a polygon on pixel edges is exactly its pixels', () => {
    const box = Array.from(polygonPixels([[3, 2, 3, 7, 9, 7, 9, 2]], 12, 10, 'f', 'x'));
    const want: number[] = [];
    for (let row = 2; row < 7; row++) for (let col = 3; col < 9; col++) want.push(row * 12 + col);
    expect(box).toEqual(want);
    // an L on pixel edges: rows 1..4 of column 2, and row 4 of columns 2..5
    const l = Array.from(polygonPixels([[2, 1, 3, 1, 3, 4, 6, 4, 6, 5, 2, 5]], 8, 8, 'f', 'x'));
    expect(l).toEqual([1 * 8 + 2, 2 * 8 + 2, 3 * 8 + 2, 4 * 8 + 2, 4 * 8 + 3, 4 * 8 + 4, 4 * 8 + 5]);
  });

  it('refuses what is not a polygon, in one line naming the place', () => {
    const failure = (polygons: unknown[]) => {
      try {
        polygonPixels(polygons, 8, 8, 'r.json', 'result 0');
      } catch (e) {
        const { file, position, message } = e as PannukeError;
        return `${file}: ${position}: ${message}`;
      }
      return 'no error';
    };
    expect(failure([[1, 2, 3, 4]])).toMatch(/^r\.json: result 0, polygon 0: a COCO polygon is a flat list of at least 3/);
    expect(failure([[1, 2, 3, 4, 5, Number.NaN]])).toMatch(/polygon 0: coordinate 5 is not a finite number/);
    expect(failure([[1, 2, 3, 4, 5, 6], [1, 2, 3, 4, 9, 1]])).toMatch(/polygon 1: vertex 2 \(9, 1\) is outside the 8 × 8 image/);
  });
});
