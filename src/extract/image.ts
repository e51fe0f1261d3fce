/**
 * Everything measured on one image: a row per nucleus (the public contract, see src/db/columns.ts for the
 * definitions) and the image's own QC counts. Pure: no I/O, no database; runs in worker threads.
 */
import { scanRegions, type ImageContext } from './regions.js';
import { traceOutline } from './outline.js';
import { shapeDescriptors } from './shape.js';
import { encodeWkb } from './wkb.js';

export interface ExtractedNucleus {
  classId: number;
  instanceId: number;
  area: number;
  bboxX0: number;
  bboxY0: number;
  bboxX1: number;
  bboxY1: number;
  centroidX: number;
  centroidY: number;
  perimeter: number;
  majorAxisLength: number;
  minorAxisLength: number;
  eccentricity: number;
  orientation: number;
  parts: number;
  overlapArea: number;
  sharedId: number;
  contour: Uint8Array;
}

export interface ExtractedImage {
  nuclei: ExtractedNucleus[];
  /** Pixels that are 0 in all mask channels (including background). */
  voidPixels: number;
  /** Pixels that belong to nuclei of two or more classes. */
  overlapPixels: number;
}

export interface MaskLayout {
  height: number;
  width: number;
  /** Channels per pixel in the record (6 for PanNuke). */
  channels: number;
  /** Leading channels that hold class instances (5 for PanNuke). */
  classChannels: number;
}

/** Reusable per-thread memory; pass the same object for every image a thread extracts. */
export interface ExtractScratch {
  labels?: Int32Array;
}

export function extractImage(values: Float64Array, layout: MaskLayout, context: ImageContext, scratch: ExtractScratch = {}): ExtractedImage {
  const { height, width, channels, classChannels } = layout;
  const hw = height * width;
  const { regions, labels } = scanRegions(values, height, width, channels, classChannels, context, scratch.labels);
  scratch.labels = labels;

  // Per pixel: how many class channels claim it; and whether any channel at all is non-zero.
  const claims = new Uint8Array(hw);
  let voidPixels = 0;
  for (let p = 0; p < hw; p++) {
    let k = 0;
    for (let c = 0; c < classChannels; c++) if ((labels[c * hw + p] as number) >= 0) k++;
    claims[p] = k;
    if (k === 0) {
      let any = false;
      for (let c = classChannels; c < channels; c++) if (values[p * channels + c] !== 0) any = true;
      if (!any) voidPixels++;
    }
  }
  let overlapPixels = 0;
  for (let p = 0; p < hw; p++) if ((claims[p] as number) > 1) overlapPixels++;

  const channelsOfValue = new Map<number, number>();
  for (const r of regions) channelsOfValue.set(r.value, (channelsOfValue.get(r.value) ?? 0) + 1);

  const nuclei = regions.map((r): ExtractedNucleus => {
    const offset = r.channel * hw;
    const inside = (col: number, row: number) => labels[offset + row * width + col] === r.label;
    const outline = traceOutline(r.minCol, r.minRow, r.maxCol, r.maxRow, inside);
    let overlapArea = 0;
    if (overlapPixels > 0) {
      for (let row = r.minRow; row <= r.maxRow; row++) {
        for (let col = r.minCol; col <= r.maxCol; col++) {
          const p = row * width + col;
          if (labels[offset + p] === r.label && (claims[p] as number) > 1) overlapArea++;
        }
      }
    }
    return {
      classId: r.channel + 1,
      instanceId: r.value,
      area: r.n,
      bboxX0: r.minCol,
      bboxY0: r.minRow,
      bboxX1: r.maxCol + 1,
      bboxY1: r.maxRow + 1,
      centroidX: r.sx / r.n + 0.5,
      centroidY: r.sy / r.n + 0.5,
      perimeter: outline.perimeter,
      ...shapeDescriptors(r),
      parts: outline.polygons.length,
      overlapArea,
      sharedId: (channelsOfValue.get(r.value) as number) > 1 ? 1 : 0,
      contour: encodeWkb(outline.polygons),
    };
  });
  return { nuclei, voidPixels, overlapPixels };
}
