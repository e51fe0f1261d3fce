/**
 * `npm run build`: bundles the CLI and the extraction worker into dist/ with esbuild (types are checked by
 * `npm run typecheck`, which `npm test` runs first).
 *
 * Why a bundle: Node resolves, reads and compiles each ES module separately, and the CLI's ~80 modules and
 * their dependencies took ~0.25 s to load on every run (worker threads pay it again). One file per entry
 * loads in about half that, which matters to a tool people run in loops and to ingest's start-up.
 *
 * Why not chunks (esbuild's `splitting`, a chunk per command): `--version` took half the time, but ingest
 * loads most of the code anyway, and the ~25 chunks it needed cost more CPU than they saved (1× ingest,
 * paired runs: 5 % more CPU and 3 % more wall than one bundle). In one bundle, a module reached only by a
 * dynamic `import()` is compiled but not run until imported: main.ts imports each command's module that
 * way, so a command runs only its own modules' top-level code, and cli/entry.ts starts the worker threads
 * (cli/warm-start.ts) before any of it runs. The first thread starts even earlier, from a bundle of its own
 * (dist/cli/warm.cjs, run by bin/pannuke.cjs before this one compiles: cli/warm.ts says what it gains).
 *
 * The CLI's bundle is CommonJS (dist/cli/entry.cjs), with `import.meta.url` set from its file name, so that
 * bin/pannuke.cjs can run it with a V8 code cache, written here once it is built (bin/bundle.cjs says why).
 * The worker threads' bundles stay ES modules.
 *
 * Layout: dist/cli/entry.cjs and dist/pipeline/worker.js keep the depth of their sources, so paths built from
 * `import.meta.url` (migrations/, data/, the worker) resolve the same from src/ and from dist/.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build, type BuildOptions } from 'esbuild';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

const COMMON: BuildOptions = {
  absWorkingDir: ROOT,
  outbase: 'src',
  bundle: true,
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  minifyWhitespace: true,
  minifySyntax: true,
  legalComments: 'none',
  // Native addons: loaded from node_modules at run time.
  external: ['better-sqlite3', '@node-rs/crc32'],
  logLevel: 'warning',
};

/** Worker threads' code: ES modules, one file per entry unless `options` say otherwise. */
const buildWorkers = (entryPoints: string[], options: BuildOptions = {}) => build({
  ...COMMON,
  entryPoints,
  outdir: 'dist',
  format: 'esm',
  // Bundled CommonJS dependencies (commander, yauzl, …) call require(); ES modules have none of their own.
  banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
  ...options,
});

fs.rmSync(`${ROOT}/dist`, { recursive: true, force: true });
await buildWorkers(['src/pipeline/worker.ts', 'src/verify/worker.ts', 'src/query/runner.ts', 'src/dataset/member-reader.ts']);
// The eval worker in chunks: the readers of the formats other than .npy (label images: utif2, pako, fast-png;
// JSON) load only when such a prediction comes (src/eval/worker.ts).
await buildWorkers(['src/eval/worker.ts'], { splitting: true, chunkNames: 'eval/[name]-[hash]' });
const CLI: BuildOptions = {
  format: 'cjs',
  define: { 'import.meta.url': '__import_meta_url' },
  banner: { js: "var __import_meta_url = require('node:url').pathToFileURL(__filename).href;" },
  // import() of a Node module becomes require(): a script run through vm.Script has no module loader.
  supported: { 'dynamic-import': false },
};
await build({ ...COMMON, ...CLI, entryPoints: ['src/cli/entry.ts'], outfile: 'dist/cli/entry.cjs' });
// The first worker thread, started before the bundle above compiles (src/cli/warm.ts): small enough to need no cache.
await build({ ...COMMON, ...CLI, entryPoints: ['src/cli/warm.ts'], outfile: 'dist/cli/warm.cjs' });
// In a child of its own: plain `node` (this script runs under tsx), whose V8 flags are those the cache is checked against.
const writer = "require('./bin/bundle.cjs').writeCodeCache(process.argv[1]);";
const cached = spawnSync(process.execPath, ['-e', writer, `${ROOT}/dist/cli/entry.cjs`], { cwd: ROOT, stdio: 'inherit' });
if (cached.status !== 0) throw new Error('writing the code cache failed');
