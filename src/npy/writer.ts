/**
 * A streaming .npy writer: the header first, then records appended one at a time, so a synthetic fold of any
 * size is written with one record of memory. (npyjs's `dump` builds the whole file in memory, which is fine
 * for test fixtures and is used there.) Headers are NPY 1.0 padded to 128 bytes, as in the official release.
 */
import fs from 'node:fs';
import { formatShape } from './reader.js';

export function formatHeader(descr: string, shape: readonly number[]): Uint8Array {
  let dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${formatShape(shape)}, }`;
  // numpy pads the header with spaces and a final newline to a multiple of 64 bytes; the release has 128.
  const unpadded = 10 + dict.length + 1;
  const total = Math.max(128, Math.ceil(unpadded / 64) * 64);
  dict = dict.padEnd(total - 10 - 1, ' ') + '\n';
  const out = new Uint8Array(total);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  new DataView(out.buffer).setUint16(8, dict.length, true);
  out.set(new TextEncoder().encode(dict), 10);
  return out;
}

export class NpyWriter {
  private fd: number;
  private written = 0;
  readonly path: string;
  readonly recordBytes: number;
  readonly count: number;

  /** `shape[0]` records of `recordBytes` each must be appended before `close()`. */
  constructor(path: string, descr: string, shape: readonly number[], itemSize: number) {
    this.path = path;
    this.count = shape[0] ?? 1;
    this.recordBytes = shape.slice(1).reduce((a, b) => a * b, 1) * itemSize;
    this.fd = fs.openSync(path, 'w');
    fs.writeSync(this.fd, formatHeader(descr, shape));
  }

  append(record: ArrayBufferView): void {
    if (record.byteLength % this.recordBytes !== 0) {
      throw new Error(`${this.path}: record of ${record.byteLength} bytes, expected a multiple of ${this.recordBytes}`);
    }
    fs.writeSync(this.fd, new Uint8Array(record.buffer, record.byteOffset, record.byteLength));
    this.written += record.byteLength / this.recordBytes;
  }

  close(): void {
    fs.closeSync(this.fd);
    if (this.written !== this.count) throw new Error(`${this.path}: wrote ${this.written} records, header says ${this.count}`);
  }
}

/** Encodes strings as a `<U{width}` array (UTF-32LE, NUL-padded), the dtype of PanNuke's types.npy. */
export function encodeUnicode(values: readonly string[], width = Math.max(1, ...values.map((s) => [...s].length))): Uint8Array {
  const out = new Uint8Array(values.length * width * 4);
  const view = new DataView(out.buffer);
  values.forEach((s, i) => {
    [...s].forEach((ch, k) => view.setUint32((i * width + k) * 4, ch.codePointAt(0) as number, true));
  });
  return out;
}
