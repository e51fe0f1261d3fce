/**
 * Where evaluations live: `prediction_sets`, `predicted_nuclei`, `eval_counts`, `eval_matches` and
 * `eval_detections` (src/db/schema.ts). One image's results are written in one transaction with the set's
 * image count, so an interrupted run resumes after its last whole image.
 */
import { asc, eq } from 'drizzle-orm';
import type { Statement } from 'better-sqlite3';
import type { Db } from '../db/open.js';
import { evalCounts, evalDetections, evalMatches, predictedNuclei, predictionSets } from '../db/schema.js';
import { insertStatement, PackedNucleusInserter } from '../db/writer.js';
import type { PackedImage } from '../extract/packed.js';
import type { ImageEvaluation } from './match.js';

export type PredictionSet = typeof predictionSets.$inferSelect;

export function findSet(db: Db, name: string): PredictionSet | undefined {
  return db.select().from(predictionSets).where(eq(predictionSets.name, name)).get();
}

export function listSets(db: Db): PredictionSet[] {
  return db.select().from(predictionSets).orderBy(asc(predictionSets.name)).all();
}

export function createSet(db: Db, row: Omit<PredictionSet, 'id' | 'images'>): PredictionSet {
  return db.insert(predictionSets).values({ ...row, images: 0 }).returning().get();
}

/** Removes a set and, by cascade, its nuclei, counts, matches and detections. */
export function deleteSet(db: Db, id: number): void {
  db.delete(predictionSets).where(eq(predictionSets.id, id)).run();
}

/** The images of a set already evaluated (its mode-0 counts are written last of an image's rows). */
export function evaluatedImages(db: Db, setId: number): Set<number> {
  return new Set(db.$client.prepare('SELECT image_id FROM eval_counts WHERE set_id = ? AND mode = 0').pluck().all(setId) as number[]);
}

export interface EvaluatedImage {
  imageId: number;
  /** The ground-truth nuclei's row ids, in the order the evaluation indexes them. */
  gtIds: readonly number[];
  predicted: PackedImage;
  evaluation: ImageEvaluation;
}

export class EvalWriter {
  private readonly db: Db;
  private readonly setId: number;
  private readonly nuclei: PackedNucleusInserter;
  private readonly counts: { statement: Statement; params: (row: Record<string, unknown>) => unknown[] };
  private readonly matches: { statement: Statement; params: (row: Record<string, unknown>) => unknown[] };
  private readonly detections: { statement: Statement; params: (row: Record<string, unknown>) => unknown[] };
  private readonly countImages: Statement;

  constructor(db: Db, setId: number) {
    this.db = db;
    this.setId = setId;
    this.nuclei = new PackedNucleusInserter(db, predictedNuclei, 'predicted_nuclei', ['setId', 'imageId']);
    this.counts = insertStatement(db, evalCounts, 'eval_counts', []);
    this.matches = insertStatement(db, evalMatches, 'eval_matches', []);
    this.detections = insertStatement(db, evalDetections, 'eval_detections', []);
    this.countImages = db.$client.prepare('UPDATE prediction_sets SET images = images + ? WHERE id = ?');
  }

  /** Writes the images' predicted nuclei and results in one transaction. */
  write(batch: readonly EvaluatedImage[]): void {
    const setId = this.setId;
    this.db.$client.transaction(() => {
      for (const { imageId, gtIds, predicted, evaluation } of batch) {
        const predIds = this.nuclei.insert(predicted, [setId, imageId]);
        for (const m of evaluation.matches) {
          this.matches.statement.run(this.matches.params({ setId, mode: m.mode, gtNucleusId: gtIds[m.gt], predNucleusId: predIds[m.pred], intersection: m.intersection, iou: m.iou }));
        }
        for (const d of evaluation.detections) {
          this.detections.statement.run(this.detections.params({
            setId, imageId, gtNucleusId: d.gt < 0 ? null : gtIds[d.gt], predNucleusId: d.pred < 0 ? null : predIds[d.pred], distance: Number.isNaN(d.distance) ? null : d.distance,
          }));
        }
        // The counts last: mode 0's row marks the image as done (evaluatedImages).
        for (const c of [...evaluation.counts].reverse()) {
          this.counts.statement.run(this.counts.params({ setId, imageId, mode: c.mode, tp: c.tp, fp: c.fp, fn: c.fn, iouSum: c.iouSum, gtEmpty: c.gtEmpty ? 1 : 0, officialFails: evaluation.officialFails ? 1 : 0 }));
        }
      }
      this.countImages.run(batch.length, setId);
    })();
  }

  /** Removes what this run wrote for `imageIds` (a run that failed on bad input leaves nothing). */
  remove(imageIds: readonly number[]): void {
    const client = this.db.$client;
    client.transaction(() => {
      for (const table of ['eval_detections', 'eval_counts']) {
        const statement = client.prepare(`DELETE FROM ${table} WHERE set_id = ? AND image_id = ?`);
        for (const id of imageIds) statement.run(this.setId, id);
      }
      const nuclei = client.prepare('DELETE FROM predicted_nuclei WHERE set_id = ? AND image_id = ?'); // matches go by cascade
      for (const id of imageIds) nuclei.run(this.setId, id);
      client.prepare('UPDATE prediction_sets SET images = (SELECT count(*) FROM eval_counts WHERE set_id = @id AND mode = 0) WHERE id = @id').run({ id: this.setId });
    })();
  }
}
