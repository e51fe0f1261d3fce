/**
 * A prediction on disk: which format it is (from its content, or forced), and which file is which image.
 *
 * Per-image files are matched by base name: the file name without its extension (.json, .geojson, .png,
 * .tif, .tiff) and without a tool's suffix (`_cells` of CellViT, `_cp_masks` of Cellpose,
 * `_instanseg_prediction` of InstanSeg, `_masks`, `_labels`), against a template: `{fold}_{fold_index}` by
 * default, or `--names` built from `{fold}` (1..3), `{fold0}`
 * (0..2, CellViT's), `{index}` (the 0-based fold_index) and `{image_id}` (images.id).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { PannukeError } from '../errors.js';
import { requireRegularFile } from '../regular-file.js';

export const FORMATS = ['npy', 'hovernet', 'cellvit', 'geojson', 'labels', 'coco'] as const;
export type PredictionFormat = (typeof FORMATS)[number];

const SUFFIXES = ['_instanseg_prediction', '_cp_masks', '_cells', '_masks', '_labels'];
const EXTENSIONS: Record<string, PredictionFormat[]> = {
  '.json': ['hovernet', 'cellvit', 'geojson', 'coco'], '.geojson': ['geojson', 'cellvit'], '.png': ['labels'], '.tif': ['labels'], '.tiff': ['labels'],
};

/** A prediction's file, refused before anything opens it unless it is a regular file (src/regular-file.ts). */
function regularFile(file: string, stat: fs.Stats = fs.statSync(file)): void {
  requireRegularFile(file, stat, 'FILE_UNREADABLE', 'point at the prediction file itself, or a folder of them');
}

/** The first bytes of a file, for recognising its format without reading a 4 GB file whole. */
function head(file: string, bytes = 4096): string {
  const fd = fs.openSync(file, 'r');
  try {
    const b = Buffer.alloc(bytes);
    return b.subarray(0, fs.readSync(fd, b, 0, bytes, 0)).toString('latin1');
  } finally {
    fs.closeSync(fd);
  }
}

/** A JSON document's format from its first bytes. */
function jsonFormat(text: string): PredictionFormat | undefined {
  const t = text.trimStart();
  if (t.startsWith('{')) {
    if (/^\{\s*"(mag|nuc)"\s*:/.test(t) || /"nuc"\s*:\s*\{/.test(t)) return 'hovernet';
    if (/"cells"\s*:\s*\[/.test(t)) return 'cellvit';
    if (/"type"\s*:\s*"(FeatureCollection|Feature)"/.test(t)) return 'geojson';
  }
  if (t.startsWith('[')) {
    if (/"image_id"\s*:/.test(t) && /"segmentation"\s*:/.test(t)) return 'coco';
    if (/"type"\s*:\s*"Feature"/.test(t)) return 'geojson';
    if (/^\[\s*\]/.test(t)) return 'geojson';
  }
  return undefined;
}

export interface PredictionInput {
  format: PredictionFormat;
  /** A file (npy, one GeoJSON for the fold, COCO results) or the folder of per-image files. */
  path: string;
  /** Per-image files of the folder formats, sorted by name; empty for single-file inputs. */
  files: string[];
}

/** What `eval run <input>` was given, its format detected from the content unless `forced`. */
export function describeInput(input: string, forced?: PredictionFormat): PredictionInput {
  if (!fs.existsSync(input)) throw new PannukeError('FILE_MISSING', 'the prediction does not exist', { file: input });
  const stat = fs.statSync(input);
  if (stat.isDirectory()) {
    const npy = path.join(input, 'masks.npy');
    if (fs.existsSync(npy) && (forced === undefined || forced === 'npy')) {
      regularFile(npy);
      return { format: 'npy', path: npy, files: [] };
    }
    const files = fs.readdirSync(input).filter((f) => !f.startsWith('.') && EXTENSIONS[path.extname(f).toLowerCase()] !== undefined).sort().map((f) => path.join(input, f));
    for (const f of files) regularFile(f);
    if (files.length === 0) {
      throw new PannukeError('FILE_MISSING', 'no prediction files in this folder: expected masks.npy, or per-image .json, .geojson, .png, .tif or .tiff files', { file: input });
    }
    if (forced !== undefined) return { format: forced, path: input, files };
    const first = files[0] as string;
    const ext = path.extname(first).toLowerCase();
    const format = ext === '.json' || ext === '.geojson' ? jsonFormat(head(first)) : 'labels';
    if (format === undefined || format === 'coco') throw new PannukeError('FOLD_MISMATCH', 'cannot tell the format of this file', { file: first, hint: 'force one with --format hovernet|cellvit|geojson|labels' });
    return { format, path: input, files };
  }
  regularFile(input, stat);
  if (forced !== undefined) return { format: forced, path: input, files: [] };
  if (input.toLowerCase().endsWith('.npy')) return { format: 'npy', path: input, files: [] };
  const format = jsonFormat(head(input));
  if (format === undefined) throw new PannukeError('FOLD_MISMATCH', 'cannot tell the format of this file', { file: input, hint: 'force one with --format npy|hovernet|cellvit|geojson|labels|coco' });
  return { format, path: input, files: [] };
}

/** A file's base name for matching: extension and a tool's suffix removed. */
export function baseName(file: string): string {
  let name = path.basename(file);
  const ext = path.extname(name);
  if (EXTENSIONS[ext.toLowerCase()] !== undefined) name = name.slice(0, -ext.length);
  for (const s of SUFFIXES) if (name.endsWith(s) && name.length > s.length) return name.slice(0, -s.length);
  return name;
}

export interface ImageRef {
  id: number;
  foldIndex: number;
}

/**
 * Which image each file is: fold_index → file, the files that name no image of the fold, and the images of
 * the fold without a file (empty predictions).
 */
export function matchFiles(files: readonly string[], template: string, fold: number, images: readonly ImageRef[]): { byIndex: Map<number, string>; unmatched: string[] } {
  if (!/\{(index|image_id)\}/.test(template)) throw new PannukeError('BAD_OPTION', `--names ${template}: needs {index} or {image_id} to tell the images apart`);
  const unknownField = /\{(?!fold\}|fold0\}|index\}|image_id\})[^}]*\}/.exec(template);
  if (unknownField !== null) throw new PannukeError('BAD_OPTION', `--names ${template}: unknown field ${unknownField[0]} (known: {fold}, {fold0}, {index}, {image_id})`);
  const fields: string[] = [];
  const source = template.split(/(\{[a-z_0-9]+\})/).map((part) => {
    if (part === '{fold}') return String(fold);
    if (part === '{fold0}') return String(fold - 1);
    if (part === '{index}' || part === '{image_id}') {
      fields.push(part);
      return '(\\d+)';
    }
    return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }).join('');
  const pattern = new RegExp(`^${source}$`);
  const byId = new Map(images.map((i) => [i.id, i.foldIndex]));
  const indexes = new Set(images.map((i) => i.foldIndex));
  const byIndex = new Map<number, string>();
  const unmatched: string[] = [];
  for (const file of files) {
    const m = pattern.exec(baseName(file));
    let index: number | undefined;
    if (m !== null) {
      fields.forEach((f, k) => {
        const n = Number(m[k + 1]);
        const i = f === '{index}' ? (indexes.has(n) ? n : undefined) : byId.get(n);
        index = index === undefined || index === i ? i : Number.NaN;
      });
    }
    if (index === undefined || Number.isNaN(index)) {
      unmatched.push(file);
      continue;
    }
    const other = byIndex.get(index);
    if (other !== undefined) throw new PannukeError('FOLD_MISMATCH', `two files for image ${index} of fold ${fold}: ${path.basename(other)} and ${path.basename(file)}`, { file: path.dirname(file) });
    byIndex.set(index, file);
  }
  return { byIndex, unmatched };
}

/** SHA-256 over the files' names and every byte, in name order: the prediction set's identity. */
export async function filesFingerprint(files: readonly string[]): Promise<{ bytes: number; fingerprint: string }> {
  const hash = crypto.createHash('sha256');
  let bytes = 0;
  for (const f of files) {
    regularFile(f); // the class CSVs beside label images are first opened here
    hash.update(`${path.basename(f)}\0`);
    for await (const chunk of fs.createReadStream(f, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
      hash.update(chunk);
      bytes += chunk.length;
    }
  }
  return { bytes, fingerprint: hash.digest('hex') };
}
