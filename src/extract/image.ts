/**
 * Everything measured on one image: a row per nucleus (the public contract, see src/db/columns.ts for the
 * definitions) and the image's own QC counts. Pure: no I/O, no database; runs in worker threads.
 */
import { scanKernel } from './kernel/scan.js';
import { clearLabels, scanRegions, type ImageContext } from './regions.js';
import { traceOutline } from './outline.js';
import { shapeDescriptors } from './shape.js';
import { encodeWkb } from './wkb.js';

export type { ExtractedImage, ExtractedNucleus } from '../handoff/nucleus.js';
import type { ExtractedImage, ExtractedNucleus } from '../handoff/nucleus.js';

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

/**
 * A buffer for the next record's bytes, valid until the next call: a float64 record read straight into it
 * is scanned where it lies (in the scan kernel's memory), without a copy.
 */
export function recordBuffer(byteLength: number): Uint8Array {
  return scanKernel().input(byteLength);
}

/**
 * The digest of a mask record's bytes as stored (images.mask_digest). A record given as its own buffer (a zip
 * member's) is copied into the kernel's memory first and the view returned is the one to extract from, so the
 * record is still copied once; one read with `recordBuffer` is digested where it lies.
 */
export function digestRecord(bytes: Uint8Array): { digest: number; bytes: Uint8Array } {
  const kernel = scanKernel();
  const inKernel = kernel.input(bytes.length);
  if (inKernel.buffer !== bytes.buffer || bytes.byteOffset !== 0) inKernel.set(bytes);
  return { digest: kernel.digest(inKernel), bytes: kernel.input(bytes.length) };
}

export function extractImage(values: Float64Array, layout: MaskLayout, context: ImageContext, scratch: ExtractScratch = {}): ExtractedImage {
  const { height, width, channels, classChannels } = layout;
  const hw = height * width;
  const scan = scanRegions(values, height, width, channels, classChannels, context, scratch.labels);
  scratch.labels = scan.labels;
  const { regions, labels } = scan;

  const channelsOfValue = new Map<number, number>();
  for (const r of regions) channelsOfValue.set(r.value, (channelsOfValue.get(r.value) ?? 0) + 1);

  const nuclei = regions.map((r): ExtractedNucleus => {
    const offset = r.channel * hw;
    const inside = (col: number, row: number) => labels[offset + row * width + col] === r.label;
    const outline = traceOutline(r.minCol, r.minRow, r.maxCol, r.maxRow, inside);
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
      holes: outline.polygons.reduce((sum, rings) => sum + rings.length - 1, 0),
      overlapArea: r.overlap,
      sharedId: (channelsOfValue.get(r.value) as number) > 1 ? 1 : 0,
      contour: encodeWkb(outline.polygons),
    };
  });
  clearLabels(scan, width, height);
  return { nuclei, voidPixels: scan.voidPixels, overlapPixels: scan.overlapPixels };
}
