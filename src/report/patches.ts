/** The H&E patches of the gallery images, read from images.npy and embedded as PNG data URIs. */
import type { OpenFold } from '../dataset/fold.js';
import { yielder } from '../interrupt.js';
import { decodeNumeric } from '../npy/decode.js';
import type { GalleryImage } from './gallery.js';
import { encodePng } from './png.js';

export async function attachPatches(gallery: GalleryImage[], folds: readonly OpenFold[]): Promise<void> {
  const pause = yielder();
  for (const fold of folds) {
    const mine = gallery.filter((g) => g.fold === fold.fold).sort((a, b) => a.foldIndex - b.foldIndex);
    const dtype = fold.images.header.dtype;
    if (mine.length === 0 || dtype.kind !== 'numeric') continue;
    // One read per image, even when two galleries show it (a stream reads increasing indexes only).
    const indexes = [...new Set(mine.map((g) => g.foldIndex))];
    for await (const { index, bytes } of fold.images.read(indexes)) {
      const png = `data:image/png;base64,${encodePng(decodeNumeric(bytes, dtype), fold.width, fold.height).toString('base64')}`;
      for (const g of mine) if (g.foldIndex === index) g.png = png;
      await pause();
    }
  }
}
