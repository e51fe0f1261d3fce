// The database against an independent implementation of the contract in numpy + shapely (GEOS):
// scripts/crosscheck.py. Skipped, with a message, where Debian's python3-shapely is not installed
// (.ci/run installs it).
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import { writeTinyFold } from '../helpers/folds.js';
import { captureIo } from '../helpers/io.js';
import { tempDir } from '../helpers/tmp.js';

const PYTHON = '/usr/bin/python3';
const SCRIPT = path.resolve(import.meta.dirname, '../../scripts/crosscheck.py');
const probe = spawnSync(PYTHON, ['-c', 'import numpy, shapely'], { encoding: 'utf8' });
const available = probe.status === 0;
if (!available) console.warn(`skipping the GEOS cross-check: ${PYTHON} with numpy and shapely is not available (apt-get install python3-shapely python3-numpy)`);

const dir = tempDir('crosscheck');

function crosscheck(root: string, db: string) {
  const r = spawnSync(PYTHON, [SCRIPT, root, db], { encoding: 'utf8' });
  return { code: r.status, out: r.stdout + r.stderr };
}

describe.skipIf(!available)('cross-check with numpy + GEOS', () => {
  it('a synthetic dataset with every quirk', async () => {
    const data = path.join(dir, 'synth');
    expect(await runCli(['synth', data, '--images-per-fold', '6', '--size', '128', '--seed', '17'], captureIo())).toBe(0);
    const db = path.join(dir, 'synth.sqlite');
    expect(await runCli(['ingest', data, '--db', db], captureIo())).toBe(0);
    const r = crosscheck(data, db);
    expect(r.code, r.out).toBe(0);
    expect(r.out).toMatch(/crosscheck: [1-9]\d* nuclei checked, 0 differences/);
  }, 120_000);

  it('random noise masks: maximal fragmentation, saddles, holes, shared ids, overlaps, big ids', async () => {
    const n = 6, h = 40, w = 40;
    let seed = 99;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const masks = new Float64Array(n * h * w * 6);
    for (let p = 0; p < n * h * w; p++) {
      for (let c = 0; c < 5; c++) if (rand() < 0.45) masks[p * 6 + c] = [1, 2, 3, 65536, 2 ** 24 + 1][Math.floor(rand() * (c === 0 ? 5 : 3))]!;
    }
    const root = path.join(dir, 'noise');
    writeTinyFold(root, 1, 'flat', { n, h, w, masks });
    const db = path.join(dir, 'noise.sqlite');
    expect(await runCli(['ingest', root, '--db', db], captureIo())).toBe(0);
    const r = crosscheck(root, db);
    expect(r.code, r.out).toBe(0);
    expect(r.out).toMatch(/0 differences/);
  }, 120_000);
});
