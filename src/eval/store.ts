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
import { COUNT_FIELDS, DETECTION_FIELDS, MATCH_FIELDS, type PackedEvaluation } from './packed.js';

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
  gtIds: ArrayLike<number>;
  predicted: PackedImage;
  evaluation: PackedEvaluation;
}

/** predicted_nuclei's columns (schema order, all but id) and, per column, its packed field (-1 the contour, -2 set_id, -3 image_id). */
const PREDICTED = Object.entries(getTableColumns(predictedNuclei)).filter(([key]) => key !== 'id');
const PREDICTED_SOURCES = PREDICTED.map(([key]) => (key === 'setId' ? -2 : key === 'imageId' ? -3 : key === 'contour' ? -1 : NUMBER_FIELDS.indexOf(key as NumberField)));
if (PREDICTED_SOURCES.some((s, i) => s === -1 && PREDICTED[i]?.[0] !== 'contour')) throw new Error('a predicted_nuclei column has no extracted value');

const CLASS_FIELD = NUMBER_FIELDS.indexOf('classId');
/** An untyped predicted nucleus (class 0 in the evaluation) is stored with class_id NULL. */
const classOrNull = (classId: number | undefined) => (Number(classId) === 0 ? null : classId);

const FIELDS = NUMBER_FIELDS.length;

function* predictedRows(batch: readonly EvaluatedImage[], ids: readonly number[], firstIds: readonly number[], setId: number): Generator<unknown[]> {
  const row: unknown[] = new Array(1 + PREDICTED_SOURCES.length);
  for (let k = 0; k < batch.length; k++) {
    const { imageId, predicted } = batch[k] as EvaluatedImage;
    const numbers = packedNumbers(predicted);
    const contours = packedContours(predicted);
    for (let i = 0; i < predicted.nucleusCount; i++) {
      row[0] = ids[(firstIds[k] as number) + i];
      for (let c = 0; c < PREDICTED_SOURCES.length; c++) {
        const s = PREDICTED_SOURCES[c] as number;
        row[c + 1] = s === CLASS_FIELD ? classOrNull(numbers[i * FIELDS + s]) : s >= 0 ? numbers[i * FIELDS + s] : s === -1 ? contours[i] : s === -2 ? setId : imageId;
      }
      yield row;
    }
  }
}

function* matchRows(batch: readonly EvaluatedImage[], ids: readonly number[], firstIds: readonly number[], setId: number): Generator<unknown[]> {
  const row: unknown[] = [setId, 0, 0, 0, 0, 0];
  for (let k = 0; k < batch.length; k++) {
    const { gtIds, evaluation: { matches } } = batch[k] as EvaluatedImage;
    for (let at = 0; at < matches.length; at += MATCH_FIELDS) {
      row[1] = matches[at];
      row[2] = gtIds[matches[at + 1] as number];
      row[3] = ids[(firstIds[k] as number) + (matches[at + 2] as number)];
      row[4] = matches[at + 3];
      row[5] = matches[at + 4];
      yield row;
    }
  }
}

/** Unpaired sides (index −1) are NULL, and so is an unpaired nucleus's distance (NaN). */
function* detectionRows(batch: readonly EvaluatedImage[], ids: readonly number[], firstIds: readonly number[], setId: number): Generator<unknown[]> {
  const row: unknown[] = [setId, 0, null, null, null];
  for (let k = 0; k < batch.length; k++) {
    const { imageId, gtIds, evaluation: { detections } } = batch[k] as EvaluatedImage;
    row[1] = imageId;
    for (let at = 0; at < detections.length; at += DETECTION_FIELDS) {
      const gt = detections[at] as number, pred = detections[at + 1] as number, distance = detections[at + 2] as number;
      row[2] = gt < 0 ? null : gtIds[gt];
      row[3] = pred < 0 ? null : ids[(firstIds[k] as number) + pred];
      row[4] = Number.isNaN(distance) ? null : distance;
      yield row;
    }
  }
}

function* countRows(batch: readonly EvaluatedImage[], setId: number): Generator<unknown[]> {
  const row: unknown[] = [setId, 0, 0, 0, 0, 0, 0, 0, 0];
  for (const { imageId, evaluation: { counts, officialFails } } of batch) {
    row[1] = imageId;
    row[8] = officialFails ? 1 : 0;
    for (let at = 0, mode = 0; at < counts.length; at += COUNT_FIELDS, mode++) {
      row[2] = mode;
      row[3] = counts[at];
      row[4] = counts[at + 1];
      row[5] = counts[at + 2];
      row[6] = counts[at + 3];
      row[7] = counts[at + 4];
      yield row;
    }
  }
}

export class EvalWriter {
  constructor(private readonly store: Store, private readonly setId: number) {}

  /**
   * Writes the images' predicted nuclei and results in one transaction. Rows are generated into one array
   * per table, refilled for each row (Store.append reads a row before it asks for the next): the main
   * thread writes every row of a run, and builds no object per row.
   */
  async write(batch: readonly EvaluatedImage[]): Promise<void> {
    const { store, setId } = this;
    await store.transaction(async () => {
      const total = batch.reduce((n, b) => n + b.predicted.nucleusCount, 0);
      const ids = await store.reserveIds('predicted_nuclei', total);
      // The first predicted id of each image in `ids`.
      const firstIds: number[] = [];
      for (let at = 0, k = 0; k < batch.length; at += (batch[k] as EvaluatedImage).predicted.nucleusCount, k++) firstIds.push(at);
      await store.append('predicted_nuclei', ['id', ...PREDICTED.map(([, c]) => c.name)], predictedRows(batch, ids, firstIds, setId));
      await store.append('eval_matches', ['set_id', 'mode', 'gt_nucleus_id', 'pred_nucleus_id', 'intersection', 'iou'], matchRows(batch, ids, firstIds, setId));
      await store.append('eval_detections', ['set_id', 'image_id', 'gt_nucleus_id', 'pred_nucleus_id', 'distance'], detectionRows(batch, ids, firstIds, setId));
      await store.append('eval_counts', ['set_id', 'image_id', 'mode', 'tp', 'fp', 'fn', 'iou_sum', 'gt_empty', 'official_fails'], countRows(batch, setId));
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
