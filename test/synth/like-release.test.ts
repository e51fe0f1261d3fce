// synth --like-release: every image has the tissue and the nuclei per class of its image in the real release
// (the embedded table, read here with its own decoder), so a whole synthetic fold passes verify --official.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadRelease } from '../../src/release/expected.js';
import { cli } from '../helpers/cohort.js';
import { tempDir } from '../helpers/tmp.js';

const dir = tempDir('like-release');

describe('synth --like-release', () => {
  it('a sample keeps each sampled image\'s tissue and class counts, spread evenly over the fold', async () => {
    const out = path.join(dir, 'sample');
    expect((await cli('synth', out, '--like-release', '--images-per-fold', '30', '--size', '128', '--seed', '4')).code).toBe(0);
    const manifest = JSON.parse(fs.readFileSync(path.join(out, 'manifest.json'), 'utf8')) as { folds: { fold: number; images: { tissue: string; counts: number[] }[] }[] };
    const release = JSON.parse(fs.readFileSync(path.resolve(import.meta.dirname, '../../data/pannuke-release.json'), 'utf8')) as { tissues: string[]; folds: { fold: number; tissues: string; counts: string }[] };
    for (const f of manifest.folds) {
      const table = release.folds.find((r) => r.fold === f.fold)!;
      const counts = table.counts.split(';');
      expect(f.images).toHaveLength(30);
      f.images.forEach((im, i) => {
        const k = Math.floor((i * table.tissues.length) / 30);
        expect(im.tissue).toBe(release.tissues[table.tissues.charCodeAt(k) - 97]);
        expect(im.counts).toEqual(counts[k]!.split(',').map(Number));
      });
    }
    const db = path.join(dir, 'sample.sqlite');
    expect((await cli('ingest', out, '--db', db)).code).toBe(0);
    const qc = await cli('qc', '--db', db, '--examples', '0');
    for (const quirk of ['shared_id', 'fragmented', 'holes', 'tiny_nucleus']) expect(qc.out, quirk).toMatch(new RegExp(`${quirk}\\s+[1-9]`));
  }, 60_000);

  it('a whole fold matches the published release image by image (verify --official)', async () => {
    const out = path.join(dir, 'fold1');
    const r = await cli('synth', out, '--like-release', '--folds', '1', '--size', '48', '--seed', '2');
    expect(r.code, r.err).toBe(0);
    const expected = loadRelease().folds.get(1)!;
    expect(r.out).toContain(`wrote ${expected.length} synthetic images (${expected.reduce((s, im) => s + im.counts.reduce((a, b) => a + b, 0), 0)} nuclei`);
    const db = path.join(dir, 'fold1.sqlite');
    expect((await cli('ingest', out, '--db', db)).code).toBe(0);
    fs.rmSync(out, { recursive: true, force: true });
    const v = await cli('verify', '--official', '--db', db);
    expect([v.code, v.out]).toEqual([0, expect.stringMatching(/✓ the database matches the published release/)]);
  }, 120_000);
});
