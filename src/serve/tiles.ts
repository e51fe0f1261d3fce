/**
 * The H&E patch of an image, as PNG, for the explorer: read from the folds the database was ingested from
 * (its recorded sources, each checked unchanged) or from --data. Only ids from the database reach this module
 * (never a path from a URL), so a request cannot name a file. Unpacked folds are read by positioned reads
 * (one record); a zip member can only be inflated from its start, so its patches are slow the first time
 * (the server says so at start); the last PNGs are kept (an LRU of bounded bytes) either way. A fold that
 * cannot be opened (moved, changed) gives no patch: the page shows a placeholder, never an error.
 */
import type { OpenFold } from '../dataset/fold.js';
import { decodeNumeric } from '../npy/decode.js';
import { RecordFile } from '../npy/records.js';
import { encodePng } from '../report/png.js';

const CACHE_BYTES = 48 << 20;

export class Tiles {
  private readonly files = new Map<number, RecordFile>();
  private readonly cache = new Map<string, Buffer>();
  private cached = 0;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly folds: readonly OpenFold[]) {
    for (const f of folds) if (f.images.recordLayout !== undefined) this.files.set(f.fold, new RecordFile(f.images.recordLayout));
  }

  /** Whether a fold's patches come from a zip member (slow the first time). */
  get zipped(): number[] {
    return this.folds.filter((f) => f.images.recordLayout === undefined).map((f) => f.fold);
  }

  /** The PNG of image `foldIndex` of `fold`, or undefined when its fold is not open. */
  async png(fold: number, foldIndex: number): Promise<Buffer | undefined> {
    const key = `${fold}:${foldIndex}`;
    const hit = this.cache.get(key);
    if (hit !== undefined) {
      this.cache.delete(key);
      this.cache.set(key, hit); // most recent last
      return hit;
    }
    const open = this.folds.find((f) => f.fold === fold);
    if (open === undefined || foldIndex < 0 || foldIndex >= open.count) return undefined;
    const dtype = open.images.header.dtype;
    if (dtype.kind !== 'numeric') return undefined;
    let bytes: Uint8Array | undefined;
    const file = this.files.get(fold);
    if (file !== undefined) {
      bytes = file.read(foldIndex, new Uint8Array(open.images.recordBytes));
    } else {
      // one stream read at a time: a zip member is inflated from its start for each
      const read = this.queue.then(async () => {
        for await (const r of open.images.read([foldIndex])) return new Uint8Array(r.bytes);
        return undefined;
      });
      this.queue = read.catch(() => undefined);
      bytes = await read;
    }
    if (bytes === undefined) return undefined;
    const png = encodePng(decodeNumeric(bytes, dtype), open.width, open.height);
    this.cache.set(key, png);
    this.cached += png.length;
    for (const [k, v] of this.cache) {
      if (this.cached <= CACHE_BYTES) break;
      this.cache.delete(k);
      this.cached -= v.length;
    }
    return png;
  }

  close(): void {
    for (const f of this.files.values()) f.close();
    for (const f of this.folds) f.close();
  }
}
