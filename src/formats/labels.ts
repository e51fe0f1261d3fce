/**
 * Instance label images (StarDist, Cellpose `_cp_masks.png`, InstanSeg `_instanseg_prediction.tiff`, and what
 * `pannuke export labels` writes): a PNG (grey, 8 or 16 bits) or TIFF (one sample of 8, 16 or 32 bits,
 * unsigned or signed ≥ 0, any compression the `tiff` decoder reads) of the image's size, each distinct
 * non-zero value one nucleus (all its pixels, fragments included), listed in ascending value order. Classes
 * come from `{name}.csv` beside the image: `instance_id,class_id` rows (a header line allowed), the class by
 * number 1..5 or by name. Float images are refused: an id must be a whole number.
 */
import { decode as decodePng } from 'fast-png';
import UTIF from 'utif2';
import { PannukeError } from '../errors.js';
import { classOf, unknownClasses, type ClassMap } from './classes.js';
import type { PredictedShape } from './shapes.js';

export const LABEL_EXTENSIONS = ['.png', '.tif', '.tiff'] as const;

/** The label values of an image file, row-major, checked against the expected size. */
export function decodeLabels(bytes: Uint8Array, file: string, width: number, height: number): ArrayLike<number> {
  const isPng = bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47;
  const isTiff = (bytes[0] === 0x49 && bytes[1] === 0x49) || (bytes[0] === 0x4d && bytes[1] === 0x4d);
  let w: number, h: number, data: ArrayLike<number>, samples: number, what: string;
  try {
    if (isPng) {
      const png = decodePng(bytes);
      if (png.palette !== undefined) throw new PannukeError('FOLD_MISMATCH', 'a palette PNG is not a label image', { file, hint: 'write instance ids as grey values (8 or 16 bits)' });
      ({ width: w, height: h, data, channels: samples } = png);
      what = `${png.depth}-bit PNG with ${samples} channel${samples > 1 ? 's' : ''}`;
    } else if (isTiff) {
      const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
      const ifd = UTIF.decode(buffer)[0];
      if (ifd === undefined) throw new PannukeError('FOLD_MISMATCH', 'the TIFF has no image', { file });
      UTIF.decodeImage(buffer, ifd);
      const bits = (ifd.t258 as number[] | undefined)?.[0] ?? 1;
      const format = (ifd.t339 as number[] | undefined)?.[0] ?? 1;
      if (format === 3) throw new PannukeError('FOLD_MISMATCH', `a ${bits}-bit float TIFF: label images hold whole-number ids`, { file, hint: 'save the labels as an integer image (uint16 or uint32)' });
      ({ width: w, height: h } = ifd);
      samples = (ifd.t277 as number[] | undefined)?.[0] ?? 1;
      what = `${bits}-bit TIFF with ${samples} sample${samples > 1 ? 's' : ''} per pixel`;
      if (![8, 16, 32].includes(bits)) throw new PannukeError('FOLD_MISMATCH', `a ${what}: expected 8, 16 or 32 bits per sample`, { file });
      // UTIF turns 16-bit big-endian data into little-endian as it decodes; 32-bit data stays in file order.
      const littleEndian = (ifd.isLE as unknown as boolean) || bits === 16;
      data = samples === 1 ? samplesOf(ifd.data, bits, format === 2, littleEndian, w * h, file) : [];
    } else {
      throw new PannukeError('FOLD_MISMATCH', 'not a PNG or TIFF file', { file, position: 'byte 0' });
    }
  } catch (cause) {
    if (cause instanceof PannukeError) throw cause;
    throw new PannukeError('FOLD_MISMATCH', `cannot decode the image: ${(cause as Error).message}`, { file, cause });
  }
  if (samples !== 1) throw new PannukeError('FOLD_MISMATCH', `a ${what}: expected one channel of instance ids`, { file, hint: 'classes go in {name}.csv beside the image (instance_id,class_id)' });
  if (w !== width || h !== height) throw new PannukeError('FOLD_MISMATCH', `the label image is ${w} × ${h}, the ground truth ${width} × ${height}`, { file });
  return data;
}

/** A TIFF's decoded bytes as numbers, in its byte order. */
function samplesOf(raw: Uint8Array, bits: number, signed: boolean, littleEndian: boolean, count: number, file: string): ArrayLike<number> {
  const size = bits / 8;
  if (raw.length < count * size) throw new PannukeError('FOLD_MISMATCH', `the image data holds ${raw.length} bytes, ${count} pixels of ${bits} bits need ${count * size}`, { file });
  const view = new DataView(raw.buffer, raw.byteOffset, count * size);
  const out = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    out[i] = bits === 8 ? (signed ? view.getInt8(i) : view.getUint8(i))
      : bits === 16 ? (signed ? view.getInt16(i * 2, littleEndian) : view.getUint16(i * 2, littleEndian))
      : signed ? view.getInt32(i * 4, littleEndian) : view.getUint32(i * 4, littleEndian);
  }
  return out;
}

/** `instance_id,class_id` rows → class per instance id. */
export function parseClassCsv(text: string, file: string, classes: ClassMap): Map<number, number> {
  const out = new Map<number, number>();
  const unknown: string[] = [];
  text.split(/\r?\n/).forEach((line, n) => {
    if (line.trim() === '') return;
    const [id, cls, extra] = line.split(',').map((s) => s.trim().replace(/^"(.*)"$/, '$1'));
    if (n === 0 && id !== undefined && !/^\d+$/.test(id)) return; // a header
    if (id === undefined || cls === undefined || extra !== undefined || !/^\d+$/.test(id)) {
      throw new PannukeError('FOLD_MISMATCH', `expected instance_id,class_id, found '${line}'`, { file, position: `line ${n + 1}` });
    }
    const c = classOf(classes, cls);
    if (c === undefined) unknown.push(cls);
    else out.set(Number(id), c);
  });
  if (unknown.length > 0) throw unknownClasses(unknown, file);
  return out;
}

/**
 * The nuclei of a label image: one per distinct non-zero value, ascending, with its class from the CSV; with
 * no CSV (`classOfId` undefined: a class-agnostic prediction) every nucleus is untyped (class 0).
 */
export function labelShapes(labels: ArrayLike<number>, classOfId: ReadonlyMap<number, number> | undefined, file: string, csv: string): PredictedShape[] {
  const pixels = new Map<number, number[]>();
  for (let p = 0; p < labels.length; p++) {
    const v = labels[p] as number;
    if (v === 0) continue;
    if (v < 0) throw new PannukeError('FOLD_MISMATCH', `label ${v} is negative`, { file, position: `pixel ${p}` });
    let list = pixels.get(v);
    if (list === undefined) pixels.set(v, (list = []));
    list.push(p);
  }
  const ids = [...pixels.keys()].sort((a, b) => a - b);
  if (classOfId === undefined) return ids.map((id) => ({ classId: 0, pixels: Int32Array.from(pixels.get(id) as number[]) }));
  const missing = [...classOfId.keys()].filter((id) => !pixels.has(id));
  if (missing.length > 0) throw new PannukeError('FOLD_MISMATCH', `instance${missing.length > 1 ? 's' : ''} ${missing.slice(0, 5).join(', ')} listed but not in the image`, { file: csv, hint: `the image is ${file}` });
  const unclassed = ids.filter((id) => !classOfId.has(id));
  if (unclassed.length > 0) throw new PannukeError('FOLD_MISMATCH', `instance${unclassed.length > 1 ? 's' : ''} ${unclassed.slice(0, 5).join(', ')} of the image ha${unclassed.length > 1 ? 've' : 's'} no class in the CSV`, { file: csv });
  return ids.map((id) => ({ classId: classOfId.get(id) as number, pixels: Int32Array.from(pixels.get(id) as number[]) }));
}
