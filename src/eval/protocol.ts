/** Messages between `pannuke eval run` and its workers. */
import type { SerializedError } from '../errors.js';
import type { MaskLayout } from '../extract/image.js';
import type { PackedImage } from '../handoff/packed.js';
import type { ImageContext } from '../extract/regions.js';
import type { Dtype } from '../npy/dtype.js';
import type { RecordLayout } from '../npy/records.js';
import type { GtNucleus } from './match.js';
import type { PackedEvaluation } from './packed.js';
import type { ImageSource } from '../formats/read.js';
import type { PaintSummary } from '../formats/shapes.js';

/**
 * Evaluate image `context.index`: the worker reads the prediction's record itself (a positioned read of a
 * masks.npy), or reads and rasterizes the image's prediction in another format (src/formats/).
 */
export interface EvalRequest {
  context: ImageContext;
  prediction: { record: RecordLayout; dtype: Extract<Dtype, { kind: 'numeric' }> } | { source: ImageSource; classes?: string };
  layout: MaskLayout;
  /**
   * The image's ground-truth nuclei, read by the main thread, or where the worker reads them itself (a SQLite
   * file it opens read-only; its answer then names their ids).
   */
  groundTruth: { nuclei: GtNucleus[] } | { file: string; imageId: number };
  /** Detection pairs farther apart than this (pixels) are dropped. */
  radius: number;
}

/** The predicted nuclei come back packed (as ingest's), with the evaluation against the ground truth. */
/** What painting a non-npy prediction counted (./predicted.ts), with the file's entries skipped (no nucleus in them) and its untyped nuclei. */
export type PaintCounts = PaintSummary & { skipped: number; untyped: number; invalid: number };

export type EvalResponse =
  | { ok: true; image: PackedImage; evaluation: PackedEvaluation; painted?: PaintCounts; /** The ground truth's row ids, when the worker read it. */ gtIds?: Float64Array }
  | { ok: false; error: SerializedError };
