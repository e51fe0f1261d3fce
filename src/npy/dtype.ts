/**
 * The .npy dtypes pannuke-db reads, parsed from a header's `descr` string.
 *
 * Numeric: `<f8` (the official PanNuke dtype), `<f4`, `|u1`, `<u2`, `<i4`, `<u4`, `<i8`, a few neighbours
 * (`i1`, `i2`, `u8`), and every one of them big-endian (`>`). Strings: `<U*` / `>U*` (UTF-32, NUL-padded), as in
 * PanNuke's `types.npy`, and `|S*` byte strings (as older scripts re-save it). Anything else (objects, structured, complex, datetime) is refused by name.
 */

export type ByteOrder = 'little' | 'big';
export type NumericKind = 'f4' | 'f8' | 'i1' | 'i2' | 'i4' | 'i8' | 'u1' | 'u2' | 'u4' | 'u8';

export type Dtype =
  | { kind: 'numeric'; type: NumericKind; itemSize: number; byteOrder: ByteOrder; descr: string }
  | { kind: 'unicode'; chars: number; itemSize: number; byteOrder: ByteOrder; descr: string }
  /** `|S*`: fixed-width byte strings (numpy's `bytes_`), read as Latin-1. */
  | { kind: 'bytes'; chars: number; itemSize: number; byteOrder: ByteOrder; descr: string };

const NUMERIC_SIZES: Record<NumericKind, number> = {
  f4: 4, f8: 8, i1: 1, i2: 2, i4: 4, i8: 8, u1: 1, u2: 2, u4: 4, u8: 8,
};

function isNumericKind(s: string): s is NumericKind {
  return Object.hasOwn(NUMERIC_SIZES, s);
}

/** Parses a `descr`; returns a reason string when it is not supported. */
export function parseDtype(descr: string): Dtype | { unsupported: string } {
  const m = /^([<>|=])([a-zA-Z])(\d+)$/.exec(descr);
  if (m === null) return { unsupported: `dtype '${descr}' (structured or unknown)` };
  const [, order, letter, size] = m as unknown as [string, string, string, string];
  // '|' means "byte order not applicable" (1-byte types); '=' is native, and every Node platform is little-endian.
  const byteOrder: ByteOrder = order === '>' ? 'big' : 'little';
  if (letter === 'U') {
    const chars = Number(size);
    if (chars < 1) return { unsupported: `dtype '${descr}' (zero-length strings)` };
    return { kind: 'unicode', chars, itemSize: chars * 4, byteOrder, descr };
  }
  if (letter === 'S') {
    const chars = Number(size);
    if (chars < 1) return { unsupported: `dtype '${descr}' (zero-length strings)` };
    return { kind: 'bytes', chars, itemSize: chars, byteOrder, descr };
  }
  const type = `${letter}${size}`;
  if (!isNumericKind(type)) {
    const what = letter === 'O' ? 'Python objects' : letter === 'c' ? 'complex numbers' : 'unsupported type';
    return { unsupported: `dtype '${descr}' (${what})` };
  }
  if (NUMERIC_SIZES[type] > 1 && order === '|') return { unsupported: `dtype '${descr}' (multi-byte type without byte order)` };
  return { kind: 'numeric', type, itemSize: NUMERIC_SIZES[type], byteOrder, descr };
}

export const SUPPORTED_DTYPES =
  "<f8, <f4, |u1, <u2, <i4, <u4, <i8, <i1, <i2, <u8 (and '>' big-endian forms); <U* and |S* strings";
