/**
 * PanNuke's quirks as data: the `qc_summary` view's counts and, for each quirk, example places a person can
 * look at (fold, fold_index, class, id).
 */
import { and, asc, eq, gt, lt, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../db/open.js';
import { classes, images, nuclei, qcSummary } from '../db/schema.js';

export interface QcRow {
  quirk: string;
  /** Rows of `nuclei` with the quirk (null for image quirks). */
  nuclei: number | null;
  /** Pixels (overlap_pixels only). */
  pixels: number | null;
  images: number;
  description: string;
}

export interface QcExample {
  fold: number;
  foldIndex: number;
  class: string | null;
  instanceId: number | null;
  detail: string;
}

export function qcCounts(db: Db): QcRow[] {
  return db.select().from(qcSummary).all();
}

/** Per-nucleus quirks: the condition on `nuclei` and what to show of each example. */
const NUCLEUS_QUIRKS: Record<string, { where: SQL | undefined; detail: SQL<string> }> = {
  shared_id: { where: eq(nuclei.sharedId, 1), detail: sql<string>`'id also used in another class channel'` },
  fragmented: { where: gt(nuclei.parts, 1), detail: sql<string>`${nuclei.parts} || ' parts, area ' || ${nuclei.area}` },
  holes: { where: gt(nuclei.holes, 0), detail: sql<string>`${nuclei.holes} || ' hole(s), area ' || ${nuclei.area}` },
  tiny_nucleus: { where: lt(nuclei.area, 10), detail: sql<string>`'area ' || ${nuclei.area}` },
  overlap_pixels: { where: gt(nuclei.overlapArea, 0), detail: sql<string>`${nuclei.overlapArea} || ' of ' || ${nuclei.area} || ' pixels also in another class'` },
};

/** Per-image quirks. */
const IMAGE_QUIRKS: Record<string, { where: SQL | undefined; detail: SQL<string> }> = {
  empty_image: { where: eq(images.nucleusCount, 0), detail: sql<string>`'no nucleus'` },
  void_image: { where: sql`${images.voidPixels} = ${images.width} * ${images.height}`, detail: sql<string>`'all six channels zero'` },
};

/** Whether a quirk's examples are nuclei or images. */
export const exampleUnit = (quirk: string): 'nuclei' | 'images' => (quirk in NUCLEUS_QUIRKS ? 'nuclei' : 'images');

export function qcExamples(db: Db, quirk: string, limit: number): QcExample[] {
  const n = NUCLEUS_QUIRKS[quirk];
  if (n !== undefined) {
    return db
      .select({ fold: images.fold, foldIndex: images.foldIndex, class: classes.name, instanceId: nuclei.instanceId, detail: n.detail })
      .from(nuclei)
      .innerJoin(images, eq(images.id, nuclei.imageId))
      .innerJoin(classes, eq(classes.id, nuclei.classId))
      .where(and(n.where))
      .orderBy(asc(images.fold), asc(images.foldIndex), asc(nuclei.classId), asc(nuclei.instanceId))
      .limit(limit)
      .all();
  }
  const im = IMAGE_QUIRKS[quirk];
  if (im === undefined) return [];
  return db
    .select({ fold: images.fold, foldIndex: images.foldIndex, class: sql<null>`NULL`, instanceId: sql<null>`NULL`, detail: im.detail })
    .from(images)
    .where(im.where)
    .orderBy(asc(images.fold), asc(images.foldIndex))
    .limit(limit)
    .all();
}
