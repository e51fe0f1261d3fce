/**
 * One fold opened for reading: its three files checked against each other before anything is written.
 *
 *   images.npy  (N, H, W, 3)  numeric
 *   masks.npy   (N, H, W, 6)  numeric; channels 0..4 are instance ids per class, 5 is background
 *   types.npy   (N,)          strings, <U* (or |S*): the tissue of each image
 */
import { PannukeError } from '../errors.js';
import { decodeStrings } from '../npy/decode.js';
import { formatShape, NpyFile } from '../npy/reader.js';
import type { RecordSource } from '../npy/source.js';
import { NpyStream } from '../npy/stream.js';
import { locateFolds, type FoldFiles, type Role } from './layout.js';
import { MemberRecords } from './member-thread.js';
import { openMember } from './zip-member.js';

export const MASK_CHANNELS = 6;
/** Channels 0..4 hold instances; channel 5 is background and makes no nucleus. */
export const CLASS_CHANNELS = 5;

/**
 * Memory budgets for what a file declares, checked before anything is allocated: a forged header cannot make
 * a reader allocate more than this. One mask record is held per worker (PanNuke's is 3 MiB); tissue names
 * are short (PanNuke's longest is 13 characters).
 */
export const MAX_RECORD_BYTES = 1 << 30;
export const MAX_TISSUE_NAME_CHARS = 256;
export const MAX_TYPES_BYTES = 64 << 20;

export interface OpenFold {
  fold: number;
  files: FoldFiles;
  count: number;
  height: number;
  width: number;
  /** An NpyFile for unpacked folds (workers then read records themselves), a stream for zip members. */
  masks: RecordSource;
  images: RecordSource;
  /** The tissue name of each image, in order. */
  tissues: string[];
  close(): void;
}


export async function openFold(files: FoldFiles): Promise<OpenFold> {
  const opened: RecordSource[] = [];
  const open = async (role: Role): Promise<RecordSource> => {
    const member = files.members?.[role];
    const f = member === undefined ? NpyFile.open(files[role]) : new MemberRecords(await NpyStream.open(files[role], member.uncompressedSize, (chunkBytes) => openMember(member, chunkBytes)), member);
    opened.push(f);
    return f;
  };
  try {
    // The three at once: a zip member's header is read through inflate (a wait on libuv's pool each time).
    const sources = valuesOrFirstFailure(await Promise.allSettled([open('masks'), open('images'), open('types')]));
    const [masks, images, types] = sources as [RecordSource, RecordSource, RecordSource];

    const mismatch = (file: RecordSource, expected: string, reason?: string) =>
      new PannukeError('FOLD_MISMATCH', `fold ${files.fold}: expected shape ${expected}, found ${formatShape(file.header.shape)} (${file.header.dtype.descr})${reason === undefined ? '' : `: ${reason}`}`, {
        file: file.path, position: 'header',
      });

    if (masks.header.dtype.kind !== 'numeric') throw mismatch(masks, '(N, H, W, 6) of numbers');
    if (masks.header.shape.length !== 4 || masks.header.shape[3] !== MASK_CHANNELS) throw mismatch(masks, '(N, H, W, 6)');
    const [count, height, width] = masks.header.shape as [number, number, number, number];
    if (height === 0 || width === 0) throw mismatch(masks, '(N, H, W, 6) with H, W ≥ 1', 'images of zero pixels');
    if (masks.recordBytes > MAX_RECORD_BYTES || images.recordBytes > MAX_RECORD_BYTES) {
      const big = masks.recordBytes > MAX_RECORD_BYTES ? masks : images;
      throw new PannukeError('FOLD_MISMATCH', `one image of ${formatShape(big.header.shape.slice(1))} ${big.header.dtype.descr} needs ${big.recordBytes} bytes: more than the ${MAX_RECORD_BYTES}-byte budget of one record`, {
        file: big.path, position: 'header', hint: 'PanNuke images are 256 × 256; split larger images into tiles',
      });
    }
    if (images.header.dtype.kind !== 'numeric') throw mismatch(images, `(${count}, ${height}, ${width}, 3) of numbers`);
    if (images.header.shape.length !== 4 || images.header.shape[3] !== 3) throw mismatch(images, `(${count}, ${height}, ${width}, 3)`);
    if (types.header.dtype.kind === 'numeric') {
      throw new PannukeError('FOLD_MISMATCH', `fold ${files.fold}: expected a string array (<U* or |S*) of tissue names, found dtype ${types.header.dtype.descr}`, {
        file: types.path, position: 'header',
      });
    }
    if (types.header.shape.length !== 1) throw mismatch(types, `(${count},)`);
    // The image count is checked before H×W so the message names the first thing that differs.
    if (images.count !== count) throw mismatch(images, `(${count}, ${height}, ${width}, 3)`, `N must equal masks.npy's N = ${count}`);
    if (types.count !== count) throw mismatch(types, `(${count},)`, `N must equal masks.npy's N = ${count}`);
    if (images.header.shape[1] !== height || images.header.shape[2] !== width) {
      throw mismatch(images, `(${count}, ${height}, ${width}, 3)`, `H × W must equal masks.npy's ${height} × ${width}`);
    }

    const chars = types.header.dtype.chars;
    if (chars > MAX_TISSUE_NAME_CHARS || types.count * types.recordBytes > MAX_TYPES_BYTES) {
      throw new PannukeError('FOLD_MISMATCH', `fold ${files.fold}: tissue names of up to ${chars} characters (${types.header.dtype.descr}) × ${types.count}: expected names of at most ${MAX_TISSUE_NAME_CHARS} characters`, {
        file: types.path, position: 'header', hint: 'the file is damaged or not a PanNuke types.npy',
      });
    }
    let tissues: string[];
    try {
      tissues = decodeStrings(await types.readAll(), types.header.dtype);
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

/** Finds and opens the requested folds under root (folders or zips), checking every one before returning any. */
export async function openFolds(root: string, folds?: readonly number[]): Promise<OpenFold[]> {
  // Every fold at once (from the zips, 0.2 s of waits one after the other at the bench's 1×); a failure is
  // still the first fold's in order, as when they were opened one by one.
  const settled = await Promise.allSettled((await locateFolds(root, folds)).map(openFold));
  try {
    return valuesOrFirstFailure(settled);
  } catch (e) {
    for (const s of settled) if (s.status === 'fulfilled') s.value.close();
    throw e;
  }
}

/** The values of settled promises, or the reason of the first (in list order) that failed. */
function valuesOrFirstFailure<T>(settled: PromiseSettledResult<T>[]): T[] {
  const failed = settled.find((s) => s.status === 'rejected');
  if (failed !== undefined) throw failed.reason;
  return settled.map((s) => (s as PromiseFulfilledResult<T>).value);
}
