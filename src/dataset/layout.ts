/**
 * Where a fold's three files live under a data root. Three layouts are recognised:
 *
 *   official (the unpacked zips)   Fold 1/images/fold1/images.npy
 *                                  Fold 1/images/fold1/types.npy   (types sit under images/, not masks/)
 *                                  Fold 1/masks/fold1/masks.npy
 *   flat                           fold1/images.npy, fold1/types.npy, fold1/masks.npy
 *   zip                            the official fold_1.zip … (or any zip holding either layout), given as the
 *                                  root itself or found in the root folder; read without unpacking
 */
import fs from 'node:fs';
import path from 'node:path';
import { PannukeError } from '../errors.js';
import { npyMembers } from './zip.js';
import type { ZipMember } from './zip-member.js';

export const FOLDS = [1, 2, 3] as const;

export const ROLES = ['images', 'masks', 'types'] as const;
export type Role = (typeof ROLES)[number];

export interface FoldFiles {
  fold: number;
  layout: 'official' | 'flat' | 'zip';
  /** Paths, or `archive.zip:member` for zip members. */
  images: string;
  masks: string;
  types: string;
  /** The zip members, for the zip layout. */
  members?: Record<Role, ZipMember>;
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

/** A data root that does not exist (a typo) is refused saying what to give instead. */
function requireDataRoot(root: string): void {
  if (!fs.existsSync(root)) {
    throw new PannukeError('FILE_MISSING', 'data root does not exist', { file: root, hint: 'give the folder holding "Fold 1" … "Fold 3" (or fold_1.zip … fold_3.zip, as `pannuke fetch` downloads them), or one fold zip' });
  }
}

/**
 * Finds the requested folds (all that exist when `folds` is undefined). A fold counts as present when its
 * folder exists; its files are then all required, so a half-copied fold is an error, not a skipped fold.
 */
export function findFolds(root: string, folds?: readonly number[]): FoldFiles[] {
  requireDataRoot(root);
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

const MEMBER = /(?:^|\/)(?:Fold (\d)\/(images|masks)\/fold\1\/(images|masks|types)\.npy|fold(\d)\/(images|masks|types)\.npy)$/;

/**
 * Finds folds in zip archives: `root` is a .zip, or a folder whose .zip files are searched (used when the
 * folder holds no unpacked fold). Members are matched by path inside the archive.
 */
export async function findZipFolds(root: string, folds?: readonly number[]): Promise<FoldFiles[]> {
  const zips = fs.statSync(root).isDirectory()
    ? fs.readdirSync(root).filter((f) => f.toLowerCase().endsWith('.zip')).sort().map((f) => path.join(root, f))
    : [root];
  const found = new Map<number, Partial<Record<Role, ZipMember>>>();
  for (const zip of zips) {
    for (const m of await npyMembers(zip)) {
      const match = MEMBER.exec(m.name);
      if (match === null) continue;
      const fold = Number(match[1] ?? match[4]);
      const role = (match[3] ?? match[5]) as Role;
      // the official layout keeps types.npy under images/, masks.npy under masks/
      if (match[1] !== undefined && (role === 'masks') !== (match[2] === 'masks')) continue;
      const entry = found.get(fold) ?? {};
      if (entry[role] !== undefined) {
        throw new PannukeError('FOLD_MISMATCH', `fold ${fold}: two ${role}.npy members ('${entry[role].zip}:${entry[role].name}' and '${zip}:${m.name}')`, { file: zip });
      }
      entry[role] = m;
      found.set(fold, entry);
    }
  }
  const wanted = folds ?? [...found.keys()].sort();
  const out: FoldFiles[] = [];
  for (const fold of wanted) {
    const entry = found.get(fold);
    if (entry === undefined) {
      throw new PannukeError('FOLD_NOT_FOUND', `fold ${fold} not found in ${zips.length} zip archive(s): expected a member 'Fold ${fold}/masks/fold${fold}/masks.npy' (or 'fold${fold}/masks.npy')`, { file: root });
    }
    for (const role of ROLES) {
      if (entry[role] === undefined) throw new PannukeError('FILE_MISSING', `fold ${fold} has no ${role}.npy in the archive`, { file: zips.join(', ') });
    }
    const members = entry as Record<Role, ZipMember>;
    const name = (role: Role) => `${members[role].zip}:${members[role].name}`;
    out.push({ fold, layout: 'zip', images: name('images'), masks: name('masks'), types: name('types'), members });
  }
  if (out.length === 0) throw new PannukeError('FOLD_NOT_FOUND', 'no fold found in the zip archive(s)', { file: root });
  return out;
}

/**
 * Unpacked folds under root when there are any, else folds inside zip archives. Paths come back absolute and
 * with symbolic links resolved: they are recorded in the database and must name the same files from any
 * working folder.
 */
export async function locateFolds(given: string, folds?: readonly number[]): Promise<FoldFiles[]> {
  requireDataRoot(given);
  const root = fs.realpathSync(path.resolve(given));
  const isDir = fs.statSync(root).isDirectory();
  if (isDir && FOLDS.some((f) => foldDirExists(root, officialLayout(root, f)) || foldDirExists(root, flatLayout(root, f)))) return findFolds(root, folds);
  if (!isDir || fs.readdirSync(root).some((f) => f.toLowerCase().endsWith('.zip'))) return findZipFolds(root, folds);
  return findFolds(root, folds);
}
