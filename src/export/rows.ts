/**
 * Exports of `nucleus_facts` (optionally one subset's nuclei), from either backend: CSV (RFC 4180), Parquet
 * and GeoParquet (./parquet.ts, row groups written as they fill), and GeoJSON (a FeatureCollection of
 * contours with the nucleus properties, coordinates in pixels). Rows are streamed from the database in
 * batches, never all held in memory.
 */
import fs from 'node:fs';
import path from 'node:path';
import { CLASS_COLOURS, rgbOf } from '../palette.js';
import type { Store } from '../db/store.js';
import { rowWriter, textSink, type TextOut } from './text.js';
import { decodeWkb } from '../extract/wkb.js';
import { yielder } from '../interrupt.js';
import { writeGeoParquet, writeParquet, type PartitionKey } from './parquet.js';

export const ROW_FORMATS = ['csv', 'parquet', 'geoparquet', 'geojson'] as const;
export type RowFormat = (typeof ROW_FORMATS)[number];

function factsQuery(subsetId: number | undefined, withContour: boolean): { sql: string; params: unknown[] } {
  const join = subsetId === undefined ? '' : 'JOIN subset_members m ON m.nucleus_id = f.nucleus_id AND m.subset_id = ?';
  const contour = withContour ? ', n.contour AS contour' : '';
  const joinNuclei = withContour ? 'JOIN nuclei n ON n.id = f.nucleus_id' : '';
  return { sql: `SELECT f.*${contour} FROM nucleus_facts f ${join} ${joinNuclei} ORDER BY f.nucleus_id`, params: subsetId === undefined ? [] : [subsetId] };
}

export interface ExportSummary {
  rows: number;
  bytes: number;
  /** GeoParquet: the files written. */
  files?: number;
}

export interface RowExportOptions {
  subsetId?: number;
  /** CSV: cells as they are, without the spreadsheet-formula guard. */
  raw?: boolean;
  /** GeoParquet: Hive-style partitions. */
  partitionBy?: readonly PartitionKey[];
  /** GeoJSON: a folder of one FeatureCollection per image. */
  perImage?: boolean;
  onRow?: (done: number) => void;
}

/** How many rows an export will write (for progress). */
export async function exportRowCount(store: Store, subsetId?: number): Promise<number> {
  const r = subsetId === undefined
    ? await store.all('SELECT count(*) FROM nuclei')
    : await store.all('SELECT count(*) FROM subset_members WHERE subset_id = ?', [subsetId]);
  return Number(r.rows[0]?.[0] ?? 0);
}

/** Writes `out` (a file; a folder for geoparquet: the caller makes it atomic). */
export async function exportRows(store: Store, format: RowFormat, out: string, options: RowExportOptions = {}): Promise<ExportSummary> {
  if (format === 'geoparquet') return writeGeoParquet(store, out, options);
  if (format === 'geojson' && options.perImage === true) return writeGeoJsonPerImage(store, out, options);
  const rows = format === 'csv' ? await writeCsv(store, out, options) : format === 'parquet' ? await writeParquet(store, out, options) : await writeGeoJson(store, out, options);
  return { rows, bytes: fs.statSync(out).size };
}

/**
 * A file to write text to, and a way to wait until it is all on disk. A write error (a full disk) is kept and
 * thrown by the next write, wait or close, never left to crash the process as an unhandled 'error' event.
 */
function fileOut(path: string) {
  const file = fs.createWriteStream(path);
  let failure: Error | undefined;
  const failed = new Promise<never>((_, reject) => file.on('error', (e) => reject((failure ??= e))));
  failed.catch(() => undefined);
  const check = () => {
    if (failure !== undefined) throw failure;
  };
  const stream: TextOut = {
    write: (chunk: string) => {
      check();
      return file.write(chunk);
    },
    drained: () => Promise.race([new Promise<void>((resolve) => file.once('drain', resolve)), failed]),
  };
  const closed = () => Promise.race([new Promise<void>((resolve, reject) => file.end((e?: Error | null) => (e ? reject(e) : resolve()))), failed]);
  return { stream, closed };
}

async function writeCsv(store: Store, out: string, options: RowExportOptions): Promise<number> {
  const { sql, params } = factsQuery(options.subsetId, false);
  const file = fileOut(out);
  const pause = yielder();
  let sink: ReturnType<typeof rowWriter> | undefined;
  let n = 0;
  for await (const batch of store.iterate(sql, params, 1024)) {
    sink ??= rowWriter(file.stream, 'csv', batch.columns, { raw: options.raw === true });
    for (const row of batch.rows) await sink.write(row);
    n += batch.rows.length;
    options.onRow?.(n);
    await pause();
  }
  // No rows: the header alone.
  sink ??= rowWriter(file.stream, 'csv', (await store.all(`SELECT * FROM (${sql}) AS q WHERE 1 = 0`, params)).columns, { raw: options.raw === true });
  await sink.end();
  await file.closed();
  return n;
}

/** A nucleus_facts row with its contour as a GeoJSON Feature, QuPath's properties beside the row's own. */
function featureOf(names: readonly string[], row: readonly unknown[], contourAt: number): string {
  const polygons = decodeWkb(row[contourAt] as Uint8Array);
  const coordinates = polygons.map((rings) => rings.map((ring) => {
    const pts: number[][] = [];
    for (let i = 0; i < ring.length; i += 2) pts.push([ring[i] as number, ring[i + 1] as number]);
    return pts;
  }));
  // Exterior rings are counter-clockwise and holes clockwise in these coordinates: RFC 7946's right-hand rule.
  const geometry = coordinates.length === 1 ? { type: 'Polygon', coordinates: coordinates[0] } : { type: 'MultiPolygon', coordinates };
  const properties: Record<string, unknown> = Object.fromEntries(names.flatMap((name, k) => (k === contourAt ? [] : [[name, row[k]]])));
  // QuPath reads a Feature as a detection of this class, and refuses a classification without a colour.
  const classId = Number(properties.class_id);
  properties.objectType = 'detection';
  properties.classification = { name: properties.class, color: rgbOf(CLASS_COLOURS[classId - 1] ?? '#808080') };
  return JSON.stringify({ type: 'Feature', id: properties.nucleus_id, geometry, properties });
}

async function writeGeoJson(store: Store, out: string, options: RowExportOptions): Promise<number> {
  const { sql, params } = factsQuery(options.subsetId, true);
  const pause = yielder();
  const file = fileOut(out);
  const text = textSink(file.stream);
  await text.write('{"type":"FeatureCollection","features":[');
  let n = 0;
  for await (const batch of store.iterate(sql, params, 1024)) {
    const contourAt = batch.columns.indexOf('contour');
    for (const row of batch.rows) {
      await text.write(`${n === 0 ? '\n' : ',\n'}${featureOf(batch.columns, row, contourAt)}`);
      n++;
    }
    options.onRow?.(n);
    await pause();
  }
  await text.write('\n]}\n');
  await text.flush();
  await file.closed();
  return n;
}

/**
 * GeoJSON per image (`--per-image`): a folder of `{fold}_{fold_index}.geojson`, each a FeatureCollection of
 * that image's nuclei (an image without nuclei gets an empty one), as QuPath imports per image and as
 * `eval run` reads a folder of predictions.
 */
export async function writeGeoJsonPerImage(store: Store, dir: string, options: RowExportOptions = {}): Promise<ExportSummary> {
  const { sql: byId, params } = factsQuery(options.subsetId, true);
  // image by image, whatever order the ids were given in (a replaced fold's come after the others')
  const sql = byId.replace('ORDER BY f.nucleus_id', 'ORDER BY f.fold, f.fold_index, f.nucleus_id');
  const pause = yielder();
  let current: string | undefined;
  let features: string[] = [];
  let rows = 0, files = 0, bytes = 0;
  const flush = () => {
    if (current === undefined) return;
    const text = `{"type":"FeatureCollection","features":[${features.length === 0 ? '' : `\n${features.join(',\n')}\n`}]}\n`;
    fs.writeFileSync(path.join(dir, `${current}.geojson`), text);
    bytes += Buffer.byteLength(text);
    files++;
    features = [];
  };
  const written = new Set<string>();
  for await (const batch of store.iterate(sql, params, 1024)) {
    const contourAt = batch.columns.indexOf('contour');
    const foldAt = batch.columns.indexOf('fold'), indexAt = batch.columns.indexOf('fold_index');
    for (const row of batch.rows) {
      const name = `${Number(row[foldAt])}_${Number(row[indexAt])}`;
      if (name !== current) {
        flush();
        current = name;
        written.add(name);
      }
      features.push(featureOf(batch.columns, row, contourAt));
      rows++;
    }
    options.onRow?.(rows);
    await pause();
  }
  flush();
  // the images without a nucleus (of the subset)
  const images = options.subsetId === undefined
    ? await store.all('SELECT fold, fold_index FROM images')
    : await store.all('SELECT DISTINCT i.fold, i.fold_index FROM subset_members m JOIN images i ON i.id = m.image_id WHERE m.subset_id = ?', [options.subsetId]);
  for (const [fold, foldIndex] of images.rows) {
    const name = `${Number(fold)}_${Number(foldIndex)}`;
    if (written.has(name)) continue;
    current = name;
    flush();
  }
  return { rows, bytes, files };
}
