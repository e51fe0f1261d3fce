/** Per-test temporary folders under the system temp dir, removed after the test file. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';

export function tempDir(label: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `pannuke-test-${label}-`));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
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
