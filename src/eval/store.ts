/**
 * Where evaluations live: `prediction_sets`, `predicted_nuclei`, `eval_counts`, `eval_matches` and
 * `eval_detections` (src/db/schema.ts), on either backend. One batch of images' results is written in one
 * transaction with the set's image count, so an interrupted run resumes after its last whole batch. The
 * predicted nuclei get their ids first (Store.reserveIds), so that matches and detections can name them in
 * the same batch; every table is then appended to (PostgreSQL: COPY).
 */
import { getTableColumns } from 'drizzle-orm';
import { byCodePoint, type Store } from '../db/store.js';
import { predictedNuclei, type predictionSets } from '../db/schema.js';
import { NUMBER_FIELDS, packedContours, packedNumbers, type NumberField, type PackedImage } from '../handoff/packed.js';
import type { ImageEvaluation } from './match.js';

export type PredictionSet = typeof predictionSets.$inferSelect;

const SET_COLUMNS = 'id, name, fold, source, bytes, fingerprint, created_at, tool_version, options, images';
const setOf = ([id, name, fold, source, bytes, fingerprint, createdAt, toolVersion, options, images]: unknown[]): PredictionSet =>
  ({ id, name, fold, source, bytes, fingerprint, createdAt, toolVersion, options, images }) as PredictionSet;

export async function findSet(store: Store, name: string): Promise<PredictionSet | undefined> {
  const row = (await store.all(`SELECT ${SET_COLUMNS} FROM prediction_sets WHERE name = ?`, [name])).rows[0];
  return row === undefined ? undefined : setOf(row);
}

export async function listSets(store: Store): Promise<PredictionSet[]> {
  return (await store.all(`SELECT ${SET_COLUMNS} FROM prediction_sets`)).rows.map(setOf).sort((a, b) => byCodePoint(a.name, b.name));
}

export async function createSet(store: Store, row: Omit<PredictionSet, 'id' | 'images'>): Promise<PredictionSet> {
  const r = await store.all(
    'INSERT INTO prediction_sets (name, fold, source, bytes, fingerprint, created_at, tool_version, options, images) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0) RETURNING id',
    [row.name, row.fold, row.source, row.bytes, row.fingerprint, row.createdAt, row.toolVersion, row.options],
  );
  return { ...row, id: r.rows[0]?.[0] as number, images: 0 };
}

/** Removes a set and, by cascade, its nuclei, counts, matches and detections. */
export async function deleteSet(store: Store, id: number): Promise<void> {
  await store.run('DELETE FROM prediction_sets WHERE id = ?', [id]);
}

/** The images of a set already evaluated (its mode-0 counts are written with the rest of an image's rows). */
export async function evaluatedImages(store: Store, setId: number): Promise<Set<number>> {
  return new Set((await store.all('SELECT image_id FROM eval_counts WHERE set_id = ? AND mode = 0', [setId])).rows.map((r) => r[0] as number));
}

export interface EvaluatedImage {
  imageId: number;
  /** The ground-truth nuclei's row ids, in the order the evaluation indexes them. */
  gtIds: readonly number[];
  predicted: PackedImage;
  evaluation: ImageEvaluation;
}

/** predicted_nuclei's columns (schema order, all but id) and, per column, its packed field (-1 the contour, -2 set_id, -3 image_id). */
const PREDICTED = Object.entries(getTableColumns(predictedNuclei)).filter(([key]) => key !== 'id');
const PREDICTED_SOURCES = PREDICTED.map(([key]) => (key === 'setId' ? -2 : key === 'imageId' ? -3 : key === 'contour' ? -1 : NUMBER_FIELDS.indexOf(key as NumberField)));
if (PREDICTED_SOURCES.some((s, i) => s === -1 && PREDICTED[i]?.[0] !== 'contour')) throw new Error('a predicted_nuclei column has no extracted value');

const CLASS_FIELD = NUMBER_FIELDS.indexOf('classId');
/** An untyped predicted nucleus (class 0 in the evaluation) is stored with class_id NULL. */
const classOrNull = (classId: number | undefined) => (Number(classId) === 0 ? null : classId);

export class EvalWriter {
  constructor(private readonly store: Store, private readonly setId: number) {}

  /** Writes the images' predicted nuclei and results in one transaction. */
  async write(batch: readonly EvaluatedImage[]): Promise<void> {
    const setId = this.setId;
    const store = this.store;
    await store.transaction(async () => {
      const total = batch.reduce((n, b) => n + b.predicted.nucleusCount, 0);
      const ids = await store.reserveIds('predicted_nuclei', total);
      const nuclei: unknown[][] = [];
      const matches: unknown[][] = [];
      const detections: unknown[][] = [];
      const counts: unknown[][] = [];
      let next = 0;
      for (const { imageId, gtIds, predicted, evaluation } of batch) {
        const numbers = packedNumbers(predicted);
        const contours = packedContours(predicted);
        const predIds = ids.slice(next, next + predicted.nucleusCount);
        next += predicted.nucleusCount;
        for (let i = 0; i < predicted.nucleusCount; i++) {
          nuclei.push([predIds[i], ...PREDICTED_SOURCES.map((s) => (s === CLASS_FIELD ? classOrNull(numbers[i * NUMBER_FIELDS.length + s]) : s >= 0 ? numbers[i * NUMBER_FIELDS.length + s] : s === -1 ? contours[i] : s === -2 ? setId : imageId))]);
        }
        for (const m of evaluation.matches) matches.push([setId, m.mode, gtIds[m.gt], predIds[m.pred], m.intersection, m.iou]);
        for (const d of evaluation.detections) {
          detections.push([setId, imageId, d.gt < 0 ? null : gtIds[d.gt], d.pred < 0 ? null : predIds[d.pred], Number.isNaN(d.distance) ? null : d.distance]);
        }
        for (const c of evaluation.counts) counts.push([setId, imageId, c.mode, c.tp, c.fp, c.fn, c.iouSum, c.gtEmpty ? 1 : 0, evaluation.officialFails ? 1 : 0]);
      }
      await store.append('predicted_nuclei', ['id', ...PREDICTED.map(([, c]) => c.name)], nuclei);
      await store.append('eval_matches', ['set_id', 'mode', 'gt_nucleus_id', 'pred_nucleus_id', 'intersection', 'iou'], matches);
      await store.append('eval_detections', ['set_id', 'image_id', 'gt_nucleus_id', 'pred_nucleus_id', 'distance'], detections);
      await store.append('eval_counts', ['set_id', 'image_id', 'mode', 'tp', 'fp', 'fn', 'iou_sum', 'gt_empty', 'official_fails'], counts);
      await store.run('UPDATE prediction_sets SET images = images + ? WHERE id = ?', [batch.length, setId]);
    });
  }

  /** Removes what this run wrote for `imageIds` (a run that failed on bad input leaves nothing). */
  async remove(imageIds: readonly number[]): Promise<void> {
    const store = this.store;
    await store.transaction(async () => {
      for (const id of imageIds) {
        await store.run('DELETE FROM eval_detections WHERE set_id = ? AND image_id = ?', [this.setId, id]);
        await store.run('DELETE FROM eval_counts WHERE set_id = ? AND image_id = ?', [this.setId, id]);
        await store.run('DELETE FROM predicted_nuclei WHERE set_id = ? AND image_id = ?', [this.setId, id]); // matches go by cascade
      }
      await store.run('UPDATE prediction_sets SET images = (SELECT count(*) FROM eval_counts WHERE set_id = ? AND mode = 0) WHERE id = ?', [this.setId, this.setId]);
    });
  }
}
