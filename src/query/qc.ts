/**
 * PanNuke's quirks as data: the `qc_summary` view's counts and, for each quirk, example places a person can
 * look at (fold, fold_index, class, id). The SQL is read alike by SQLite and PostgreSQL.
 */
import type { Store } from '../db/store.js';

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

/** The view's rows, in its order (the quirks as the view lists them). */
const QUIRK_ORDER = ['shared_id', 'overlap_pixels', 'fragmented', 'holes', 'empty_image', 'void_image', 'tiny_nucleus'];

export async function qcCounts(store: Store): Promise<QcRow[]> {
  const rows = (await store.all('SELECT quirk, nuclei, pixels, images, description FROM qc_summary')).rows as [string, number | null, number | null, number, string][];
  return rows
    .map(([quirk, nuclei, pixels, images, description]) => ({ quirk, nuclei, pixels, images, description }))
    .sort((a, b) => QUIRK_ORDER.indexOf(a.quirk) - QUIRK_ORDER.indexOf(b.quirk));
}

/** Per-nucleus quirks: the condition on `nuclei` and what to show of each example. */
const NUCLEUS_QUIRKS: Record<string, { where: string; detail: string }> = {
  shared_id: { where: 'n.shared_id = 1', detail: "'id also used in another class channel'" },
  fragmented: { where: 'n.parts > 1', detail: "n.parts || ' parts, area ' || n.area" },
  holes: { where: 'n.holes > 0', detail: "n.holes || ' hole(s), area ' || n.area" },
  tiny_nucleus: { where: 'n.area < 10', detail: "'area ' || n.area" },
  overlap_pixels: { where: 'n.overlap_area > 0', detail: "n.overlap_area || ' of ' || n.area || ' pixels also in another class'" },
};

/** Per-image quirks. */
const IMAGE_QUIRKS: Record<string, { where: string; detail: string }> = {
  empty_image: { where: 'i.nucleus_count = 0', detail: "'no nucleus'" },
  void_image: { where: 'i.void_pixels = i.width * i.height', detail: "'all six channels zero'" },
};

/** Whether a quirk's examples are nuclei or images. */
export const exampleUnit = (quirk: string): 'nuclei' | 'images' => (quirk in NUCLEUS_QUIRKS ? 'nuclei' : 'images');

export async function qcExamples(store: Store, quirk: string, limit: number): Promise<QcExample[]> {
  const n = NUCLEUS_QUIRKS[quirk];
  const im = IMAGE_QUIRKS[quirk];
  const sql = n !== undefined
    ? `SELECT i.fold, i.fold_index, c.name, n.instance_id, ${n.detail} FROM nuclei n JOIN images i ON i.id = n.image_id
         JOIN classes c ON c.id = n.class_id WHERE ${n.where} ORDER BY i.fold, i.fold_index, n.class_id, n.instance_id LIMIT ?`
    : im !== undefined
      ? `SELECT i.fold, i.fold_index, NULL, NULL, ${im.detail} FROM images i WHERE ${im.where} ORDER BY i.fold, i.fold_index LIMIT ?`
      : undefined;
  if (sql === undefined) return [];
  const rows = (await store.all(sql, [limit])).rows as [number, number, string | null, number | null, string][];
  return rows.map(([fold, foldIndex, cls, instanceId, detail]) => ({ fold, foldIndex, class: cls, instanceId, detail }));
}
