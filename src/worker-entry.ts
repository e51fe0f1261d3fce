/**
 * Where a worker thread's code is, `stage/name` (e.g. 'pipeline/worker'): dist/ runs the bundled
 * `name.js`; TypeScript sources (tests, tsx) need the bootstrap beside it that registers tsx first. The URL
 * climbs out of this module's folder because in dist/ this code is part of dist/cli/entry.js, one level down.
 */
export function workerEntry(name: string): URL {
  const fromSource = import.meta.url.endsWith('.ts');
  return new URL(fromSource ? `./${name}-bootstrap.mjs` : `../${name}.js`, import.meta.url);
}
