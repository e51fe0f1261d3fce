/**
 * The .npy header (NEP 1, https://numpy.org/neps/nep-0001-npy-format.html):
 *
 *   bytes 0-5  magic "\x93NUMPY"
 *   byte 6, 7  major, minor version (1.0, 2.0, 3.0)
 *   then       header length: uint16 LE (1.0) or uint32 LE (2.0, 3.0)
 *   then       a Python dict literal {'descr': ..., 'fortran_order': ..., 'shape': (...), } (latin-1; UTF-8 in 3.0)
 *   data       starts right after, C-order records.
 */
import * as z from '../zod.js';
import { PannukeError } from '../errors.js';
import { parseDtype, SUPPORTED_DTYPES, type Dtype } from './dtype.js';

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59] as const;

const HeaderDict = z.object({
  descr: z.string(),
  fortran_order: z.boolean(),
  shape: z.array(z.int().check(z.nonnegative())),
});

export interface NpyHeader {
  version: `${number}.${number}`;
  dtype: Dtype;
  shape: number[];
  /** Byte offset of the first data byte. */
  dataOffset: number;
}

/** Bytes that hold the magic, the version and the header length, whatever the version. */
export const NPY_PREFIX_BYTES = 12;

/**
 * The largest header read. Version 1.0 headers end within 65,545 bytes; 2.0 and 3.0 may declare up to 4 GiB,
 * which no real array needs (numpy writes ~128 bytes): a larger one is refused before it is read.
 */
export const MAX_HEADER_BYTES = 16 << 20;

/**
 * The size of the whole header (where the data starts), from the file's first bytes (at least
 * NPY_PREFIX_BYTES, or the whole file if shorter), so that a reader reads exactly the header, of any size.
 */
export function headerSize(prefix: Uint8Array, file: string): number {
  checkMagic(prefix, file);
  const view = new DataView(prefix.buffer, prefix.byteOffset, prefix.byteLength);
  const major = prefix[6] as number;
  if (major !== 1 && prefix.length < 12) throw new PannukeError('NPY_BAD_HEADER', 'file ends inside the header', { file, position: 'header' });
  const size = major === 1 ? 10 + view.getUint16(8, true) : 12 + view.getUint32(8, true);
  if (size > MAX_HEADER_BYTES) {
    throw new PannukeError('NPY_BAD_HEADER', `header declares ${size} bytes: more than the ${MAX_HEADER_BYTES} bytes any real array needs`, { file, position: 'byte 8', hint: 'the file is damaged or not a real .npy' });
  }
  return size;
}

function checkMagic(bytes: Uint8Array, file: string): void {
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) {
    const found = Array.from(bytes.subarray(0, 6), (b) => b.toString(16).padStart(2, '0')).join(' ');
    throw new PannukeError('NPY_BAD_MAGIC', `not an .npy file: expected magic 93 4e 55 4d 50 59 ("\\x93NUMPY"), found ${found || 'an empty file'}`, { file, position: 'byte 0' });
  }
  const major = bytes[6] as number;
  const minor = bytes[7] as number;
  if (![1, 2, 3].includes(major) || minor !== 0) {
    throw new PannukeError('NPY_BAD_VERSION', `unsupported .npy format version ${major}.${minor}: expected 1.0, 2.0 or 3.0`, { file, position: 'byte 6' });
  }
}

/**
 * Parses the header at the start of `bytes` (which may hold more than the header).
 * `file` is only used in error messages.
 */
export function parseHeader(bytes: Uint8Array, file: string): NpyHeader {
  const fail = (code: 'NPY_BAD_HEADER', message: string, position = 'header') =>
    new PannukeError(code, message, { file, position });

  checkMagic(bytes, file);
  const major = bytes[6] as number;
  const minor = bytes[7] as number;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const prefix = major === 1 ? 10 : 12;
  if (bytes.length < prefix) throw fail('NPY_BAD_HEADER', 'file ends inside the header');
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const dataOffset = prefix + headerLength;
  if (bytes.length < dataOffset) {
    throw fail('NPY_BAD_HEADER', `header says it is ${headerLength} bytes long, but the file ends at byte ${bytes.length}`);
  }
  const text = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(prefix, dataOffset));

  let dict: z.infer<typeof HeaderDict>;
  try {
    dict = HeaderDict.parse(parsePythonLiteral(text.trim()));
  } catch (cause) {
    const reason = cause instanceof z.ZodError ? cause.issues.map((i) => `${i.path.join('.') || 'dict'}: ${i.message}`).join('; ') : String((cause as Error).message);
    throw new PannukeError('NPY_BAD_HEADER', `cannot parse the header dict ${JSON.stringify(text.trim().slice(0, 120))}: ${reason}`, { file, position: 'header', cause });
  }
  const dtype = parseDtype(dict.descr);
  if ('unsupported' in dtype) {
    throw new PannukeError('NPY_DTYPE', `unsupported ${dtype.unsupported}: expected one of ${SUPPORTED_DTYPES}`, { file, position: 'header' });
  }
  if (dict.fortran_order && dict.shape.filter((d) => d > 1).length > 1) {
    throw new PannukeError('NPY_FORTRAN', 'array is stored in Fortran (column-major) order; records cannot be streamed', {
      file, position: 'header', hint: 're-save it in C order, e.g. np.save(path, np.ascontiguousarray(a))',
    });
  }
  return { version: `${major}.${minor}`, dtype, shape: dict.shape, dataOffset };
}

type PyValue = string | number | boolean | null | PyValue[] | { [key: string]: PyValue };

/** A parser for the literal subset numpy writes: dicts, tuples/lists, quoted strings, ints, True/False/None. */
export function parsePythonLiteral(text: string): PyValue {
  let pos = 0;
  const ws = () => {
    while (pos < text.length && /\s/.test(text[pos] as string)) pos++;
  };
  const expect = (ch: string) => {
    ws();
    if (text[pos] !== ch) throw new Error(`expected '${ch}' at character ${pos}, found '${text[pos] ?? 'end'}'`);
    pos++;
  };
  const value = (): PyValue => {
    ws();
    const ch = text[pos];
    if (ch === '{') {
      pos++;
      const out: Record<string, PyValue> = {};
      for (;;) {
        ws();
        if (text[pos] === '}') { pos++; return out; }
        const key = value();
        if (typeof key !== 'string') throw new Error(`dict key at character ${pos} is not a string`);
        expect(':');
        out[key] = value();
        ws();
        if (text[pos] === ',') pos++;
        else if (text[pos] !== '}') throw new Error(`expected ',' or '}' at character ${pos}`);
      }
    }
    if (ch === '(' || ch === '[') {
      const close = ch === '(' ? ')' : ']';
      pos++;
      const out: PyValue[] = [];
      for (;;) {
        ws();
        if (text[pos] === close) { pos++; return out; }
        out.push(value());
        ws();
        if (text[pos] === ',') pos++;
        else if (text[pos] !== close) throw new Error(`expected ',' or '${close}' at character ${pos}`);
      }
    }
    if (ch === "'" || ch === '"') {
      const end = text.indexOf(ch, pos + 1);
      if (end < 0) throw new Error(`unterminated string at character ${pos}`);
      const s = text.slice(pos + 1, end);
      pos = end + 1;
      return s;
    }
    const word = /^[A-Za-z_]+|^-?\d+L?/.exec(text.slice(pos))?.[0];
    if (word === undefined) throw new Error(`unexpected '${ch ?? 'end'}' at character ${pos}`);
    pos += word.length;
    if (word === 'True') return true;
    if (word === 'False') return false;
    if (word === 'None') return null;
    if (/^-?\d+L?$/.test(word)) return Number(word.replace('L', ''));
    throw new Error(`unexpected word '${word}' at character ${pos - word.length}`);
  };
  const result = value();
  ws();
  if (pos !== text.length) throw new Error(`unexpected text after the dict at character ${pos}`);
  return result;
}

/** Records in the array (shape[0]) and bytes per record (itemSize × product of the other dimensions). */
export function recordGeometry(header: NpyHeader): { count: number; recordBytes: number } {
  return { count: header.shape[0] ?? 1, recordBytes: header.shape.slice(1).reduce((a, b) => a * b, 1) * header.dtype.itemSize };
}
