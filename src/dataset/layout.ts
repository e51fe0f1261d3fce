/**
 * Where a fold's three files live under a data root. Two layouts are recognised:
 *
 *   official (the unpacked zips)   Fold 1/images/fold1/images.npy
 *                                  Fold 1/images/fold1/types.npy   (types sit under images/, not masks/)
 *                                  Fold 1/masks/fold1/masks.npy
 *   flat                           fold1/images.npy, fold1/types.npy, fold1/masks.npy
 */
import fs from 'node:fs';
import path from 'node:path';
import { PannukeError } from '../errors.js';

export const FOLDS = [1, 2, 3] as const;

export interface FoldFiles {
  fold: number;
  layout: 'official' | 'flat';
  images: string;
  masks: string;
  types: string;
}

export function officialLayout(root: string, fold: number): FoldFiles {
  const dir = path.join(root, `Fold ${fold}`);
  return {
    fold,
    layout: 'official',
    images: path.join(dir, 'images', `fold${fold}`, 'images.npy'),
    types: path.join(dir, 'images', `fold${fold}`, 'types.npy'),
    masks: path.join(dir, 'masks', `fold${fold}`, 'masks.npy'),
  };
}

export function flatLayout(root: string, fold: number): FoldFiles {
  const dir = path.join(root, `fold${fold}`);
  return {
    fold,
    layout: 'flat',
    images: path.join(dir, 'images.npy'),
    types: path.join(dir, 'types.npy'),
    masks: path.join(dir, 'masks.npy'),
  };
}

/**
 * Finds the requested folds (all that exist when `folds` is undefined). A fold counts as present when its
 * folder exists; its files are then all required, so a half-copied fold is an error, not a skipped fold.
 */
export function findFolds(root: string, folds?: readonly number[]): FoldFiles[] {
  if (!fs.existsSync(root)) throw new PannukeError('FILE_MISSING', 'data root does not exist', { file: root });
  if (!fs.statSync(root).isDirectory()) throw new PannukeError('FOLD_NOT_FOUND', 'data root is not a folder', { file: root });
  const wanted = folds ?? FOLDS;
  const found: FoldFiles[] = [];
  for (const fold of wanted) {
    const candidates = [officialLayout(root, fold), flatLayout(root, fold)];
    const present = candidates.find((c) => foldDirExists(root, c));
    if (present === undefined) {
      if (folds === undefined) continue;
      throw new PannukeError('FOLD_NOT_FOUND', `fold ${fold} not found: expected '${path.join(root, `Fold ${fold}`)}' (official layout) or '${path.join(root, `fold${fold}`)}' (flat layout)`, {
        file: root,
      });
    }
    for (const role of ['images', 'types', 'masks'] as const) {
      if (!fs.existsSync(present[role])) {
        throw new PannukeError('FILE_MISSING', `fold ${fold} (${present.layout} layout) has no ${role}.npy`, { file: present[role] });
      }
    }
    found.push(present);
  }
  if (found.length === 0) {
    throw new PannukeError('FOLD_NOT_FOUND', "no fold found: expected 'Fold 1/images/fold1/images.npy' … (official layout) or 'fold1/images.npy' … (flat layout)", {
      file: root,
      hint: 'point ingest at the folder that holds the unpacked folds, or run `pannuke synth <dir>` for sample data',
    });
  }
  return found;
}

function foldDirExists(root: string, files: FoldFiles): boolean {
  const dir = files.layout === 'official' ? path.join(root, `Fold ${files.fold}`) : path.join(root, `fold${files.fold}`);
  return fs.existsSync(dir) && fs.statSync(dir).isDirectory();
}
