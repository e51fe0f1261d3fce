/**
 * Turning raw record bytes into values. Numbers always come out as float64 (every supported integer type but
 * 64-bit ones is exact in float64; 64-bit values beyond 2^53 become NaN so that validation names them).
 */
import type { Dtype, NumericKind } from './dtype.js';

type NumericDtype = Extract<Dtype, { kind: 'numeric' }>;
type StringDtype = Extract<Dtype, { kind: 'unicode' | 'bytes' }>;

const VIEWS = {
  f4: Float32Array, i1: Int8Array, i2: Int16Array, i4: Int32Array, u1: Uint8Array, u2: Uint16Array, u4: Uint32Array,
} as const;

/**
 * Decodes `bytes` (whose byteOffset must be a multiple of the item size) as a numeric array of float64.
 * Little-endian float64 is a zero-copy view; other dtypes are converted into `scratch` when it is large
 * enough (reused across records), otherwise into a new array. Big-endian input is byte-swapped in place.
 */
export function decodeNumeric(bytes: Uint8Array, dtype: NumericDtype, scratch?: Float64Array): Float64Array {
  const n = bytes.byteLength / dtype.itemSize;
  if (dtype.byteOrder === 'big' && dtype.itemSize > 1) swapBytes(bytes, dtype.itemSize);
  if (dtype.type === 'f8') return new Float64Array(bytes.buffer, bytes.byteOffset, n);
  const out = scratch !== undefined && scratch.length >= n ? scratch.subarray(0, n) : new Float64Array(n);
  const type: NumericKind = dtype.type;
  if (type === 'i8' || type === 'u8') {
    const src = type === 'i8' ? new BigInt64Array(bytes.buffer, bytes.byteOffset, n) : new BigUint64Array(bytes.buffer, bytes.byteOffset, n);
    const max = BigInt(Number.MAX_SAFE_INTEGER);
    for (let i = 0; i < n; i++) {
      const v = src[i] as bigint;
      out[i] = v > max || v < -max ? Number.NaN : Number(v);
    }
    return out;
  }
  out.set(new VIEWS[type](bytes.buffer as ArrayBuffer, bytes.byteOffset, n));
  return out;
}

/** Reverses the bytes of every `size`-byte item in place. */
export function swapBytes(bytes: Uint8Array, size: number): void {
  for (let i = 0; i + size <= bytes.length; i += size) {
    for (let a = i, b = i + size - 1; a < b; a++, b--) {
      const t = bytes[a] as number;
      bytes[a] = bytes[b] as number;
      bytes[b] = t;
    }
  }
}

/**
 * Decodes a `<U*` array (UTF-32 code points) or an `|S*` array (bytes, read as Latin-1), trailing NULs
 * trimmed (numpy's own semantics).
 */
export function decodeStrings(bytes: Uint8Array, dtype: StringDtype): string[] {
  if (dtype.kind === 'bytes') {
    const out: string[] = [];
    for (let off = 0; off + dtype.itemSize <= bytes.length; off += dtype.itemSize) {
      let end = dtype.itemSize;
      while (end > 0 && bytes[off + end - 1] === 0) end--;
      out.push(Buffer.from(bytes.subarray(off, off + end)).toString('latin1'));
    }
    return out;
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const little = dtype.byteOrder === 'little';
  const out: string[] = [];
  for (let off = 0; off + dtype.itemSize <= bytes.length; off += dtype.itemSize) {
    let end = dtype.chars;
    while (end > 0 && view.getUint32(off + (end - 1) * 4, little) === 0) end--;
    let s = '';
    for (let k = 0; k < end; k++) s += String.fromCodePoint(view.getUint32(off + k * 4, little));
    out.push(s);
  }
  return out;
}
