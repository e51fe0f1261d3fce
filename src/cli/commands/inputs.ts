/** The inputs of a command that writes files: never to be written over (see output/guard.ts). */
import { parseDbLocation } from '../../db/location.js';
import type { Store } from '../../db/store.js';
import { databaseFiles, inputsOf } from '../../output/guard.js';
import { recordedSources } from '../../query/sources.js';

/** The database's own files (a SQLite file), the recorded fold sources and their folders, and a --data root if given. */
export async function protectedInputs(store: Store, db: string, data?: string): Promise<string[]> {
  const location = parseDbLocation(db);
  const files = location.kind === 'sqlite' ? databaseFiles(location.file) : [];
  return [...files, ...inputsOf((await recordedSources(store)).map((s) => s.path)), ...(data === undefined ? [] : [data])];
}
