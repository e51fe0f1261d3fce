// The quirk counts of qc_summary and `pannuke qc`, on a fold built by hand with each quirk placed once.
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import { writeTinyFold } from '../helpers/folds.js';
import { captureIo } from '../helpers/io.js';
import { maskFromArt, toRecord } from '../helpers/masks.js';
import { tempDir } from '../helpers/tmp.js';

const dir = tempDir('qc');

describe('qc_summary and pannuke qc', () => {
  it('count each quirk placed in a hand-built fold', async () => {
    const quirky = maskFromArt({
      0: ['33....', '......', '......', '......', '......', '......'], // id 3 in Neoplastic …
      1: ['.5....', '.5....', '......', '......', '......', '......'], // … pixel (0, 1) also Inflammatory
      2: ['......', '......', '......', '......', '....3.', '......'], // … and id 3 again in Connective
      3: ['......', '......', '.777..', '.7.7..', '.777..', '......'], // a ring: one hole
      4: ['......', '......', '......', '9.....', '......', '9.....'], // one id in two parts
    });
    const empty = maskFromArt({ 0: ['......', '......', '......', '......', '......', '......'] });
    const voidImage = empty.map((row) => row.map(() => [0, 0, 0, 0, 0, 0]));
    const masks = new Float64Array([...toRecord(quirky), ...toRecord(empty), ...toRecord(voidImage)]);
    const root = path.join(dir, 'root');
    writeTinyFold(root, 1, 'flat', { n: 3, h: 6, w: 6, masks });
    const db = path.join(root, 'x.sqlite');
    expect(await runCli(['ingest', root, '--db', db], captureIo())).toBe(0);

    const raw = new Database(db, { readonly: true });
    const rows = raw.prepare('SELECT quirk, nuclei, pixels, images FROM qc_summary').all();
    raw.close();
    expect(rows).toEqual([
      // Neoplastic 3 and Connective 3 share an id: two nuclei, each a row.
      { quirk: 'shared_id', nuclei: 2, pixels: null, images: 1 },
      // One pixel in Neoplastic 3 and Inflammatory 5: one pixel, two nuclei that have it.
      { quirk: 'overlap_pixels', nuclei: 2, pixels: 1, images: 1 },
      { quirk: 'fragmented', nuclei: 1, pixels: null, images: 1 },
      { quirk: 'holes', nuclei: 1, pixels: null, images: 1 },
      { quirk: 'empty_image', nuclei: null, pixels: null, images: 2 },
      { quirk: 'void_image', nuclei: null, pixels: null, images: 1 },
      { quirk: 'tiny_nucleus', nuclei: 5, pixels: null, images: 1 },
    ]);

    const io = captureIo();
    expect(await runCli(['qc', '--db', db], io)).toBe(0);
    expect(io.out()).toMatch(/overlap_pixels\s+2\s+1\s+1/);
    expect(io.out()).toMatch(/fragmented: the first 1 of 1 nuclei\n.*\n.*\n\s+1\s+0\s+Epithelial\s+9\s+2 parts, area 2/);
    expect(io.out()).toMatch(/void_image: the first 1 of 1 images\n.*\n.*\n\s+1\s+2\s+all six channels zero/);
  });
});
