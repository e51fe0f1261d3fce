// Every kind of bad input: exit code 1, one line naming the file and the problem, and the database exactly as
// it was (fold 1 was ingested before; fold 2 is the bad one).
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import { contentHash } from '../helpers/db.js';
import { writeTinyFold } from '../helpers/folds.js';
import { captureIo } from '../helpers/io.js';
import { tempDir, skipBecause } from '../helpers/tmp.js';

const dir = tempDir('bad');
let k = 0;

/** Rewrites bytes of a file in place. */
function patch(file: string, offset: number, bytes: number[] | string): void {
  const buf = fs.readFileSync(file);
  (typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : Buffer.from(bytes)).copy(buf, offset);
  fs.writeFileSync(file, buf);
}

/** Replaces the header dict of an npyjs-written file (same length, padded with spaces). */
function patchHeader(file: string, dict: string): void {
  const buf = fs.readFileSync(file);
  const len = buf.readUInt16LE(8);
  patch(file, 10, dict.padEnd(len - 1, ' ') + '\n');
}

const masksOf = (root: string) => path.join(root, 'fold2', 'masks.npy');
const nanAt = (value: number) => {
  const masks = new Float64Array(3 * 4 * 4 * 6);
  masks[0] = 5;
  masks[((1 * 4 + 2) * 4 + 3) * 6 + 1] = value;
  return masks;
};

const CASES: [string, (root: string) => void, RegExp][] = [
  ['missing file', (r) => fs.rmSync(path.join(r, 'fold2', 'types.npy')), /fold2\/types\.npy: fold 2 \(flat layout\) has no types\.npy/],
  ['not an .npy (bad magic)', (r) => patch(masksOf(r), 0, 'PK\x03\x04'), /fold2\/masks\.npy: byte 0: not an \.npy file: expected magic 93 4e 55 4d 50 59/],
  ['unsupported header version', (r) => patch(masksOf(r), 6, [9]), /masks\.npy: byte 6: unsupported \.npy format version 9\.0/],
  ['truncated file', (r) => fs.truncateSync(masksOf(r), fs.statSync(masksOf(r)).size - 1), /masks\.npy: byte \d+: file is truncated: shape \(3, 4, 4, 6\) of <f8 needs \d+ bytes, found \d+ \(2 whole records of 3\)/],
  ['unsupported dtype', (r) => patchHeader(masksOf(r), "{'descr':'<c16','fortran_order':False,'shape':(3,4,4,3)}"), /masks\.npy: header: unsupported dtype '<c16' \(complex numbers\)/],
  ['Fortran order', (r) => patchHeader(masksOf(r), "{'descr':'<f8','fortran_order':True,'shape':(3,4,4,6)}"), /masks\.npy: header: array is stored in Fortran \(column-major\) order/],
  ['wrong number of dimensions', (r) => patchHeader(masksOf(r), "{'descr':'<f8','fortran_order':False,'shape':(3,16,6)}"), /masks\.npy: header: fold 2: expected shape \(N, H, W, 6\), found \(3, 16, 6\)/],
  ['masks without 6 channels', (r) => patchHeader(masksOf(r), "{'descr':'<f8','fortran_order':False,'shape':(3,4,6,4)}"), /masks\.npy: header: fold 2: expected shape \(N, H, W, 6\), found \(3, 4, 6, 4\)/],
  ['N differing across the files', (r) => writeTinyFold(r, 2, 'flat', { n: 3, imagesShape: [2, 4, 4, 3] }), /images\.npy: header: fold 2: expected shape \(3, 4, 4, 3\), found \(2, 4, 4, 3\) \(<f8\): N must equal masks\.npy's N = 3/],
  ['H×W differing between images and masks', (r) => writeTinyFold(r, 2, 'flat', { n: 3, imagesShape: [3, 5, 4, 3] }), /images\.npy: header: .*H × W must equal masks\.npy's 4 × 4/],
  ['NaN id', (r) => writeTinyFold(r, 2, 'flat', { n: 3, masks: nanAt(Number.NaN) }), /masks\.npy: fold 2, image 1, channel 1, row 2, col 3: mask value NaN is not a number/],
  ['infinite id', (r) => writeTinyFold(r, 2, 'flat', { n: 3, masks: nanAt(Number.NEGATIVE_INFINITY) }), /fold 2, image 1, channel 1, row 2, col 3: mask value -Infinity is infinite/],
  ['negative id', (r) => writeTinyFold(r, 2, 'flat', { n: 3, masks: nanAt(-4) }), /fold 2, image 1, channel 1, row 2, col 3: mask value -4 is negative/],
  ['fractional id', (r) => writeTinyFold(r, 2, 'flat', { n: 3, masks: nanAt(2.5) }), /fold 2, image 1, channel 1, row 2, col 3: mask value 2\.5 is fractional/],
  ['types.npy that is not a string array', (r) => fs.copyFileSync(path.join(r, 'fold2', 'masks.npy'), path.join(r, 'fold2', 'types.npy')), /types\.npy: header: fold 2: expected a string array \(<U\* or \|S\*\) of tissue names, found dtype <f8/],
];

describe('bad input: a clear one-line error, exit 1, and an unchanged database', () => {
  for (const [name, spoil, message] of CASES) {
    it(name, async () => {
      const root = path.join(dir, `r${k++}`);
      writeTinyFold(root, 1, 'flat', { n: 3 });
      writeTinyFold(root, 2, 'flat', { n: 3 });
      const db = path.join(root, 'x.sqlite');
      expect(await runCli(['ingest', root, '--db', db, '--folds', '1'], captureIo())).toBe(0);
      const before = contentHash(db);
      spoil(root);
      const io = captureIo();
      const code = await runCli(['ingest', root, '--db', db], io);
      expect(code).toBe(1);
      const lines = io.err().trim().split('\n').filter((l) => l.startsWith('pannuke: error:'));
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(message);
      expect(contentHash(db)).toBe(before);
    });
  }

  it('a data root that does not exist (a typo): one line naming it and what to give instead, exit 1, no database made', async () => {
    const missing = path.join(dir, 'Fold1-typo');
    const db = path.join(dir, `r${k++}.sqlite`);
    for (const command of ['ingest', 'verify'] as const) {
      const io = captureIo();
      expect(await runCli([command, missing, '--db', db], io), command).toBe(1);
      const lines = io.err().trim().split('\n').filter((l) => l.startsWith('pannuke: error:'));
      expect(lines, command).toEqual([expect.stringMatching(/Fold1-typo: data root does not exist \(give the folder holding "Fold 1" … "Fold 3" \(or fold_1\.zip … fold_3\.zip/)]);
    }
    expect(fs.existsSync(db)).toBe(false);
  });

  it.skipIf(skipBecause(process.getuid?.() === 0, 'an unreadable file cannot be made for root, who reads any file'))('unreadable file (skipped as root: root reads any file)', async () => {
    const root = path.join(dir, `r${k++}`);
    writeTinyFold(root, 1, 'flat');
    fs.chmodSync(path.join(root, 'fold1', 'masks.npy'), 0);
    const io = captureIo();
    expect(await runCli(['ingest', root, '--db', path.join(root, 'x.sqlite')], io)).toBe(1);
    expect(io.err()).toMatch(/masks\.npy: cannot open file: EACCES/);
  });
});
