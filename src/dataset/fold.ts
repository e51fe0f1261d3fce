/**
 * One fold opened for reading: its three files checked against each other before anything is written.
 *
 *   images.npy  (N, H, W, 3)  numeric
 *   masks.npy   (N, H, W, 6)  numeric; channels 0..4 are instance ids per class, 5 is background
 *   types.npy   (N,)          unicode strings (the tissue of each image)
 */
import { PannukeError } from '../errors.js';
import { decodeStrings } from '../npy/decode.js';
import { formatShape, NpyFile } from '../npy/reader.js';
import { findFolds, type FoldFiles } from './layout.js';

export const MASK_CHANNELS = 6;
/** Channels 0..4 hold instances; channel 5 is background and makes no nucleus. */
export const CLASS_CHANNELS = 5;

export interface OpenFold {
  fold: number;
  files: FoldFiles;
  count: number;
  height: number;
  width: number;
  masks: NpyFile;
  images: NpyFile;
  /** The tissue name of each image, in order. */
  tissues: string[];
  close(): void;
}


export function openFold(files: FoldFiles): OpenFold {
  const opened: NpyFile[] = [];
  const open = (p: string) => {
    const f = NpyFile.open(p);
    opened.push(f);
    return f;
  };
  try {
    const masks = open(files.masks);
    const images = open(files.images);
    const types = open(files.types);

    const mismatch = (file: NpyFile, expected: string, reason?: string) =>
      new PannukeError('FOLD_MISMATCH', `fold ${files.fold}: expected shape ${expected}, found ${formatShape(file.shape)} (${file.header.dtype.descr})${reason === undefined ? '' : `: ${reason}`}`, {
        file: file.path, position: 'header',
      });

    if (masks.header.dtype.kind !== 'numeric') throw mismatch(masks, '(N, H, W, 6) of numbers');
    if (masks.shape.length !== 4 || masks.shape[3] !== MASK_CHANNELS) throw mismatch(masks, '(N, H, W, 6)');
    const [count, height, width] = masks.shape as [number, number, number, number];
    if (images.header.dtype.kind !== 'numeric') throw mismatch(images, `(${count}, ${height}, ${width}, 3) of numbers`);
    if (images.shape.length !== 4 || images.shape[3] !== 3) throw mismatch(images, `(${count}, ${height}, ${width}, 3)`);
    if (types.header.dtype.kind !== 'unicode') {
      throw new PannukeError('FOLD_MISMATCH', `fold ${files.fold}: expected a string array (<U*) of tissue names, found dtype ${types.header.dtype.descr}`, {
        file: types.path, position: 'header',
      });
    }
    if (types.shape.length !== 1) throw mismatch(types, `(${count},)`);
    // The image count is checked before H×W so the message names the first thing that differs.
    if (images.count !== count) throw mismatch(images, `(${count}, ${height}, ${width}, 3)`, `N must equal masks.npy's N = ${count}`);
    if (types.count !== count) throw mismatch(types, `(${count},)`, `N must equal masks.npy's N = ${count}`);
    if (images.shape[1] !== height || images.shape[2] !== width) {
      throw mismatch(images, `(${count}, ${height}, ${width}, 3)`, `H × W must equal masks.npy's ${height} × ${width}`);
    }

    let tissues: string[];
    try {
      tissues = decodeStrings(types.readAll(), types.header.dtype);
    } catch (cause) {
      if (cause instanceof PannukeError) throw cause;
      throw new PannukeError('NPY_BAD_HEADER', `cannot decode the tissue names: ${(cause as Error).message}`, { file: types.path, cause });
    }
    types.close();
    return {
      fold: files.fold, files, count, height, width, masks, images, tissues,
      close: () => {
        masks.close();
        images.close();
      },
    };
  } catch (e) {
    for (const f of opened) f.close();
    throw e;
  }
}

/** Finds and opens the requested folds under root, checking every one before returning any. */
export function openFolds(root: string, folds?: readonly number[]): OpenFold[] {
  const opened: OpenFold[] = [];
  try {
    for (const files of findFolds(root, folds)) opened.push(openFold(files));
    return opened;
  } catch (e) {
    for (const f of opened) f.close();
    throw e;
  }
}
