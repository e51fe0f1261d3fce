/**
 * The database schema, as code: the only place table and column names are written. drizzle-kit generates
 * migrations/ from this file (`npm run db:generate`); src/db/columns.ts documents every column.
 */
import { sql } from 'drizzle-orm';
import { blob, index, integer, real, sqliteTable, sqliteView, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

export const classes = sqliteTable('classes', {
  id: integer('id').primaryKey(),
  name: text('name').notNull().unique(),
});

export const tissues = sqliteTable('tissues', {
  id: integer('id').primaryKey(),
  name: text('name').notNull().unique(),
});

export const images = sqliteTable(
  'images',
  {
    id: integer('id').primaryKey(),
    fold: integer('fold').notNull(),
    foldIndex: integer('fold_index').notNull(),
    tissueId: integer('tissue_id').notNull().references(() => tissues.id),
    width: integer('width').notNull(),
    height: integer('height').notNull(),
    nucleusCount: integer('nucleus_count').notNull(),
    voidPixels: integer('void_pixels').notNull(),
    overlapPixels: integer('overlap_pixels').notNull(),
  },
  (t) => [uniqueIndex('images_fold_index').on(t.fold, t.foldIndex), index('images_tissue').on(t.tissueId)],
);

export const nuclei = sqliteTable(
  'nuclei',
  {
    id: integer('id').primaryKey(),
    imageId: integer('image_id').notNull().references(() => images.id, { onDelete: 'cascade' }),
    classId: integer('class_id').notNull().references(() => classes.id),
    instanceId: integer('instance_id').notNull(),
    area: integer('area').notNull(),
    bboxX0: integer('bbox_x0').notNull(),
    bboxY0: integer('bbox_y0').notNull(),
    bboxX1: integer('bbox_x1').notNull(),
    bboxY1: integer('bbox_y1').notNull(),
    centroidX: real('centroid_x').notNull(),
    centroidY: real('centroid_y').notNull(),
    perimeter: integer('perimeter').notNull(),
    majorAxisLength: real('major_axis_length').notNull(),
    minorAxisLength: real('minor_axis_length').notNull(),
    eccentricity: real('eccentricity').notNull(),
    orientation: real('orientation').notNull(),
    parts: integer('parts').notNull(),
    overlapArea: integer('overlap_area').notNull(),
    sharedId: integer('shared_id').notNull(),
    contour: blob('contour', { mode: 'buffer' }).notNull(),
  },
  (t) => [
    uniqueIndex('nuclei_image_class_instance').on(t.imageId, t.classId, t.instanceId),
    index('nuclei_class_area').on(t.classId, t.area),
  ],
);

/** Key/value facts about the file itself: schema version, the tool version that last wrote it. */
export const metadata = sqliteTable('metadata', {
  key: text('key').primaryKey(),
  value: text('value').notNull(),
});

/** One flat row per nucleus for BI tools: names instead of ids, no blob. */
export const nucleusFacts = sqliteView('nucleus_facts').as((qb) =>
  qb
    .select({
      nucleusId: sql<number>`${nuclei.id}`.as('nucleus_id'),
      fold: images.fold,
      imageId: nuclei.imageId,
      foldIndex: images.foldIndex,
      tissue: sql<string>`${tissues.name}`.as('tissue'),
      class: sql<string>`${classes.name}`.as('class'),
      classId: nuclei.classId,
      instanceId: nuclei.instanceId,
      area: nuclei.area,
      bboxX0: nuclei.bboxX0,
      bboxY0: nuclei.bboxY0,
      bboxX1: nuclei.bboxX1,
      bboxY1: nuclei.bboxY1,
      centroidX: nuclei.centroidX,
      centroidY: nuclei.centroidY,
      perimeter: nuclei.perimeter,
      majorAxisLength: nuclei.majorAxisLength,
      minorAxisLength: nuclei.minorAxisLength,
      eccentricity: nuclei.eccentricity,
      orientation: nuclei.orientation,
      parts: nuclei.parts,
      overlapArea: nuclei.overlapArea,
      sharedId: nuclei.sharedId,
    })
    .from(nuclei)
    .innerJoin(images, sql`${images.id} = ${nuclei.imageId}`)
    .innerJoin(tissues, sql`${tissues.id} = ${images.tissueId}`)
    .innerJoin(classes, sql`${classes.id} = ${nuclei.classId}`),
);

export type Image = typeof images.$inferSelect;
export type NewImage = typeof images.$inferInsert;
export type Nucleus = typeof nuclei.$inferSelect;
export type NewNucleus = typeof nuclei.$inferInsert;

/** PanNuke's classes: mask channel c holds class id c + 1. */
export const CLASS_NAMES = ['Neoplastic', 'Inflammatory', 'Connective', 'Dead', 'Epithelial'] as const;
