// pannuke fetch against a local HTTP server on 127.0.0.1 (no network): download, resume after a cut
// connection, checksum mismatch, 404 and 500 after bounded retries; then ingest the downloads and check them.
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../helpers/cohort.js';
import { naturalRows } from '../helpers/db.js';
import { tempDir } from '../helpers/tmp.js';
import { zipFold } from '../helpers/zip.js';

const dir = tempDir('fetch');
const data = path.join(dir, 'data');
let zip: Buffer;
let sha: string;
let base: string;
let server: http.Server;
/** How the server answers the next requests: a queue of behaviours, then 'ok'. */
let script: ('ok' | 'cut' | 'garbage' | '404' | '500' | 'endless' | 'huge-length' | 'stall')[] = [];
const requests: { range: string | undefined }[] = [];

beforeAll(async () => {
  expect((await cli('synth', data, '--images-per-fold', '6', '--size', '64', '--seed', '41', '--folds', '1')).code).toBe(0);
  const file = path.join(dir, 'fold_1.zip');
  await zipFold(data, 1, file);
  zip = fs.readFileSync(file);
  sha = crypto.createHash('sha256').update(zip).digest('hex');
  fs.writeFileSync(path.join(dir, 'checksums.txt'), `${sha}  fold_1.zip\n`);
  server = http.createServer((req, res) => {
    const range = req.headers.range;
    requests.push({ range });
    const mode = script.shift() ?? 'ok';
    if (req.url !== '/pannuke/fold_1.zip' || mode === '404') return void res.writeHead(404).end('not found');
    if (mode === '500') return void res.writeHead(500).end('oops');
    if (mode === 'huge-length') return void res.writeHead(200, { 'content-length': String(10 ** 13) }).write(Buffer.alloc(1 << 16));
    if (mode === 'stall') return void res.writeHead(200, { 'content-length': String(zip.length) }).write(zip.subarray(0, 100));
    if (mode === 'endless') {
      // A body with no length and no end, sent as fast as the client takes it (bounded so the test stops).
      res.writeHead(200);
      const chunk = Buffer.alloc(1 << 20, 1);
      let sent = 0;
      const pump = () => {
        while (sent < 1 << 30 && !res.destroyed) {
          sent += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end();
      };
      return void pump();
    }
    const body = mode === 'garbage' ? Buffer.alloc(zip.length, 7) : zip;
    const start = range === undefined ? 0 : Number(/bytes=(\d+)-/.exec(range)?.[1] ?? 0);
    const headers = { 'content-length': String(body.length - start), 'accept-ranges': 'bytes', ...(start > 0 && { 'content-range': `bytes ${start}-${body.length - 1}/${body.length}` }) };
    res.writeHead(start > 0 ? 206 : 200, headers);
    if (mode === 'cut') {
      res.write(body.subarray(start, start + Math.floor((body.length - start) / 3)));
      setTimeout(() => res.destroy(), 20); // the connection drops mid-body
      return;
    }
    res.end(body.subarray(start));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/pannuke/`;
}, 60_000);

afterAll(() => new Promise<void>((r) => {
  server.close(() => r());
  server.closeAllConnections(); // the stalled and endless answers never end by themselves
}));

const fetchArgs = (out: string, ...extra: string[]) => ['fetch', '--folds', '1', '--dir', out, '--base-url', base, '--checksums', path.join(dir, 'checksums.txt'), '--retry-delay', '10', ...extra];

describe('pannuke fetch', () => {
  it('downloads and verifies; a second run downloads nothing', async () => {
    const out = path.join(dir, 'dl1');
    script = [];
    const r = await cli(...fetchArgs(out));
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/downloaded: .*fold_1\.zip .*SHA-256 verified/);
    expect(fs.readFileSync(path.join(out, 'fold_1.zip')).equals(zip)).toBe(true);
    const before = requests.length;
    const again = await cli(...fetchArgs(out));
    expect(again.out).toMatch(/already here/);
    expect(requests.length).toBe(before);
  });

  it('resumes a download cut mid-body with an HTTP Range request', async () => {
    const out = path.join(dir, 'dl2');
    script = ['cut'];
    requests.length = 0;
    const r = await cli(...fetchArgs(out));
    expect(r.code, r.err).toBe(0);
    expect(r.err).toMatch(/retrying/);
    expect(requests.map((q) => q.range)).toEqual([undefined, expect.stringMatching(/^bytes=[1-9]\d*-$/)]);
    expect(fs.readFileSync(path.join(out, 'fold_1.zip')).equals(zip)).toBe(true);
    expect(fs.existsSync(path.join(out, 'fold_1.zip.part'))).toBe(false);
  });

  it('a checksum mismatch is an error naming the file and both hashes; the bad file is kept aside, never used', async () => {
    const out = path.join(dir, 'dl3');
    script = ['garbage'];
    const r = await cli(...fetchArgs(out));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(new RegExp(`fold_1\\.zip: SHA-256 mismatch: expected ${sha}, found [0-9a-f]{64}`));
    expect(fs.existsSync(path.join(out, 'fold_1.zip'))).toBe(false);
    expect(fs.readdirSync(out).some((f) => f.startsWith('fold_1.zip.bad-'))).toBe(true);
    // the next run downloads a good copy
    script = [];
    expect((await cli(...fetchArgs(out))).code).toBe(0);
  });

  it('HTTP 404 fails at once; HTTP 500 fails after the bounded retries', async () => {
    script = ['404'];
    const before = requests.length;
    const r404 = await cli(...fetchArgs(path.join(dir, 'dl4')));
    expect([r404.code, r404.err]).toEqual([1, expect.stringMatching(/fold_1\.zip: HTTP 404/)]);
    expect(requests.length - before).toBe(1);

    script = ['500', '500', '500', '500'];
    const start = requests.length;
    const r500 = await cli(...fetchArgs(path.join(dir, 'dl5'), '--retries', '2'));
    expect([r500.code, r500.err]).toEqual([1, expect.stringMatching(/download failed after 3 attempt\(s\): HTTP 500/)]);
    expect(requests.length - start).toBe(3);
    script = [];
  });

  it('fetch → ingest the zips → verify against the masks', async () => {
    const out = path.join(dir, 'dl1');
    const db = path.join(dir, 'fetched.sqlite');
    expect((await cli('ingest', out, '--db', db)).code).toBe(0);
    const ref = path.join(dir, 'ref.sqlite');
    expect((await cli('ingest', data, '--db', ref)).code).toBe(0);
    expect(naturalRows(db)).toBe(naturalRows(ref));
    expect((await cli('verify', out, '--db', db)).code).toBe(0);
  });

  it('stops an endless body at --max-bytes, refuses an announced 10 TB at once, and cuts a stalled answer', async () => {
    script = ['endless'];
    const t0 = performance.now();
    const endless = await cli(...fetchArgs(path.join(dir, 'dl-endless'), '--max-bytes', '5000000', '--retries', '0'));
    expect([endless.code, endless.err]).toEqual([1, expect.stringMatching(/fold_1\.zip: the server sends more than the 5000000 bytes this file may have/)]);
    expect(fs.readdirSync(path.join(dir, 'dl-endless'))).toEqual([]);

    script = ['huge-length'];
    const huge = await cli(...fetchArgs(path.join(dir, 'dl-huge'), '--retries', '0'));
    expect([huge.code, huge.err]).toEqual([1, expect.stringMatching(/the server sends far more than the 1500000000 bytes/)]);
    expect(fs.readdirSync(path.join(dir, 'dl-huge'))).toEqual([]);

    script = ['stall'];
    const stalled = await cli(...fetchArgs(path.join(dir, 'dl-stall'), '--stall-timeout', '1', '--retries', '0'));
    expect([stalled.code, stalled.err]).toEqual([1, expect.stringMatching(/download failed after 1 attempt\(s\): no data for 1 s/)]);
    expect(performance.now() - t0).toBeLessThan(15_000);
  });
});
