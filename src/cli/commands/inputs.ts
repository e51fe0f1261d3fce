/** The inputs of a command that writes files: never to be written over (see output/guard.ts). */
import type { Db } from '../../db/open.js';
import { databaseFiles, inputsOf } from '../../output/guard.js';
import { recordedSources } from '../../query/sources.js';

/** The database's own files, the recorded fold sources and their folders, and a --data root if given. */
export function protectedInputs(db: Db, dbFile: string, data?: string): string[] {
  return [...databaseFiles(dbFile), ...inputsOf(recordedSources(db).map((s) => s.path)), ...(data === undefined ? [] : [data])];
}
