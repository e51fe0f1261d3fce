// A zip member's records read by a thread of its own (MemberRecords) against the same member read on the
// calling thread (NpyStream) and against the unpacked .npy file: the same bytes, the same order, any subset of
// records; a consumer that stops early ends the thread; damage is reported with the member's name.
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { MemberRecords } from '../../src/dataset/member-thread.js';
import { PannukeError } from '../../src/errors.js';
import { npyMembers } from '../../src/dataset/zip.js';
import { openMember } from '../../src/dataset/zip-member.js';
import { NpyFile } from '../../src/npy/reader.js';
import { NpyStream } from '../../src/npy/stream.js';
import { cli } from '../helpers/cohort.js';
import { tempDir } from '../helpers/tmp.js';
import { zipFold } from '../helpers/zip.js';

const dir = tempDir('member-thread');
const data = path.join(dir, 'data');
const masksFile = path.join(data, 'Fold 1', 'masks', 'fold1', 'masks.npy');

const other = path.join(dir, 'other');

beforeAll(async () => {
  // 40 images of 48 × 48: each record is 110,592 bytes, so a 1 MiB chunk holds several and records straddle chunks.
  expect((await cli('synth', data, '--images-per-fold', '40', '--size', '48', '--seed', '7', '--folds', '1')).code).toBe(0);
  // Other masks of the same record size: a member whose reader is given the first member's buffers.
  expect((await cli('synth', other, '--images-per-fold', '40', '--size', '48', '--seed', '8', '--folds', '1')).code).toBe(0);
}, 60_000);

async function source(zip: string, viaStream = false): Promise<MemberRecords> {
  const member = (await npyMembers(zip)).find((m) => m.name.endsWith('masks.npy'))!;
  return new MemberRecords(await NpyStream.open(`${zip}:${member.name}`, member.uncompressedSize, (chunk) => openMember(member, chunk)), member, { viaStream });
}

/** The records of the unpacked file, read directly (the independent reference). */
function onDisk(indexes: number[], npy = masksFile): string[] {
  const file = NpyFile.open(npy);
  try {
    return indexes.map((i) => Buffer.from(file.readRecord(i, new Uint8Array(file.recordBytes))).toString('base64'));
  } finally {
    file.close();
  }
}

async function collect(records: AsyncIterable<{ index: number; bytes: Uint8Array }>, recycle?: (b: ArrayBuffer) => void) {
  const out: { index: number; bytes: string }[] = [];
  for await (const r of records) {
    out.push({ index: r.index, bytes: Buffer.from(r.bytes).toString('base64') });
    recycle?.(r.bytes.buffer as ArrayBuffer);
  }
  return out;
}

// Each test twice: the pulled read (inflate into each record's buffer) and node:zlib's stream, its fallback.
describe.each([['pulled', false], ['streamed', true]])('a zip member read by a thread of its own, %s', (_, viaStream) => {
  for (const store of [false, true]) {
    it(`${store ? 'stored' : 'deflate'}: every record, and a sparse subset, equal the unpacked file's, in order`, async () => {
      const zip = path.join(dir, `fold1-${store ? 'stored' : 'deflate'}.zip`);
      await zipFold(data, 1, zip, { store });
      const masks = await source(zip, viaStream);
      const all = Array.from({ length: 40 }, (_, i) => i);
      const got = await collect(masks.read(all), (b) => masks.recycle(b));
      expect(got.map((r) => r.index)).toEqual(all);
      expect(got.map((r) => r.bytes)).toEqual(onDisk(all));
      const some = [0, 1, 7, 8, 20, 39];
      expect((await collect(masks.read(some))).map((r) => r.bytes)).toEqual(onDisk(some));
      // Fewer than 4 records are read on the calling thread: the same bytes.
      expect((await collect(masks.read([5, 30]))).map((r) => r.bytes)).toEqual(onDisk([5, 30]));
      masks.close();
    });
  }

  it('buffers given back after their member ended fill the next member\'s records, whole: its bytes, never the old ones', async () => {
    const zipA = path.join(dir, 'fold1-a.zip');
    const zipB = path.join(dir, 'fold1-b.zip');
    await zipFold(data, 1, zipA);
    await zipFold(other, 1, zipB);
    const a = await source(zipA, viaStream);
    const b = await source(zipB, viaStream);
    const all = Array.from({ length: 40 }, (_, i) => i);
    // A's records all held past its end (as the workers hold the last ones of a fold), then given back: to B's
    // reader while it runs (the first half), to the pool its successor starts with (the rest).
    const held: ArrayBuffer[] = [];
    const gotA = await collect(a.read(all), (x) => held.push(x));
    expect(gotA.map((r) => r.bytes)).toEqual(onDisk(all));
    const otherMasks = path.join(other, 'Fold 1', 'masks', 'fold1', 'masks.npy');
    const gotB: { index: number; bytes: string }[] = [];
    for await (const r of b.read(all)) {
      gotB.push({ index: r.index, bytes: Buffer.from(r.bytes).toString('base64') });
      if (r.index === 5) for (const x of held.splice(0, 20)) a.recycle(x);
      b.recycle(r.bytes.buffer as ArrayBuffer);
    }
    expect(gotB.map((r) => r.index)).toEqual(all);
    expect(gotB.map((r) => r.bytes)).toEqual(onDisk(all, otherMasks));
    for (const x of held.splice(0)) a.recycle(x);
    // A again, then B again, each starting with the other's buffers: still each its own bytes.
    expect((await collect(a.read(all), (x) => a.recycle(x))).map((r) => r.bytes)).toEqual(onDisk(all));
    expect((await collect(b.read(all), (x) => b.recycle(x))).map((r) => r.bytes)).toEqual(onDisk(all, otherMasks));
    a.close();
    b.close();
  });

  it('a consumer that stops early ends the thread, and the source reads again', async () => {
    const zip = path.join(dir, 'fold1-early.zip');
    await zipFold(data, 1, zip);
    const masks = await source(zip, viaStream);
    const all = Array.from({ length: 40 }, (_, i) => i);
    // Files open in this process (Linux): the archive opened for the thread is closed once it has ended.
    const openFiles = () => (fs.existsSync('/proc/self/fd') ? fs.readdirSync('/proc/self/fd').length : 0);
    const before = openFiles();
    let taken = 0;
    for await (const r of masks.read(all)) {
      void r;
      if (++taken === 3) {
        if (before > 0) expect(openFiles()).toBeGreaterThan(before); // the archive, open while the thread reads
        break;
      }
    }
    expect(taken).toBe(3);
    expect(openFiles()).toBe(before);
    expect((await collect(masks.read(all))).map((r) => r.bytes)).toEqual(onDisk(all));
    masks.close();
  });

  it('a changed byte with the CRC-32 left as it was: every record comes out, then the member is refused by name', async () => {
    const zip = path.join(dir, 'fold1-damaged.zip');
    await zipFold(data, 1, zip, { store: true });
    const member = (await npyMembers(zip)).find((m) => m.name.endsWith('masks.npy'))!;
    const bytes = fs.readFileSync(zip);
    const at = member.dataStart + 128 + 39 * 48 * 48 * 6 * 8 + 3; // in the last record
    bytes.writeUInt8(bytes.readUInt8(at) ^ 0x10, at);
    fs.writeFileSync(zip, bytes);
    const masks = await source(zip, viaStream);
    const seen: number[] = [];
    const failure = await (async () => {
      for await (const r of masks.read(Array.from({ length: 40 }, (_, i) => i))) seen.push(r.index);
    })().then(() => undefined, (e: unknown) => e as PannukeError);
    expect(seen).toHaveLength(40);
    expect(failure).toBeInstanceOf(PannukeError);
    expect([failure?.code, failure?.file, failure?.message]).toEqual(['ZIP', `${zip}:Fold 1/masks/fold1/masks.npy`, expect.stringMatching(/^CRC-32 mismatch: the archive records [0-9a-f]{8}, the data gives [0-9a-f]{8}$/)]);
    masks.close();
  });
});
