/**
 * A fold file's identity, to notice when the files behind a database change.
 *
 *   sampled (default)  SHA-256 over the header, the file size, and 16 blocks of 64 KiB spread evenly over the
 *                      data (the first and the last record included): 1 MiB per file whatever its size. It
 *                      tells apart re-saved, truncated or different arrays; a change confined to bytes between
 *                      the blocks needs `full`.
 *   full (--hash)      SHA-256 of every byte.
 *   zip-crc32          for a zip member: the CRC-32 the archive records for its uncompressed bytes (free to read).
 *
 * A file recorded one way and met another way (unpacked before, zipped now) is fingerprinted again the way it
 * was recorded, so the comparison is always like with like.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import type { Readable } from 'node:stream';
import { headerSize, NPY_PREFIX_BYTES, parseHeader } from '../npy/header.js';
import type { Role, FoldFiles } from './layout.js';
import { crc32 } from './crc32.js';
import { openMember } from './zip-member.js';

export const SAMPLED_BLOCKS = 16;
export const BLOCK_BYTES = 1 << 16;

export type FingerprintKind = 'sampled' | 'full' | 'zip-crc32';

export interface FileFingerprint {
  path: string;
  /** Size of the .npy (uncompressed, for zip members). */
  bytes: number;
  /** Modification time of the file or archive, ISO 8601 (recorded, not compared: a copy changes it). */
  mtime: string;
  fingerprint: string;
  kind: FingerprintKind;
}

/** Offsets of the sampled blocks within a file of `size` bytes whose data starts at `dataOffset`. */
function sampledBlocks(size: number, dataOffset: number): { start: number; length: number }[] {
  const dataBytes = size - dataOffset;
  const length = Math.min(BLOCK_BYTES, dataBytes);
  if (length <= 0) return [];
  return Array.from({ length: SAMPLED_BLOCKS }, (_, j) => ({ start: dataOffset + Math.round((j * (dataBytes - length)) / (SAMPLED_BLOCKS - 1)), length }));
}

const crcText = (crc: number) => `crc32:${(crc >>> 0).toString(16).padStart(8, '0')}`;

/** The fingerprint of a fold's file, of the given kind (default: the cheapest for its container). */
export async function fingerprint(files: FoldFiles, role: Role, kind?: FingerprintKind): Promise<FileFingerprint> {
  const member = files.members?.[role];
  if (member !== undefined) {
    const mtime = fs.statSync(member.zip).mtime.toISOString();
    const base = { path: files[role], bytes: member.uncompressedSize, mtime };
    const want = kind ?? 'zip-crc32';
    if (want === 'zip-crc32') return { ...base, fingerprint: crcText(member.crc32), kind: want };
    return { ...base, fingerprint: await hashStream(openMember(member), member.uncompressedSize, want === 'full'), kind: want };
  }
  const path = files[role];
  const stat = fs.statSync(path);
  const base = { path, bytes: stat.size, mtime: stat.mtime.toISOString() };
  const want = kind ?? 'sampled';
  if (want === 'zip-crc32') {
    let crc = 0;
    for await (const chunk of fs.createReadStream(path, { highWaterMark: 8 << 20 }) as AsyncIterable<Buffer>) crc = crc32(chunk, crc);
    return { ...base, fingerprint: crcText(crc), kind: want };
  }
  const hash = want === 'full' ? await hashStream(fs.createReadStream(path, { highWaterMark: 8 << 20 }), stat.size, true) : sampledFile(path, stat.size);
  return { ...base, fingerprint: hash, kind: want };
}

/** The sampled fingerprint of any .npy file on disk (a model's prediction, say), with its size. */
export function sampledFingerprint(path: string): { bytes: number; fingerprint: string } {
  const size = fs.statSync(path).size;
  return { bytes: size, fingerprint: sampledFile(path, size) };
}

/** The sampled fingerprint of a file on disk, by positioned reads. */
function sampledFile(path: string, size: number): string {
  const hash = crypto.createHash('sha256');
  const fd = fs.openSync(path, 'r');
  try {
    const prefix = Buffer.alloc(Math.min(NPY_PREFIX_BYTES, size));
    fs.readSync(fd, prefix, 0, prefix.length, 0);
    const probe = Buffer.alloc(Math.min(headerSize(prefix, path), size));
    fs.readSync(fd, probe, 0, probe.length, 0);
    const header = parseHeader(probe, path);
    hash.update(probe.subarray(0, header.dataOffset)).update(String(size));
    // One buffer for every block, only what each read filled is hashed (a zeroed one per block showed in
    // ingest's start-up profile).
    const blocks = sampledBlocks(size, header.dataOffset);
    const block = Buffer.allocUnsafe(blocks[0]?.length ?? 0);
    for (const { start, length } of blocks) {
      const read = fs.readSync(fd, block, 0, length, start);
      hash.update(block.subarray(0, read));
    }
  } finally {
    fs.closeSync(fd);
  }
  return hash.digest('hex');
}

/** SHA-256 of a stream: every byte (`full`), or the header, the size and the sampled blocks. */
async function hashStream(stream: Readable, size: number, full: boolean): Promise<string> {
  const hash = crypto.createHash('sha256');
  if (full) {
    for await (const chunk of stream as AsyncIterable<Buffer>) hash.update(chunk);
    return hash.digest('hex');
  }
  // A stream: read it through, keeping the header and the sampled blocks as they pass.
  const head: Buffer[] = [];
  let headBytes = 0;
  let blocks: { start: number; length: number }[] | undefined;
  let pieces: Buffer[][] = [];
  let offset = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    if (blocks === undefined) {
      head.push(chunk);
      headBytes += chunk.length;
      if (headBytes >= Math.min(NPY_PREFIX_BYTES, size) && headBytes >= Math.min(headerSize(Buffer.concat(head), 'stream'), size)) {
        const probe = Buffer.concat(head);
        const header = parseHeader(probe, 'stream');
        hash.update(probe.subarray(0, header.dataOffset)).update(String(size));
        blocks = sampledBlocks(size, header.dataOffset);
        pieces = blocks.map(() => []);
        collect(probe, 0, blocks, pieces);
        offset = probe.length;
      }
      continue;
    }
    collect(chunk, offset, blocks, pieces);
    offset += chunk.length;
  }
  for (const block of pieces) for (const p of block) hash.update(p);
  return hash.digest('hex');
}

/** Keeps the parts of `chunk` (at file offset `at`) that fall inside each block (blocks may overlap). */
function collect(chunk: Buffer, at: number, blocks: { start: number; length: number }[], pieces: Buffer[][]): void {
  blocks.forEach((b, j) => {
    const from = Math.max(b.start, at), to = Math.min(b.start + b.length, at + chunk.length);
    if (from < to) pieces[j]!.push(Buffer.from(chunk.subarray(from - at, to - at)));
  });
}
