/**
 * PanNuke's official zips, read without unpacking. yauzl reads the central directory (ZIP64 included) and
 * each member's local header; the member's bytes are then streamed from the archive through node:zlib's
 * inflate (deflate entries) or as they are (stored entries).
 */
import fs from 'node:fs';
import { Transform, type Readable } from 'node:stream';
import zlib from 'node:zlib';
import yauzl from 'yauzl';
import { PannukeError } from '../errors.js';
import { kindOf } from '../npy/reader.js';

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
  let stat: fs.Stats;
  try {
    stat = fs.statSync(zipPath);
  } catch (cause) {
    throw new PannukeError('FILE_MISSING', 'zip archive does not exist', { file: zipPath, cause });
  }
  // A FIFO or device would block the reader forever (or never end).
  if (!stat.isFile()) throw new PannukeError('ZIP', `not a regular file (${kindOf(stat)})`, { file: zipPath, hint: 'point at the fold zip itself' });
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

const hex = (crc: number) => (crc >>> 0).toString(16).padStart(8, '0');

/**
 * The member's uncompressed bytes, streamed in chunks of about `chunkBytes` (kept within 64 KiB..16 MiB).
 * The CRC-32 of the bytes and their count are checked against the archive's records as they pass: a stream
 * read to its end fails (with the member's name) if one byte differs. yauzl reads the archive's structure
 * but, by design, checks no CRC; Node's zlib.crc32 does it here.
 */
export function openMember(m: ZipMember, chunkBytes = 1 << 20): Readable {
  const chunkSize = Math.min(Math.max(chunkBytes, 1 << 16), 1 << 24);
  const raw = fs.createReadStream(m.zip, { start: m.dataStart, end: m.dataStart + m.compressedSize - 1, highWaterMark: m.method === 0 ? chunkSize : 1 << 20 });
  let crc = 0;
  let bytes = 0;
  const file = `${m.zip}:${m.name}`;
  const check = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      crc = zlib.crc32(chunk, crc);
      bytes += chunk.length;
      done(null, chunk);
    },
    flush(done) {
      if (bytes !== m.uncompressedSize) {
        done(new PannukeError('ZIP', `member holds ${bytes} bytes, the archive records ${m.uncompressedSize}`, { file, hint: 'the archive is damaged; download it again' }));
      } else if (crc >>> 0 !== m.crc32 >>> 0) {
        done(new PannukeError('ZIP', `CRC-32 mismatch: the archive records ${hex(m.crc32)}, the data gives ${hex(crc)}`, { file, hint: 'the archive is damaged or was altered; download it again (pannuke fetch checks its SHA-256)' }));
      } else {
        done();
      }
    },
  });
  const source = m.method === 0 ? raw : raw.pipe(zlib.createInflateRaw({ chunkSize }));
  if (source !== raw) raw.on('error', (e: Error) => source.destroy(e));
  source.on('error', (e: Error) => check.destroy(e));
  return source.pipe(check);
}
