// Every contract column of extractImage against the naive reference implementation in test/helpers.
import { describe, expect, it } from 'vitest';
import { extractImage, type ExtractedNucleus } from '../../src/extract/image.js';
import { decodeWkb } from '../../src/extract/wkb.js';
import { PannukeError } from '../../src/errors.js';
import { layoutOf, maskFromArt, toRecord } from '../helpers/masks.js';
import { close, outlineProblems, referenceNuclei, type Mask3D } from '../helpers/reference.js';

const context = { file: 'masks.npy', fold: 2, index: 7 };

function extract(mask: Mask3D) {
  return extractImage(toRecord(mask), layoutOf(mask), context);
}

/** Asserts every column of every row against the reference; returns the rows. */
function expectContract(mask: Mask3D): ExtractedNucleus[] {
  const { nuclei } = extract(mask);
  const expected = referenceNuclei(mask);
  expect(nuclei.map((n) => [n.classId, n.instanceId])).toEqual(expected.map((e) => [e.channel + 1, e.value]));
  nuclei.forEach((n, k) => {
    const e = expected[k]!;
    const label = `class ${n.classId} id ${n.instanceId}`;
    expect([n.area, n.bboxX0, n.bboxY0, n.bboxX1, n.bboxY1, n.perimeter, n.parts], label).toEqual([e.area, ...e.bbox, e.perimeter, e.parts]);
    for (const [name, got, want] of [
      ['centroid_x', n.centroidX, e.centroid[0]], ['centroid_y', n.centroidY, e.centroid[1]],
      ['major', n.majorAxisLength, e.major], ['minor', n.minorAxisLength, e.minor],
      ['eccentricity', n.eccentricity, e.eccentricity], ['orientation', n.orientation, e.orientation],
    ] as const) {
      expect(close(got, want), `${label} ${name}: ${got} vs ${want}`).toBe(true);
    }
    expect(outlineProblems(decodeWkb(n.contour), e.pixels, e.parts), label).toEqual([]);
  });
  return nuclei;
}

describe('extractImage: the contract on hand-built masks', () => {
  it('single pixel: area 1, axes 0, eccentricity 0, perimeter 4', () => {
    const [n] = expectContract(maskFromArt({ 0: ['....', '.5..', '....'] }));
    expect(n).toMatchObject({ classId: 1, instanceId: 5, area: 1, bboxX0: 1, bboxY0: 1, bboxX1: 2, bboxY1: 2, centroidX: 1.5, centroidY: 1.5 });
    expect([n!.majorAxisLength, n!.minorAxisLength, n!.eccentricity, n!.orientation]).toEqual([0, 0, 0, 0]);
  });

  it('horizontal line: minor axis exactly 0, eccentricity 1, orientation 0', () => {
    const [n] = expectContract(maskFromArt({ 2: ['.....', '.3333', '.....'] }));
    // By hand: cols 1..4, var = 1.25 → major = 4·√1.25
    expect(n!.majorAxisLength).toBeCloseTo(4 * Math.sqrt(1.25), 12);
    expect(n!.minorAxisLength).toBe(0);
    expect(n!.eccentricity).toBe(1);
    expect(n!.orientation).toBe(0);
  });

  it('vertical line is oriented along +y (π/2)', () => {
    const [n] = expectContract(maskFromArt({ 1: ['.2.', '.2.', '.2.'] }));
    expect(n!.orientation).toBeCloseTo(Math.PI / 2, 12);
  });

  it('diagonal line: pixels touching at corners are separate parts; orientation +π/4 (towards +y)', () => {
    const [n] = expectContract(maskFromArt({ 0: ['1...', '.1..', '..1.', '...1'] }));
    expect(n!.parts).toBe(4);
    expect(n!.orientation).toBeCloseTo(Math.PI / 4, 12);
    expect(n!.minorAxisLength).toBe(0);
  });

  it('symmetric square: eccentricity exactly 0', () => {
    const [n] = expectContract(maskFromArt({ 0: ['77', '77'] }));
    expect(n!.eccentricity).toBe(0);
    expect(n!.majorAxisLength).toBe(n!.minorAxisLength);
  });

  it('ring with a hole, corner-touching hole, checkerboard', () => {
    expectContract(maskFromArt({ 0: ['111', '1.1', '111'], 1: ['22.', '2.2', '222'], 2: ['3.3', '.3.', '3.3'] }));
  });

  it('fragments sharing an id are one row with several parts', () => {
    const [n] = expectContract(maskFromArt({ 3: ['44...', '44...', '.....', '...44', '....4'] }));
    expect(n!.parts).toBe(2);
    expect(n!.area).toBe(7);
  });

  it('border-cut nuclei: the image border counts as perimeter', () => {
    const [n] = expectContract(maskFromArt({ 0: ['11..', '11..', '....'] }));
    expect(n!.perimeter).toBe(8);
  });

  it('touching nuclei of one class stay two rows', () => {
    const rows = expectContract(maskFromArt({ 0: ['1122', '1122'] }));
    expect(rows.map((r) => r.area)).toEqual([4, 4]);
  });

  it('the same id in two channels is two nuclei, flagged shared_id', () => {
    const rows = expectContract(maskFromArt({ 0: ['9...', '....'], 4: ['....', '..99'] }));
    expect(rows.map((r) => [r.classId, r.instanceId, r.sharedId])).toEqual([[1, 9, 1], [5, 9, 1]]);
  });

  it('a pixel in two channels belongs to both, counted in overlap_area', () => {
    const mask = maskFromArt({ 0: ['11.', '11.'], 1: ['.22', '.22'] });
    const rows = expectContract(mask);
    expect(rows.map((r) => [r.area, r.overlapArea])).toEqual([[4, 2], [4, 2]]);
    const { overlapPixels, voidPixels } = extract(mask);
    expect([overlapPixels, voidPixels]).toEqual([2, 0]);
  });

  it('large ids keep their value: 65536, 2^24 + 1, 2^40', () => {
    const rows = expectContract(maskFromArt({ 0: ['ab', 'cc'] }, { a: 65536, b: 2 ** 24 + 1, c: 2 ** 40 }));
    expect(rows.map((r) => r.instanceId)).toEqual([65536, 2 ** 24 + 1, 2 ** 40]);
  });

  it('an empty image has no rows; a void image counts its void pixels', () => {
    const empty = maskFromArt({ 0: ['...', '...'] });
    expect(extract(empty)).toEqual({ nuclei: [], voidPixels: 0, overlapPixels: 0 });
    const voidMask = empty.map((row) => row.map(() => [0, 0, 0, 0, 0, 0]));
    expect(extract(voidMask).voidPixels).toBe(6);
  });

  it('channel 5 (background) makes no nucleus', () => {
    const mask = maskFromArt({ 0: ['1.'] });
    mask[0]![1]![5] = 3;
    expect(extract(mask).nuclei).toHaveLength(1);
  });

  it('random multi-class masks match the reference in every column', () => {
    let seed = 42;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let t = 0; t < 60; t++) {
      const h = 4 + Math.floor(rand() * 10), w = 4 + Math.floor(rand() * 10);
      const mask: Mask3D = Array.from({ length: h }, () => Array.from({ length: w }, () => {
        const px = [0, 1, 2, 3, 4].map(() => (rand() < 0.25 ? 1 + Math.floor(rand() * 3) : 0));
        return [...px, 0];
      }));
      expectContract(mask);
    }
  });
});

describe('extractImage: bad mask values are errors naming the place', () => {
  for (const [value, what] of [[Number.NaN, 'not a number'], [-1, 'negative'], [1.5, 'fractional'], [Number.POSITIVE_INFINITY, 'infinite'], [2 ** 60, 'above 2^53']] as const) {
    it(`${what}`, () => {
      const mask = maskFromArt({ 0: ['1..', '...'] });
      mask[1]![2]![3] = value;
      let error: unknown;
      try {
        extract(mask);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(PannukeError);
      const e = error as PannukeError;
      expect(e.code).toBe('BAD_MASK_VALUE');
      expect(e.position).toBe('fold 2, image 7, channel 3, row 1, col 2');
      expect(e.message).toContain(`is ${what}`);
      expect(e.message).toContain(String(value));
      expect(e.file).toBe('masks.npy');
    });
  }
});

describe('extractImage: reused scratch memory', () => {
  it('gives the same rows as fresh memory, also after an image that failed', () => {
    const a = maskFromArt({ 0: ['11..', '1.22', '..22'], 3: ['.33.', '.33.', '....'] });
    const b = maskFromArt({ 0: ['.1..', '11..', '...4'], 2: ['5555', '....', '....'] });
    const bad = maskFromArt({ 0: ['77..', '....', '...7'] });
    bad[2]![3]![0] = -2;
    const scratch = {};
    extractImage(toRecord(a), layoutOf(a), context, scratch);
    expect(() => extractImage(toRecord(bad), layoutOf(bad), context, scratch)).toThrow(PannukeError);
    expect(extractImage(toRecord(b), layoutOf(b), context, scratch)).toEqual(extractImage(toRecord(b), layoutOf(b), context));
    expect(extractImage(toRecord(a), layoutOf(a), context, scratch)).toEqual(extractImage(toRecord(a), layoutOf(a), context));
  });
});

describe('extractImage: other channel layouts', () => {
  it('a record with an extra trailing channel gives the same rows (the general scan path)', () => {
    const mask = maskFromArt({ 0: ['11..', '1.22', '..22'], 2: ['.33.', '.3..', '....'], 4: ['....', '....', '4444'] });
    const seven = mask.map((row) => row.map((px) => [...px, 0]));
    const six = extractImage(toRecord(mask), layoutOf(mask), context);
    const general = extractImage(toRecord(seven), { ...layoutOf(mask), channels: 7 }, context);
    expect(general).toEqual(six);
  });
});
