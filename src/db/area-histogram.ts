/**
 * `area_histogram`, the derived table of nuclei per (fold, tissue, class, area) that grouped statistics read:
 * the counts a batch of images adds (both backends' bulk writers upsert them in the batch's transaction), and
 * the recount from the rows after rows were removed other than by whole folds.
 */
import { NUMBER_FIELDS, packedNumbers, type PackedImage } from '../handoff/packed.js';
import type { Store } from './store.js';

const FIELDS = NUMBER_FIELDS.length;
const CLASS_ID = NUMBER_FIELDS.indexOf('classId');
const AREA = NUMBER_FIELDS.indexOf('area');

/** The batch's nuclei counted as rows [fold, tissue_id, class_id, area, nuclei], in first-seen order. */
export function areaCounts(batch: readonly { image: { fold: number; tissueId: number }; nuclei: PackedImage }[]): [number, number, number, number, number][] {
  const counts = new Map<string, [number, number, number, number, number]>();
  for (const { image, nuclei: packed } of batch) {
    const numbers = packedNumbers(packed);
    for (let i = 0; i < packed.nucleusCount; i++) {
      const classId = numbers[i * FIELDS + CLASS_ID] as number;
      const area = numbers[i * FIELDS + AREA] as number;
      const key = `${image.fold} ${image.tissueId} ${classId} ${area}`;
      const row = counts.get(key);
      if (row === undefined) counts.set(key, [image.fold, image.tissueId, classId, area, 1]);
      else row[4]++;
    }
  }
  return [...counts.values()];
}

/** Recounts `area_histogram` from the rows (after rows were removed other than by whole folds). */
export async function rebuildAreaHistogram(store: Store): Promise<void> {
  await store.run('DELETE FROM area_histogram');
  await store.run(`INSERT INTO area_histogram (fold, tissue_id, class_id, area, nuclei)
    SELECT i.fold, i.tissue_id, n.class_id, n.area, count(*) FROM nuclei n JOIN images i ON i.id = n.image_id
     GROUP BY i.fold, i.tissue_id, n.class_id, n.area`);
}
