/**
 * PanNuke's official zips, read without unpacking. yauzl reads the central directory (ZIP64 included) and
 * each member's local header; the member's bytes are then streamed from the archive through node:zlib's
 * inflate (deflate entries) or as they are (stored entries).
 */
import fs from 'node:fs';
import type { Readable } from 'node:stream';
import zlib from 'node:zlib';
import yauzl from 'yauzl';
import { PannukeError } from '../errors.js';

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

/** The members of an archive whose names end in `.npy`. */
export async function npyMembers(zipPath: string): Promise<ZipMember[]> {
  let zip: yauzl.ZipFile;
  try {
    zip = await yauzl.openPromise(zipPath, { lazyEntries: true, autoClose: false });
  } catch (cause) {
    throw new PannukeError('ZIP', `not a readable zip archive: ${(cause as Error).message}`, { file: zipPath, hint: 'the download is incomplete or damaged; fetch it again', cause });
  }
  const members: ZipMember[] = [];
  try {
    for (;;) {
      const entry = await new Promise<yauzl.Entry | undefined>((resolve, reject) => {
        zip.once('entry', resolve);
        zip.once('end', () => resolve(undefined));
        zip.once('error', reject);
        zip.readEntry();
      });
      zip.removeAllListeners('entry').removeAllListeners('end').removeAllListeners('error');
      if (entry === undefined) break;
      if (!entry.fileName.endsWith('.npy')) continue;
      if (entry.compressionMethod !== 0 && entry.compressionMethod !== 8) {
        throw new PannukeError('ZIP', `member uses compression method ${entry.compressionMethod}: only stored (0) and deflate (8) are supported`, { file: `${zipPath}:${entry.fileName}` });
      }
      const { fileDataStart } = await zip.readLocalFileHeaderPromise(entry, { minimal: true });
      members.push({
        zip: zipPath, name: entry.fileName, method: entry.compressionMethod, dataStart: fileDataStart,
        compressedSize: entry.compressedSize, uncompressedSize: entry.uncompressedSize, crc32: entry.crc32,
      });
    }
  } catch (cause) {
    if (cause instanceof PannukeError) throw cause;
    throw new PannukeError('ZIP', `corrupt zip archive: ${(cause as Error).message}`, { file: zipPath, hint: 'the download is incomplete or damaged; fetch it again', cause });
  } finally {
    zip.close();
  }
  return members;
}

/** The member's uncompressed bytes, streamed in chunks of about `chunkBytes` (kept within 64 KiB..16 MiB). */
export function openMember(m: ZipMember, chunkBytes = 1 << 20): Readable {
  const chunkSize = Math.min(Math.max(chunkBytes, 1 << 16), 1 << 24);
  const raw = fs.createReadStream(m.zip, { start: m.dataStart, end: m.dataStart + m.compressedSize - 1, highWaterMark: m.method === 0 ? chunkSize : 1 << 20 });
  if (m.method === 0) return raw;
  const inflate = zlib.createInflateRaw({ chunkSize });
  raw.on('error', (e) => inflate.destroy(e));
  return raw.pipe(inflate);
}
