/**
 * Subsets (and evaluations) across `ingest --replace`: a replaced fold's nuclei get new row ids, so its subset members are kept
 * by natural key (fold, fold_index, class_id, instance_id) before the old rows go, and found again among the
 * new rows after. A member whose nucleus no longer exists in the new files is dropped and reported; each
 * touched subset's counts are recomputed. Both steps run inside the replace's transaction.
 */
import type { Db } from './open.js';

export interface KeptSubset {
  name: string;
  /** Members of the replaced fold before, and how many of them the new files still have. */
  before: number;
  after: number;
}

export function keepSubsetMembers(db: Db, fold: number): void {
  db.$client.exec('CREATE TEMP TABLE IF NOT EXISTS kept_members (subset_id INTEGER, fold_index INTEGER, class_id INTEGER, instance_id INTEGER)');
  db.$client.exec('DELETE FROM temp.kept_members');
  db.$client.prepare(`
    INSERT INTO temp.kept_members
    SELECT m.subset_id, i.fold_index, n.class_id, n.instance_id
      FROM subset_members m JOIN nuclei n ON n.id = m.nucleus_id JOIN images i ON i.id = n.image_id
     WHERE i.fold = ?`).run(fold);
}

export function restoreSubsetMembers(db: Db, fold: number): KeptSubset[] {
  const client = db.$client;
  client.prepare(`
    INSERT OR IGNORE INTO subset_members (subset_id, nucleus_id, image_id)
    SELECT k.subset_id, n.id, n.image_id
      FROM temp.kept_members k
      JOIN images i ON i.fold = ? AND i.fold_index = k.fold_index
      JOIN nuclei n ON n.image_id = i.id AND n.class_id = k.class_id AND n.instance_id = k.instance_id`).run(fold);
  const touched = client.prepare(`
    SELECT s.id AS id, s.name AS name, count(*) AS before,
           (SELECT count(*) FROM subset_members m JOIN images i ON i.id = m.image_id WHERE m.subset_id = s.id AND i.fold = ?) AS after
      FROM temp.kept_members k JOIN subsets s ON s.id = k.subset_id GROUP BY s.id ORDER BY s.name`).all(fold) as (KeptSubset & { id: number })[];
  const recount = client.prepare(`
    UPDATE subsets SET nuclei = (SELECT count(*) FROM subset_members WHERE subset_id = @id),
                       images = (SELECT count(DISTINCT image_id) FROM subset_members WHERE subset_id = @id)
     WHERE id = @id`);
  for (const s of touched) recount.run({ id: s.id });
  client.exec('DELETE FROM temp.kept_members');
  return touched.map(({ name, before, after }) => ({ name, before, after }));
}

/**
 * Prediction sets of a fold whose ground truth is replaced: their results are about rows that no longer
 * exist, so the sets are deleted (with everything that hangs off them); their names are returned to say so.
 */
export function dropPredictionSets(db: Db, fold: number): string[] {
  const names = db.$client.prepare('SELECT name FROM prediction_sets WHERE fold = ? ORDER BY name').pluck().all(fold) as string[];
  db.$client.prepare('DELETE FROM prediction_sets WHERE fold = ?').run(fold);
  return names;
}
