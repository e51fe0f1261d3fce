/**
 * The class distribution per tissue, computed by SQL (one GROUP BY over nuclei, one over images).
 */
import { and, asc, count, eq, sql } from 'drizzle-orm';
import type { Db } from '../db/open.js';
import { CLASS_NAMES, classes, images, nuclei, subsetMembers, tissues } from '../db/schema.js';

export interface TissueRow {
  tissue: string;
  images: number;
  /** Nuclei per class, in class id order (Neoplastic … Epithelial). */
  perClass: number[];
  total: number;
}

/** With `subsetId`, only the subset's nuclei and the images that hold them count. */
export function classDistributionByTissue(db: Db, subsetId?: number): TissueRow[] {
  const imageCounts =
    subsetId === undefined
      ? db
          .select({ tissue: tissues.name, images: count(images.id) })
          .from(tissues)
          .innerJoin(images, eq(images.tissueId, tissues.id))
          .groupBy(tissues.id)
          .orderBy(asc(tissues.name))
          .all()
      : db
          .select({ tissue: tissues.name, images: sql<number>`count(DISTINCT ${subsetMembers.imageId})` })
          .from(subsetMembers)
          .innerJoin(images, eq(images.id, subsetMembers.imageId))
          .innerJoin(tissues, eq(tissues.id, images.tissueId))
          .where(eq(subsetMembers.subsetId, subsetId))
          .groupBy(tissues.id)
          .orderBy(asc(tissues.name))
          .all();
  const base = db
    .select({ tissue: tissues.name, classId: classes.id, nuclei: sql<number>`count(${nuclei.id})` })
    .from(nuclei)
    .innerJoin(images, eq(images.id, nuclei.imageId))
    .innerJoin(tissues, eq(tissues.id, images.tissueId))
    .innerJoin(classes, eq(classes.id, nuclei.classId));
  const cells = (
    subsetId === undefined
      ? base
      : base.innerJoin(subsetMembers, and(eq(subsetMembers.nucleusId, nuclei.id), eq(subsetMembers.subsetId, subsetId)))
  )
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
