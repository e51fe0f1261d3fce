// Damaged and forged input: a zip member whose bytes no longer match their CRC-32 (or whose CRC was forged),
// a types.npy that declares gigabytes of tissue names, headers of every size, images of zero pixels, FIFOs.
// Each is refused in one line, within a memory budget and at once, and leaves the database as it was.
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { npyMembers } from '../../src/dataset/zip.js';
import { exitOf, spawnCli } from '../helpers/child.js';
import { cli } from '../helpers/cohort.js';
import { contentHash, naturalRows } from '../helpers/db.js';
import { writeTinyFold } from '../helpers/folds.js';
import { tempDir, skipBecause } from '../helpers/tmp.js';
import { zipFold } from '../helpers/zip.js';

const dir = tempDir('hostile');
const data = path.join(dir, 'data');
let k = 0;
const fresh = () => path.join(dir, `case${k++}`);
const oneLine = (err: string) => err.trim().split('\n').filter((l) => l.startsWith('pannuke:'));

beforeAll(async () => {
  expect((await cli('synth', data, '--images-per-fold', '4', '--size', '64', '--seed', '51', '--folds', '1')).code).toBe(0);
}, 60_000);

/** A stored (uncompressed) fold zip, and where its masks member's data starts. */
async function storedZip(from = data): Promise<{ zip: string; masksAt: number; crcAt: number[] }> {
  const root = fresh();
  fs.mkdirSync(root);
  const zip = path.join(root, 'fold_1.zip');
  await zipFold(from, 1, zip, { store: true });
  const masks = (await npyMembers(zip)).find((m) => m.name.endsWith('masks.npy'))!;
  // The member's CRC-32 is recorded twice: in its local header (offset 14) and its central directory entry (16).
  const bytes = fs.readFileSync(zip);
  const name = Buffer.from(masks.name);
  const crcAt: number[] = [];
  for (let at = bytes.indexOf(name); at >= 0; at = bytes.indexOf(name, at + 1)) {
    if (bytes.readUInt32LE(at - 30) === 0x04034b50) crcAt.push(at - 30 + 14);
    if (bytes.readUInt32LE(at - 46) === 0x02014b50) crcAt.push(at - 46 + 16);
  }
  expect(crcAt).toHaveLength(2);
  return { zip, masksAt: masks.dataStart, crcAt };
}

/**
 * A stored zip of 24 images of 64 × 64 with `delta` added to image 0's first id, the CRC-32 left as it was,
 * and a database ingested from it before the damage. Image 0 comes back from the workers while the member is
 * still being read (it is read as the workers take images), long before its CRC-32 is checked at its end.
 */
async function damagedZip(delta: number): Promise<{ zip: string; good: string }> {
  const source = fresh();
  expect((await cli('synth', source, '--images-per-fold', '24', '--size', '64', '--seed', '52', '--folds', '1')).code).toBe(0);
  const { zip, masksAt } = await storedZip(source);
  const good = path.join(path.dirname(zip), 'good.sqlite');
  expect((await cli('ingest', zip, '--db', good)).code).toBe(0);
  const bytes = fs.readFileSync(zip);
  const values = new Float64Array(bytes.buffer.slice(bytes.byteOffset + masksAt + 128, bytes.byteOffset + masksAt + 128 + 64 * 64 * 6 * 8));
  const at = values.findIndex((v, i) => v !== 0 && i % 6 < 5);
  expect(at).toBeGreaterThanOrEqual(0);
  bytes.writeDoubleLE(values[at]! + delta, masksAt + 128 + at * 8);
  fs.writeFileSync(zip, bytes);
  return { zip, good };
}

describe('zip members are checked against their CRC-32', () => {
  it('one changed float64 (an id + 2) with the CRC left as it was: ingest and verify refuse, naming the member; nothing stays', async () => {
    const { zip, good } = await damagedZip(2);
    const db = path.join(path.dirname(zip), 'x.sqlite');
    const r = await cli('ingest', zip, '--db', db);
    expect([r.code, oneLine(r.err)]).toEqual([1, [expect.stringMatching(/fold_1\.zip:Fold 1\/masks\/fold1\/masks\.npy: CRC-32 mismatch: the archive records [0-9a-f]{8}, the data gives [0-9a-f]{8}/)]]);
    expect(naturalRows(db)).toBe(JSON.stringify([[], []])); // the run's rows were removed
    const verify = await cli('verify', zip, '--db', good);
    expect([verify.code, oneLine(verify.err)]).toEqual([1, [expect.stringMatching(/CRC-32 mismatch/)]]);
    if (fs.existsSync('/usr/bin/unzip')) expect(spawnSync('unzip', ['-tq', zip], { encoding: 'utf8' }).stdout).toMatch(/bad CRC/);
  });

  it('damage that decodes to an impossible id (an id + 0.5) is reported as the damaged member it is, not as a bad mask value', async () => {
    const { zip, good } = await damagedZip(0.5);
    const db = path.join(path.dirname(zip), 'x.sqlite');
    const r = await cli('ingest', zip, '--db', db);
    // Before: "mask value 47.5 is fractional … fix the mask", a wrong hint for a damaged download.
    expect([r.code, oneLine(r.err)]).toEqual([1, [expect.stringMatching(/masks\.npy: CRC-32 mismatch: .*download it again/)]]);
    expect(naturalRows(db)).toBe(JSON.stringify([[], []]));
    const verify = await cli('verify', zip, '--db', good);
    expect([verify.code, oneLine(verify.err)]).toEqual([1, [expect.stringMatching(/CRC-32 mismatch/)]]);
  });

  it('a forged CRC field (0xDEADBEEF) is refused too, not recorded as a fingerprint', async () => {
    const { zip, crcAt } = await storedZip();
    const bytes = fs.readFileSync(zip);
    for (const at of crcAt) bytes.writeUInt32LE(0xdeadbeef, at);
    fs.writeFileSync(zip, bytes);
    const db = path.join(path.dirname(zip), 'x.sqlite');
    const r = await cli('ingest', zip, '--db', db);
    expect([r.code, oneLine(r.err)]).toEqual([1, [expect.stringMatching(/masks\.npy: CRC-32 mismatch: the archive records deadbeef/)]]);
    expect(naturalRows(db)).toBe(JSON.stringify([[], []]));
  });
});

describe('sizes a file declares are bounded before anything is allocated', () => {
  it('a types.npy declaring <U268000000 × 4 (4.3 GB) is refused at once, under 256 MB of memory', () => {
    const root = fresh();
    writeTinyFold(root, 1, 'flat', { n: 4 });
    const types = path.join(root, 'fold1', 'types.npy');
    const dict = "{'descr': '<U268000000', 'fortran_order': False, 'shape': (4,), }";
    const header = Buffer.alloc(128, 0x20);
    Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]).copy(header);
    header.writeUInt16LE(118, 8);
    header.write(dict, 10, 'latin1');
    header[127] = 0x0a;
    fs.writeFileSync(types, header);
    fs.truncateSync(types, 128 + 4 * 268_000_000 * 4); // sparse: the size the header declares, no disk used
    const entry = path.resolve(import.meta.dirname, '../../src/cli/entry.ts');
    const rusage = path.resolve(import.meta.dirname, '../../bench/rusage.mjs');
    const started = performance.now();
    const r = spawnSync(process.execPath, ['--import', rusage, '--import', 'tsx', entry, 'ingest', root, '--db', path.join(root, 'x.sqlite')], { encoding: 'utf8' });
    expect([r.status, oneLine(r.stderr)]).toEqual([1, [expect.stringMatching(/types\.npy: header: fold 1: tissue names of up to 268000000 characters \(<U268000000\) × 4: expected names of at most 256 characters/)]]);
    const rssKb = Number(/BENCH_MAX_RSS_KB=(\d+)/.exec(r.stderr)?.[1]);
    expect(rssKb).toBeGreaterThan(0);
    expect(rssKb).toBeLessThan(256 * 1024);
    expect(performance.now() - started).toBeLessThan(10_000);
    expect(fs.existsSync(path.join(root, 'x.sqlite'))).toBe(false);
  });

  it('a 1 MB header (valid, version 2.0) is read; one that declares 100 MB is refused', async () => {
    const root = fresh();
    writeTinyFold(root, 1, 'flat', { n: 2 });
    const reference = path.join(root, 'ref.sqlite');
    expect((await cli('ingest', root, '--db', reference)).code).toBe(0);
    const masks = path.join(root, 'fold1', 'masks.npy');
    const original = fs.readFileSync(masks);
    const payload = original.subarray(10 + original.readUInt16LE(8));
    const dict = "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 4, 4, 6), }";
    const big = Buffer.alloc(12 + (1 << 20), 0x20);
    Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 2, 0]).copy(big);
    big.writeUInt32LE(1 << 20, 8);
    big.write(dict, 12, 'latin1');
    big[big.length - 1] = 0x0a;
    fs.writeFileSync(masks, Buffer.concat([big, payload]));
    const db = path.join(root, 'big-header.sqlite');
    const r = await cli('ingest', root, '--db', db);
    expect(r.code, r.err).toBe(0);
    expect(naturalRows(db)).toBe(naturalRows(reference));

    big.writeUInt32LE(100 << 20, 8);
    fs.writeFileSync(masks, Buffer.concat([big, payload]));
    const bad = await cli('ingest', root, '--db', path.join(root, 'y.sqlite'));
    expect([bad.code, oneLine(bad.err)]).toEqual([1, [expect.stringMatching(/masks\.npy: byte 8: header declares 104857612 bytes: more than the 16777216 bytes any real array needs/)]]);
  });

  it('images of zero pixels (4, 0, 0, 6) are refused', async () => {
    const root = fresh();
    writeTinyFold(root, 1, 'flat', { n: 4, h: 0, w: 0 });
    const r = await cli('ingest', root, '--db', path.join(root, 'x.sqlite'));
    expect([r.code, oneLine(r.err)]).toEqual([1, [expect.stringMatching(/masks\.npy: header: fold 1: expected shape \(N, H, W, 6\) with H, W ≥ 1, found \(4, 0, 0, 6\) \(<f8\): images of zero pixels/)]]);
  });
});

describe('only regular files are opened', () => {
  it.skipIf(skipBecause(!fs.existsSync('/usr/bin/mkfifo'), 'mkfifo is not installed'))('a FIFO as masks.npy, as fold_1.zip or as --db is refused at once, by name', async () => {
    const flat = fresh();
    writeTinyFold(flat, 1, 'flat', { n: 2 });
    fs.rmSync(path.join(flat, 'fold1', 'masks.npy'));
    spawnSync('mkfifo', [path.join(flat, 'fold1', 'masks.npy')]);
    const zipped = fresh();
    fs.mkdirSync(zipped);
    spawnSync('mkfifo', [path.join(zipped, 'fold_1.zip')]);
    const good = fresh();
    writeTinyFold(good, 1, 'flat', { n: 2 });
    spawnSync('mkfifo', [path.join(good, 'x.sqlite')]);
    const cases: [string[], RegExp][] = [
      [['ingest', flat, '--db', path.join(flat, 'x.sqlite')], /masks\.npy: not a regular file \(a FIFO\)/],
      [['ingest', zipped, '--db', path.join(zipped, 'x.sqlite')], /fold_1\.zip: not a regular file \(a FIFO\)/],
      [['ingest', good, '--db', path.join(good, 'x.sqlite')], /x\.sqlite: not a regular file \(a FIFO, socket or device\)/],
      [['stats', '--db', path.join(good, 'x.sqlite')], /x\.sqlite: not a regular file/],
    ];
    for (const [argv, message] of cases) {
      // A child process: a FIFO opened for reading would block the whole test runner, not just the command.
      const child = spawnCli(argv);
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      const { code } = await exitOf(child);
      clearTimeout(timer);
      expect([code, oneLine(child.output().err)], argv.join(' ')).toEqual([1, [expect.stringMatching(message)]]);
    }
  }, 60_000);
});

describe('only regular files are opened as a prediction', () => {
  it.skipIf(skipBecause(!fs.existsSync('/usr/bin/mkfifo'), 'mkfifo is not installed'))('a FIFO or a device as the prediction, as a per-image file or as a label image\'s class CSV: eval run refuses it at once, by name, and the database keeps every byte', async () => {
    const root = fresh();
    fs.mkdirSync(root);
    const db = path.join(root, 'gt.sqlite');
    expect((await cli('ingest', data, '--db', db)).code).toBe(0);
    const sha = () => crypto.createHash('sha256').update(fs.readFileSync(db)).digest('hex');
    const before = sha();
    const fifo = (file: string) => {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      expect(spawnSync('mkfifo', [file]).status).toBe(0);
      return file;
    };
    const npyFolder = path.join(root, 'npy');
    fifo(path.join(npyFolder, 'masks.npy'));
    const jsonFolder = path.join(root, 'json');
    fifo(path.join(jsonFolder, '1_0.json'));
    const labels = path.join(root, 'labels');
    fs.mkdirSync(labels);
    fs.writeFileSync(path.join(labels, '1_0.png'), 'not read: its class CSV is refused first');
    fifo(path.join(labels, '1_0.csv'));
    const cases: [string, RegExp][] = [
      [fifo(path.join(root, 'prediction.json')), /prediction\.json: not a regular file \(a FIFO\)/],
      [npyFolder, /masks\.npy: not a regular file \(a FIFO\)/],
      [jsonFolder, /1_0\.json: not a regular file \(a FIFO\)/],
      [labels, /1_0\.csv: not a regular file \(a FIFO\)/],
      ['/dev/zero', /\/dev\/zero: not a regular file \(a device\)/],
    ];
    for (const [input, message] of cases) {
      // A child process: a FIFO opened for reading would block the whole test runner, not just the command.
      const child = spawnCli(['eval', 'run', input, '--db', db, '--fold', '1', '--name', 'hostile', '--ignore-unmatched']);
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      const { code } = await exitOf(child);
      clearTimeout(timer);
      expect([code, oneLine(child.output().err)], input).toEqual([1, [expect.stringMatching(message)]]);
    }
    expect(sha()).toBe(before);
  }, 90_000);
});

describe('a failed ingest changes nothing', () => {
  it('the database of the forged zip is byte-for-byte what it was before', async () => {
    const { zip, masksAt } = await storedZip();
    const db = path.join(path.dirname(zip), 'before.sqlite');
    expect((await cli('ingest', data, '--db', db, '--folds', '1')).code).toBe(0);
    const before = contentHash(db);
    const bytes = fs.readFileSync(zip);
    bytes.writeUInt8(bytes.readUInt8(masksAt + 128 + 8 * 6 * 100 + 7) ^ 0x01, masksAt + 128 + 8 * 6 * 100 + 7); // flip one bit of one value
    fs.writeFileSync(zip, bytes);
    const other = path.join(path.dirname(zip), 'other.sqlite');
    fs.copyFileSync(db, other);
    expect((await cli('ingest', zip, '--db', other, '--replace')).code).toBe(1);
    expect(contentHash(other)).toBe(before);
  });
});
