/**
 * PanNuke's official zips, read without unpacking. yauzl reads the central directory (ZIP64 included) and
 * each member's local header; zip-member.ts then streams a member's bytes.
 */
import fs from 'node:fs';
import yauzl from 'yauzl';
import { PannukeError } from '../errors.js';
import { requireRegularFile } from '../regular-file.js';
import type { ZipMember } from './zip-member.js';


/** The members of an archive whose names end in `.npy`. */
export async function npyMembers(zipPath: string): Promise<ZipMember[]> {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(zipPath);
  } catch (cause) {
    throw new PannukeError('FILE_MISSING', 'zip archive does not exist', { file: zipPath, cause });
  }
  requireRegularFile(zipPath, stat, 'ZIP', 'point at the fold zip itself');
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
