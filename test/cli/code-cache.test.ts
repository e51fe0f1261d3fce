// The installed command runs the built bundle with V8's code cache (bin/bundle.cjs): the build's cache is one
// V8 takes, and a cache that is not for these bytes, damaged, not a file or missing is never used: the command
// still runs, from the bundle alone.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/tmp.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const BUILT = path.join(ROOT, 'dist', 'cli', 'entry.cjs');
const VERSION = (JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

/** A copy of the installed package's parts the command needs, in a folder of its own. */
const pkg = path.join(tempDir('code-cache'), 'pkg');
const bundle = path.join(pkg, 'dist', 'cli', 'entry.cjs');
const cache = `${bundle}.cache`;

beforeEach(() => {
  fs.rmSync(pkg, { recursive: true, force: true });
  fs.mkdirSync(path.dirname(bundle), { recursive: true });
  fs.mkdirSync(path.join(pkg, 'bin'));
  for (const f of ['pannuke.cjs', 'bundle.cjs']) fs.copyFileSync(path.join(ROOT, 'bin', f), path.join(pkg, 'bin', f));
  fs.copyFileSync(path.join(ROOT, 'package.json'), path.join(pkg, 'package.json'));
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(pkg, 'node_modules'));
  fs.copyFileSync(BUILT, bundle);
  fs.copyFileSync(`${BUILT}.cache`, cache);
});

/** Whether V8 took the cache, asked in a child of its own (plain `node`, the flags the cache was made for). */
function accepted(): boolean {
  const code = `const { codeCacheAccepted } = require(${JSON.stringify(path.join(pkg, 'bin', 'bundle.cjs'))}); console.log(codeCacheAccepted(${JSON.stringify(bundle)}));`;
  const r = spawnSync(process.execPath, ['-e', code], { encoding: 'utf8', timeout: 20_000 });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as boolean;
}

function version(): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [path.join(pkg, 'bin', 'pannuke.cjs'), '--version'], { encoding: 'utf8', timeout: 20_000 });
  return { code: r.status, out: r.stdout.trim(), err: r.stderr };
}

describe('the code cache of the built CLI', () => {
  it('the build writes one V8 takes, and the command runs with it', () => {
    expect(accepted()).toBe(true);
    expect(version()).toEqual({ code: 0, out: VERSION, err: '' });
  });

  it('a bundle changed after the build, even to the same length (all V8 checks): its old cache is not used', () => {
    const source = fs.readFileSync(bundle, 'utf8');
    const edited = source.replace("'interrupted'", "'INTERRUPTED'");
    expect(edited.length === source.length && edited !== source).toBe(true);
    fs.writeFileSync(bundle, edited);
    expect(accepted()).toBe(false);
    expect(version()).toEqual({ code: 0, out: VERSION, err: '' });
  });

  it('damaged V8 data (V8 would run it: it checks no checksum) is not used', () => {
    const bytes = fs.readFileSync(cache);
    for (let i = bytes.length >> 1; i < (bytes.length >> 1) + 64; i++) bytes[i] = (bytes[i] as number) ^ 0x5a;
    fs.writeFileSync(cache, bytes);
    expect(accepted()).toBe(false);
    expect(version()).toEqual({ code: 0, out: VERSION, err: '' });
  });

  it('a cache cut short, a FIFO in its place, or none: the command runs from the bundle alone', () => {
    fs.truncateSync(cache, 40);
    expect(accepted()).toBe(false);
    expect(version().out).toBe(VERSION);
    fs.rmSync(cache);
    spawnSync('mkfifo', [cache]);
    expect(fs.statSync(cache).isFIFO()).toBe(true);
    expect(version()).toEqual({ code: 0, out: VERSION, err: '' }); // a read of the FIFO would never return
    fs.rmSync(cache);
    expect(accepted()).toBe(false);
    expect(version()).toEqual({ code: 0, out: VERSION, err: '' });
  });
});
