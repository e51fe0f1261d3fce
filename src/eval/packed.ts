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
import type { ImageEvaluation } from './match.js';

export const COUNT_FIELDS = 5;
export const MATCH_FIELDS = 5;
export const DETECTION_FIELDS = 3;

export interface PackedEvaluation {
  counts: Float64Array;
  matches: Float64Array;
  detections: Float64Array;
  /** The official script would raise on this image (match.ts, officialFailure). */
  officialFails: boolean;
}

export function packEvaluation(e: ImageEvaluation): PackedEvaluation {
  const counts = new Float64Array(e.counts.length * COUNT_FIELDS);
  e.counts.forEach((c, i) => {
    if (c.mode !== i) throw new Error(`evaluation counts out of mode order: mode ${c.mode} at ${i}`);
    const at = i * COUNT_FIELDS;
    counts[at] = c.tp;
    counts[at + 1] = c.fp;
    counts[at + 2] = c.fn;
    counts[at + 3] = c.iouSum;
    counts[at + 4] = c.gtEmpty ? 1 : 0;
  });
  const matches = new Float64Array(e.matches.length * MATCH_FIELDS);
  e.matches.forEach((m, i) => {
    const at = i * MATCH_FIELDS;
    matches[at] = m.mode;
    matches[at + 1] = m.gt;
    matches[at + 2] = m.pred;
    matches[at + 3] = m.intersection;
    matches[at + 4] = m.iou;
  });
  const detections = new Float64Array(e.detections.length * DETECTION_FIELDS);
  e.detections.forEach((d, i) => {
    const at = i * DETECTION_FIELDS;
    detections[at] = d.gt;
    detections[at + 1] = d.pred;
    detections[at + 2] = d.distance;
  });
  return { counts, matches, detections, officialFails: e.officialFails };
}

/** The buffers to transfer with a packed evaluation. */
export function evaluationBuffers(p: PackedEvaluation): ArrayBuffer[] {
  return [p.counts.buffer as ArrayBuffer, p.matches.buffer as ArrayBuffer, p.detections.buffer as ArrayBuffer];
}
