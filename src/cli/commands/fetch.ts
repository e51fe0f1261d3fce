import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { PannukeError } from '../../errors.js';
import { download } from '../../fetch/download.js';
import { OFFICIAL } from '../../release/pannuke.js';
import type { Io } from '../io.js';
import { parseFolds, parseMilliseconds, parseNonNegativeInt, parsePositiveInt, parseSeconds } from '../options.js';
import { byteProgress } from '../progress.js';

interface FetchOptions {
  folds?: number[];
  dir: string;
  baseUrl: string;
  checksums?: string;
  retries: number;
  retryDelay: number;
  maxBytes: number;
  stallTimeout: number;
}

/** Each official zip is well under this (the three make about 2 GB); a bound, not a checksum. */
export const DEFAULT_MAX_BYTES = 1_500_000_000;

/** `sha256sum` format: "<hex>  <file name>" per line. */
function readChecksums(file: string): Map<string, string> {
  if (!fs.existsSync(file)) throw new PannukeError('FILE_MISSING', 'checksums file does not exist', { file });
  if (!fs.statSync(file).isFile()) throw new PannukeError('FILE_UNREADABLE', 'checksums: not a regular file', { file });
  if (fs.statSync(file).size > 1 << 20) throw new PannukeError('BAD_OPTION', '--checksums: more than 1 MB; expected a few sha256sum lines', { file });
  const out = new Map<string, string>();
  fs.readFileSync(file, 'utf8').split(/\r?\n/).forEach((line, i) => {
    if (line.trim() === '') return;
    const m = /^([0-9a-fA-F]{64})\s+\*?(.+)$/.exec(line.trim());
    if (m === null) throw new PannukeError('BAD_OPTION', `--checksums: line ${i + 1} is not '<sha256>  <file>'`, { file });
    out.set(path.basename(m[2] as string), (m[1] as string).toLowerCase());
  });
  return out;
}

async function runFetch(o: FetchOptions, io: Io): Promise<void> {
  const checksums = o.checksums === undefined ? undefined : readChecksums(o.checksums);
  const base = o.baseUrl.endsWith('/') ? o.baseUrl : `${o.baseUrl}/`;
  for (const fold of OFFICIAL.folds.filter((f) => (o.folds ?? [1, 2, 3]).includes(f.fold))) {
    const sha256 = checksums === undefined ? fold.sha256 : checksums.get(fold.zip);
    if (sha256 === undefined) throw new PannukeError('BAD_OPTION', `--checksums has no line for ${fold.zip}`, { file: o.checksums as string });
    const progress = byteProgress(io, fold.zip);
    try {
      const r = await download(
        { url: new URL(fold.zip, base).href, target: path.join(o.dir, fold.zip), sha256 },
        {
          retries: o.retries,
          retryDelayMs: o.retryDelay,
          maxBytes: o.maxBytes,
          stallMs: o.stallTimeout * 1000,
          onProgress: (p) => progress.update(p.received, p.total),
          onNote: (m) => io.stderr.write(`note: ${m}\n`),
        },
      );
      progress.stop();
      io.stdout.write(`${r.cached ? 'already here' : 'downloaded'}: ${r.target} (${(r.bytes / 1e6).toFixed(1)} MB, SHA-256 verified)\n`);
    } finally {
      progress.stop();
    }
  }
}

export function registerFetch(program: Command, io: Io): void {
  program
    .command('fetch')
    .description('download the official PanNuke fold zips, resumably, and verify their SHA-256')
    .option('--folds <list>', 'folds to fetch, e.g. 1,3 (default: all)', parseFolds)
    .option('--dir <dir>', 'where the zips go', 'downloads')
    .option('--base-url <url>', 'where fold_1.zip … are served (a mirror)', OFFICIAL.baseUrl)
    .option('--checksums <file>', "expected SHA-256s in sha256sum format ('<hex>  fold_1.zip'), for mirrors of other data; default: the published ones")
    .option('--retries <n>', 'retries after network errors and 5xx answers (with exponential backoff)', parseNonNegativeInt('--retries'), 4)
    .option('--retry-delay <ms>', 'first backoff delay, doubled each retry', parseMilliseconds('--retry-delay'), 1000)
    .option('--max-bytes <n>', 'refuse a file larger than this (a server that announces or sends more is cut off)', parsePositiveInt('--max-bytes'), DEFAULT_MAX_BYTES)
    .option('--stall-timeout <s>', 'cut and retry an answer that sends nothing for this long', parseSeconds('--stall-timeout'), 60)
    .addHelpText('after', `
An interrupted download resumes where it stopped (HTTP Range). A file that does not match its SHA-256 is kept
aside as <name>.bad-<time> and never used. Verified files are not downloaded again. Then:
  pannuke ingest downloads --db pannuke.sqlite      (reads the zips without unpacking them)
  pannuke verify --official --db pannuke.sqlite
Exit codes: 0 all verified, 1 a download failed or did not verify, 2 bad usage.`)
    .action((o: FetchOptions) => runFetch(o, io));
}
