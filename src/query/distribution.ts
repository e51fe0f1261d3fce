/**
 * The class distribution per tissue, computed by SQL (one GROUP BY over nuclei, one over images).
 */
import { asc, count, eq, sql } from 'drizzle-orm';
import type { Db } from '../db/open.js';
import { CLASS_NAMES, classes, images, nuclei, tissues } from '../db/schema.js';

export interface TissueRow {
  tissue: string;
  images: number;
  /** Nuclei per class, in class id order (Neoplastic … Epithelial). */
  perClass: number[];
  total: number;
}

export function classDistributionByTissue(db: Db): TissueRow[] {
  const imageCounts = db
    .select({ tissue: tissues.name, images: count(images.id) })
    .from(tissues)
    .innerJoin(images, eq(images.tissueId, tissues.id))
    .groupBy(tissues.id)
    .orderBy(asc(tissues.name))
    .all();
  const cells = db
    .select({ tissue: tissues.name, classId: classes.id, nuclei: sql<number>`count(${nuclei.id})` })
    .from(nuclei)
    .innerJoin(images, eq(images.id, nuclei.imageId))
    .innerJoin(tissues, eq(tissues.id, images.tissueId))
    .innerJoin(classes, eq(classes.id, nuclei.classId))
    .groupBy(tissues.id, classes.id)
    .all();
  const rows = new Map<string, TissueRow>(
    imageCounts.map((r) => [r.tissue, { tissue: r.tissue, images: r.images, perClass: CLASS_NAMES.map(() => 0), total: 0 }]),
  );
  for (const cell of cells) {
    const row = rows.get(cell.tissue) as TissueRow;
    row.perClass[cell.classId - 1] = cell.nuclei;
    row.total += cell.nuclei;
  }
  return [...rows.values()];
}
