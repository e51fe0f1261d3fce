/** Temporary folders for tests under the system temp dir, removed when the test or the test file ends. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, onTestFinished } from 'vitest';

/** Folders made outside a test (a file's or a describe's top level, a hook): removed after the test file. */
const perFile = new Set<string>();
// Registered as this module loads, while the test file that imports it is collected (vitest loads it anew for
// each file): an `afterAll` registered later, from inside a test or a hook, never runs, and each run of such a
// test used to leave its folder behind (~660 MB for one of them).
afterAll(() => {
  for (const dir of perFile) fs.rmSync(dir, { recursive: true, force: true });
  perFile.clear();
});

/** A new folder, removed when the test that made it ends, or after the test file when made outside a test. */
export function tempDir(label: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `pannuke-test-${label}-`));
  try {
    onTestFinished(() => fs.rmSync(dir, { recursive: true, force: true }));
  } catch {
    // Not inside a test (vitest refuses onTestFinished there).
    perFile.add(dir);
  }
  return dir;
}

/** ../shared beside the repo (present on developer machines and CI, absent in a user's clone). */
export const SHARED_SAMPLE = path.resolve(import.meta.dirname, '../../../shared/data/pannuke-sample');
export const hasShared = fs.existsSync(SHARED_SAMPLE);

/** A file's bytes as an ArrayBuffer of its own (small reads share Node's pool, so `.buffer` alone is wrong). */
export function fileArrayBuffer(file: string): ArrayBuffer {
  const b = fs.readFileSync(file);
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
}

/** Says why a test is skipped, where the run prints it, and returns whether to skip. */
export function skipBecause(skip: boolean, why: string): boolean {
  if (skip) console.warn(`skipping: ${why}`);
  return skip;
}
