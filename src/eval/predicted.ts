/**
 * A prediction read from another format than masks.npy (src/formats/), as nuclei: what is evaluated and what
 * is stored. Pure (no I/O, no database); runs on the eval workers.
 *
 * Evaluated: the nuclei of the label record the shapes stand for (formats/shapes.ts paintRecord: a later
 * nucleus of a class overwrites an earlier one on shared pixels), so that every figure equals what the
 * masks.npy holding that record gives; and before them the untyped nuclei (HoVer-Net's type 0, a GeoJSON
 * Feature without a class, label images without classes), painted the same way in a record of their own: they
 * come first in the binary map (a typed nucleus is written over them) and belong to no class.
 *
 * Stored: one row per nucleus of the file. A nucleus that lost pixels to a later one of its class is measured
 * whole (in a record where it alone holds its channel); one hidden whole still gets its row, which matches
 * nothing. The evaluation's indexes stay those of the evaluated list: rows 0..n−1 are its nuclei, in order.
 */
import { extractImage, type ExtractScratch, type MaskLayout } from '../extract/image.js';
import type { ImageContext } from '../extract/regions.js';
import type { ExtractedImage, ExtractedNucleus } from '../handoff/nucleus.js';
import { paintRecord, recordWithAlone, type PaintSummary, type PredictedShape } from '../formats/shapes.js';

/** The class id an untyped nucleus has in the evaluation (stored as NULL). */
export const UNTYPED = 0;

export interface PredictedImage {
  /** The nuclei the evaluation indexes: untyped ones first, then by (class, id). */
  evaluated: ExtractedNucleus[];
  /** What is stored: `evaluated` with lost nuclei measured whole, then the nuclei hidden whole. */
  stored: ExtractedImage;
  summary: PaintSummary & { untyped: number };
}

export interface PredictedScratch {
  extract?: ExtractScratch;
  typed?: Float64Array;
  untyped?: Float64Array;
  alone?: Float64Array;
}

export function predictedImage(shapes: readonly PredictedShape[], layout: MaskLayout, context: ImageContext, scratch: PredictedScratch): PredictedImage {
  const { height, width } = layout;
  const extract = (scratch.extract ??= {});
  const typedShapes = shapes.filter((s) => s.classId !== UNTYPED);
  const untypedShapes = shapes.filter((s) => s.classId === UNTYPED).map((s) => ({ classId: 1, pixels: s.pixels }));

  const parts: { shapes: PredictedShape[]; painted: ReturnType<typeof paintRecord>; nuclei: ExtractedNucleus[]; untyped: boolean }[] = [];
  let image: ExtractedImage | undefined;
  for (const [list, untyped] of [[untypedShapes, true], [typedShapes, false]] as const) {
    if (untyped && list.length === 0) continue;
    const painted = paintRecord(list, height, width, untyped ? scratch.untyped : scratch.typed);
    if (untyped) scratch.untyped = painted.record;
    else scratch.typed = painted.record;
    const extracted = extractImage(painted.record, layout, context, extract);
    if (!untyped) image = extracted;
    const nuclei = untyped ? extracted.nuclei.map((n) => ({ ...n, classId: UNTYPED })) : extracted.nuclei;
    parts.push({ shapes: list, painted, nuclei, untyped });
  }

  const evaluated = parts.flatMap((p) => p.nuclei);
  const rows = [...evaluated];
  let offset = 0;
  for (const { shapes: list, painted, nuclei, untyped } of parts) {
    for (const k of painted.lost) {
      const shape = list[k] as PredictedShape;
      const id = painted.ids[k] as number;
      scratch.alone = recordWithAlone(painted.record, shape, id, scratch.alone);
      const whole = extractImage(scratch.alone, layout, context, extract).nuclei.find((n) => n.classId === shape.classId && n.instanceId === id);
      if (whole === undefined) continue; // no pixel at all: nothing to store
      const row = untyped ? { ...whole, classId: UNTYPED } : whole;
      const at = nuclei.findIndex((n) => n.instanceId === id && (untyped || n.classId === shape.classId));
      if (at >= 0) rows[offset + at] = row;
      else rows.push(row);
    }
    offset += nuclei.length;
  }

  const summary = { nuclei: shapes.length, hiddenPixels: 0, hiddenNuclei: 0, untyped: untypedShapes.length };
  for (const { painted } of parts) {
    summary.hiddenPixels += painted.summary.hiddenPixels;
    summary.hiddenNuclei += painted.summary.hiddenNuclei;
  }
  const base = image ?? { voidPixels: height * width, overlapPixels: 0, nuclei: [] };
  return { evaluated, stored: { ...base, nuclei: rows }, summary };
}
