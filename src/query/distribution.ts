/**
 * The class distribution per tissue, computed by SQL (one GROUP BY over nuclei, one over images), on either
 * backend. Tissues are ordered here by code point (the same on every database, whatever its collation).
 */
import { byCodePoint, type Store } from '../db/store.js';
import { CLASS_NAMES } from '../db/schema.js';

export interface TissueRow {
  tissue: string;
  images: number;
  /** Nuclei per class, in class id order (Neoplastic … Epithelial). */
  perClass: number[];
  total: number;
}

/** With `subsetId`, only the subset's nuclei and the images that hold them count. */
export async function classDistributionByTissue(store: Store, subsetId?: number): Promise<TissueRow[]> {
  const imageCounts = subsetId === undefined
    ? await store.all('SELECT t.name, count(i.id) FROM tissues t JOIN images i ON i.tissue_id = t.id GROUP BY t.id, t.name')
    : await store.all(`SELECT t.name, count(DISTINCT m.image_id) FROM subset_members m JOIN images i ON i.id = m.image_id
                         JOIN tissues t ON t.id = i.tissue_id WHERE m.subset_id = ? GROUP BY t.id, t.name`, [subsetId]);
  const cells = subsetId === undefined
    ? await store.all(`SELECT t.name, n.class_id, count(n.id) FROM nuclei n JOIN images i ON i.id = n.image_id JOIN tissues t ON t.id = i.tissue_id
                        GROUP BY t.id, t.name, n.class_id`)
    : await store.all(`SELECT t.name, n.class_id, count(n.id) FROM nuclei n JOIN images i ON i.id = n.image_id JOIN tissues t ON t.id = i.tissue_id
                         JOIN subset_members m ON m.nucleus_id = n.id AND m.subset_id = ? GROUP BY t.id, t.name, n.class_id`, [subsetId]);
  const rows = new Map<string, TissueRow>(
    (imageCounts.rows as [string, number][]).map(([tissue, images]) => [tissue, { tissue, images, perClass: CLASS_NAMES.map(() => 0), total: 0 }]),
  );
  for (const [tissue, classId, nuclei] of cells.rows as [string, number, number][]) {
    const row = rows.get(tissue) as TissueRow;
    row.perClass[classId - 1] = nuclei;
    row.total += nuclei;
  }
  return [...rows.values()].sort((a, b) => byCodePoint(a.tissue, b.tissue));
}
