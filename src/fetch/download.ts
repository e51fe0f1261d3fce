/**
 * Downloading the official fold zips: resumable (HTTP Range on a `.part` file), retried with exponential
 * backoff on network errors and 5xx answers, and verified by SHA-256 before use. A file that does not verify
 * is moved aside (`fold_1.zip.bad-<time>`), never used. A verified file gets a `fold_1.zip.sha256` sidecar
 * (hash, name, size) so that it is not hashed, nor downloaded, again.
 *
 * A hostile or broken server cannot fill the disk or hang the command: a body (or an announced
 * Content-Length) larger than `maxBytes` is refused, and an answer that sends nothing for `stallMs` is cut
 * and retried.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { PannukeError } from '../errors.js';

export interface DownloadSpec {
  url: string;
  /** The final path of the file. */
  target: string;
  sha256: string;
}

export interface DownloadProgress {
  file: string;
  received: number;
  total: number | undefined;
}

export interface DownloadOptions {
  /** Attempts after the first, for network errors and 5xx / 408 / 429 answers. */
  retries?: number;
  /** The first backoff; it doubles each retry. */
  retryDelayMs?: number;
  onProgress?: (p: DownloadProgress) => void;
  onNote?: (message: string) => void;
  /** The most bytes the file may have (default: no cap). */
  maxBytes?: number;
  /** Cut an answer that sends no byte for this long (default 60 s), and retry it. */
  stallMs?: number;
}

export interface DownloadResult {
  target: string;
  bytes: number;
  /** Already there and verified: nothing was downloaded. */
  cached: boolean;
  sha256: string;
}

async function sha256File(file: string): Promise<string> {
  const hash = crypto.createHash('sha256');
  await pipeline(fs.createReadStream(file, { highWaterMark: 8 << 20 }), hash);
  return hash.digest('hex');
}

function writeSidecar(target: string, sha256: string): void {
  fs.writeFileSync(`${target}.sha256`, `${sha256}  ${path.basename(target)} ${fs.statSync(target).size}\n`);
}

function sidecarMatches(target: string, sha256: string): boolean {
  const sidecar = `${target}.sha256`;
  if (!fs.existsSync(sidecar)) return false;
  const [hash, , size] = fs.readFileSync(sidecar, 'utf8').trim().split(/\s+/);
  return hash === sha256 && Number(size) === fs.statSync(target).size;
}

/** Moves a file that failed verification out of the way, keeping it for inspection. */
function putAside(file: string, target: string): string {
  const aside = `${target}.bad-${new Date().toISOString().replace(/[:.]/g, '-')}`;
  fs.renameSync(file, aside);
  return aside;
}

class RetryableError extends Error {}

export async function download(spec: DownloadSpec, options: DownloadOptions = {}): Promise<DownloadResult> {
  const { target, sha256 } = spec;
  const expected = sha256.toLowerCase();
  if (fs.existsSync(target)) {
    if (sidecarMatches(target, expected)) return { target, bytes: fs.statSync(target).size, cached: true, sha256: expected };
    const actual = await sha256File(target);
    if (actual === expected) {
      writeSidecar(target, actual);
      return { target, bytes: fs.statSync(target).size, cached: true, sha256: actual };
    }
    const aside = putAside(target, target);
    options.onNote?.(`${target} did not verify (SHA-256 ${actual}); moved to ${aside} and downloading again`);
  }
  fs.mkdirSync(path.dirname(target), { recursive: true });
  const part = `${target}.part`;
  const retries = options.retries ?? 4;
  let delay = options.retryDelayMs ?? 1000;
  for (let attempt = 0; ; attempt++) {
    try {
      await fetchInto(spec.url, part, target, options);
      break;
    } catch (e) {
      const retryable = e instanceof RetryableError;
      if (!retryable || attempt >= retries) {
        const reason = e instanceof Error ? e.message : String(e);
        throw e instanceof PannukeError
          ? e
          : new PannukeError('FETCH', `download failed after ${attempt + 1} attempt(s): ${reason}`, { file: spec.url, hint: 'check the network or the --base-url; rerun to resume the partial download' });
      }
      options.onNote?.(`${path.basename(target)}: ${(e as Error).message}; retrying in ${(delay / 1000).toFixed(1)} s (attempt ${attempt + 2} of ${retries + 1})`);
      await new Promise((r) => setTimeout(r, delay));
      delay *= 2;
    }
  }
  const actual = await sha256File(part);
  if (actual !== expected) {
    const aside = putAside(part, target);
    throw new PannukeError('FETCH', `SHA-256 mismatch: expected ${expected}, found ${actual}`, {
      file: target, hint: `the file was kept aside as ${aside} and will not be used; rerun to download it again, or check the --base-url`,
    });
  }
  fs.renameSync(part, target);
  writeSidecar(target, actual);
  return { target, bytes: fs.statSync(target).size, cached: false, sha256: actual };
}

/** One attempt: continues `part` from its current size when the server honours Range. */
async function fetchInto(url: string, part: string, target: string, options: DownloadOptions): Promise<void> {
  const have = fs.existsSync(part) ? fs.statSync(part).size : 0;
  const maxBytes = options.maxBytes ?? Number.POSITIVE_INFINITY;
  const stallMs = options.stallMs ?? 60_000;
  const abort = new AbortController();
  let stalled = false;
  let timer: NodeJS.Timeout | undefined;
  const watch = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      stalled = true;
      abort.abort();
    }, stallMs);
  };
  watch();
  try {
    await receive();
  } catch (e) {
    if (stalled) throw new RetryableError(`no data for ${stallMs / 1000} s`);
    throw e;
  } finally {
    clearTimeout(timer);
  }

  async function receive(): Promise<void> {
    let response: Response;
    try {
      response = await fetch(url, { headers: have > 0 ? { Range: `bytes=${have}-` } : {}, signal: abort.signal });
    } catch (e) {
      if (stalled) throw e;
      throw new RetryableError(`network error: ${(e as Error & { cause?: Error }).cause?.message ?? (e as Error).message}`);
    }
    if (response.status === 416 && have > 0) {
      // The part is already complete (or the server disagrees with its size): verification decides.
      await response.body?.cancel();
      return;
    }
    if (response.status >= 500 || response.status === 408 || response.status === 429) {
      await response.body?.cancel();
      throw new RetryableError(`HTTP ${response.status} ${response.statusText}`);
    }
    if (response.status !== 200 && response.status !== 206) {
      await response.body?.cancel();
      throw new PannukeError('FETCH', `HTTP ${response.status} ${response.statusText}`, { file: url, hint: 'check the URL (or --base-url)' });
    }
    const resumed = response.status === 206;
    const length = Number(response.headers.get('content-length') ?? Number.NaN);
    const total = Number.isFinite(length) ? (resumed ? have + length : length) : undefined;
    const tooLarge = (bytes: number) => new PannukeError('FETCH', `the server sends ${bytes > maxBytes * 10 ? 'far ' : ''}more than the ${maxBytes} bytes this file may have`, {
      file: url, hint: 'check the --base-url; for other data raise --max-bytes',
    });
    if (total !== undefined && total > maxBytes) {
      await response.body?.cancel();
      throw tooLarge(total);
    }
    let received = resumed ? have : 0;
    const out = fs.createWriteStream(part, { flags: resumed ? 'a' : 'w' });
    if (response.body === null) throw new RetryableError('empty response body');
    const body = Readable.fromWeb(response.body as import('node:stream/web').ReadableStream<Uint8Array>);
    let overflow = false;
    body.on('data', (chunk: Buffer) => {
      received += chunk.length;
      watch();
      if (received > maxBytes) {
        overflow = true;
        body.destroy(new Error('over the size cap'));
        abort.abort();
        return;
      }
      options.onProgress?.({ file: target, received, total });
    });
    try {
      await pipeline(body, out);
    } catch (e) {
      if (overflow) {
        fs.rmSync(part, { force: true }); // not the file: nothing of it is worth resuming
        throw tooLarge(received);
      }
      if (stalled) throw e;
      throw new RetryableError(`connection lost after ${received} bytes: ${(e as Error).message}`);
    }
    if (total !== undefined && received < total) throw new RetryableError(`connection closed after ${received} of ${total} bytes`);
  }
}
