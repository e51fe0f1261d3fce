/**
 * A fold file's identity, to notice when the files behind a database change. The default fingerprint is
 * cheap: SHA-256 over the header, the file size and 8 whole records spread evenly over the file (the first
 * and the last included), about 40 MB of a PanNuke fold. `full` hashes every byte instead.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import { NpyFile } from '../npy/reader.js';

export const SAMPLED_RECORDS = 8;

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
      const record = new Uint8Array(npy.recordBytes);
      const picks = new Set<number>();
      const k = Math.min(npy.count, SAMPLED_RECORDS);
      for (let j = 0; j < k; j++) picks.add(k === 1 ? 0 : Math.round((j * (npy.count - 1)) / (k - 1)));
      for (const i of picks) hash.update(npy.readRecord(i, record));
    } finally {
      npy.close();
    }
  }
  return { path, bytes: stat.size, mtime: stat.mtime.toISOString(), fingerprint: hash.digest('hex'), kind: full ? 'full' : 'sampled' };
}
