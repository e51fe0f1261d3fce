// The streaming reader against files written by another implementation (npyjs) and by hand.
import fs from 'node:fs';
import path from 'node:path';
import { dump } from 'npyjs';
import { describe, expect, it } from 'vitest';
import { decodeNumeric, decodeStrings } from '../../src/npy/decode.js';
import { NpyFile } from '../../src/npy/reader.js';
import { hasShared, SHARED_SAMPLE, tempDir, skipBecause } from '../helpers/tmp.js';
import { errorOf } from '../helpers/errors.js';

const dir = tempDir('npy');
let n = 0;
const write = (bytes: ArrayBuffer | Uint8Array) => {
  const p = path.join(dir, `f${n++}.npy`);
  fs.writeFileSync(p, new Uint8Array(bytes instanceof ArrayBuffer ? bytes : bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)));
  return p;
};

/** An .npy file by hand: any version, descr and data bytes. */
function handMade(version: 1 | 2 | 3, dict: string, data: Uint8Array, magic = '\x93NUMPY'): Uint8Array {
  const prefix = version === 1 ? 10 : 12;
  const text = new TextEncoder().encode(dict.padEnd(118 - prefix, ' ') + '\n');
  const out = new Uint8Array(prefix + text.length + data.length);
  [...magic].forEach((c, i) => (out[i] = c.charCodeAt(0)));
  out[6] = version;
  out[7] = 0;
  const view = new DataView(out.buffer);
  if (version === 1) view.setUint16(8, text.length, true);
  else view.setUint32(8, text.length, true);
  out.set(text, prefix);
  out.set(data, prefix + text.length);
  return out;
}


function readAllRecords(file: NpyFile): number[] {
  const out: number[] = [];
  const buf = new Uint8Array(new ArrayBuffer(file.recordBytes));
  for (let i = 0; i < file.count; i++) {
    const bytes = file.readRecord(i, buf);
    if (file.header.dtype.kind !== 'numeric') throw new Error('numeric expected');
    out.push(...decodeNumeric(new Uint8Array(bytes.slice().buffer), file.header.dtype));
  }
  return out;
}

describe('NpyFile: numeric records', () => {
  const values = [0, 1, 2, 3, 250, 7, 65, 100, 0, 5, 9, 11];
  for (const [dtype, Arr] of [['f8', Float64Array], ['f4', Float32Array], ['u1', Uint8Array], ['u2', Uint16Array], ['i4', Int32Array], ['u4', Uint32Array], ['i1', Int8Array], ['i2', Int16Array]] as const) {
    it(`reads ${dtype} (written by npyjs) record by record at header + i × recordBytes`, () => {
      const data = new (Arr as unknown as new (v: number[]) => ArrayBufferView)(dtype === 'i1' ? values.map((v) => v % 128) : values);
      const p = write(dump(data as never, [3, 2, 2]));
      const file = NpyFile.open(p);
      expect(file.shape).toEqual([3, 2, 2]);
      expect(file.recordBytes).toBe(4 * data.constructor.prototype.BYTES_PER_ELEMENT);
      expect(readAllRecords(file)).toEqual(Array.from(data as unknown as ArrayLike<number>));
      file.close();
    });
  }

  it('reads <i8 and >i8, and turns values beyond 2^53 into NaN (so validation names them)', () => {
    const le = new BigInt64Array([1n, 2n ** 40n, 2n ** 60n, -3n]);
    const p = write(dump(le, [2, 2]));
    const values = readAllRecords(NpyFile.open(p));
    expect(values.slice(0, 2)).toEqual([1, 2 ** 40]);
    expect(values[2]).toBeNaN();
    expect(values[3]).toBe(-3);
  });

  it('reads big-endian forms of every multi-byte type', () => {
    for (const [descr, size, set] of [
      ['>f8', 8, (v: DataView, o: number, x: number) => v.setFloat64(o, x, false)],
      ['>f4', 4, (v: DataView, o: number, x: number) => v.setFloat32(o, x, false)],
      ['>u2', 2, (v: DataView, o: number, x: number) => v.setUint16(o, x, false)],
      ['>i4', 4, (v: DataView, o: number, x: number) => v.setInt32(o, x, false)],
      ['>u4', 4, (v: DataView, o: number, x: number) => v.setUint32(o, x, false)],
      ['>i8', 8, (v: DataView, o: number, x: number) => v.setBigInt64(o, BigInt(x), false)],
    ] as const) {
      const vals = [1, 258, 65535, 3];
      const data = new Uint8Array(vals.length * size);
      vals.forEach((x, i) => set(new DataView(data.buffer), i * size, x));
      const p = write(handMade(1, `{'descr': '${descr}', 'fortran_order': False, 'shape': (2, 2), }`, data));
      expect(readAllRecords(NpyFile.open(p)), descr).toEqual(vals);
    }
  });

  it('reads format versions 2.0 and 3.0 (4-byte header length)', () => {
    const data = new Uint8Array(new Float64Array([1, 2, 3, 4]).buffer);
    for (const v of [2, 3] as const) {
      const file = NpyFile.open(write(handMade(v, "{'descr': '<f8', 'fortran_order': False, 'shape': (4,), }", data)));
      expect(file.header.version).toBe(`${v}.0`);
      expect(readAllRecords(file)).toEqual([1, 2, 3, 4]);
    }
  });

  it('reads records at offsets past 4 GiB of a sparse file', () => {
    const p = path.join(dir, 'big.npy');
    const header = handMade(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (700, 1000000), }", new Uint8Array(0));
    fs.writeFileSync(p, header);
    const fd = fs.openSync(p, 'r+');
    const last = new Float64Array(1_000_000).fill(7);
    fs.writeSync(fd, new Uint8Array(last.buffer), 0, last.byteLength, header.length + 699 * 8_000_000);
    fs.closeSync(fd);
    const file = NpyFile.open(p);
    const buf = new Uint8Array(new ArrayBuffer(file.recordBytes));
    file.readRecord(699, buf);
    expect(new Float64Array(buf.buffer)[999_999]).toBe(7);
    file.close();
    fs.rmSync(p);
  });
});

describe('NpyFile: errors name the file and the problem', () => {
  const f8 = new Uint8Array(new Float64Array([1, 2]).buffer);
  const cases: [string, Uint8Array, string, RegExp][] = [
    ['bad magic', handMade(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }", f8, 'NOTNPY'), 'NPY_BAD_MAGIC', /not an \.npy file/],
    ['version 4.0', (() => { const b = handMade(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }", f8); b[6] = 4; return b; })(), 'NPY_BAD_VERSION', /version 4\.0/],
    ['truncated', handMade(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }", f8), 'NPY_TRUNCATED', /truncated: shape \(3,\) of <f8 needs \d+ bytes, found \d+ \(2 whole records of 3\)/],
    ['object dtype', handMade(1, "{'descr': '|O', 'fortran_order': False, 'shape': (2,), }", f8), 'NPY_DTYPE', /'\|O'/],
    ['complex dtype', handMade(1, "{'descr': '<c16', 'fortran_order': False, 'shape': (1,), }", f8), 'NPY_DTYPE', /complex/],
    ['structured dtype', handMade(1, "{'descr': [('a', '<f8')], 'fortran_order': False, 'shape': (2,), }", f8), 'NPY_BAD_HEADER', /descr: .*expected string/],
    ['negative dimension', handMade(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (-2,), }", f8), 'NPY_BAD_HEADER', /shape\.0: .*>=0/],
    ['garbage header', handMade(1, "{'descr': '<f8', 'fortran_order': Maybe, 'shape': (2,), }", f8), 'NPY_BAD_HEADER', /Maybe/],
  ];
  for (const [name, bytes, code, message] of cases) {
    it(name, () => {
      const p = write(bytes);
      const e = errorOf(() => NpyFile.open(p));
      expect(e.file).toBe(p);
      expect(e.code).toBe(code);
      expect(e.message).toMatch(message);
    });
  }

  it('Fortran order of a 2-D array is refused with a hint', () => {
    const p = write(handMade(1, "{'descr': '<f8', 'fortran_order': True, 'shape': (2, 2), }", new Uint8Array(32)));
    const e = errorOf(() => NpyFile.open(p));
    expect(e.code).toBe('NPY_FORTRAN');
    expect(e.hint).toMatch(/ascontiguousarray/);
  });

  it('missing file', () => {
    const e = errorOf(() => NpyFile.open(path.join(dir, 'nope.npy')));
    expect(e.code).toBe('FILE_MISSING');
  });

  it('empty file', () => {
    const e = errorOf(() => NpyFile.open(write(new Uint8Array(0))));
    expect(e.code).toBe('NPY_BAD_MAGIC');
  });

  it.skipIf(skipBecause(process.getuid?.() === 0, 'an unreadable file cannot be made for root, who reads any file'))('unreadable file', () => {
    const p = write(handMade(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }", f8));
    fs.chmodSync(p, 0);
    expect(errorOf(() => NpyFile.open(p)).code).toBe('FILE_UNREADABLE');
  });
});

describe('types.npy strings', () => {
  it('decodes <U and >U, trimming NUL padding only at the end', () => {
    // npyjs writes UTF-16 code units, so astral characters are tested on the hand-made big-endian file below.
    const le = write(dump(['Breast', 'Adrenal_gland', 'A\u00e9'], [3]));
    const file = NpyFile.open(le);
    expect(file.header.dtype.kind).toBe('unicode');
    if (file.header.dtype.kind !== 'unicode') return;
    expect(decodeStrings(file.readAllSync(), file.header.dtype)).toEqual(['Breast', 'Adrenal_gland', 'A\u00e9']);
    const be = new Uint8Array(2 * 3 * 4);
    [...'a\u{1F600}'].forEach((c, i) => new DataView(be.buffer).setUint32(i * 4, c.codePointAt(0)!, false));
    const p = write(handMade(1, "{'descr': '>U3', 'fortran_order': False, 'shape': (2,), }", be));
    const f2 = NpyFile.open(p);
    if (f2.header.dtype.kind !== 'unicode') throw new Error('unicode expected');
    expect(decodeStrings(f2.readAllSync(), f2.header.dtype)).toEqual(['a\u{1F600}', '']);
  });

  it('decodes |S byte strings (older re-saves of types.npy), trimming NULs', () => {
    const data = new Uint8Array(2 * 6);
    data.set(Buffer.from('Colon'), 0);
    data.set(Buffer.from('Lung'), 6);
    const p = write(handMade(1, "{'descr': '|S6', 'fortran_order': False, 'shape': (2,), }", data));
    const file = NpyFile.open(p);
    expect(file.header.dtype).toMatchObject({ kind: 'bytes', chars: 6 });
    if (file.header.dtype.kind !== 'bytes') return;
    expect(decodeStrings(file.readAllSync(), file.header.dtype)).toEqual(['Colon', 'Lung']);
  });

  describe.skipIf(skipBecause(!hasShared, 'the real types.npy files are in ../shared, absent here'))('the real official types.npy (../shared; skipped when absent)', () => {
    for (const [file, fold, count] of [['fold1-types.npy', 0, 2656], ['fold3-types.npy', 2, 2722]] as const) {
      it(`${file}: ${count} entries, 19 tissues, equal to CellViT's types.csv`, () => {
        const npy = NpyFile.open(path.join(SHARED_SAMPLE, 'official-types-npy', file));
        expect(npy.header).toMatchObject({ version: '1.0', dataOffset: 128, shape: [count] });
        expect(npy.header.dtype).toMatchObject({ kind: 'unicode', chars: 13, byteOrder: 'little' });
        if (npy.header.dtype.kind !== 'unicode') return;
        const names = decodeStrings(npy.readAllSync(), npy.header.dtype);
        expect(names).toHaveLength(count);
        expect(new Set(names).size).toBe(19);
        const csv = fs.readFileSync(path.join(SHARED_SAMPLE, 'cellvit-derived', `fold${fold}`, 'types.csv'), 'utf8').trim().split('\n').slice(1);
        const expected = new Map(csv.map((line) => { const [img, type] = line.split(','); return [Number(img!.split('_')[1]!.replace('.png', '')), type!.trim()]; }));
        names.forEach((name, i) => expect(name, `index ${i}`).toBe(expected.get(i)));
      });
    }
  });
});
