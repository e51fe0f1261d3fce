/**
 * The floor for ingest from the zips, run by `npm run bench` in a child process of its own (in the bench's
 * process, whose heap holds a whole scale's extracted nuclei, each collection made the same inflate take up to
 * 3× the CPU): reads each fold_k.zip's masks member through inflate + the CRC-32 check (`openMember`'s stream,
 * with Node's zlib.crc32, as issue 23 defines the floor; ingest's own CRC-32 is faster, src/dataset/crc32.ts),
 * on one core, folds one after the other (every fold_k.zip of the folder), and prints {"seconds", "bytes",
 * "cpuSeconds"}.
 *
 *   node --import tsx bench/zip-floor.ts <folder of fold_k.zip>
 */
import fs from 'node:fs';
import path from 'node:path';
import { npyMembers } from '../src/dataset/zip.js';
import { zlibCrc32 } from '../src/dataset/crc32.js';
import { openMember } from '../src/dataset/zip-member.js';

const zips = process.argv[2];
if (zips === undefined) throw new Error('usage: zip-floor.ts <folder of fold_k.zip>');
const t = performance.now();
const cpu = process.cpuUsage();
let bytes = 0;
for (const zip of fs.readdirSync(zips).filter((f) => /^fold_\d+\.zip$/.test(f)).sort()) {
  const masks = (await npyMembers(path.join(zips, zip))).find((m) => m.name.endsWith('masks.npy'));
  if (masks === undefined) throw new Error(`no masks.npy in ${zip}`);
  for await (const chunk of openMember(masks, 1 << 20, zlibCrc32)) bytes += (chunk as Buffer).length;
}
const used = process.cpuUsage(cpu);
process.stdout.write(`${JSON.stringify({ seconds: (performance.now() - t) / 1000, bytes, cpuSeconds: (used.user + used.system) / 1e6 })}\n`);
