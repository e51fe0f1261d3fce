/**
 * One image's prediction, from whatever it was written as, to nuclei (./shapes.ts). Runs on the evaluation
 * workers: a file is read and parsed where it is rasterized.
 */
import fs from 'node:fs';
import { Tokenizer, TokenParser } from '@streamparser/json';
import path from 'node:path';
import { PannukeError } from '../errors.js';
import { classMap } from './classes.js';
import { cocoShapes, type CocoResult } from './coco.js';
import { readGeoJson } from './geojson.js';
import { readContours } from './hovernet.js';
import { readEntries } from './json-entries.js';
import { decodeLabels, labelShapes, parseClassCsv } from './labels.js';
import type { PredictedShape } from './shapes.js';

/** Where one image's prediction is: a file of a per-image format (none: an empty prediction), or COCO results. */
export type ImageSource =
  | { format: 'geojson' | 'hovernet' | 'cellvit'; file: string | undefined }
  /** Label images; `agnostic` when the prediction has no class CSVs (every nucleus then is untyped, class 0). */
  | { format: 'labels'; file: string | undefined; agnostic?: boolean }
  /** One file for the fold (COCO results, or a GeoJSON's Features): the image's entries as byte ranges (./json-entries.ts). */
  | { format: 'coco' | 'geojson-features'; file: string; entries: number[] };

export interface ReadOptions {
  width: number;
  height: number;
  /** The --classes option, as given. */
  classes?: string;
}

export interface ImageRead {
  shapes: PredictedShape[];
  /** Entries that hold no nucleus (a point, a polygon around no pixel centre, a contour of < 3 points). */
  skipped: number;
  /** Polygons with edges crossing or overlapping, read by the even-odd rule (GeoJSON). */
  invalid?: number;
}

/** JSON.parse; a syntax error is reported with its line and column. */
export function parseJson(text: string, file: string): unknown {
  try {
    return JSON.parse(text);
  } catch (cause) {
    const at = syntaxErrorOffset(text);
    const before = text.slice(0, at);
    const line = before.split('\n').length, column = at - before.lastIndexOf('\n');
    throw new PannukeError('FOLD_MISMATCH', `malformed JSON: ${(cause as Error).message}`, { file, position: `line ${line}, column ${column} (character ${at})`, cause });
  }
}

/**
 * Where a JSON text first goes wrong: V8's message does not always say (it quotes the text near it), so the
 * text is tokenized again by @streamparser/json, which knows each token's offset.
 */
function syntaxErrorOffset(text: string): number {
  const tokenizer = new Tokenizer();
  const parser = new TokenParser();
  let at = 0;
  parser.onValue = () => undefined;
  parser.onError = (e) => {
    throw e;
  };
  tokenizer.onError = (e) => {
    throw e;
  };
  tokenizer.onToken = (token) => {
    at = token.offset;
    parser.write(token);
  };
  try {
    tokenizer.write(text);
    tokenizer.end();
    return text.length;
  } catch (e) {
    const absolute = /absolute position "(\d+)"/.exec((e as Error).message);
    return absolute === null ? at : Number(absolute[1]);
  }
}

function readText(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (cause) {
    throw new PannukeError('FILE_UNREADABLE', `cannot read: ${(cause as NodeJS.ErrnoException).code ?? String(cause)}`, { file, cause });
  }
}

/** `{name}.csv` beside a label image (name without the image's extension). */
export function classCsvOf(image: string): string {
  return path.join(path.dirname(image), `${path.basename(image, path.extname(image))}.csv`);
}

export async function readImage(source: ImageSource, o: ReadOptions): Promise<ImageRead> {
  const classes = classMap(o.classes);
  switch (source.format) {
    case 'coco': {
      const entries = readEntries(source.file, source.entries);
      return { shapes: cocoShapes(entries.map((e) => e.value as CocoResult), o.width, o.height, source.file, entries.map((e) => e.number)), skipped: 0 };
    }
    case 'geojson':
      return source.file === undefined ? { shapes: [], skipped: 0 } : readGeoJson(parseJson(readText(source.file), source.file), o.width, o.height, classes, source.file);
    case 'geojson-features': {
      const entries = readEntries(source.file, source.entries);
      return readGeoJson({ type: 'FeatureCollection', features: entries.map((e) => e.value) }, o.width, o.height, classes, source.file, entries.map((e) => e.number));
    }
    case 'hovernet':
    case 'cellvit':
      return source.file === undefined ? { shapes: [], skipped: 0 } : readContours(parseJson(readText(source.file), source.file), source.format, o.width, o.height, source.file);
    case 'labels': {
      if (source.file === undefined) return { shapes: [], skipped: 0 };
      const csv = classCsvOf(source.file);
      const labels = decodeLabels(new Uint8Array(fs.readFileSync(source.file)), source.file, o.width, o.height);
      if (source.agnostic === true) return { shapes: labelShapes(labels, undefined, source.file, csv), skipped: 0 };
      if (!fs.existsSync(csv)) {
        throw new PannukeError('FILE_MISSING', `no classes for this label image: expected ${path.basename(csv)} beside it (instance_id,class_id)`, { file: source.file, hint: 'give every image its CSV, or none (a class-agnostic prediction)' });
      }
      return { shapes: labelShapes(labels, parseClassCsv(readText(csv), csv, classes), source.file, csv), skipped: 0 };
    }
  }
}
