/** The fold files a database was ingested from, as `sources` records them. */
import { asc } from 'drizzle-orm';
import type { Db } from '../db/open.js';
import { sources } from '../db/schema.js';

export type RecordedSource = typeof sources.$inferSelect;

export function recordedSources(db: Db): RecordedSource[] {
  return db.select().from(sources).orderBy(asc(sources.fold), asc(sources.role)).all();
}
