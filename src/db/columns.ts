/**
 * The definition of every column: the public data contract. The compiler checks that each column of the
 * schema is documented; `pannuke schema` prints these tables and a test checks the README holds them.
 */
import { getTableColumns, getTableName, type Table } from 'drizzle-orm';
import { images, nuclei, type Image, type Nucleus } from './schema.js';

/** Pixel-edge coordinates: pixel (col, row) covers [col, col+1) × [row, row+1); x = column, y = row, origin top-left. */
export const NUCLEUS_COLUMNS = {
  id: 'Row id (INTEGER PRIMARY KEY). Assigned in load order: fold, fold_index, class_id, instance_id.',
  imageId: 'The image (→ images.id).',
  classId: 'The class (→ classes.id) = mask channel c + 1: 1 Neoplastic, 2 Inflammatory, 3 Connective, 4 Dead, 5 Epithelial.',
  instanceId: 'The mask value v, exactly as stored (never cast; ids repeat across channels, so (image_id, class_id, instance_id) is the key).',
  area: 'Pixels in P = {(row, col) : masks[i, row, col, c] = v}; every pixel counts, whatever its other channels hold.',
  bboxX0: 'min col of P (inclusive).',
  bboxY0: 'min row of P (inclusive).',
  bboxX1: 'max col of P + 1 (exclusive).',
  bboxY1: 'max row of P + 1 (exclusive).',
  centroidX: 'mean(col) + 0.5: the centre of mass in pixel-edge coordinates.',
  centroidY: 'mean(row) + 0.5.',
  perimeter: 'Unit pixel edges between a pixel of P and a pixel not in P, the image border included (= the outline length). Not scikit-image\'s perimeter.',
  majorAxisLength: '4·√l1, l1 ≥ l2 the eigenvalues of [[a, d], [d, b]] / n², a = n·Sxx − Sx², b = n·Syy − Sy², d = n·Sxy − Sx·Sy over the pixel cols/rows (as scikit-image regionprops).',
  minorAxisLength: '4·√l2 (as scikit-image regionprops).',
  eccentricity: '√(1 − l2/l1), 0 when l1 = 0 (as scikit-image regionprops).',
  orientation: '½·atan2(2d, a − b), radians in (−π/2, π/2], from +x (columns) towards +y (rows, downwards). Not scikit-image\'s orientation, which is measured from the row axis.',
  parts: 'Number of 4-connected components of P (fragments sharing one id are one row).',
  holes: 'Interior rings of the outline, summed over the parts: for each 4-connected part, the 4-connected components of its complement (other parts included) that do not reach the outside.',
  overlapArea: 'Pixels of P that also belong to a nucleus of another class channel.',
  sharedId: '1 if v is also an id in another class channel of the same image (a different nucleus), else 0.',
  contour: 'Little-endian ISO WKB of the exact pixel-edge outline of P: a Polygon when parts = 1, else a MultiPolygon (one polygon per part, in row-major order of their first pixel). Holes are interior rings; rings are closed, with corner vertices only; exteriors counter-clockwise (positive shoelace area, RFC 7946), holes clockwise; each ring starts at its smallest (y, x) vertex. Diagonal pixels of one part stay joined at a shared corner, so a gap closed off at a corner is a hole touching the exterior at that point. Valid by GEOS; its area equals `area`; the pixel centres inside it are exactly P.',
} as const satisfies Record<keyof Nucleus, string>;

export const IMAGE_COLUMNS = {
  id: 'Row id (INTEGER PRIMARY KEY), assigned in load order (fold, fold_index).',
  fold: 'Official fold number, 1..3.',
  foldIndex: '0-based position of the image in its fold\'s images.npy, masks.npy and types.npy.',
  tissueId: 'The tissue (→ tissues.id), from types.npy.',
  width: 'W, pixels.',
  height: 'H, pixels.',
  nucleusCount: 'Rows of this image in nuclei (distinct (channel, value) pairs); 0 for an empty image.',
  voidPixels: 'Pixels that are 0 in all six mask channels (background included).',
  overlapPixels: 'Pixels that belong to nuclei of two or more class channels.',
  maskDigest: 'The digest of the image\'s record in masks.npy, its bytes as stored (H × W × 6 values): how ingest tells, image by image, whether an edited masks.npy still holds what was loaded. Defined exactly: the bytes, zero-padded to a multiple of 16, are K blocks of two little-endian unsigned 64-bit words (x_k, y_k); with arithmetic mod 2^64, s = (Σ x_k, Σ y_k) and t = (Σ (K − k)·x_k, Σ (K − k)·y_k) for k = 0..K−1; h = 0, then h = m(h xor v) for v = s₀, s₁, t₀, t₁, K in turn, where m is splitmix64\'s finaliser (z ^= z >> 30; z *= 0xbf58476d1ce4e5b9; z ^= z >> 27; z *= 0x94d049bb133111eb; z ^= z >> 31); the digest is h >> 11, a 53-bit integer. Any change of one word changes s. NULL for images loaded before migration 0007 added it.',
} as const satisfies Record<keyof Image, string>;

export const OTHER_TABLES = {
  classes: '`id`, `name`: 1 Neoplastic, 2 Inflammatory, 3 Connective, 4 Dead, 5 Epithelial (mask channels 0..4).',
  tissues: '`id`, `name`: tissue names verbatim from types.npy, numbered in sorted order as folds are loaded.',
  metadata: '`key`, `value`: `schema_version`, `tool_version` of the last writer.',
  sources: '`fold`, `role` (images / masks / types), `path`, `bytes`, `mtime`, `fingerprint` (SHA-256 of the header, the size and 16 blocks of 64 KiB spread over the data; of every byte with `--hash`; for a zip member, the CRC-32 the archive records), `fingerprint_kind` (sampled / full / zip-crc32): the files each fold\'s rows were loaded from (absolute paths; rewritten only by a run that loads rows from them). A later ingest compares size and fingerprint, and checks a file whose `mtime` differs image by image against `images.mask_digest`.',
  ingest_runs: '`started_at`, `finished_at`, `tool_version`, `options` (JSON), `status` (running / finished / failed / interrupted), `host`, `pid`, `images`, `nuclei` (committed by the run: they grow in the transactions that commit the rows, so they are exact after Ctrl-C or kill -9; 0 for a failed run whose rows were removed; what it had committed if even that removal failed, a full disk say), `error`: a log of runs (not data: excluded from content comparisons).',
  nucleus_facts: 'View, one flat row per nucleus for BI tools (no blob): nucleus_id, fold, image_id, fold_index, tissue, class, class_id, instance_id, area, bbox_x0, bbox_y0, bbox_x1, bbox_y1, centroid_x, centroid_y, perimeter, major_axis_length, minor_axis_length, eccentricity, orientation, parts, holes, overlap_area, shared_id.',
  class_distribution: 'View for BI tools: fold, tissue, class, nuclei, images (that have the class), mean_area.',
  image_summary: 'View, one row per image, empty ones included: image_id, fold, fold_index, tissue, neoplastic, inflammatory, connective, dead, epithelial, nuclei (counts per class).',
  subsets: '`name` (unique; letters, digits, `.`, `_`, `-`), `created_at`, `kind` (nuclei-per-class / images), `options` (JSON: every option), `seed`, `nuclei`, `images`, `notes` (JSON: the groups that had fewer nuclei than asked, each {stratum, classId, available}): stored subsets (`pannuke subset`). `nuclei` and `images` are recounted when `ingest --replace` changes a fold.',
  subset_members: '`subset_id`, `nucleus_id`, `image_id`: the nuclei of each subset (an image subset lists every nucleus of its images that passes its filters). Join it to `nuclei` or `nucleus_facts`. `ingest --replace` keeps a replaced fold\'s members by (fold, fold_index, class_id, instance_id) and finds them again among the new rows; those no longer there leave the subset (reported).',
  qc_summary: 'View, one row per PanNuke quirk (shared_id, overlap_pixels, fragmented, holes, empty_image, void_image, tiny_nucleus): quirk, nuclei (rows of `nuclei` with the quirk; NULL for image quirks), pixels (overlap_pixels only: pixels in two or more classes), images (that have it), description.',
  area_histogram: '`fold`, `tissue_id`, `class_id`, `area`, `nuclei`: nuclei counted per (fold, tissue, class, area), kept by ingest in the transactions that load the rows (derived: equal to counting `nuclei`; `stats --by` reads its quantiles from it).',
  geometry_columns: '`f_table_name`, `f_geometry_column`, `geometry_type` (0: any), `coord_dimension` (2), `srid` (0), `geometry_format` (WKB): OGC metadata naming `nuclei.contour` and `predicted_nuclei.contour` as geometry columns, so GDAL and QGIS open the file as layers.',
  spatial_ref_sys: '`srid`, `auth_name`, `auth_srid`, `srtext`: SRID 0, image pixels (x = column, y = row, origin top-left), a local unitless system.',
  prediction_sets: '`name` (unique), `fold`, `source` (the prediction\'s masks.npy, folder or file, absolute), `bytes`, `fingerprint` (a masks.npy: sampled SHA-256, as for sources; other formats: SHA-256 of the files\' names and every byte), `created_at`, `tool_version`, `options` (JSON: `radius`, `channels`, `format`, and `names`, `classes` when given), `images` (evaluated so far): one per `pannuke eval run --name`.',
  predicted_nuclei: '`set_id`, `image_id` (the ground-truth image, → images.id), then every column of `nuclei` from `class_id` to `contour`, with the same definitions (the same extract stage fills them), except that `class_id` is NULL for an untyped nucleus (a prediction format\'s type 0 or missing class: binary figures and detection only). One row per nucleus of the prediction file, measured on its own pixels. Unique on (set_id, image_id, class_id, instance_id).',
  eval_counts: '`set_id`, `image_id`, `mode` (0 binary, on `binarize`d maps; 1..5 the class of that channel), `tp`, `fp`, `fn`, `iou_sum` (Σ IoU over the matches), `gt_empty` (1 where the ground truth\'s map has a single distinct value: the official NaN), `official_fails` (1 where PanNuke-metrics\' run.py would raise on the image). Primary key (set_id, image_id, mode).',
  eval_matches: '`set_id`, `mode`, `gt_nucleus_id` (→ nuclei.id), `pred_nucleus_id` (→ predicted_nuclei.id), `intersection` (pixels), `iou`: every pair with IoU > 0.5 (unique without an assignment). In mode 0 the areas are the pixels still visible after binarize.',
  eval_detections: '`set_id`, `image_id`, `gt_nucleus_id`, `pred_nucleus_id`, `distance` (px, between centroids): the pairs of the minimum-total-distance assignment within the radius, and each unpaired nucleus with the other side NULL.',
  eval_pq: 'View: per set_id, image_id, mode: tp, fp, fn, iou_sum, dq = tp / (tp + fp/2 + fn/2), sq = iou_sum / (tp + 1e-6), pq = dq·sq; NULL where gt_empty.',
  eval_image_summary: 'View: per set_id, image_id: fold, fold_index, tissue, mpq (avg of the image\'s non-NULL class pq), bpq (its binary pq), official_fails.',
} as const;


/** The column tables as Markdown (used by `pannuke schema` and checked against the README). */
export function schemaMarkdown(): string {
  const table = (t: Table, docs: Record<string, string>) => {
    const columns = getTableColumns(t);
    const rows = Object.entries(docs).map(([key, doc]) => `| \`${(columns[key] as { name: string }).name}\` | ${doc} |`);
    return [`#### \`${getTableName(t)}\``, '', '| column | definition |', '|---|---|', ...rows].join('\n');
  };
  const others = ['| table / view | columns |', '|---|---|', ...Object.entries(OTHER_TABLES).map(([k, v]) => `| \`${k}\` | ${v} |`)].join('\n');
  return [table(nuclei, NUCLEUS_COLUMNS), table(images, IMAGE_COLUMNS), others].join('\n\n');
}
