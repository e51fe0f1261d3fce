/**
 * The database schema, as code: the only place table and column names are written. drizzle-kit generates
 * migrations/ from this file (`npm run db:generate`); src/db/columns.ts documents every column.
 */
import { sql } from 'drizzle-orm';
import { blob, customType, index, integer, primaryKey, real, sqliteTable, sqliteView, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

/**
 * A 64-bit integer column, declared BIGINT. SQLite stores every INTEGER in up to 64 bits either way (BIGINT
 * has INTEGER affinity), but GDAL, and so QGIS, reads a column declared INTEGER as 32-bit and clamps larger
 * values (2,147,483,649 came back as 2,147,483,647); declared BIGINT it reads Integer64. Row ids stay
 * `INTEGER PRIMARY KEY` (the rowid: GDAL takes it as the 64-bit feature id).
 */
const int64 = customType<{ data: number; driverData: number }>({ dataType: () => 'bigint' });

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
    fold: int64('fold').notNull(),
    foldIndex: int64('fold_index').notNull(),
    tissueId: int64('tissue_id').notNull().references(() => tissues.id),
    width: int64('width').notNull(),
    height: int64('height').notNull(),
    nucleusCount: int64('nucleus_count').notNull(),
    voidPixels: int64('void_pixels').notNull(),
    overlapPixels: int64('overlap_pixels').notNull(),
    /** The digest of the image's mask record as stored in masks.npy (src/db/columns.ts); NULL before migration 0007. */
    maskDigest: int64('mask_digest'),
  },
  (t) => [uniqueIndex('images_fold_index').on(t.fold, t.foldIndex), index('images_tissue').on(t.tissueId)],
);

/**
 * The per-nucleus columns, shared by ground-truth `nuclei` and `predicted_nuclei` (the same extract stage
 * fills both): a function, because a drizzle column builder belongs to one table.
 */
const nucleusMeasures = () => ({
  classId: int64('class_id').notNull().references(() => classes.id),
  instanceId: int64('instance_id').notNull(),
  area: int64('area').notNull(),
  bboxX0: int64('bbox_x0').notNull(),
  bboxY0: int64('bbox_y0').notNull(),
  bboxX1: int64('bbox_x1').notNull(),
  bboxY1: int64('bbox_y1').notNull(),
  centroidX: real('centroid_x').notNull(),
  centroidY: real('centroid_y').notNull(),
  perimeter: int64('perimeter').notNull(),
  majorAxisLength: real('major_axis_length').notNull(),
  minorAxisLength: real('minor_axis_length').notNull(),
  eccentricity: real('eccentricity').notNull(),
  orientation: real('orientation').notNull(),
  parts: int64('parts').notNull(),
  holes: int64('holes').notNull(),
  overlapArea: int64('overlap_area').notNull(),
  sharedId: int64('shared_id').notNull(),
  contour: blob('contour', { mode: 'buffer' }).notNull(),
});

export const nuclei = sqliteTable(
  'nuclei',
  {
    id: integer('id').primaryKey(),
    imageId: int64('image_id').notNull().references(() => images.id, { onDelete: 'cascade' }),
    ...nucleusMeasures(),
  },
  (t) => [
    uniqueIndex('nuclei_image_class_instance').on(t.imageId, t.classId, t.instanceId),
    index('nuclei_class_area').on(t.classId, t.area),
  ],
);

/**
 * Nuclei counted per (fold, tissue, class, area): a derived table the bulk writer keeps in the transactions
 * that load the rows (and rebuilds when a run's rows are removed), so that grouped statistics with area
 * quantiles read a few thousand rows instead of every nucleus.
 */
export const areaHistogram = sqliteTable(
  'area_histogram',
  {
    fold: int64('fold').notNull(),
    tissueId: int64('tissue_id').notNull().references(() => tissues.id),
    classId: int64('class_id').notNull().references(() => classes.id),
    area: int64('area').notNull(),
    nuclei: int64('nuclei').notNull(),
  },
  (t) => [primaryKey({ columns: [t.fold, t.tissueId, t.classId, t.area] })],
);

/** The files each fold was read from, with a fingerprint to notice when they change. */
export const sources = sqliteTable(
  'sources',
  {
    id: integer('id').primaryKey(),
    fold: int64('fold').notNull(),
    role: text('role', { enum: ['images', 'masks', 'types'] }).notNull(),
    path: text('path').notNull(),
    bytes: int64('bytes').notNull(),
    mtime: text('mtime').notNull(),
    fingerprint: text('fingerprint').notNull(),
    fingerprintKind: text('fingerprint_kind', { enum: ['sampled', 'full', 'zip-crc32'] }).notNull(),
  },
  (t) => [uniqueIndex('sources_fold_role').on(t.fold, t.role)],
);

/** A log of ingest runs (not part of the data: two runs that load the same data log two rows). */
export const ingestRuns = sqliteTable('ingest_runs', {
  id: integer('id').primaryKey(),
  startedAt: text('started_at').notNull(),
  finishedAt: text('finished_at'),
  toolVersion: text('tool_version').notNull(),
  options: text('options').notNull(),
  status: text('status', { enum: ['running', 'finished', 'failed', 'interrupted'] }).notNull(),
  host: text('host').notNull(),
  pid: int64('pid').notNull(),
  images: int64('images').notNull(),
  nuclei: int64('nuclei').notNull(),
  error: text('error'),
});

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
      holes: nuclei.holes,
      overlapArea: nuclei.overlapArea,
      sharedId: nuclei.sharedId,
    })
    .from(nuclei)
    .innerJoin(images, sql`${images.id} = ${nuclei.imageId}`)
    .innerJoin(tissues, sql`${tissues.id} = ${images.tissueId}`)
    .innerJoin(classes, sql`${classes.id} = ${nuclei.classId}`),
);

/** A named, stored selection of nuclei (a balanced training subset, say), reproducible from its options and seed. */
export const subsets = sqliteTable('subsets', {
  id: integer('id').primaryKey(),
  name: text('name').notNull().unique(),
  createdAt: text('created_at').notNull(),
  /** `nuclei-per-class` or `images`. */
  kind: text('kind', { enum: ['nuclei-per-class', 'images'] }).notNull(),
  /** Every option the subset was made with, as JSON, so it can be made again. */
  options: text('options').notNull(),
  seed: int64('seed').notNull(),
  nuclei: int64('nuclei').notNull(),
  images: int64('images').notNull(),
  /** What the choice could not meet, as JSON (e.g. strata with fewer nuclei than asked); '[]' when none. */
  notes: text('notes').notNull().default('[]'),
});

export const subsetMembers = sqliteTable(
  'subset_members',
  {
    subsetId: int64('subset_id').notNull().references(() => subsets.id, { onDelete: 'cascade' }),
    nucleusId: int64('nucleus_id').notNull().references(() => nuclei.id, { onDelete: 'cascade' }),
    imageId: int64('image_id').notNull().references(() => images.id, { onDelete: 'cascade' }),
  },
  (t) => [primaryKey({ columns: [t.subsetId, t.nucleusId] }), index('subset_members_image').on(t.subsetId, t.imageId), index('subset_members_nucleus').on(t.nucleusId)],
);

/** Nuclei per fold, tissue and class, with the images that have the class and the mean area: a BI feed. */
export const classDistribution = sqliteView('class_distribution', {
  fold: int64('fold').notNull(),
  tissue: text('tissue').notNull(),
  class: text('class').notNull(),
  nuclei: int64('nuclei').notNull(),
  images: int64('images').notNull(),
  meanArea: real('mean_area').notNull(),
}).as(sql`
  SELECT i.fold AS fold, t.name AS tissue, c.name AS class, count(*) AS nuclei, count(DISTINCT n.image_id) AS images,
         avg(n.area) AS mean_area
    FROM ${nuclei} n JOIN ${images} i ON i.id = n.image_id JOIN ${tissues} t ON t.id = i.tissue_id JOIN ${classes} c ON c.id = n.class_id
   GROUP BY i.fold, t.name, c.id, c.name
`);

/** One row per image (empty ones included) with its nucleus count per class. */
export const imageSummary = sqliteView('image_summary', {
  imageId: int64('image_id').notNull(),
  fold: int64('fold').notNull(),
  foldIndex: int64('fold_index').notNull(),
  tissue: text('tissue').notNull(),
  neoplastic: int64('neoplastic').notNull(),
  inflammatory: int64('inflammatory').notNull(),
  connective: int64('connective').notNull(),
  dead: int64('dead').notNull(),
  epithelial: int64('epithelial').notNull(),
  nuclei: int64('nuclei').notNull(),
}).as(sql`
  SELECT i.id AS image_id, i.fold AS fold, i.fold_index AS fold_index, t.name AS tissue,
         count(n.id) FILTER (WHERE n.class_id = 1) AS neoplastic,
         count(n.id) FILTER (WHERE n.class_id = 2) AS inflammatory,
         count(n.id) FILTER (WHERE n.class_id = 3) AS connective,
         count(n.id) FILTER (WHERE n.class_id = 4) AS dead,
         count(n.id) FILTER (WHERE n.class_id = 5) AS epithelial,
         count(n.id) AS nuclei
    FROM ${images} i JOIN ${tissues} t ON t.id = i.tissue_id LEFT JOIN ${nuclei} n ON n.image_id = i.id
   GROUP BY i.id, i.fold, i.fold_index, t.name
`);

/**
 * PanNuke's quirks, one row each, every count in a column named for its unit: `nuclei` (rows of `nuclei`
 * that have the quirk), `pixels` (for overlap_pixels), `images` (images that have it); NULL where a unit
 * does not apply.
 */
export const qcSummary = sqliteView('qc_summary', {
  quirk: text('quirk').notNull(),
  nuclei: int64('nuclei'),
  pixels: int64('pixels'),
  images: int64('images').notNull(),
  description: text('description').notNull(),
}).as(sql`
  SELECT 'shared_id' AS quirk, count(*) AS nuclei, NULL AS pixels, count(DISTINCT image_id) AS images,
         'nuclei whose id is also used in another class channel of the image (a different nucleus)' AS description
    FROM ${nuclei} WHERE shared_id = 1
  UNION ALL
  SELECT 'overlap_pixels', (SELECT count(*) FROM ${nuclei} WHERE overlap_area > 0), coalesce(sum(overlap_pixels), 0),
         count(*) FILTER (WHERE overlap_pixels > 0), 'pixels that belong to nuclei of two or more classes (nuclei: those that have such pixels)'
    FROM ${images}
  UNION ALL
  SELECT 'fragmented', count(*), NULL, count(DISTINCT image_id),
         'nuclei whose pixels form several 4-connected parts (one id, one row)'
    FROM ${nuclei} WHERE parts > 1
  UNION ALL
  SELECT 'holes', count(*), NULL, count(DISTINCT image_id), 'nuclei with enclosed gaps (interior rings in the outline)'
    FROM ${nuclei} WHERE holes > 0
  UNION ALL
  SELECT 'empty_image', NULL, NULL, count(*), 'images with no nucleus'
    FROM ${images} WHERE nucleus_count = 0
  UNION ALL
  SELECT 'void_image', NULL, NULL, count(*), 'images zero in all six mask channels, background included'
    FROM ${images} WHERE void_pixels = width * height
  UNION ALL
  SELECT 'tiny_nucleus', count(*), NULL, count(DISTINCT image_id), 'nuclei under 10 pixels (often cut by the image border)'
    FROM ${nuclei} WHERE area < 10
`);

/**
 * A model's prediction of one fold, in PanNuke's format, evaluated against the ground truth (`pannuke eval`).
 * Its nuclei, matches and counts hang off it and go with it (cascade).
 */
export const predictionSets = sqliteTable('prediction_sets', {
  id: integer('id').primaryKey(),
  name: text('name').notNull().unique(),
  fold: int64('fold').notNull(),
  /** The masks.npy the prediction was read from. */
  source: text('source').notNull(),
  bytes: int64('bytes').notNull(),
  fingerprint: text('fingerprint').notNull(),
  createdAt: text('created_at').notNull(),
  toolVersion: text('tool_version').notNull(),
  /** Every option of the run, as JSON (the detection radius among them). */
  options: text('options').notNull(),
  /** Images evaluated so far; the set is complete when it equals the fold's images. */
  images: int64('images').notNull(),
});

/** Predicted nuclei: the same columns and exact outline as ground-truth `nuclei`, per prediction set. */
export const predictedNuclei = sqliteTable(
  'predicted_nuclei',
  {
    id: integer('id').primaryKey(),
    setId: int64('set_id').notNull().references(() => predictionSets.id, { onDelete: 'cascade' }),
    imageId: int64('image_id').notNull().references(() => images.id, { onDelete: 'cascade' }),
    ...nucleusMeasures(),
    /** NULL for a nucleus the model gave no class (HoVer-Net's type 0): it counts in the binary figures only. */
    classId: int64('class_id').references(() => classes.id),
  },
  (t) => [uniqueIndex('predicted_nuclei_set_image_class_instance').on(t.setId, t.imageId, t.classId, t.instanceId), index('predicted_nuclei_image').on(t.imageId)],
);

/**
 * Per set, image and mode (0 = binary, on `binarize`d maps; 1..5 = that class's channel): the counts PQ is
 * made of. `gt_empty` is 1 where the ground truth's map has a single distinct value (the official NaN rule).
 * `official_fails` (mode 0 rows) is 1 where the official script would crash on the image.
 */
export const evalCounts = sqliteTable(
  'eval_counts',
  {
    setId: int64('set_id').notNull().references(() => predictionSets.id, { onDelete: 'cascade' }),
    imageId: int64('image_id').notNull().references(() => images.id, { onDelete: 'cascade' }),
    mode: int64('mode').notNull(),
    tp: int64('tp').notNull(),
    fp: int64('fp').notNull(),
    fn: int64('fn').notNull(),
    iouSum: real('iou_sum').notNull(),
    gtEmpty: int64('gt_empty').notNull(),
    officialFails: int64('official_fails').notNull(),
  },
  (t) => [primaryKey({ columns: [t.setId, t.imageId, t.mode] }), index('eval_counts_image').on(t.imageId)],
);

/** Every (ground-truth nucleus, predicted nucleus) pair with IoU > 0.5, per set and mode, from pixel counts. */
export const evalMatches = sqliteTable(
  'eval_matches',
  {
    setId: int64('set_id').notNull().references(() => predictionSets.id, { onDelete: 'cascade' }),
    mode: int64('mode').notNull(),
    gtNucleusId: int64('gt_nucleus_id').notNull().references(() => nuclei.id, { onDelete: 'cascade' }),
    predNucleusId: int64('pred_nucleus_id').notNull().references(() => predictedNuclei.id, { onDelete: 'cascade' }),
    intersection: int64('intersection').notNull(),
    iou: real('iou').notNull(),
  },
  // Indexes on both nucleus ids: deleting nuclei (ingest --replace) cascades here without a scan.
  (t) => [primaryKey({ columns: [t.setId, t.mode, t.gtNucleusId] }), index('eval_matches_gt').on(t.gtNucleusId), index('eval_matches_pred').on(t.predNucleusId)],
);

/**
 * Detection (HoVer-Net's compute_stats): per set and image, the centroid pairs of a minimum-total-distance
 * assignment within the radius, and the unpaired nuclei of each side (the other side NULL).
 */
export const evalDetections = sqliteTable(
  'eval_detections',
  {
    setId: int64('set_id').notNull().references(() => predictionSets.id, { onDelete: 'cascade' }),
    imageId: int64('image_id').notNull().references(() => images.id, { onDelete: 'cascade' }),
    gtNucleusId: int64('gt_nucleus_id').references(() => nuclei.id, { onDelete: 'cascade' }),
    predNucleusId: int64('pred_nucleus_id').references(() => predictedNuclei.id, { onDelete: 'cascade' }),
    distance: real('distance'),
  },
  (t) => [index('eval_detections_set_image').on(t.setId, t.imageId), index('eval_detections_gt').on(t.gtNucleusId), index('eval_detections_pred').on(t.predNucleusId)],
);

/**
 * PQ per set, image and mode, as the official PanNuke script computes it: DQ = TP / (TP + FP/2 + FN/2),
 * SQ = ΣIoU / (TP + 1e-6), PQ = DQ·SQ; NULL (the script's NaN) where the ground truth is empty. The counts
 * are cast to DOUBLE PRECISION before any arithmetic so that PostgreSQL computes in binary floating point,
 * bit for bit as SQLite and numpy do (it would otherwise compute in decimal `numeric`).
 */
export const evalPq = sqliteView('eval_pq', {
  setId: int64('set_id').notNull(),
  imageId: int64('image_id').notNull(),
  mode: int64('mode').notNull(),
  tp: int64('tp').notNull(),
  fp: int64('fp').notNull(),
  fn: int64('fn').notNull(),
  iouSum: real('iou_sum').notNull(),
  dq: real('dq'),
  sq: real('sq'),
  pq: real('pq'),
}).as(sql`
  SELECT set_id, image_id, mode, tp, fp, fn, iou_sum,
         CASE WHEN gt_empty = 1 THEN NULL ELSE tpf / (tpf + 0.5 * fpf + 0.5 * fnf) END AS dq,
         CASE WHEN gt_empty = 1 THEN NULL ELSE iou_sum / (tpf + 1e-6) END AS sq,
         CASE WHEN gt_empty = 1 THEN NULL ELSE (tpf / (tpf + 0.5 * fpf + 0.5 * fnf)) * (iou_sum / (tpf + 1e-6)) END AS pq
    FROM (SELECT *, CAST(tp AS DOUBLE PRECISION) AS tpf, CAST(fp AS DOUBLE PRECISION) AS fpf, CAST(fn AS DOUBLE PRECISION) AS fnf
            FROM ${evalCounts}) AS counts
`);

/** Per set and image: its tissue, mPQ (the mean of its non-NULL class PQs) and bPQ (the binary PQ). */
export const evalImageSummary = sqliteView('eval_image_summary', {
  setId: int64('set_id').notNull(),
  imageId: int64('image_id').notNull(),
  fold: int64('fold').notNull(),
  foldIndex: int64('fold_index').notNull(),
  tissue: text('tissue').notNull(),
  mpq: real('mpq'),
  bpq: real('bpq'),
  officialFails: int64('official_fails').notNull(),
}).as(sql`
  SELECT e.set_id, e.image_id, i.fold, i.fold_index, t.name AS tissue,
         avg(e.pq) FILTER (WHERE e.mode BETWEEN 1 AND 5) AS mpq,
         max(e.pq) FILTER (WHERE e.mode = 0) AS bpq,
         max(c.official_fails) AS official_fails
    FROM ${evalPq} e JOIN ${images} i ON i.id = e.image_id JOIN ${tissues} t ON t.id = i.tissue_id
    JOIN ${evalCounts} c ON c.set_id = e.set_id AND c.image_id = e.image_id AND c.mode = e.mode
   GROUP BY e.set_id, e.image_id, i.fold, i.fold_index, t.name
`);

/**
 * OGC metadata for GIS tools: GDAL's SQLite driver (and so QGIS) reads a table listed here as a layer whose
 * geometry is the named column, plain WKB (`geometry_format` 'WKB'). Geometry type 0 (any): an outline is a
 * Polygon or, for a fragmented nucleus, a MultiPolygon. SRID 0 is pixel space (x = column, y = row), which
 * `spatial_ref_sys` says as a local, unitless system. Rows written by the migration that made these tables.
 */
export const geometryColumns = sqliteTable('geometry_columns', {
  fTableName: text('f_table_name').notNull(),
  fGeometryColumn: text('f_geometry_column').notNull(),
  geometryType: int64('geometry_type'),
  coordDimension: int64('coord_dimension'),
  srid: int64('srid'),
  geometryFormat: text('geometry_format'),
}, (t) => [primaryKey({ columns: [t.fTableName, t.fGeometryColumn] })]);

export const spatialRefSys = sqliteTable('spatial_ref_sys', {
  srid: integer('srid').primaryKey(),
  authName: text('auth_name'),
  authSrid: int64('auth_srid'),
  srtext: text('srtext'),
});

export type Image = typeof images.$inferSelect;
export type NewImage = typeof images.$inferInsert;
export type Nucleus = typeof nuclei.$inferSelect;
export type NewNucleus = typeof nuclei.$inferInsert;
export type PredictedNucleus = typeof predictedNuclei.$inferSelect;

/** PanNuke's classes: mask channel c holds class id c + 1. */
export const CLASS_NAMES = ['Neoplastic', 'Inflammatory', 'Connective', 'Dead', 'Epithelial'] as const;
