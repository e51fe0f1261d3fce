/** The fold files a database was ingested from, as `sources` records them (either backend). */
import type { sources } from '../db/schema.js';
import type { Store } from '../db/store.js';

export type RecordedSource = typeof sources.$inferSelect;

export async function recordedSources(store: Store): Promise<RecordedSource[]> {
  const rows = (await store.all('SELECT id, fold, role, path, bytes, mtime, fingerprint, fingerprint_kind FROM sources ORDER BY fold, role')).rows;
  return rows.map(([id, fold, role, path, bytes, mtime, fingerprint, fingerprintKind]) => ({ id, fold, role, path, bytes, mtime, fingerprint, fingerprintKind }) as RecordedSource);
}
