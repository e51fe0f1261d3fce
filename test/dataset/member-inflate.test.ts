// MemberInflater (src/dataset/member-inflate.ts): a member's bytes inflated into the caller's buffers, against
// zlib.inflateRawSync's and the original bytes, for any sizes of fill and skip; every kind of damage refused
// with the member's name (forged lengths, a forged CRC-32, corrupt or cut deflate data, a cut archive).
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { MemberInflater } from '../../src/dataset/member-inflate.js';
import type { ZipMember } from '../../src/dataset/zip-member.js';
import { tempDir } from '../helpers/tmp.js';

const dir = tempDir('member-inflate');
const open: { inflater: MemberInflater; fd: number }[] = [];
afterEach(() => {
  for (const { inflater, fd } of open.splice(0)) {
    inflater.close();
    fs.closeSync(fd);
  }
});

/** 3.5 MB: runs of a few values (as masks) between random stretches, so deflate both matches and copies. */
function original(): Buffer {
  const out = Buffer.alloc(3_500_000);
  for (let at = 0; at < out.length; ) {
    const run = 1 + crypto.randomInt(60_000);
    if (crypto.randomInt(4) === 0) crypto.randomFillSync(out, at, Math.min(run, out.length - at));
    else out.fill(crypto.randomInt(4), at, Math.min(at + run, out.length));
    at += run;
  }
  return out;
}

/** A member written by hand: junk, then the entry's bytes, then junk (no zip parser involved). */
function member(data: Buffer, options: { store?: boolean; name?: string } = {}): { member: ZipMember; file: string; body: Buffer } {
  const body = options.store === true ? data : zlib.deflateRawSync(data, { level: 6 });
  const file = path.join(dir, `${options.name ?? crypto.randomUUID()}.bin`);
  fs.writeFileSync(file, Buffer.concat([Buffer.from('0123456789'), body, Buffer.from('trailing junk')]));
  return { file, body, member: { zip: file, name: 'masks.npy', method: options.store === true ? 0 : 8, dataStart: 10, compressedSize: body.length, uncompressedSize: data.length, crc32: zlib.crc32(data) } };
}

function inflater(m: ZipMember): MemberInflater {
  const fd = fs.openSync(m.zip, 'r');
  const i = MemberInflater.open(m, fd);
  if (i === undefined) throw new Error('node:zlib lacks the synchronous write on this Node');
  open.push({ inflater: i, fd });
  return i;
}

/** Runs `f` and returns the error it throws. */
function thrown(f: () => void): Error & { code?: string; file?: string } {
  try {
    f();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected an error');
}

describe('MemberInflater', () => {
  it('is available on this Node (else ingest falls back to the slower stream)', () => {
    const { member: m } = member(Buffer.from('x'));
    expect(inflater(m)).toBeDefined();
  });

  for (const store of [false, true]) {
    it(`${store ? 'stored' : 'deflate'}: fills and skips of any size give the member's bytes, then the end checks out`, () => {
      const data = original();
      const { member: m, body } = member(data, { store });
      if (!store) expect(zlib.inflateRawSync(body).equals(data)).toBe(true);
      const i = inflater(m);
      const pieces: Buffer[] = [];
      let at = 0;
      for (const [kind, n] of [['fill', 128], ['skip', 1], ['fill', 1 << 20], ['skip', 777_777], ['fill', 3], ['fill', 65_536], ['skip', 0]] as const) {
        if (kind === 'skip') {
          expect(i.skip(n)).toBe(n);
          at += n;
        } else {
          const out = new Uint8Array(n);
          expect(i.fill(out)).toBe(n);
          expect(Buffer.from(out).equals(data.subarray(at, at + n))).toBe(true);
          pieces.push(Buffer.from(out));
          at += n;
        }
      }
      // The rest, in one buffer larger than what is left: a short fill says the end.
      const rest = new Uint8Array(data.length);
      expect(i.fill(rest)).toBe(data.length - at);
      expect(Buffer.from(rest.subarray(0, data.length - at)).equals(data.subarray(at))).toBe(true);
      expect(i.fill(new Uint8Array(10))).toBe(0);
      expect(() => i.finish()).not.toThrow();
    });
  }

  it('a forged CRC-32: every byte comes out, then finish refuses the member by name', () => {
    const data = original();
    const { member: m } = member(data);
    const i = inflater({ ...m, crc32: (m.crc32 ^ 1) >>> 0 });
    expect(i.fill(new Uint8Array(data.length))).toBe(data.length);
    const e = thrown(() => i.finish());
    expect([e.code, e.file, e.message]).toEqual(['ZIP', `${m.zip}:masks.npy`, expect.stringMatching(/^CRC-32 mismatch/)]);
  });

  it('a forged length: more bytes than recorded are refused as soon as they come; fewer at the end', () => {
    const data = original();
    const { member: m } = member(data);
    const more = inflater({ ...m, uncompressedSize: data.length - 1000 });
    expect(thrown(() => more.fill(new Uint8Array(data.length))).message).toMatch(/member holds more than the 3499000 bytes the archive records/);
    const fewer = inflater({ ...m, uncompressedSize: data.length + 1000 });
    expect(fewer.fill(new Uint8Array(data.length + 1000))).toBe(data.length);
    expect(thrown(() => fewer.finish()).message).toMatch(/member holds 3500000 bytes, the archive records 3501000/);
  });

  it('corrupt deflate data: zlib\'s error, with its code', () => {
    const data = original();
    const { member: m, file } = member(data);
    const bytes = fs.readFileSync(file);
    bytes.fill(0xff, 10, 20); // the first block's header: a block type that does not exist
    fs.writeFileSync(file, bytes);
    const e = thrown(() => inflater(m).fill(new Uint8Array(data.length)));
    expect([e.code, e.message]).toEqual(['Z_DATA_ERROR', 'invalid block type']);
  });

  it('deflate data cut short inside the archive, and an archive cut inside the member', () => {
    const data = original();
    const { member: m, file, body } = member(data);
    const cut = inflater({ ...m, compressedSize: body.length - 5000 });
    const e = thrown(() => {
      cut.fill(new Uint8Array(data.length));
      cut.finish();
    });
    expect([e.code, e.message]).toEqual(['Z_BUF_ERROR', 'unexpected end of file']);
    fs.truncateSync(file, 10 + body.length - 5000);
    const e2 = thrown(() => inflater(m).fill(new Uint8Array(data.length)));
    expect([e2.code, e2.file, e2.message]).toEqual(['ZIP', `${m.zip}:masks.npy`, 'the archive ends inside the member, 5000 compressed bytes short']);
  });
});
