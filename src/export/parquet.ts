/**
 * Parquet exports of `nucleus_facts`, from either backend, in row groups written as they fill: memory holds
 * one row group's columns (typed arrays for the numbers), never the whole export.
 *
 * - `parquet`: one file, the columns of nucleus_facts.
 * - `geoparquet` (GeoParquet 1.1): a folder of files, `part-0.parquet`, or Hive-style partitions
 *   (`fold=1/tissue=Breast/part-0.parquet`, the partition columns in the path only); each file holds the
 *   columns of nucleus_facts, `geometry` (the exact outline, WKB) and `bbox`, the covering column (a struct
 *   of xmin, ymin, xmax, ymax: the outline's bounds, equal to bbox_x0, bbox_y0, bbox_x1, bbox_y1), with the
 *   `geo` metadata: version, primary_column, and for `geometry` encoding WKB, the geometry types present,
 *   `"crs": null` (pixel coordinates; a missing crs would mean longitude/latitude), the file's bbox and the
 *   covering. Every image has its own pixel frame: filter on image_id before comparing positions.
 */
import fs from 'node:fs';
import path from 'node:path';
import { getTableColumns } from 'drizzle-orm';
import { ParquetWriter, fileWriter } from 'hyparquet-writer';
import { columnKind } from '../db/column-kind.js';
import { images, nuclei } from '../db/schema.js';
import type { Store } from '../db/store.js';
import { yielder } from '../interrupt.js';

/** Rows per row group: ~100k, as engines that split work by row group expect. */
export const ROW_GROUP_ROWS = 100_000;
/**
 * A row group also ends once its outlines reach 8 MiB: a group is held in memory until it is written, and
 * 100k outlines of PanNuke-sized nuclei at 0.25 µm/px are ~62 MB (avg 620 bytes of WKB), which took the
 * export past 300 MB of memory. With the cap, GeoParquet groups hold ~13k such nuclei (100k of small ones)
 * and the export stays near 250 MB whatever the number of rows (measured in the bench).
 */
export const ROW_GROUP_BLOB_BYTES = 8 << 20;

export const PARTITION_KEYS = ['fold', 'tissue', 'class'] as const;
export type PartitionKey = (typeof PARTITION_KEYS)[number];

type Kind = 'INT64' | 'DOUBLE' | 'STRING';

/** Parquet types of nucleus_facts' columns, from the schema's tables (nucleus_id, tissue and class aside). */
function kindOf(name: string): Kind {
  if (name === 'nucleus_id') return 'INT64';
  if (name === 'tissue' || name === 'class') return 'STRING';
  for (const table of [nuclei, images]) {
    const column = Object.values(getTableColumns(table)).find((c) => c.name === name);
    if (column !== undefined) return { integer: 'INT64', real: 'DOUBLE', text: 'STRING', blob: 'STRING' }[columnKind(column as never)] as Kind;
  }
  throw new Error(`nucleus_facts column ${name} has no Parquet type`);
}

/** One row group's columns, filled row by row; numbers go straight into typed arrays. */
class ColumnBuffer {
  private numbers: (Float64Array | BigInt64Array | undefined)[];
  private texts: (unknown[] | undefined)[];
  private blobBytes = 0;
  rows = 0;

  constructor(private readonly kinds: readonly (Kind | 'BLOB' | 'BBOX')[], private readonly capacity: number) {
    this.numbers = kinds.map((k) => (k === 'INT64' ? new BigInt64Array(capacity) : k === 'DOUBLE' ? new Float64Array(capacity) : undefined));
    this.texts = kinds.map((k) => (k === 'INT64' || k === 'DOUBLE' ? undefined : new Array(capacity)));
  }

  get full(): boolean {
    return this.rows === this.capacity || this.blobBytes >= ROW_GROUP_BLOB_BYTES;
  }

  push(values: readonly unknown[]): void {
    const r = this.rows++;
    for (let k = 0; k < this.kinds.length; k++) {
      const kind = this.kinds[k];
      const v = values[k];
      if (kind === 'INT64') (this.numbers[k] as BigInt64Array)[r] = BigInt(v as number | bigint);
      else if (kind === 'DOUBLE') (this.numbers[k] as Float64Array)[r] = Number(v);
      else {
        if (kind === 'BLOB') this.blobBytes += (v as Uint8Array).byteLength;
        (this.texts[k] as unknown[])[r] = v;
      }
    }
  }

  /**
   * The filled part of each column (views and slices: the buffer is reused after). Outlines and floats are
   * written PLAIN: nearly every value differs, and trying a dictionary over 100k blobs costs memory for
   * nothing; outlines carry no min/max statistics (meaningless for WKB).
   */
  take(names: readonly string[]) {
    const n = this.rows;
    this.rows = 0;
    this.blobBytes = 0;
    return names.map((name, k) => {
      const kind = this.kinds[k];
      const texts = this.texts[k];
      // Taken out, so that the buffer does not keep the group's values alive once they are written.
      const data = (this.numbers[k]?.subarray(0, n) ?? (texts as unknown[]).splice(0, n)) as never;
      if (texts !== undefined) texts.length = this.capacity;
      if (kind === 'BLOB') return { name, data, encoding: 'PLAIN' as const, statistics: false };
      if (kind === 'DOUBLE') return { name, data, encoding: 'PLAIN' as const };
      return { name, data };
    });
  }
}

function schemaOf(names: readonly string[], kinds: readonly (Kind | 'BLOB' | 'BBOX')[]) {
  const elements: Record<string, unknown>[] = [{ name: 'root', num_children: names.length }];
  names.forEach((name, k) => {
    const kind = kinds[k];
    if (kind === 'BBOX') {
      elements.push({ name, num_children: 4, repetition_type: 'REQUIRED' });
      for (const c of ['xmin', 'ymin', 'xmax', 'ymax']) elements.push({ name: c, type: 'DOUBLE', repetition_type: 'REQUIRED' });
    } else if (kind === 'STRING') elements.push({ name, type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'REQUIRED' });
    else if (kind === 'BLOB') elements.push({ name, type: 'BYTE_ARRAY', repetition_type: 'REQUIRED' });
    else elements.push({ name, type: kind, repetition_type: 'REQUIRED' });
  });
  return elements as never;
}

export interface ParquetExportOptions {
  subsetId?: number;
  onRow?: (done: number) => void;
  rowGroupRows?: number;
}

export interface GeoParquetOptions extends ParquetExportOptions {
  partitionBy?: readonly PartitionKey[];
}

/** The rows of nucleus_facts (a subset's, with `subsetId`), optionally one partition's, by nucleus_id. */
function factsSql(subsetId: number | undefined, withContour: boolean, where: readonly string[]): string {
  const subset = subsetId === undefined ? '' : 'JOIN subset_members m ON m.nucleus_id = f.nucleus_id AND m.subset_id = ?';
  const contour = withContour ? ', n.contour' : '';
  const joinNuclei = withContour ? 'JOIN nuclei n ON n.id = f.nucleus_id' : '';
  const filter = where.length === 0 ? '' : `WHERE ${where.map((c) => `f.${c} = ?`).join(' AND ')}`;
  return `SELECT f.*${contour} FROM nucleus_facts f ${subset} ${joinNuclei} ${filter} ORDER BY f.nucleus_id`;
}

/** The columns nucleus_facts has (asked of the database: the view is the contract). */
async function factsColumns(store: Store): Promise<string[]> {
  return (await store.all('SELECT * FROM nucleus_facts WHERE 1 = 0')).columns;
}

export async function writeParquet(store: Store, out: string, options: ParquetExportOptions = {}): Promise<number> {
  const names = await factsColumns(store);
  const kinds = names.map(kindOf);
  const writer = new ParquetWriter({ writer: fileWriter(out), schema: schemaOf(names, kinds), createdBy: 'pannuke-db' });
  const buffer = new ColumnBuffer(kinds, options.rowGroupRows ?? ROW_GROUP_ROWS);
  const pause = yielder();
  let n = 0;
  const flush = () => {
    const rows = buffer.rows;
    if (rows > 0) void writer.write({ columnData: buffer.take(names), rowGroupSize: rows });
  };
  for await (const batch of store.iterate(factsSql(options.subsetId, false, []), options.subsetId === undefined ? [] : [options.subsetId], 2000)) {
    for (const row of batch.rows) {
      buffer.push(row);
      if (buffer.full) flush();
    }
    n += batch.rows.length;
    options.onRow?.(n);
    await pause();
  }
  flush();
  writer.finish();
  return n;
}

/** A partition value as a Hive path segment: characters outside [A-Za-z0-9._-] percent-encoded (UTF-8). */
export function hiveValue(value: unknown): string {
  return Array.from(new TextEncoder().encode(String(value)), (b) => {
    const c = String.fromCharCode(b);
    return /[A-Za-z0-9._-]/.test(c) ? c : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }).join('');
}

export interface GeoParquetSummary {
  rows: number;
  files: number;
  bytes: number;
}

/** Writes the folder `outDir` (the caller makes it atomic). */
export async function writeGeoParquet(store: Store, outDir: string, options: GeoParquetOptions = {}): Promise<GeoParquetSummary> {
  const partitionBy = options.partitionBy ?? [];
  const all = await factsColumns(store);
  const data = all.filter((c) => !(partitionBy as readonly string[]).includes(c));
  const names = [...data, 'geometry', 'bbox'];
  const kinds: (Kind | 'BLOB' | 'BBOX')[] = [...data.map(kindOf), 'BLOB', 'BBOX'];
  const at = (c: string) => all.indexOf(c);
  const [x0, y0, x1, y1, parts] = ['bbox_x0', 'bbox_y0', 'bbox_x1', 'bbox_y1', 'parts'].map(at) as [number, number, number, number, number];
  const dataAt = data.map(at);
  const subsetParams = options.subsetId === undefined ? [] : [options.subsetId];
  const partitions = partitionBy.length === 0
    ? [[]]
    : (await store.all(`SELECT DISTINCT ${partitionBy.map((k) => `f.${k}`).join(', ')} FROM nucleus_facts f ${options.subsetId === undefined ? '' : 'JOIN subset_members m ON m.nucleus_id = f.nucleus_id AND m.subset_id = ?'}`, subsetParams)).rows;
  const pause = yielder();
  const summary: GeoParquetSummary = { rows: 0, files: 0, bytes: 0 };
  const buffer = new ColumnBuffer(kinds, options.rowGroupRows ?? ROW_GROUP_ROWS);
  for (const values of partitions) {
    const folder = path.join(outDir, ...partitionBy.map((k, i) => `${k}=${hiveValue(values[i])}`));
    fs.mkdirSync(folder, { recursive: true });
    const file = path.join(folder, 'part-0.parquet');
    // The geo metadata describes what the file holds: its geometry types and bounds, known once written.
    const types = new Set<string>();
    const bounds = [Infinity, Infinity, -Infinity, -Infinity];
    const geo = () => ({
      version: '1.1.0',
      primary_column: 'geometry',
      columns: {
        geometry: {
          encoding: 'WKB',
          geometry_types: [...types].sort(),
          crs: null,
          ...(Number.isFinite(bounds[0]) && { bbox: bounds }),
          covering: { bbox: { xmin: ['bbox', 'xmin'], ymin: ['bbox', 'ymin'], xmax: ['bbox', 'xmax'], ymax: ['bbox', 'ymax'] } },
        },
      },
    });
    // hyparquet-writer takes the key/value metadata when it is made and writes it at finish: the object
    // passed is filled in place before finish.
    const kv = [{ key: 'geo', value: '' }];
    const writer = new ParquetWriter({ writer: fileWriter(file), schema: schemaOf(names, kinds), createdBy: 'pannuke-db', kvMetadata: kv });
    const flush = () => {
      if (buffer.rows === 0) return;
      const rows = buffer.rows;
      void writer.write({ columnData: buffer.take(names), rowGroupSize: rows });
    };
    const sql = factsSql(options.subsetId, true, partitionBy);
    for await (const batch of store.iterate(sql, [...subsetParams, ...values], 2000)) {
      for (const row of batch.rows) {
        const out = dataAt.map((k) => row[k]);
        const [bx0, by0, bx1, by1] = [Number(row[x0]), Number(row[y0]), Number(row[x1]), Number(row[y1])];
        out.push(row[all.length], { xmin: bx0, ymin: by0, xmax: bx1, ymax: by1 });
        types.add(Number(row[parts]) > 1 ? 'MultiPolygon' : 'Polygon');
        bounds[0] = Math.min(bounds[0] as number, bx0);
        bounds[1] = Math.min(bounds[1] as number, by0);
        bounds[2] = Math.max(bounds[2] as number, bx1);
        bounds[3] = Math.max(bounds[3] as number, by1);
        buffer.push(out);
        if (buffer.full) flush();
      }
      summary.rows += batch.rows.length;
      options.onRow?.(summary.rows);
      await pause();
    }
    flush();
    (kv[0] as { value: string }).value = JSON.stringify(geo());
    writer.finish();
    summary.files++;
    summary.bytes += fs.statSync(file).size;
  }
  return summary;
}
