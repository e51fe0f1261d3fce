/**
 * Runs the CLI's bundle (dist/cli/entry.cjs) with the V8 code cache that `npm run build` writes beside it
 * (entry.cjs.cache), so that V8 does not parse its 1.3 MB of JavaScript again at every start (~45 ms of one
 * core, while the other waits: measured in paired runs, `pannuke --version` 0.21 → 0.16 s, a 600-image
 * ingest −2–4 % wall).
 *
 * Why by hand: Node 20 has no compile cache for ES modules (`module.enableCompileCache` came in Node 22), and
 * `vm.Script` is the one API that takes a cache, for a script: so the bundle is CommonJS, run here the way
 * Node runs a CommonJS file (the same wrapper and arguments).
 *
 * The cache is used only if it was made from these very bytes, and is whole: it starts with the SHA-256 of the
 * bundle and that of its own V8 data (V8 checks its version and flags, but not the data: flipped bytes would
 * run as code). Then V8 may still reject it (another V8 version or flags); either way the bundle compiles as
 * usual, a little slower. Nothing is written at run time: the cache is part of the build.
 */
'use strict';
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');
const { createRequire } = require('node:module');

const WRAPPER_HEAD = '(function (exports, require, module, __filename, __dirname) {';
const WRAPPER_TAIL = '\n})';
const DIGEST_BYTES = 32;
const sha256 = (bytes) => crypto.createHash('sha256').update(bytes).digest();
/** A cache is ~0.3 MB; anything much larger (or not a regular file) is not one of ours. */
const MAX_CACHE_BYTES = 64 << 20;

function cacheFileOf(bundle) {
  return `${bundle}.cache`;
}

function compile(bundle, useCache) {
  const bytes = fs.readFileSync(bundle);
  const digest = sha256(bytes);
  const cachedData = useCache ? cacheFor(bundle, digest) : undefined;
  const script = new vm.Script(WRAPPER_HEAD + bytes.toString('utf8') + WRAPPER_TAIL, { filename: bundle, ...(cachedData !== undefined && { cachedData }) });
  return { script, digest };
}

/** The cache's V8 data if it was made from the bundle's bytes and is whole; undefined otherwise. */
function cacheFor(bundle, digest) {
  try {
    const file = cacheFileOf(bundle);
    const stat = fs.statSync(file);
    if (!stat.isFile() || stat.size > MAX_CACHE_BYTES) return undefined;
    const cache = fs.readFileSync(file);
    const data = cache.subarray(2 * DIGEST_BYTES);
    const whole = cache.subarray(0, DIGEST_BYTES).equals(digest) && cache.subarray(DIGEST_BYTES, 2 * DIGEST_BYTES).equals(sha256(data));
    return whole ? data : undefined;
  } catch {
    return undefined;
  }
}

/** Runs the bundle (its path) as Node runs a CommonJS main module. */
function runBundle(bundle) {
  if (!fs.existsSync(bundle)) {
    // A checkout that was never built (`npm ci` builds it): one line, not a stack trace; 3 = internal error.
    process.stderr.write(`pannuke: ${bundle} is missing: build it with \`npm run build\` (\`npm ci\` does)\n`);
    process.exit(3);
  }
  const { script } = compile(bundle, true);
  const module = { exports: {} };
  script.runInThisContext()(module.exports, createRequire(bundle), module, bundle, path.dirname(bundle));
}

/** `npm run build`: writes the bundle's code cache (under a temporary name, then renamed). */
function writeCodeCache(bundle) {
  const { script, digest } = compile(bundle, false);
  const file = cacheFileOf(bundle);
  const partial = `${file}.${process.pid}.partial`;
  const data = script.createCachedData();
  fs.writeFileSync(partial, Buffer.concat([digest, sha256(data), data]));
  fs.renameSync(partial, file);
}

/** Whether the bundle's cache is there and V8 takes it (tests). */
function codeCacheAccepted(bundle) {
  const { script } = compile(bundle, true);
  return script.cachedDataRejected === false;
}

module.exports = { runBundle, writeCodeCache, codeCacheAccepted };
