/** One synthetic database shared by the cohort tests (stats, query, subsets, exports). */
import path from 'node:path';
import { runCli } from '../../src/cli/main.js';
import { captureIo } from './io.js';

export async function cohortDatabase(dir: string): Promise<{ data: string; db: string }> {
  const data = path.join(dir, 'data');
  const db = path.join(dir, 'cohort.sqlite');
  const io = captureIo();
  if ((await runCli(['synth', data, '--images-per-fold', '20', '--size', '128', '--seed', '21'], io)) !== 0) throw new Error(io.err());
  if ((await runCli(['ingest', data, '--db', db], io)) !== 0) throw new Error(io.err());
  return { data, db };
}

export async function cli(...argv: string[]) {
  const io = captureIo();
  const code = await runCli(argv, io);
  return { code, out: io.out(), err: io.err() };
}
