// Ingest straight from zip archives: the same database as from the unpacked folder, ZIP64 and stored
// entries, resuming, and clear errors for damaged archives.
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../helpers/cohort.js';
import { naturalRows } from '../helpers/db.js';
import { tempDir } from '../helpers/tmp.js';
import { zipFold } from '../helpers/zip.js';

const dir = tempDir('zip');
/** Lexicographic order of two keys. */
const compareKeys = (a: number[], b: number[]) => {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return (a[i] as number) - (b[i] as number);
  return 0;
};
const data = path.join(dir, 'data');
const zips = path.join(dir, 'downloads');
let folderDb: string;

beforeAll(async () => {
  expect((await cli('synth', data, '--images-per-fold', '8', '--size', '96', '--seed', '31')).code).toBe(0);
  fs.mkdirSync(zips);
  for (const k of [1, 2, 3]) await zipFold(data, k, path.join(zips, `fold_${k}.zip`));
  folderDb = path.join(dir, 'folder.sqlite');
  expect((await cli('ingest', data, '--db', folderDb)).code).toBe(0);
}, 60_000);

describe('ingest from zips', () => {
  it('a folder of the official zips gives the same data as the unpacked folder', async () => {
    const db = path.join(dir, 'zips.sqlite');
    const r = await cli('ingest', zips, '--db', db);
    expect(r.code, r.err).toBe(0);
    expect(naturalRows(db)).toBe(naturalRows(folderDb));
    const raw = new Database(db, { readonly: true });
    const sources = raw.prepare('SELECT role, path, fingerprint_kind FROM sources WHERE fold = 1 ORDER BY role').all();
    raw.close();
    expect(sources).toEqual([
      { role: 'images', path: `${path.join(zips, 'fold_1.zip')}:Fold 1/images/fold1/images.npy`, fingerprint_kind: 'zip-crc32' },
      { role: 'masks', path: `${path.join(zips, 'fold_1.zip')}:Fold 1/masks/fold1/masks.npy`, fingerprint_kind: 'zip-crc32' },
      { role: 'types', path: `${path.join(zips, 'fold_1.zip')}:Fold 1/images/fold1/types.npy`, fingerprint_kind: 'zip-crc32' },
    ]);
    // verify reads the zips too
    expect((await cli('verify', zips, '--db', db)).code).toBe(0);
  });

  it('rows get their ids in (fold, fold_index, class, instance) order while the next fold is read and extracted ahead', async () => {
    // Ingest reads fold k + 1's member (in a thread of its own) while fold k loads, and holds its results:
    // the ids must still follow the contract, and equal those of the folder ingest and of one fold at a time.
    const db = path.join(dir, 'ids.sqlite');
    expect((await cli('ingest', zips, '--db', db)).code).toBe(0);
    const oneAtATime = path.join(dir, 'ids-serial.sqlite');
    for (const k of ['1', '2', '3']) expect((await cli('ingest', zips, '--db', oneAtATime, '--folds', k, '--workers', '1')).code).toBe(0);
    const ids = (file: string) => {
      const raw = new Database(file, { readonly: true });
      try {
        return {
          images: raw.prepare('SELECT id, fold, fold_index FROM images ORDER BY id').raw().all() as number[][],
          nuclei: raw.prepare('SELECT n.id, i.fold, i.fold_index, n.class_id, n.instance_id FROM nuclei n JOIN images i ON i.id = n.image_id ORDER BY n.id').raw().all() as number[][],
        };
      } finally {
        raw.close();
      }
    };
    const got = ids(db);
    // The contract, checked directly: sorted by id, the keys are sorted too.
    const sortedBy = (rows: number[][]) => rows.every((r, i) => i === 0 || r.slice(1).join() !== rows[i - 1]!.slice(1).join() && compareKeys(rows[i - 1]!.slice(1), r.slice(1)) < 0);
    expect(got.images).toHaveLength(24);
    expect(sortedBy(got.images)).toBe(true);
    expect(sortedBy(got.nuclei)).toBe(true);
    expect(got).toEqual(ids(folderDb));
    expect(got).toEqual(ids(oneAtATime));
  });

  it('damage in the fold read ahead (fold 2) while fold 1 loads: refused, naming that member, and nothing of fold 1 stays', async () => {
    const damaged = path.join(dir, 'damaged-fold2');
    fs.mkdirSync(damaged);
    for (const k of [1, 3]) fs.copyFileSync(path.join(zips, `fold_${k}.zip`), path.join(damaged, `fold_${k}.zip`));
    // Fold 2 stored (uncompressed), one float64 of its last image changed, the CRC-32 left as it was: the
    // damage decodes to a plausible mask and is found only at the member's end.
    const fold2 = path.join(damaged, 'fold_2.zip');
    await zipFold(data, 2, fold2, { store: true });
    const bytes = fs.readFileSync(fold2);
    const name = bytes.indexOf(Buffer.from('Fold 2/masks/fold2/masks.npy'));
    const dataStart = name + 'Fold 2/masks/fold2/masks.npy'.length + bytes.readUInt16LE(name - 2);
    const last = dataStart + 128 + 7 * 96 * 96 * 6 * 8;
    bytes.writeDoubleLE(bytes.readDoubleLE(last) + 2, last);
    fs.writeFileSync(fold2, bytes);
    const db = path.join(dir, 'damaged.sqlite');
    const r = await cli('ingest', damaged, '--db', db);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/fold_2\.zip:Fold 2\/masks\/fold2\/masks\.npy: CRC-32 mismatch/);
    expect(naturalRows(db)).toBe(JSON.stringify([[], []]));
  });

  it('one zip given directly, ZIP64 format, stored entries', async () => {
    const z64 = path.join(dir, 'fold2-zip64.zip');
    await zipFold(data, 2, z64, { zip64: true });
    const stored = path.join(dir, 'fold3-stored.zip');
    await zipFold(data, 3, stored, { store: true });
    // the ZIP64 end of central directory record is there
    expect(fs.readFileSync(z64).includes(Buffer.from([0x50, 0x4b, 0x06, 0x06]))).toBe(true);
    const db = path.join(dir, 'single.sqlite');
    expect((await cli('ingest', z64, '--db', db)).code).toBe(0);
    const r = await cli('ingest', stored, '--db', db);
    expect(r.code, r.err).toBe(0);
    const reference = path.join(dir, 'ref23.sqlite');
    expect((await cli('ingest', data, '--db', reference, '--folds', '2,3')).code).toBe(0);
    expect(naturalRows(db)).toBe(naturalRows(reference));
  });

  it('resumes from a zip (finished images are inflated and skipped) and switching containers changes nothing', async () => {
    const db = path.join(dir, 'resume.sqlite');
    expect((await cli('ingest', data, '--db', db, '--folds', '1')).code).toBe(0);
    // same data, now zipped: fold 1 is recognised as unchanged (fingerprinted again the recorded way)
    const r = await cli('ingest', zips, '--db', db);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/ingested 16 images.*8 already in the database/);
    expect(naturalRows(db)).toBe(naturalRows(folderDb));
    // and back to the folder: nothing to load, so nothing is rewritten (sources still name the zips)
    const sources = () => new Database(db, { readonly: true }).prepare('SELECT fold, role, path, fingerprint_kind FROM sources ORDER BY fold, role').all();
    const before = sources();
    expect(before.filter((s: any) => s.fold === 2).every((s: any) => s.path.includes('.zip:'))).toBe(true);
    const back = await cli('ingest', data, '--db', db);
    expect(back.out).toMatch(/nothing to do/);
    expect(sources()).toEqual(before);
  });

  it('a damaged or truncated archive is a clear error and leaves no database', async () => {
    const bad = path.join(dir, 'bad');
    fs.mkdirSync(bad);
    fs.writeFileSync(path.join(bad, 'fold_1.zip'), 'this is not a zip file at all'.repeat(100));
    const db = path.join(dir, 'bad.sqlite');
    const r1 = await cli('ingest', bad, '--db', db);
    expect([r1.code, r1.err]).toEqual([1, expect.stringMatching(/fold_1\.zip: not a readable zip archive/)]);
    expect(fs.existsSync(db)).toBe(false);

    const cut = path.join(dir, 'cut');
    fs.mkdirSync(cut);
    const whole = fs.readFileSync(path.join(zips, 'fold_1.zip'));
    fs.writeFileSync(path.join(cut, 'fold_1.zip'), whole.subarray(0, whole.length - 200));
    const r2 = await cli('ingest', cut, '--db', db);
    expect([r2.code, r2.err]).toEqual([1, expect.stringMatching(/fold_1\.zip: (not a readable|corrupt) zip archive/)]);

    // corrupt deflate data inside an otherwise intact archive
    const flipped = path.join(dir, 'flipped');
    fs.mkdirSync(flipped);
    const copy = Buffer.from(whole);
    const masksAt = copy.indexOf(Buffer.from('Fold 1/masks/fold1/masks.npy'));
    for (let i = masksAt + 200; i < masksAt + 400; i++) copy[i] = 0xff;
    fs.writeFileSync(path.join(flipped, 'fold_1.zip'), copy);
    const r3 = await cli('ingest', flipped, '--db', path.join(dir, 'flipped.sqlite'));
    expect(r3.code).toBe(1);
    expect(r3.err).toMatch(/fold_1\.zip:Fold 1\/masks\/fold1\/masks\.npy: .*(corrupt|truncated|not an \.npy|unsupported|cannot parse)/);
  });
});
