/**
 * A synthetic PanNuke: folds in the official layout and dtypes (float64 images and masks, <U13 types), with
 * realistic nucleus shapes and counts and every quirk of the real release: empty images, images zero in all
 * six channels, border-cut nuclei, single pixels, 1-px lines, rings with holes, holes touching the outside at
 * a corner, fragments sharing an id, diagonal-only contacts, touching nuclei, one id in two channels, a pixel
 * in two channels, and ids such as 65,536 and 2^24 + 1.
 *
 * Next to the folds it writes manifest.json: per image its tissue and the number of distinct ids per class
 * channel, counted from the generated masks (not by pannuke-db's extractor), for end-to-end checks.
 */
import fs from 'node:fs';
import path from 'node:path';
import { officialLayout } from '../dataset/layout.js';
import { encodeUnicode, formatHeader, NpyWriter } from '../npy/writer.js';
import { yielder } from '../interrupt.js';
import { rng } from '../random.js';
import { checkerboard, cornerHole, ellipse, line, ring, type Pixel } from './shapes.js';
import { finishPatch } from './patch.js';
import { loadRelease, type ExpectedImage } from '../release/expected.js';
import { realisticImage } from './realistic.js';

export const TISSUES = [
  'Adrenal_gland', 'Bile-duct', 'Bladder', 'Breast', 'Cervix', 'Colon', 'Esophagus', 'HeadNeck', 'Kidney', 'Liver',
  'Lung', 'Ovarian', 'Pancreatic', 'Prostate', 'Skin', 'Stomach', 'Testis', 'Thyroid', 'Uterus',
] as const;

/** Class shares of the real release (77,403 / 32,276 / 50,585 / 2,908 / 26,572 of 189,744). */
const CLASS_SHARES = [0.408, 0.17, 0.267, 0.015, 0.14];
const CHANNELS = 6;

export interface SynthOptions {
  dir: string;
  /** Images per fold; with `likeRelease`, undefined means the whole release (2,656 / 2,523 / 2,722). */
  imagesPerFold?: number;
  /** Each image's tissue and nuclei per class from the real release (see realistic.ts). */
  likeRelease?: boolean;
  seed: number;
  size?: number;
  folds?: readonly number[];
  /** After each image, with its number of nuclei. */
  onImage?: (fold: number, index: number, nuclei: number) => void;
}

export interface ManifestImage {
  index: number;
  tissue: string;
  /** Distinct ids per class channel 0..4. */
  counts: number[];
}

export interface Manifest {
  seed: number;
  size: number;
  imagesPerFold: number | null;
  likeRelease?: boolean;
  folds: { fold: number; images: ManifestImage[] }[];
  /** Nuclei per class channel 0..4 over all folds. */
  totals: number[];
}

export async function synthesize(options: SynthOptions): Promise<Manifest> {
  const size = options.size ?? 256;
  const pause = yielder();
  const manifest: Manifest = { seed: options.seed, size, imagesPerFold: options.imagesPerFold ?? null, ...(options.likeRelease === true && { likeRelease: true }), folds: [], totals: [0, 0, 0, 0, 0] };
  const release = options.likeRelease === true ? loadRelease() : undefined;
  for (const fold of options.folds ?? [1, 2, 3]) {
    const files = officialLayout(options.dir, fold);
    fs.mkdirSync(path.dirname(files.images), { recursive: true });
    fs.mkdirSync(path.dirname(files.masks), { recursive: true });
    const rand = rng(options.seed * 7919 + fold);
    const plan = release === undefined ? undefined : sampleEvenly(release.folds.get(fold) as ExpectedImage[], options.imagesPerFold);
    const n = plan?.length ?? options.imagesPerFold ?? 40;
    const tissues = plan?.map((im) => im.tissue) ?? Array.from({ length: n }, () => TISSUES[Math.floor(rand() * TISSUES.length)] as string);
    fs.writeFileSync(files.types, Buffer.concat([formatHeader('<U13', [n]), encodeUnicode(tissues, 13)]));
    const images = new NpyWriter(files.images, '<f8', [n, size, size, 3], 8);
    const masks = new NpyWriter(files.masks, '<f8', [n, size, size, CHANNELS], 8);
    const images_: ManifestImage[] = [];
    for (let index = 0; index < n; index++) {
      const { mask, rgb } = plan === undefined ? synthImage(rand, size) : realisticImage(rand, size, (plan[index] as ExpectedImage).counts);
      const counts = countIds(mask, size * size);
      counts.forEach((c, k) => (manifest.totals[k] = (manifest.totals[k] as number) + c));
      images_.push({ index, tissue: tissues[index] as string, counts });
      masks.append(mask);
      images.append(rgb);
      options.onImage?.(fold, index, counts.reduce((a, b) => a + b, 0));
      await pause();
    }
    images.close();
    masks.close();
    manifest.folds.push({ fold, images: images_ });
  }
  fs.writeFileSync(path.join(options.dir, 'manifest.json'), JSON.stringify(manifest));
  return manifest;
}

/**
 * `n` images of a fold spread evenly over it (every (N/n)-th, in order), so the sample keeps the fold's mix of
 * tissues and counts; all of it when `n` is undefined or not smaller.
 */
function sampleEvenly(images: readonly ExpectedImage[], n: number | undefined): ExpectedImage[] {
  if (n === undefined || n >= images.length) return [...images];
  return Array.from({ length: n }, (_, i) => images[Math.floor((i * images.length) / n)] as ExpectedImage);
}

/** Distinct non-zero values per class channel, counted straight from the mask. */
function countIds(mask: Float64Array, hw: number): number[] {
  const seen = Array.from({ length: 5 }, () => new Set<number>());
  for (let p = 0; p < hw; p++) for (let c = 0; c < 5; c++) if (mask[p * CHANNELS + c] !== 0) seen[c]!.add(mask[p * CHANNELS + c] as number);
  return seen.map((s) => s.size);
}

function pickClass(rand: () => number): number {
  let u = rand();
  for (let c = 0; c < 5; c++) {
    u -= CLASS_SHARES[c] as number;
    if (u < 0) return c;
  }
  return 0;
}

function synthImage(rand: () => number, size: number): { mask: Float64Array; rgb: Float64Array } {
  const hw = size * size;
  const mask = new Float64Array(hw * CHANNELS);
  const rgb = new Float64Array(hw * 3);
  const kind = rand();
  const isVoid = kind < 0.03; // zero in all six channels, as 160 real patches are
  const isEmpty = !isVoid && kind < 0.08; // background only, as 343 real images are
  const nextId = Array.from({ length: 5 }, () => 1 + Math.floor(rand() * 40));
  const newId = (c: number) => (nextId[c] = (nextId[c] as number) + 1 + Math.floor(rand() * 4));
  const at = () => [Math.floor(rand() * size), Math.floor(rand() * size)] as const;

  /** Paints `id` into channel c where that channel is still 0 (ids stay unique per channel). */
  const paint = (c: number, id: number, pixels: readonly Pixel[], overwrite = false) => {
    for (const [row, col] of pixels) {
      if (row < 0 || col < 0 || row >= size || col >= size) continue;
      const k = (row * size + col) * CHANNELS + c;
      if (overwrite || mask[k] === 0) mask[k] = id;
    }
  };

  if (!isVoid && !isEmpty) {
    const count = 3 + Math.floor(rand() * rand() * 60 * (size / 256) ** 2);
    for (let k = 0; k < count; k++) {
      const c = pickClass(rand);
      const [cy, cx] = at();
      const r = 2.5 + rand() * 7 * Math.min(1, size / 128);
      paint(c, newId(c), ellipse(cy, cx, r * (0.5 + rand() * 0.5), r, rand() * Math.PI));
    }
    // The hard cases, each in some images only.
    const maybe = (p: number, f: () => void) => {
      if (rand() < p) f();
    };
    const c = () => pickClass(rand);
    maybe(0.4, () => { const ch = c(); const [r0, c0] = at(); paint(ch, newId(ch), [[r0, c0]]); }); // single pixel
    maybe(0.3, () => { const ch = c(); const [r0, c0] = at(); paint(ch, newId(ch), line(r0, c0, 2 + Math.floor(rand() * 8), (['h', 'v', 'd'] as const)[Math.floor(rand() * 3)]!)); });
    maybe(0.25, () => { const ch = c(); const [r0, c0] = at(); paint(ch, newId(ch), ring(r0, c0, 5 + rand() * 4, 1.5 + rand() * 2)); });
    maybe(0.25, () => { const ch = c(); const [r0, c0] = at(); paint(ch, newId(ch), cornerHole(r0, c0)); });
    maybe(0.2, () => { const ch = c(); const [r0, c0] = at(); paint(ch, newId(ch), checkerboard(r0, c0, 2 + Math.floor(rand() * 4))); });
    maybe(0.3, () => {
      // fragments sharing an id: one nucleus cut in pieces
      const ch = c();
      const id = newId(ch);
      for (let k = 0; k < 2 + Math.floor(rand() * 2); k++) { const [r0, c0] = at(); paint(ch, id, ellipse(r0, c0, 2 + rand() * 3, 2 + rand() * 3, 0)); }
    });
    maybe(0.4, () => {
      // border-cut nucleus
      const ch = c();
      const side = Math.floor(rand() * 4);
      const t = rand() * size;
      const [cy, cx] = side === 0 ? [0.5, t] : side === 1 ? [size - 0.5, t] : side === 2 ? [t, 0.5] : [t, size - 0.5];
      paint(ch, newId(ch), ellipse(cy, cx, 3 + rand() * 5, 3 + rand() * 5, rand()));
    });
    maybe(0.3, () => {
      // touching nuclei: two ids side by side in one channel
      const ch = c();
      const [r0, c0] = at();
      paint(ch, newId(ch), ellipse(r0, c0, 4, 4, 0));
      paint(ch, newId(ch), ellipse(r0, c0 + 7, 4, 4, 0));
    });
    maybe(0.25, () => {
      // one id in two channels: two different nuclei
      const c1 = c();
      const c2 = (c1 + 1 + Math.floor(rand() * 4)) % 5;
      const id = Math.max(newId(c1), newId(c2));
      const [r0, c0] = at();
      const [r1, c1_] = at();
      paint(c1, id, ellipse(r0, c0, 4, 3, 0));
      paint(c2, id, ellipse(r1, c1_, 3, 4, 0));
    });
    maybe(0.3, () => {
      // pixels in two channels: a nucleus of another class overlapping one
      const c1 = c();
      const c2 = (c1 + 1 + Math.floor(rand() * 4)) % 5;
      const [r0, c0] = at();
      paint(c1, newId(c1), ellipse(r0, c0, 5, 5, 0));
      paint(c2, newId(c2), ellipse(r0 + 3, c0 + 3, 4, 4, 0));
    });
    maybe(0.1, () => { const ch = c(); const [r0, c0] = at(); paint(ch, 65536, ellipse(r0, c0, 4, 4, 0)); });
    maybe(0.1, () => { const ch = c(); const [r0, c0] = at(); paint(ch, 2 ** 24 + 1, ellipse(r0, c0, 3, 5, 1)); });
  }

  finishPatch(mask, rgb, hw, isVoid, rand);
  return { mask, rgb };
}
