/**
 * `npm run build`: bundles the CLI and the extraction worker into dist/ with esbuild (types are checked by
 * `npm run typecheck`, which `npm test` runs first).
 *
 * Why a bundle: Node resolves, reads and compiles each ES module separately, and the CLI's ~80 modules and
 * their dependencies took ~0.25 s to load on every run (worker threads pay it again). One file per entry
 * loads in about half that, which matters to a tool people run in loops and to ingest's start-up.
 *
 * Layout: dist/cli/entry.js and dist/pipeline/worker.js keep the depth of their sources, so paths built from
 * `import.meta.url` (migrations/, data/, the worker) resolve the same from src/ and from dist/.
 */
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build, type BuildOptions } from 'esbuild';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

fs.rmSync(`${ROOT}/dist`, { recursive: true, force: true });
const common: BuildOptions = {
  absWorkingDir: ROOT,
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
};
// The CLI in chunks: a command loads its own code and what it shares with others, not every command's
// (`pannuke ingest` compiled and ran the whole 1.3 MB bundle, export formats, the explorer and PostgreSQL
// driver included, before its first line: ~0.1 s of one core while the other waited). Chunks sit one level
// down (dist/chunks/), like the entry, so `import.meta.url`-relative paths resolve the same from either.
await build({ ...common, entryPoints: ['src/cli/entry.ts'], splitting: true, chunkNames: 'chunks/[name]-[hash]' });
// Each worker thread one self-contained file: a thread boots faster from one file than from shared chunks.
await build({ ...common, entryPoints: ['src/pipeline/worker.ts', 'src/eval/worker.ts', 'src/verify/worker.ts', 'src/query/runner.ts', 'src/dataset/member-reader.ts'] });
