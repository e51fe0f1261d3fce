/**
 * A database's content by natural key, the same way for a SQLite file (better-sqlite3) and a PostgreSQL
 * schema (node-postgres), read directly rather than through src/db: every data table, ids replaced by what
 * they stand for (fold and fold_index for an image, a tissue's name …), blobs as hex, floats as their exact
 * shortest text, rows sorted in JavaScript (never by a database collation). Two databases with the same data
 * give the same string, whatever ids each assigned.
 */
import Database from 'better-sqlite3';
import pg from 'pg';

const QUERIES: Record<string, string> = {
  tissues: 'SELECT name FROM tissues',
  classes: 'SELECT id, name FROM classes',
  images: `SELECT i.fold, i.fold_index, t.name, i.width, i.height, i.nucleus_count, i.void_pixels, i.overlap_pixels, i.mask_digest
             FROM images i JOIN tissues t ON t.id = i.tissue_id`,
  nuclei: `SELECT i.fold, i.fold_index, n.class_id, n.instance_id, n.area, n.bbox_x0, n.bbox_y0, n.bbox_x1, n.bbox_y1,
                  n.centroid_x, n.centroid_y, n.perimeter, n.major_axis_length, n.minor_axis_length, n.eccentricity, n.orientation,
                  n.parts, n.holes, n.overlap_area, n.shared_id, n.contour
             FROM nuclei n JOIN images i ON i.id = n.image_id`,
  area_histogram: 'SELECT h.fold, t.name, h.class_id, h.area, h.nuclei FROM area_histogram h JOIN tissues t ON t.id = h.tissue_id',
  sources: 'SELECT fold, role, path, bytes, mtime, fingerprint, fingerprint_kind FROM sources',
  subsets: 'SELECT name, kind, options, seed, nuclei, images, notes FROM subsets',
  subset_members: `SELECT s.name, i.fold, i.fold_index, n.class_id, n.instance_id FROM subset_members m JOIN subsets s ON s.id = m.subset_id
                     JOIN nuclei n ON n.id = m.nucleus_id JOIN images i ON i.id = n.image_id`,
};

const text = (v: unknown): string => {
  if (v === null || v === undefined) return 'NULL';
  if (Buffer.isBuffer(v)) return v.toString('hex');
  if (typeof v === 'number') return Object.is(v, -0) ? '-0' : String(v);
  return JSON.stringify(v);
};

function serialize(tables: Record<string, unknown[][]>): Record<string, string> {
  return Object.fromEntries(Object.entries(tables).map(([t, rows]) => [t, rows.map((r) => r.map(text).join('|')).sort().join('\n')]));
}

export function sqliteContent(file: string, tables = Object.keys(QUERIES)): Record<string, string> {
  const db = new Database(file, { readonly: true });
  try {
    return serialize(Object.fromEntries(tables.map((t) => [t, db.prepare(QUERIES[t] as string).raw().all() as unknown[][]])));
  } finally {
    db.close();
  }
}

export async function postgresContent(url: string, schema = 'public', tables = Object.keys(QUERIES)): Promise<Record<string, string>> {
  const client = new pg.Client({
    connectionString: url,
    types: { getTypeParser: (oid: number, format?: string) => (oid === 20 ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format as 'text')) },
  });
  await client.connect();
  try {
    await client.query(`SET search_path TO "${schema}", public`);
    const out: Record<string, unknown[][]> = {};
    for (const t of tables) out[t] = (await client.query({ text: QUERIES[t] as string, rowMode: 'array' })).rows as unknown[][];
    return serialize(out);
  } finally {
    await client.end();
  }
}
