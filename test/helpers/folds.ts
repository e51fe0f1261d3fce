/** Tiny folds written with npyjs (an independent writer), in either layout, for dataset and CLI tests. */
import fs from 'node:fs';
import path from 'node:path';
import { dump } from 'npyjs';
import { flatLayout, officialLayout } from '../../src/dataset/layout.js';
import { formatHeader } from '../../src/npy/writer.js';

export interface TinyFold {
  n?: number;
  h?: number;
  w?: number;
  masks?: Float64Array;
  masksShape?: number[];
  imagesShape?: number[];
  types?: string[];
}

/** Writes fold `fold` under root; masks default to one 2×2 nucleus per image in channel 0. */
export function writeTinyFold(root: string, fold: number, layout: 'official' | 'flat', spec: TinyFold = {}): void {
  const n = spec.n ?? 2, h = spec.h ?? 4, w = spec.w ?? 4;
  const files = layout === 'official' ? officialLayout(root, fold) : flatLayout(root, fold);
  for (const f of [files.images, files.masks, files.types]) fs.mkdirSync(path.dirname(f), { recursive: true });
  const masksShape = spec.masksShape ?? [n, h, w, 6];
  let masks = spec.masks;
  if (masks === undefined) {
    masks = new Float64Array(masksShape.reduce((a, b) => a * b, 1));
    for (let i = 0; i < n; i++) for (const [r, q] of [[0, 0], [0, 1], [1, 0], [1, 1]] as const) masks[((i * h + r) * w + q) * 6] = 7 + i;
  }
  const imagesShape = spec.imagesShape ?? [n, h, w, 3];
  fs.writeFileSync(files.masks, new Uint8Array(dump(masks, masksShape)));
  fs.writeFileSync(files.images, new Uint8Array(dump(new Float64Array(imagesShape.reduce((a, b) => a * b, 1)), imagesShape)));
  const types = spec.types ?? Array.from({ length: n }, (_, i) => (i % 2 ? 'Colon' : 'Breast'));
  // npyjs cannot infer a string dtype for an empty list; an empty <U13 array is just its header.
  fs.writeFileSync(files.types, types.length === 0 ? formatHeader('<U13', [0]) : new Uint8Array(dump(types, [types.length])));
}
