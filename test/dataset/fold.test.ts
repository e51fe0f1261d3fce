// Finding folds in both layouts, and refusing folds whose files disagree, before anything is written.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openFold } from '../../src/dataset/fold.js';
import { findFolds } from '../../src/dataset/layout.js';
import { writeTinyFold } from '../helpers/folds.js';
import { tempDir } from '../helpers/tmp.js';
import { asyncErrorOf, errorOf } from '../helpers/errors.js';

const dir = tempDir('fold');
let k = 0;
const root = () => path.join(dir, `r${k++}`);



describe('findFolds', () => {
  it('finds the official zip layout, types under images/', () => {
    const r = root();
    writeTinyFold(r, 1, 'official');
    writeTinyFold(r, 3, 'official');
    const folds = findFolds(r);
    expect(folds.map((f) => [f.fold, f.layout])).toEqual([[1, 'official'], [3, 'official']]);
    expect(folds[0]!.types).toBe(path.join(r, 'Fold 1', 'images', 'fold1', 'types.npy'));
    expect(folds[0]!.masks).toBe(path.join(r, 'Fold 1', 'masks', 'fold1', 'masks.npy'));
  });

  it('finds the flat layout and selects folds', () => {
    const r = root();
    writeTinyFold(r, 1, 'flat');
    writeTinyFold(r, 2, 'flat');
    expect(findFolds(r, [2]).map((f) => [f.fold, f.layout, f.images])).toEqual([[2, 'flat', path.join(r, 'fold2', 'images.npy')]]);
  });

  it('a selected fold that is absent is an error naming both layouts', () => {
    const r = root();
    writeTinyFold(r, 1, 'flat');
    const e = errorOf(() => findFolds(r, [1, 3]));
    expect(e.code).toBe('FOLD_NOT_FOUND');
    expect(e.message).toMatch(/fold 3 not found.*Fold 3.*fold3/);
  });

  it('a fold folder missing one of its files is an error naming the file', () => {
    const r = root();
    writeTinyFold(r, 2, 'official');
    fs.rmSync(path.join(r, 'Fold 2', 'images', 'fold2', 'types.npy'));
    const e = errorOf(() => findFolds(r));
    expect(e.code).toBe('FILE_MISSING');
    expect(e.file).toBe(path.join(r, 'Fold 2', 'images', 'fold2', 'types.npy'));
  });

  it('a root without folds, and a missing root', () => {
    const r = root();
    fs.mkdirSync(r);
    expect(errorOf(() => findFolds(r)).code).toBe('FOLD_NOT_FOUND');
    expect(errorOf(() => findFolds(path.join(r, 'nope'))).code).toBe('FILE_MISSING');
  });
});

describe('openFold: the three files must agree', () => {
  const cases: [string, Parameters<typeof writeTinyFold>[3], string, RegExp][] = [
    ['masks without 6 channels', { masksShape: [2, 4, 4, 5] }, 'masks.npy', /expected shape \(N, H, W, 6\), found \(2, 4, 4, 5\)/],
    ['masks with 3 dimensions', { masksShape: [2, 4, 24] }, 'masks.npy', /expected shape \(N, H, W, 6\), found \(2, 4, 24\)/],
    ['N differs in images', { imagesShape: [3, 4, 4, 3] }, 'images.npy', /N must equal masks\.npy's N = 2/],
    ['N differs in types', { types: ['Breast', 'Colon', 'Lung'] }, 'types.npy', /expected shape \(2,\), found \(3,\)/],
    ['H×W differs between images and masks', { imagesShape: [2, 4, 5, 3] }, 'images.npy', /H × W must equal masks\.npy's 4 × 4/],
    ['images without 3 channels', { imagesShape: [2, 4, 4, 4] }, 'images.npy', /expected shape \(2, 4, 4, 3\)/],
  ];
  for (const [name, spec, file, message] of cases) {
    it(name, async () => {
      const r = root();
      writeTinyFold(r, 1, 'flat', spec);
      const e = await asyncErrorOf(() => openFold(findFolds(r)[0]!));
      expect(e.code).toBe('FOLD_MISMATCH');
      expect(path.basename(e.file!)).toBe(file);
      expect(e.message).toMatch(message);
    });
  }

  it('types.npy that is not a string array', async () => {
    const r = root();
    writeTinyFold(r, 1, 'flat');
    fs.copyFileSync(path.join(r, 'fold1', 'masks.npy'), path.join(r, 'fold1', 'types.npy'));
    const e = await asyncErrorOf(() => openFold(findFolds(r)[0]!));
    expect(e.message).toMatch(/expected a string array \(<U\* or \|S\*\) of tissue names, found dtype <f8/);
  });

  it('an empty fold (N = 0) opens with zero images', async () => {
    const r = root();
    writeTinyFold(r, 1, 'flat', { n: 0, types: [] });
    const fold = await openFold(findFolds(r)[0]!);
    expect([fold.count, fold.tissues]).toEqual([0, []]);
    fold.close();
  });
});
