/**
 * Subsets (and evaluations) across `ingest --replace`: a replaced fold's nuclei get new row ids, so its subset
 * members are kept by natural key (fold, fold_index, class_id, instance_id) before the old rows go, and found
 * again among the new rows after. A member whose nucleus no longer exists in the new files is dropped and
 * reported; each touched subset's counts are recomputed. Both steps run inside the replace's transaction, on
 * either backend (the SQL is read alike by SQLite and PostgreSQL; the temporary table is the session's).
 */
import { byCodePoint, type Store } from './store.js';

export interface KeptSubset {
  name: string;
  /** Members of the replaced fold before, and how many of them the new files still have. */
  before: number;
  after: number;
}

export async function keepSubsetMembers(store: Store, fold: number): Promise<void> {
  await store.run('CREATE TEMP TABLE IF NOT EXISTS kept_members (subset_id BIGINT, fold_index BIGINT, class_id BIGINT, instance_id BIGINT)');
  await store.run('DELETE FROM kept_members');
  await store.run(`
    INSERT INTO kept_members
    SELECT m.subset_id, i.fold_index, n.class_id, n.instance_id
      FROM subset_members m JOIN nuclei n ON n.id = m.nucleus_id JOIN images i ON i.id = n.image_id
     WHERE i.fold = ?`, [fold]);
}

export async function restoreSubsetMembers(store: Store, fold: number): Promise<KeptSubset[]> {
  // `WHERE true` before ON CONFLICT: SQLite's parser needs it after a SELECT.
  await store.run(`
    INSERT INTO subset_members (subset_id, nucleus_id, image_id)
    SELECT k.subset_id, n.id, n.image_id
      FROM kept_members k
      JOIN images i ON i.fold = ? AND i.fold_index = k.fold_index
      JOIN nuclei n ON n.image_id = i.id AND n.class_id = k.class_id AND n.instance_id = k.instance_id
     WHERE true
    ON CONFLICT DO NOTHING`, [fold]);
  const touched = (await store.all(`
    SELECT s.id, s.name, count(*) AS before,
           (SELECT count(*) FROM subset_members m JOIN images i ON i.id = m.image_id WHERE m.subset_id = s.id AND i.fold = ?) AS after
      FROM kept_members k JOIN subsets s ON s.id = k.subset_id GROUP BY s.id, s.name`, [fold])).rows as [number, string, number, number][];
  for (const [id] of touched) {
    await store.run(`
      UPDATE subsets SET nuclei = (SELECT count(*) FROM subset_members WHERE subset_id = ?),
                         images = (SELECT count(DISTINCT image_id) FROM subset_members WHERE subset_id = ?)
       WHERE id = ?`, [id, id, id]);
  }
  await store.run('DELETE FROM kept_members');
  return touched
    .map(([, name, before, after]) => ({ name, before, after }))
    .sort((a, b) => byCodePoint(a.name, b.name));
}

/**
 * Prediction sets of a fold whose ground truth is replaced: their results are about rows that no longer
 * exist, so the sets are deleted (with everything that hangs off them); their names are returned to say so.
 */
export async function dropPredictionSets(store: Store, fold: number): Promise<string[]> {
  const names = (await store.all('SELECT name FROM prediction_sets WHERE fold = ?', [fold])).rows.map((r) => r[0] as string).sort();
  await store.run('DELETE FROM prediction_sets WHERE fold = ?', [fold]);
  return names;
}
