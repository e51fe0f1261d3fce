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
 * (cli/warm-start.ts) before any of it runs. (Bundling the entry apart, so that the threads start before the
 * rest is even compiled, measured the same: the main thread's loading is the longer path either way.)
 *
 * Layout: dist/cli/entry.js and dist/pipeline/worker.js keep the depth of their sources, so paths built from
 * `import.meta.url` (migrations/, data/, the worker) resolve the same from src/ and from dist/.
 */
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

fs.rmSync(`${ROOT}/dist`, { recursive: true, force: true });
await build({
  absWorkingDir: ROOT,
  entryPoints: ['src/cli/entry.ts', 'src/pipeline/worker.ts', 'src/eval/worker.ts', 'src/verify/worker.ts', 'src/query/runner.ts', 'src/dataset/member-reader.ts'],
  outdir: 'dist',
  outbase: 'src',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: true,
  minifyWhitespace: true,
  minifySyntax: true,
  legalComments: 'none',
  // A native addon: loaded from node_modules at run time.
  external: ['better-sqlite3'],
  // Bundled CommonJS dependencies (commander, yauzl, …) call require(); ES modules have none of their own.
  banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
  logLevel: 'warning',
});
