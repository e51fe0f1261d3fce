// GIS tools open the SQLite file as it is: GDAL (and so QGIS) reads `nuclei` and `predicted_nuclei` as
// geometry layers through the OGC geometry_columns table. Skipped, with a message, where Debian's gdal-bin
// (ogrinfo) is not installed (.ci/run installs it).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { cli } from '../helpers/cohort.js';
import { tempDir } from '../helpers/tmp.js';

const OGRINFO = '/usr/bin/ogrinfo';
const available = fs.existsSync(OGRINFO);
if (!available) console.warn(`skipping the GDAL test: ${OGRINFO} is not installed (apt-get install gdal-bin)`);

const dir = tempDir('gis');

describe.skipIf(!available)('GDAL reads the database', () => {
  it('nuclei and predicted_nuclei are polygon layers with every row, their FIDs the row ids, and no warning', async () => {
    const data = path.join(dir, 'data');
    expect((await cli('synth', data, '--images-per-fold', '5', '--size', '96', '--seed', '6')).code).toBe(0);
    const db = path.join(dir, 'x.sqlite');
    expect((await cli('ingest', data, '--db', db)).code).toBe(0);
    const pred = path.join(dir, 'pred');
    expect((await cli('synth', pred, '--prediction-of', data, '--fold', '1')).code).toBe(0);
    expect((await cli('eval', 'run', pred, '--db', db, '--name', 'm', '--fold', '1')).code).toBe(0);
    const layers = spawnSync(OGRINFO, ['-ro', '-q', db], { encoding: 'utf8' });
    expect(layers.stdout).toMatch(/1: nuclei/);
    expect(layers.stdout).toMatch(/2: predicted_nuclei/);
    const raw = new Database(db, { readonly: true });
    for (const table of ['nuclei', 'predicted_nuclei']) {
      const r = spawnSync(OGRINFO, ['-ro', '-al', '-q', db, table], { encoding: 'utf8', maxBuffer: 64 << 20 });
      expect(r.status, r.stderr).toBe(0);
      expect(r.stderr, table).not.toMatch(/warning|error/i);
      const fids = [...r.stdout.matchAll(/OGRFeature\(\w+\):(\d+)/g)].map((m) => Number(m[1]));
      const geometries = [...r.stdout.matchAll(/^\s+(POLYGON|MULTIPOLYGON) /gm)].map((m) => m[1]);
      const rows = raw.prepare(`SELECT id, parts FROM ${table} ORDER BY id`).all() as { id: number; parts: number }[];
      expect(rows.length).toBeGreaterThan(0);
      expect(fids).toEqual(rows.map((x) => x.id));
      expect(geometries).toEqual(rows.map((x) => (x.parts > 1 ? 'MULTIPOLYGON' : 'POLYGON')));
    }
    raw.close();
    // 64-bit values read exactly: columns are declared BIGINT, which GDAL reads as Integer64 (INTEGER it
    // clamps to 32 bits, with a warning).
    const rw = new Database(db);
    const first = rw.prepare('SELECT id FROM nuclei ORDER BY id LIMIT 1').pluck().get() as number;
    rw.prepare('UPDATE nuclei SET instance_id = 2147483649 WHERE id = ?').run(first);
    rw.close();
    const big = spawnSync(OGRINFO, ['-ro', '-q', '-where', `instance_id > 2147483647`, db, 'nuclei'], { encoding: 'utf8' });
    expect(big.stderr).not.toMatch(/warning|overflow/i);
    expect(big.stdout).toMatch(/instance_id \(Integer64\) = 2147483649/);
  }, 60_000);
});
