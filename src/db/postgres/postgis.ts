/**
 * With the PostGIS extension present, nuclei and predicted_nuclei get a `geom` column: the outline as a
 * geometry, SRID 0 (pixel space: x = column, y = row, one frame per image), generated from `contour` by
 * PostgreSQL itself (so no writer can let the two disagree), with a GiST index. `ST_Intersects`, `ST_Area`
 * and QGIS work on it. Without the extension, a note says so once (when the columns would have been made)
 * and everything else works: `contour` stays the WKB.
 */
import type pg from 'pg';

export type PostgisState = 'geom' | 'absent';

const TABLES = ['nuclei', 'predicted_nuclei'];

export async function addGeometryColumns(client: pg.Client, schema: string, note: (line: string) => void): Promise<PostgisState> {
  const present = async () => (await client.query("SELECT 1 FROM pg_extension WHERE extname = 'postgis'")).rowCount === 1;
  if (!(await present())) {
    const available = (await client.query("SELECT 1 FROM pg_available_extensions WHERE name = 'postgis'")).rowCount === 1;
    if (available) {
      try {
        await client.query('CREATE EXTENSION IF NOT EXISTS postgis SCHEMA public');
      } catch {
        // Creating an extension needs the database's CREATE privilege: without it, the note below.
      }
    }
  }
  const done = (await client.query("SELECT 1 FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'nuclei' AND column_name = 'geom'", [schema])).rowCount === 1;
  if (done) return 'geom';
  if (!(await present())) {
    note('note: PostGIS is not installed in this database, so nuclei have no geom column (contour is the outline as WKB); '
      + 'to add it: apt-get install postgresql-15-postgis-3, CREATE EXTENSION postgis, then run any writing command');
    return 'absent';
  }
  for (const table of TABLES) {
    await client.query(`ALTER TABLE "${table}" ADD COLUMN IF NOT EXISTS geom geometry GENERATED ALWAYS AS (ST_GeomFromWKB(contour, 0)) STORED`);
    await client.query(`CREATE INDEX IF NOT EXISTS "${table}_geom" ON "${table}" USING gist (geom)`);
  }
  return 'geom';
}
