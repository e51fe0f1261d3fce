/**
 * Exports of `nucleus_facts` (optionally one subset's nuclei): CSV (RFC 4180), Parquet (hyparquet-writer,
 * one row group per 65,536 rows, so memory stays flat), and GeoJSON (a FeatureCollection of contours with the
 * nucleus properties, coordinates in pixels). Rows are streamed from SQLite, never all held in memory.
 */
import fs from 'node:fs';
import { ParquetWriter, fileWriter } from 'hyparquet-writer';
import type { Db } from '../db/open.js';
import { rowWriter, textSink } from './text.js';
import { decodeWkb } from '../extract/wkb.js';
import { yielder } from '../interrupt.js';

export const ROW_FORMATS = ['csv', 'parquet', 'geojson'] as const;
export type RowFormat = (typeof ROW_FORMATS)[number];

const ROW_GROUP = 65_536;

function factsQuery(db: Db, subsetId: number | undefined, withContour: boolean) {
  const join = subsetId === undefined ? '' : 'JOIN subset_members m ON m.nucleus_id = f.nucleus_id AND m.subset_id = @subset';
  const contour = withContour ? ', n.contour AS contour' : '';
  const joinNuclei = withContour ? 'JOIN nuclei n ON n.id = f.nucleus_id' : '';
  const statement = db.$client.prepare(`SELECT f.*${contour} FROM nucleus_facts f ${join} ${joinNuclei} ORDER BY f.nucleus_id`).raw(true);
  const columns = statement.columns();
  const rows = (subsetId === undefined ? statement.iterate() : statement.iterate({ subset: subsetId })) as IterableIterator<unknown[]>;
  return { columns, rows };
}

export interface ExportSummary {
  rows: number;
  bytes: number;
}

export interface RowExportOptions {
  subsetId?: number;
  /** CSV: cells as they are, without the spreadsheet-formula guard. */
  raw?: boolean;
  onRow?: (done: number) => void;
}

/** Writes `out` (the caller makes it atomic); rows are streamed and the event loop gets a turn for Ctrl-C. */
/** How many rows an export will write (for progress). */
export function exportRowCount(db: Db, subsetId?: number): number {
  return subsetId === undefined
    ? (db.$client.prepare('SELECT count(*) FROM nuclei').pluck().get() as number)
    : (db.$client.prepare('SELECT count(*) FROM subset_members WHERE subset_id = ?').pluck().get(subsetId) as number);
}

export async function exportRows(db: Db, format: RowFormat, out: string, options: RowExportOptions = {}): Promise<ExportSummary> {
  const rows = format === 'csv' ? await writeCsv(db, out, options) : format === 'parquet' ? await writeParquet(db, out, options) : await writeGeoJson(db, out, options);
  return { rows, bytes: fs.statSync(out).size };
}

/** A file to write text to, and a way to wait until it is all on disk. */
function fileOut(path: string) {
  const stream = fs.createWriteStream(path);
  const closed = () => new Promise<void>((resolve, reject) => stream.end((e?: Error | null) => (e ? reject(e) : resolve())));
  return { stream, closed };
}

async function writeCsv(db: Db, out: string, options: RowExportOptions): Promise<number> {
  const { columns, rows } = factsQuery(db, options.subsetId, false);
  const file = fileOut(out);
  const sink = rowWriter(file.stream, 'csv', columns.map((c) => c.name), { raw: options.raw === true });
  const pause = yielder();
  let n = 0;
  for (const row of rows) {
    await sink.write(row);
    n++;
    if ((n & 1023) === 0) {
      options.onRow?.(n);
      await pause();
    }
  }
  await sink.end();
  await file.closed();
  return n;
}

async function writeParquet(db: Db, out: string, options: RowExportOptions): Promise<number> {
  const { columns, rows } = factsQuery(db, options.subsetId, false);
  const pause = yielder();
  // SQLite's declared types give the Parquet types: INTEGER → INT64 (ids reach 2^53), REAL → DOUBLE, else UTF-8.
  const types = columns.map((c) => (c.type?.toLowerCase() === 'integer' ? 'INT64' : c.type?.toLowerCase() === 'real' ? 'DOUBLE' : 'STRING'));
  const writer = new ParquetWriter({
    writer: fileWriter(out),
    schema: [
      { name: 'root', num_children: columns.length },
      ...columns.map((c, k) =>
        types[k] === 'STRING'
          ? { name: c.name, type: 'BYTE_ARRAY' as const, converted_type: 'UTF8' as const, repetition_type: 'REQUIRED' as const }
          : { name: c.name, type: types[k] as 'INT64' | 'DOUBLE', repetition_type: 'REQUIRED' as const },
      ),
    ],
    createdBy: 'pannuke-db',
  });
  let n = 0;
  let batch: unknown[][] = [];
  const flush = () => {
    if (batch.length === 0) return;
    const columnData = columns.map((c, k) => {
      const values = batch.map((r) => r[k]);
      const data = types[k] === 'INT64' ? BigInt64Array.from(values, (v) => BigInt(v as number)) : types[k] === 'DOUBLE' ? Float64Array.from(values as number[]) : (values as string[]);
      return { name: c.name, data };
    });
    void writer.write({ columnData, rowGroupSize: batch.length });
    batch = [];
  };
  for (const row of rows) {
    batch.push(row);
    n++;
    if (batch.length === ROW_GROUP) flush();
    if ((n & 1023) === 0) {
      options.onRow?.(n);
      await pause();
    }
  }
  flush();
  writer.finish();
  return n;
}

async function writeGeoJson(db: Db, out: string, options: RowExportOptions): Promise<number> {
  const { columns, rows } = factsQuery(db, options.subsetId, true);
  const pause = yielder();
  const names = columns.map((c) => c.name);
  const contourAt = names.indexOf('contour');
  const file = fileOut(out);
  const text = textSink(file.stream);
  await text.write('{"type":"FeatureCollection","features":[');
  let n = 0;
  for (const row of rows) {
    const polygons = decodeWkb(row[contourAt] as Uint8Array);
    const coordinates = polygons.map((rings) => rings.map((ring) => {
      const pts: number[][] = [];
      for (let i = 0; i < ring.length; i += 2) pts.push([ring[i] as number, ring[i + 1] as number]);
      return pts;
    }));
    // Exterior rings are counter-clockwise and holes clockwise in these coordinates: RFC 7946's right-hand rule.
    const geometry = coordinates.length === 1 ? { type: 'Polygon', coordinates: coordinates[0] } : { type: 'MultiPolygon', coordinates };
    const properties = Object.fromEntries(names.flatMap((name, k) => (k === contourAt ? [] : [[name, row[k]]])));
    await text.write(`${n === 0 ? '\n' : ',\n'}${JSON.stringify({ type: 'Feature', id: properties.nucleus_id, geometry, properties })}`);
    n++;
    if ((n & 1023) === 0) {
      options.onRow?.(n);
      await pause();
    }
  }
  await text.write('\n]}\n');
  await text.flush();
  await file.closed();
  return n;
}
