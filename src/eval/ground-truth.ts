/**
 * An image's ground-truth nuclei as evaluation reads them: the rows of `nuclei` for one image, in
 * (class_id, instance_id) order, which is the order the evaluation indexes them by (and the order ingest
 * gave them their ids). Read on the main thread through the Store, or, on SQLite, by each evaluation worker
 * from its own read-only connection (the main thread then only writes results: reading and copying the
 * ground truth to the worker was a third of its time).
 */
import Database from 'better-sqlite3';
import { exactInteger } from '../db/store.js';
import type { Store } from '../db/store.js';
import type { GtNucleus } from './match.js';

export const GROUND_TRUTH_SQL = 'SELECT id, class_id, instance_id, centroid_x, centroid_y, contour FROM nuclei WHERE image_id = ? ORDER BY class_id, instance_id';

export type GtRow = GtNucleus & { id: number };

const gtRow = ([id, classId, instanceId, centroidX, centroidY, contour]: unknown[]): GtRow => ({ id, classId, instanceId, centroidX, centroidY, contour }) as GtRow;

/** Through the store (either backend). */
export async function readGroundTruth(store: Store, imageId: number): Promise<GtRow[]> {
  return (await store.all(GROUND_TRUTH_SQL, [imageId])).rows.map(gtRow);
}

/** A read-only connection of a worker thread to the SQLite file, one statement reused for every image. */
export class GroundTruthReader {
  private readonly db: Database.Database;
  private readonly statement: Database.Statement;

  constructor(readonly file: string) {
    this.db = new Database(file, { readonly: true, fileMustExist: true });
    this.statement = this.db.prepare(GROUND_TRUTH_SQL).raw(true).safeIntegers(true);
  }

  read(imageId: number): GtRow[] {
    return (this.statement.all(imageId) as unknown[][]).map((row) => gtRow(row.map((v) => (typeof v === 'bigint' ? exactInteger(v) : v))));
  }

  close(): void {
    this.db.close();
  }
}
