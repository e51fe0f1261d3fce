import { describe, expect, it } from 'vitest';
import { DETECTION_FIELDS, MATCH_FIELDS, packEvaluation } from '../../src/eval/packed.js';
import type { ImageEvaluation } from '../../src/eval/match.js';

const evaluation = (): ImageEvaluation => ({
  counts: [0, 1, 2, 3, 4, 5].map((mode) => ({ mode, tp: mode, fp: 2 * mode + 1, fn: 3, iouSum: mode * 0.7123456789012345, gtEmpty: mode === 4 })),
  matches: [
    { mode: 0, gt: 0, pred: 2, intersection: 131, iou: 131 / 157 },
    { mode: 3, gt: 7, pred: 0, intersection: 1, iou: 0.5000000000000001 },
  ],
  detections: [
    { gt: 1, pred: 0, distance: Math.SQRT2 },
    { gt: -1, pred: 3, distance: Number.NaN },
    { gt: 5, pred: -1, distance: Number.NaN },
  ],
  officialFails: true,
});

describe('the packed evaluation (what eval workers hand to the main thread)', () => {
  it('keeps every value exactly, in the documented layout', () => {
    const p = packEvaluation(evaluation());
    expect(Array.from(p.counts)).toEqual([0, 1, 2, 3, 4, 5].flatMap((m) => [m, 2 * m + 1, 3, m * 0.7123456789012345, m === 4 ? 1 : 0]));
    expect(Array.from(p.matches)).toEqual([0, 0, 2, 131, 131 / 157, 3, 7, 0, 1, 0.5000000000000001]);
    expect(p.matches.length / MATCH_FIELDS).toBe(2);
    expect(Array.from(p.detections)).toEqual([1, 0, Math.SQRT2, -1, 3, Number.NaN, 5, -1, Number.NaN]);
    expect(p.detections.length / DETECTION_FIELDS).toBe(3);
    expect(p.officialFails).toBe(true);
  });

  it('refuses counts out of mode order (their position is the mode)', () => {
    const e = evaluation();
    e.counts.reverse();
    expect(() => packEvaluation(e)).toThrow(/mode order/);
  });
});
