/** Zipping a synthetic dataset folder the way the release is packed (yazl, an independent zip writer). */
import fs from 'node:fs';
import path from 'node:path';
import yazl from 'yazl';

/** Writes fold k's files into `out` as `Fold k/...` members. */
export async function zipFold(root: string, fold: number, out: string, options: { zip64?: boolean; store?: boolean } = {}): Promise<void> {
  const zip = new yazl.ZipFile();
  const dir = path.join(root, `Fold ${fold}`);
  for (const rel of [`images/fold${fold}/images.npy`, `images/fold${fold}/types.npy`, `masks/fold${fold}/masks.npy`]) {
    zip.addFile(path.join(dir, rel), `Fold ${fold}/${rel}`, { compress: options.store !== true, forceZip64Format: options.zip64 === true });
  }
  zip.addBuffer(Buffer.from('PanNuke fold README'), `Fold ${fold}/README.txt`);
  zip.end({ forceZip64Format: options.zip64 === true, comment: '' });
  await new Promise<void>((resolve, reject) => {
    const stream = fs.createWriteStream(out);
    zip.outputStream.pipe(stream).on('close', resolve).on('error', reject);
  });
}
