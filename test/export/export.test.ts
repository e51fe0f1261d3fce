// Exports read back by independent readers: DuckDB for CSV and Parquet, JSON.parse + shoelace for GeoJSON,
// npyjs for the training export (bit for bit against the source .npy files).
import fs from 'node:fs';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import Database from 'better-sqlite3';
import { load } from 'npyjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { cli, cohortDatabase } from '../helpers/cohort.js';
import { signedArea } from '../helpers/reference.js';
import { fileArrayBuffer, tempDir } from '../helpers/tmp.js';

const dir = tempDir('export');
let db: string;
let data: string;
let facts: Record<string, unknown>[];

beforeAll(async () => {
  ({ db, data } = await cohortDatabase(dir));
  const raw = new Database(db, { readonly: true });
  facts = raw.prepare('SELECT * FROM nucleus_facts ORDER BY nucleus_id').all() as Record<string, unknown>[];
  raw.close();
  expect((await cli('subset', 'create', 'train', '--db', db, '--images', '7', '--balance', 'class', '--seed', '2')).code).toBe(0);
}, 60_000);

async function duck(sql: string): Promise<Record<string, unknown>[]> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  const reader = await connection.runAndReadAll(sql);
  const rows = reader.getRowObjects() as Record<string, unknown>[];
  connection.closeSync();
  // DuckDB gives BIGINT as bigint: compare as numbers
  return rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === 'bigint' ? Number(v) : v])));
}

describe('export rows', () => {
  it('CSV, read back by DuckDB, equals nucleus_facts', async () => {
    const out = path.join(dir, 'n.csv');
    expect((await cli('export', '--db', db, '--format', 'csv', '--out', out)).code).toBe(0);
    expect(await duck(`SELECT * FROM read_csv('${out}', header = true) ORDER BY nucleus_id`)).toEqual(facts);
  });

  it('Parquet, read back by DuckDB, equals nucleus_facts with typed columns', async () => {
    const out = path.join(dir, 'n.parquet');
    expect((await cli('export', '--db', db, '--format', 'parquet', '--out', out)).code).toBe(0);
    expect(await duck(`SELECT * FROM '${out}' ORDER BY nucleus_id`)).toEqual(facts);
    const types = await duck(`SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM '${out}')`);
    expect(types).toEqual(expect.arrayContaining([{ column_name: 'instance_id', column_type: 'BIGINT' }, { column_name: 'eccentricity', column_type: 'DOUBLE' }, { column_name: 'tissue', column_type: 'VARCHAR' }]));
  });

  it('a subset exports only its nuclei', async () => {
    const out = path.join(dir, 'train.csv');
    expect((await cli('export', '--db', db, '--format', 'csv', '--out', out, '--subset', 'train')).code).toBe(0);
    const raw = new Database(db, { readonly: true });
    const ids = raw.prepare("SELECT nucleus_id FROM subset_members m JOIN subsets s ON s.id = m.subset_id WHERE s.name = 'train' ORDER BY 1").pluck().all();
    raw.close();
    expect((await duck(`SELECT nucleus_id FROM read_csv('${out}', header = true) ORDER BY 1`)).map((r) => r.nucleus_id)).toEqual(ids);
  });

  it('GeoJSON: one Feature per nucleus with its properties, RFC 7946 ring orientation, areas equal', async () => {
    const out = path.join(dir, 'n.geojson');
    expect((await cli('export', '--db', db, '--format', 'geojson', '--out', out)).code).toBe(0);
    const fc = JSON.parse(fs.readFileSync(out, 'utf8')) as { type: string; features: { geometry: { type: string; coordinates: unknown }; properties: Record<string, unknown> }[] };
    expect(fc.type).toBe('FeatureCollection');
    // nucleus_facts' columns, plus QuPath's objectType and classification {name, color}
    expect(fc.features.map(({ properties: { objectType: _o, classification: _c, ...rest } }) => rest)).toEqual(facts);
    expect(fc.features.every((f) => f.properties.objectType === 'detection' && (f.properties.classification as { name: unknown }).name === f.properties.class)).toBe(true);
    for (const f of fc.features) {
      const polygons = (f.geometry.type === 'Polygon' ? [f.geometry.coordinates] : f.geometry.coordinates) as number[][][][];
      expect(f.geometry.type).toBe(f.properties.parts === 1 ? 'Polygon' : 'MultiPolygon');
      let area = 0;
      for (const rings of polygons) {
        rings.forEach((ring, k) => {
          const a = signedArea(ring.flat());
          expect(k === 0 ? a > 0 : a < 0).toBe(true); // exterior counter-clockwise, holes clockwise
          area += a;
        });
      }
      expect(area).toBe(f.properties.area);
    }
  });

  it('bad usage: unknown format, missing --out', async () => {
    expect((await cli('export', '--db', db, '--format', 'xlsx', '--out', path.join(dir, 'x'))).err).toMatch(/--format: expected one of csv, parquet, geoparquet, geojson/);
    expect((await cli('export', '--db', db, '--format', 'csv')).code).toBe(2);
  });
});

describe('export masks', () => {
  it('writes PanNuke-format files whose masks equal the source bit for bit', async () => {
    const out = path.join(dir, 'train');
    const r = await cli('export', 'masks', '--db', db, '--subset', 'train', '--data', data, '--out', out);
    expect(r.code, r.err).toBe(0);
    const index = fs.readFileSync(path.join(out, 'index.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
    expect(index).toHaveLength(7);
    const read = async (p: string) => load(fileArrayBuffer(p));
    const masks = await read(path.join(out, 'masks.npy'));
    const images = await read(path.join(out, 'images.npy'));
    const types = await read(path.join(out, 'types.npy'));
    expect(masks.shape).toEqual([7, 128, 128, 6]);
    expect(masks.dtype).toBe('f8');
    expect(images.shape).toEqual([7, 128, 128, 3]);
    const record = 128 * 128 * 6;
    for (const [row, fold, foldIndex, , tissue] of index) {
      const src = await read(path.join(data, `Fold ${fold}`, 'masks', `fold${fold}`, 'masks.npy'));
      const srcImages = await read(path.join(data, `Fold ${fold}`, 'images', `fold${fold}`, 'images.npy'));
      const i = Number(foldIndex), k = Number(row);
      const want = (src.data as Float64Array).subarray(i * record, (i + 1) * record);
      const got = (masks.data as Float64Array).subarray(k * record, (k + 1) * record);
      expect(Buffer.from(got.buffer, got.byteOffset, got.byteLength).equals(Buffer.from(want.buffer, want.byteOffset, want.byteLength)), `row ${row}`).toBe(true);
      const img = 128 * 128 * 3;
      expect(Array.from((images.data as Float64Array).subarray(k * img, (k + 1) * img))).toEqual(Array.from((srcImages.data as Float64Array).subarray(i * img, (i + 1) * img)));
      expect((types.data as unknown as string[])[k]).toBe(tissue);
    }
  });

  it('says that a subset is exported as whole images; --members-only draws only its members', async () => {
    expect((await cli('subset', 'create', 'few', '--db', db, '--nuclei-per-class', '2', '--seed', '3')).code).toBe(0);
    const raw = new Database(db, { readonly: true });
    const members = raw.prepare("SELECT i.fold, i.fold_index, n.class_id, n.instance_id FROM subset_members m JOIN subsets s ON s.id = m.subset_id JOIN nuclei n ON n.id = m.nucleus_id JOIN images i ON i.id = n.image_id WHERE s.name = 'few'").all() as { fold: number; fold_index: number; class_id: number; instance_id: number }[];
    const inImages = raw.prepare("SELECT count(*) FROM nuclei WHERE image_id IN (SELECT image_id FROM subset_members m JOIN subsets s ON s.id = m.subset_id WHERE s.name = 'few')").pluck().get() as number;
    raw.close();
    expect(inImages).toBeGreaterThan(members.length);
    const whole = await cli('export', 'masks', '--db', db, '--subset', 'few', '--out', path.join(dir, 'whole'));
    expect(whole.out).toContain(`(${inImages} nuclei)`);
    expect(whole.out).toContain(`${members.length} of them in 'few' and ${inImages - members.length} beyond it (--members-only draws only the subset's)`);

    const out = path.join(dir, 'members');
    const only = await cli('export', 'masks', '--db', db, '--subset', 'few', '--members-only', '--out', out);
    expect(only.code, only.err).toBe(0);
    expect(only.out).toContain(`(${members.length} nuclei)`);
    // The (row, channel, id) triples present in the written masks are exactly the subset's members.
    const index = fs.readFileSync(path.join(out, 'index.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
    const masks = (await load(fileArrayBuffer(path.join(out, 'masks.npy')))).data as Float64Array;
    const found = new Set<string>();
    const record = 128 * 128 * 6;
    index.forEach(([row, fold, foldIndex]) => {
      for (let p = 0; p < 128 * 128; p++) {
        for (let c = 0; c < 5; c++) {
          const v = masks[Number(row) * record + p * 6 + c]!;
          if (v !== 0) found.add(`${fold}:${foldIndex}:${c + 1}:${v}`);
        }
      }
    });
    expect([...found].sort()).toEqual(members.map((m) => `${m.fold}:${m.fold_index}:${m.class_id}:${m.instance_id}`).sort());
    expect((await cli('export', 'masks', '--db', db, '--members-only', '--out', path.join(dir, 'x'))).err).toMatch(/--members-only needs --subset/);
  });

  it('reads the recorded sources without --data, and refuses them once they changed', async () => {
    const out = path.join(dir, 'recorded');
    const r = await cli('export', 'masks', '--db', db, '--out', out);
    expect(r.code, r.err).toBe(0);
    expect(fs.readFileSync(path.join(out, 'index.csv'), 'utf8').trim().split('\n')).toHaveLength(61);
    const types = path.join(data, 'Fold 2', 'images', 'fold2', 'types.npy');
    const saved = fs.readFileSync(types);
    const changed = Buffer.from(saved);
    changed[changed.length - 4] = 0x5a; // a letter of the last tissue name
    fs.writeFileSync(types, changed);
    try {
      const bad = await cli('export', 'masks', '--db', db, '--out', path.join(dir, 'recorded2'));
      expect([bad.code, bad.err]).toEqual([1, expect.stringMatching(/types\.npy: fold 2's types\.npy has changed since it was ingested .*give --data/)]);
      expect(fs.existsSync(path.join(dir, 'recorded2'))).toBe(false);
    } finally {
      fs.writeFileSync(types, saved);
    }
  });
});

describe('GeoParquet', () => {
  it('partitioned by fold and tissue: DuckDB reads every nucleus with its exact outline, bbox and partition keys', async () => {
    const out = path.join(dir, 'geo');
    const r = await cli('export', '--db', db, '--format', 'geoparquet', '--partition-by', 'fold,tissue', '--out', out);
    expect(r.code, r.err).toBe(0);
    const raw = new Database(db, { readonly: true });
    const contours = new Map((raw.prepare('SELECT id, hex(contour) AS h FROM nuclei').all() as { id: number; h: string }[]).map((c) => [c.id, c.h]));
    const partitions = raw.prepare('SELECT DISTINCT fold, tissue FROM nucleus_facts ORDER BY 1, 2').all() as { fold: number; tissue: string }[];
    raw.close();
    // Hive layout: one file per (fold, tissue) present.
    for (const p of partitions) expect(fs.existsSync(path.join(out, `fold=${p.fold}`, `tissue=${p.tissue}`, 'part-0.parquet')), `${p.fold}/${p.tissue}`).toBe(true);
    const files = fs.readdirSync(out, { recursive: true }).filter((f) => String(f).endsWith('.parquet'));
    expect(files).toHaveLength(partitions.length);
    // Read as plain Parquet (the WKB as a BLOB) and compare every row with nucleus_facts and the outline.
    const rows = await duck(`SET enable_geoparquet_conversion = false;
      SELECT * EXCLUDE (geometry, bbox), hex(geometry) AS wkb, bbox.xmin AS xmin, bbox.ymin AS ymin, bbox.xmax AS xmax, bbox.ymax AS ymax
        FROM read_parquet('${out}/**/*.parquet', hive_partitioning = true) ORDER BY nucleus_id`);
    expect(rows).toHaveLength(facts.length);
    rows.forEach((row, i) => {
      const fact = facts[i] as Record<string, unknown>;
      const { wkb, xmin, ymin, xmax, ymax, ...rest } = row;
      expect(rest).toEqual(fact);
      expect(wkb).toBe(contours.get(fact.nucleus_id as number));
      expect([xmin, ymin, xmax, ymax]).toEqual([fact.bbox_x0, fact.bbox_y0, fact.bbox_x1, fact.bbox_y1]);
    });
    // DuckDB recognises the geometry column from the metadata.
    const types = await duck(`SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet('${out}/**/*.parquet', hive_partitioning = true))`);
    expect(types).toEqual(expect.arrayContaining([{ column_name: 'geometry', column_type: 'GEOMETRY' }, { column_name: 'bbox', column_type: 'STRUCT(xmin DOUBLE, ymin DOUBLE, xmax DOUBLE, ymax DOUBLE)' }]));
  });

  it("each file's geo metadata has GeoParquet 1.1's required keys, crs null, and the file's own types and bounds", async () => {
    const out = path.join(dir, 'geo-meta');
    expect((await cli('export', '--db', db, '--format', 'geoparquet', '--partition-by', 'fold', '--out', out)).code).toBe(0);
    for (const f of fs.readdirSync(out, { recursive: true }).map(String).filter((x) => x.endsWith('.parquet'))) {
      const file = path.join(out, f);
      const [meta] = await duck(`SELECT decode(value) AS geo FROM parquet_kv_metadata('${file}') WHERE decode(key) = 'geo'`);
      const geo = JSON.parse(String(meta?.geo)) as Record<string, any>;
      expect(geo.version).toBe('1.1.0');
      expect(geo.primary_column).toBe('geometry');
      const column = geo.columns.geometry;
      expect(column.encoding).toBe('WKB');
      expect('crs' in column && column.crs === null).toBe(true);
      const [stats] = await duck(`SELECT min(bbox_x0) AS x0, min(bbox_y0) AS y0, max(bbox_x1) AS x1, max(bbox_y1) AS y1,
        count(*) FILTER (WHERE parts = 1) AS single, count(*) FILTER (WHERE parts > 1) AS multi FROM '${file}'`);
      expect(column.bbox).toEqual([stats?.x0, stats?.y0, stats?.x1, stats?.y1]);
      expect(column.geometry_types).toEqual([...(Number(stats?.multi) > 0 ? ['MultiPolygon'] : []), ...(Number(stats?.single) > 0 ? ['Polygon'] : [])]);
      expect(column.covering).toEqual({ bbox: { xmin: ['bbox', 'xmin'], ymin: ['bbox', 'ymin'], xmax: ['bbox', 'xmax'], ymax: ['bbox', 'ymax'] } });
    }
  });

  it('a subset, unpartitioned: part-0.parquet with only its nuclei; an existing folder needs --force', async () => {
    const out = path.join(dir, 'geo-train');
    expect((await cli('export', '--db', db, '--format', 'geoparquet', '--subset', 'train', '--out', out)).code).toBe(0);
    const raw = new Database(db, { readonly: true });
    const ids = raw.prepare("SELECT nucleus_id FROM subset_members m JOIN subsets s ON s.id = m.subset_id WHERE s.name = 'train' ORDER BY 1").pluck().all();
    raw.close();
    expect(fs.readdirSync(out).sort()).toEqual(['.pannuke-output.json', 'part-0.parquet']); // the marker is hidden from Hive readers
    expect((await duck(`SELECT nucleus_id FROM '${out}/part-0.parquet' ORDER BY 1`)).map((r) => r.nucleus_id)).toEqual(ids);
    const again = await cli('export', '--db', db, '--format', 'geoparquet', '--subset', 'train', '--out', out);
    expect([again.code, again.err]).toEqual([2, expect.stringMatching(/--out .*geo-train already exists and is not empty/)]);
    expect((await cli('export', '--db', db, '--format', 'geoparquet', '--subset', 'train', '--out', out, '--force')).code).toBe(0);
    expect((await cli('export', '--db', db, '--format', 'csv', '--partition-by', 'fold', '--out', path.join(dir, 'p.csv'))).err).toMatch(/--partition-by is for --format geoparquet/);
  });
});
