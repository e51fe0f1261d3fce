// pannuke eval against a PanNuke-metrics-style reference in numpy + scipy (scripts/eval_reference.py, with
// scipy's linear_sum_assignment for detection). Skipped, with a message, where Debian's python3-numpy and
// python3-scipy are not installed (.ci/run installs them).
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from '../helpers/cohort.js';
import { tempDir } from '../helpers/tmp.js';

const PYTHON = '/usr/bin/python3';
const SCRIPT = path.resolve(import.meta.dirname, '../../scripts/eval_reference.py');
const available = spawnSync(PYTHON, ['-c', 'import numpy, scipy.optimize'], { encoding: 'utf8' }).status === 0;
if (!available) console.warn(`skipping the numpy + scipy evaluation reference: ${PYTHON} with numpy and scipy is not available (apt-get install python3-scipy)`);

const dir = tempDir('eval-reference');

/** Every number of `want` (nested) equals the same key of `got` to 1e-9; NaN/null alike. */
function agree(got: unknown, want: unknown, where = ''): string[] {
  if (want === null || typeof want === 'number') {
    const ok = want === null ? got === null : typeof got === 'number' && Math.abs(got - want) <= 1e-9 * Math.max(1, Math.abs(want));
    return ok ? [] : [`${where}: ${String(got)} vs ${String(want)}`];
  }
  if (typeof want === 'object') return Object.entries(want as Record<string, unknown>).flatMap(([k, v]) => agree((got as Record<string, unknown> | undefined)?.[k], v, `${where}.${k}`));
  return [];
}

describe.skipIf(!available)('pannuke eval against numpy + scipy', () => {
  it('a synthetic fold and a model-like prediction: every figure to 1e-9', async () => {
    const data = path.join(dir, 'data');
    expect((await cli('synth', data, '--images-per-fold', '50', '--size', '128', '--seed', '12', '--folds', '3')).code).toBe(0);
    const db = path.join(dir, 'x.sqlite');
    expect((await cli('ingest', data, '--db', db)).code).toBe(0);
    const pred = path.join(dir, 'pred');
    expect((await cli('synth', pred, '--prediction-of', data, '--fold', '3', '--seed', '9')).code).toBe(0);
    expect((await cli('eval', 'run', pred, '--db', db, '--name', 'm', '--fold', '3')).code).toBe(0);
    const got = JSON.parse((await cli('eval', 'show', 'm', '--db', db, '--format', 'json')).out);
    const fold = path.join(data, 'Fold 3');
    const r = spawnSync(PYTHON, [SCRIPT, path.join(fold, 'masks', 'fold3', 'masks.npy'), path.join(pred, 'masks.npy'), path.join(fold, 'images', 'fold3', 'types.npy')], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const want = JSON.parse(r.stdout);
    expect(agree(got, want)).toEqual([]);
    expect(want.detection.TP).toBeGreaterThan(0);
  }, 120_000);
});
