// Contours through pixel centres filled exactly as OpenCV fills them (HoVer-Net's and CellViT's JSON): the
// oracle is Debian's OpenCV itself (test/formats/contours.py), on 10,000 random contours and the hard cases.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fillContour } from '../../src/formats/contour.js';
import { skipBecause } from '../helpers/tmp.js';

const PYTHON = '/usr/bin/python3';
const available = spawnSync(PYTHON, ['-c', 'import cv2, numpy']).status === 0;

interface Case { width: number; height: number; points: [number, number][] }

function opencv(cases: Case[]): number[][] {
  const r = spawnSync(PYTHON, [path.join(import.meta.dirname, 'contours.py')], { input: JSON.stringify(cases), encoding: 'utf8', maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout) as number[][];
}

function random(seed: number): Case[] {
  let s = seed;
  const rand = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const int = (n: number) => Math.floor(rand() * n);
  return Array.from({ length: 10_000 }, (_, k) => {
    const width = 8 + int(40), height = 8 + int(40);
    const kind = k % 4;
    const n = 3 + int(kind === 0 ? 5 : 30);
    let points: [number, number][];
    if (kind === 1) {
      // a star-ish polygon around a centre (what findContours gives, roughly)
      const cx = int(width), cy = int(height), r0 = 1 + int(12);
      points = Array.from({ length: n }, (_, i) => {
        const a = (2 * Math.PI * i) / n, r = r0 * (0.4 + rand());
        return [Math.min(width - 1, Math.max(0, Math.round(cx + r * Math.cos(a)))), Math.min(height - 1, Math.max(0, Math.round(cy + r * Math.sin(a))))];
      });
    } else if (kind === 2) {
      // a chain of unit steps (CHAIN_APPROX_NONE-like, running back along itself at times)
      let x = int(width), y = int(height);
      points = Array.from({ length: n }, () => {
        x = Math.min(width - 1, Math.max(0, x + int(3) - 1));
        y = Math.min(height - 1, Math.max(0, y + int(3) - 1));
        return [x, y];
      });
    } else {
      // anything: self-crossing, collinear, repeated points
      points = Array.from({ length: n }, () => [int(width), int(height)]);
    }
    return { width, height, points };
  });
}

const HARD: Case[] = [
  { width: 10, height: 10, points: [[2, 2], [7, 2], [4, 2]] }, // a horizontal line, back along itself
  { width: 10, height: 10, points: [[3, 1], [3, 8], [3, 4]] }, // a vertical line
  { width: 10, height: 10, points: [[1, 1], [8, 8], [1, 1]] }, // a diagonal, back and forth
  { width: 10, height: 10, points: [[0, 0], [9, 0], [9, 9], [0, 9]] }, // the whole image
  { width: 12, height: 12, points: [[2, 2], [9, 2], [9, 9], [2, 9], [2, 3], [7, 3], [7, 8], [4, 8], [4, 3], [2, 3]] }, // a ring running back along itself
  { width: 10, height: 10, points: [[1, 5], [5, 1], [9, 5], [5, 9]] }, // a diamond
  { width: 10, height: 10, points: [[1, 1], [8, 8], [8, 1], [1, 8]] }, // a bow tie
  { width: 10, height: 10, points: [[4, 4], [5, 4], [5, 5]] }, // tiny
];

describe.skipIf(skipBecause(!available, "the contour oracle needs Debian's python3-opencv"))('contours filled as OpenCV fills them', () => {
  it('the hard cases: lines, diagonals, rings running back along themselves, self-crossings', () => {
    const want = opencv(HARD);
    HARD.forEach((c, k) => expect([...fillContour(c.points.flat(), c.width, c.height)], JSON.stringify(c.points)).toEqual(want[k]));
  });

  it('10,000 random contours: stars, unit-step chains, anything', () => {
    const cases = random(7);
    const want = opencv(cases);
    let differ = 0;
    const first: string[] = [];
    cases.forEach((c, k) => {
      const got = [...fillContour(c.points.flat(), c.width, c.height)];
      if (JSON.stringify(got) !== JSON.stringify(want[k])) {
        differ++;
        if (first.length < 3) first.push(JSON.stringify(c));
      }
    });
    expect({ differ, first }).toEqual({ differ: 0, first: [] });
  }, 120_000);
});
