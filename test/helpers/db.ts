/** Reading a database the way a user would, with better-sqlite3 directly (not through src/db). */
import crypto from 'node:crypto';
import Database from 'better-sqlite3';

/** The data tables: everything but the ingest_runs log. */
export const DATA_TABLES = ['classes', 'tissues', 'images', 'nuclei', 'sources', 'metadata', 'area_histogram'];

/** How each table's rows are put in order: by rowid, or by key where the insertion order may differ. */
const ORDER: Record<string, string> = { area_histogram: 'fold, tissue_id, class_id, area' };

/** Every row of every data table, blobs as hex, in rowid order. */
export function dumpDb(file: string, tables = DATA_TABLES): string {
  const db = new Database(file, { readonly: true });
  try {
    return tables
      .map((t) => `${t}\n${(db.prepare(`SELECT * FROM ${t} ORDER BY ${ORDER[t] ?? 'rowid'}`).raw().all() as unknown[][]).map((r) => r.map((v) => (Buffer.isBuffer(v) ? v.toString('hex') : String(v))).join('|')).join('\n')}`)
      .join('\n');
  } finally {
    db.close();
  }
}

export const contentHash = (file: string) => crypto.createHash('sha256').update(dumpDb(file)).digest('hex');

/** Nuclei by natural key (fold, fold_index, tissue, class, instance_id) with every column: ids left out. */
export function naturalRows(file: string): string {
  const db = new Database(file, { readonly: true });
  try {
    const rows = db
      .prepare(`SELECT f.fold, f.fold_index, f.tissue, f.class, f.instance_id, f.area, f.bbox_x0, f.bbox_y0, f.bbox_x1, f.bbox_y1,
                f.centroid_x, f.centroid_y, f.perimeter, f.major_axis_length, f.minor_axis_length, f.eccentricity, f.orientation,
                f.parts, f.holes, f.overlap_area, f.shared_id, hex(n.contour)
                FROM nucleus_facts f JOIN nuclei n ON n.id = f.nucleus_id ORDER BY 1, 2, 4, 5`)
      .raw()
      .all();
    const images = db.prepare('SELECT i.fold, i.fold_index, t.name, i.width, i.height, i.nucleus_count, i.void_pixels, i.overlap_pixels FROM images i JOIN tissues t ON t.id = i.tissue_id ORDER BY 1, 2').raw().all();
    return JSON.stringify([images, rows]);
  } finally {
    db.close();
  }
}
