/**
 * One member of a zip archive, its bytes streamed from the archive through node:zlib's inflate (deflate
 * entries) or as they are (stored entries), and checked against the archive's CRC-32 and length. Apart from
 * zip.ts (which finds members with yauzl) so that a reader thread loads only this.
 */
import fs from 'node:fs';
import { Transform, type Readable } from 'node:stream';
import zlib from 'node:zlib';
import { PannukeError } from '../errors.js';
import { crc32, type Crc32 } from './crc32.js';

export interface ZipMember {
  zip: string;
  name: string;
  /** 0 stored, 8 deflate. */
  method: number;
  dataStart: number;
  compressedSize: number;
  uncompressedSize: number;
  crc32: number;
}

const hex = (crc: number) => (crc >>> 0).toString(16).padStart(8, '0');

/**
 * Checks a member's bytes as they pass against what the archive records: their CRC-32 and their count.
 * yauzl reads the archive's structure but, by design, checks no CRC; crc32.ts does it here.
 */
export class MemberCheck {
  private crc = 0;
  private bytes = 0;

  /** `crc32Of`: the implementation (the bench's floor asks for Node's zlib, as issue 23 defines it). */
  constructor(private readonly member: ZipMember, private readonly crc32Of: Crc32 = crc32) {}

  update(chunk: Uint8Array): void {
    this.crc = this.crc32Of(chunk, this.crc);
    this.bytes += chunk.length;
  }

  /** At the end of the member: throws if one byte differed. */
  verify(): void {
    const m = this.member;
    const file = `${m.zip}:${m.name}`;
    if (this.bytes !== m.uncompressedSize) {
      throw new PannukeError('ZIP', `member holds ${this.bytes} bytes, the archive records ${m.uncompressedSize}`, { file, hint: 'the archive is damaged; download it again' });
    }
    if (this.crc >>> 0 !== m.crc32 >>> 0) {
      throw new PannukeError('ZIP', `CRC-32 mismatch: the archive records ${hex(m.crc32)}, the data gives ${hex(this.crc)}`, { file, hint: 'the archive is damaged or was altered; download it again (pannuke fetch checks its SHA-256)' });
    }
  }
}

/**
 * The member's uncompressed bytes, unchecked (pass them through a MemberCheck), in chunks of about
 * `chunkBytes` (kept within 64 KiB..16 MiB). `aheadChunks`: how many chunks inflate may hold ready before
 * the reader takes them, so that it keeps working while the reader is busy. `fd`: the archive, already open.
 */
export function memberBytes(m: ZipMember, chunkBytes = 1 << 20, aheadChunks = 1, fd?: number): Readable {
  const chunkSize = Math.min(Math.max(chunkBytes, 1 << 16), 1 << 24);
  // From `fd` when given (the caller's to close), else from a file opened and closed here.
  const raw = fs.createReadStream(m.zip, { start: m.dataStart, end: m.dataStart + m.compressedSize - 1, highWaterMark: m.method === 0 ? chunkSize : 1 << 20, ...(fd !== undefined && { fd, autoClose: false }) });
  if (m.method === 0) return raw;
  // zlib's streams are Transforms and take their options (Node's types leave them out).
  const inflate = raw.pipe(zlib.createInflateRaw({ chunkSize, readableHighWaterMark: aheadChunks * chunkSize } as zlib.ZlibOptions));
  raw.on('error', (e: Error) => inflate.destroy(e));
  return inflate;
}

/**
 * The member's uncompressed bytes, streamed and checked: a stream read to its end fails (with the member's
 * name) if one byte differs from what the archive records.
 */
export function openMember(m: ZipMember, chunkBytes = 1 << 20, crc: Crc32 = crc32): Readable {
  const check = new MemberCheck(m, crc);
  const checked = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      check.update(chunk);
      done(null, chunk);
    },
    flush(done) {
      try {
        check.verify();
        done();
      } catch (e) {
        done(e as Error);
      }
    },
  });
  const source = memberBytes(m, chunkBytes);
  source.on('error', (e: Error) => checked.destroy(e));
  return source.pipe(checked);
}
