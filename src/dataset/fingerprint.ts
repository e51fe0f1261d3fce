/**
 * A fold file's identity, to notice when the files behind a database change. The default fingerprint is
 * cheap: SHA-256 over the header, the file size, and 16 blocks of 64 KiB spread evenly over the data (the
 * first and the last record included), 1 MiB per file whatever its size. It tells apart re-saved, truncated
 * or different arrays; a change confined to bytes between the blocks needs `full`, which hashes every byte.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import { NpyFile } from '../npy/reader.js';

export const SAMPLED_BLOCKS = 16;
export const BLOCK_BYTES = 1 << 16;

export interface FileFingerprint {
  path: string;
  bytes: number;
  /** Modification time, ISO 8601 (recorded, not compared: a copy changes it). */
  mtime: string;
  fingerprint: string;
  kind: 'sampled' | 'full';
}

export function fingerprintFile(path: string, full: boolean): FileFingerprint {
  const stat = fs.statSync(path);
  const hash = crypto.createHash('sha256');
  if (full) {
    const fd = fs.openSync(path, 'r');
    try {
      const chunk = Buffer.allocUnsafe(8 << 20);
      for (let pos = 0; ; ) {
        const n = fs.readSync(fd, chunk, 0, chunk.length, pos);
        if (n === 0) break;
        hash.update(chunk.subarray(0, n));
        pos += n;
      }
    } finally {
      fs.closeSync(fd);
    }
  } else {
    const npy = NpyFile.open(path);
    try {
      hash.update(npy.headerBytes()).update(String(stat.size));
      const dataBytes = npy.count * npy.recordBytes;
      const block = new Uint8Array(Math.min(BLOCK_BYTES, dataBytes));
      for (let j = 0; j < SAMPLED_BLOCKS && block.length > 0; j++) {
        const start = Math.round((j * (dataBytes - block.length)) / (SAMPLED_BLOCKS - 1));
        hash.update(npy.readBytes(npy.header.dataOffset + start, block));
      }
    } finally {
      npy.close();
    }
  }
  return { path, bytes: stat.size, mtime: stat.mtime.toISOString(), fingerprint: hash.digest('hex'), kind: full ? 'full' : 'sampled' };
}
