/**
 * An image's evaluation as an eval worker hands it to the main thread: flat Float64Arrays, transferred (not
 * cloned), as ingest hands over its nuclei (src/handoff/packed.ts). The main thread is the serial part of
 * `eval run` (it writes every row); the structured clone of ~70 small objects per image (matches, detections,
 * counts) cost it 25–60 ms per 800 images to rebuild and then to collect, against ~2 ms for the arrays.
 *
 * Layouts, one record after the other, every value exact in a double (integers below 2^53):
 *   counts      per mode (index = mode: 0 binary, 1..5 classes): tp, fp, fn, iouSum, gtEmpty (0 or 1)
 *   matches     mode, gt, pred, intersection, iou
 *   detections  gt (−1: none), pred (−1: none), distance (NaN when unpaired)
 * `gt` and `pred` index the image's ground-truth and predicted nuclei, as in match.ts.
 */
import type { Detection, ImageEvaluation, Match, ModeCounts } from './match.js';

/** Each record's fields in packed order: the one place the layouts above are written. */
const COUNT_LAYOUT: readonly ((c: ModeCounts) => number)[] = [(c) => c.tp, (c) => c.fp, (c) => c.fn, (c) => c.iouSum, (c) => (c.gtEmpty ? 1 : 0)];
const MATCH_LAYOUT: readonly ((m: Match) => number)[] = [(m) => m.mode, (m) => m.gt, (m) => m.pred, (m) => m.intersection, (m) => m.iou];
const DETECTION_LAYOUT: readonly ((d: Detection) => number)[] = [(d) => d.gt, (d) => d.pred, (d) => d.distance];

export const COUNT_FIELDS = COUNT_LAYOUT.length;
export const MATCH_FIELDS = MATCH_LAYOUT.length;
export const DETECTION_FIELDS = DETECTION_LAYOUT.length;

export interface PackedEvaluation {
  counts: Float64Array;
  matches: Float64Array;
  detections: Float64Array;
  /** The official script would raise on this image (match.ts, officialFailure). */
  officialFails: boolean;
}

function pack<T>(records: readonly T[], layout: readonly ((record: T) => number)[]): Float64Array {
  const out = new Float64Array(records.length * layout.length);
  records.forEach((record, i) => layout.forEach((field, f) => (out[i * layout.length + f] = field(record))));
  return out;
}

export function packEvaluation(e: ImageEvaluation): PackedEvaluation {
  e.counts.forEach((c, i) => {
    if (c.mode !== i) throw new Error(`evaluation counts out of mode order: mode ${c.mode} at ${i}`);
  });
  return { counts: pack(e.counts, COUNT_LAYOUT), matches: pack(e.matches, MATCH_LAYOUT), detections: pack(e.detections, DETECTION_LAYOUT), officialFails: e.officialFails };
}

/** The buffers to transfer with a packed evaluation. */
export function evaluationBuffers(p: PackedEvaluation): ArrayBuffer[] {
  return [p.counts.buffer as ArrayBuffer, p.matches.buffer as ArrayBuffer, p.detections.buffer as ArrayBuffer];
}
