/**
 * An extracted image as one ArrayBuffer: what a worker transfers (not clones) to the main thread, and what
 * the bulk writer reads rows from, so that no object per nucleus is built on the main thread. Structured
 * clone of ~20 objects of 19 fields costs more than extracting them, and objects kept alive in a pending
 * batch make V8 grow its young generation as a run goes on.
 *
 * Layout: float64 numbers (nucleus-major, in NUMBER_FIELDS order), then uint32 contour end offsets, then the
 * WKB contours back to back.
 */
import type { ExtractedImage, ExtractedNucleus } from './nucleus.js';

export type NumberField = Exclude<keyof ExtractedNucleus, 'contour'>;

/** The numeric fields of a nucleus, in their packed order. */
export const NUMBER_FIELDS = [
  'classId', 'instanceId', 'area', 'bboxX0', 'bboxY0', 'bboxX1', 'bboxY1', 'centroidX', 'centroidY', 'perimeter',
  'majorAxisLength', 'minorAxisLength', 'eccentricity', 'orientation', 'parts', 'holes', 'overlapArea', 'sharedId',
] as const satisfies readonly NumberField[];
// A field added to ExtractedNucleus and not here fails to compile instead of going missing.
const allFieldsPacked: [Exclude<NumberField, (typeof NUMBER_FIELDS)[number]>] extends [never] ? true : never = true;
void allFieldsPacked;
const F = NUMBER_FIELDS.length;

export interface PackedImage {
  buffer: ArrayBuffer;
  nucleusCount: number;
  voidPixels: number;
  overlapPixels: number;
}

export function packImage(image: ExtractedImage): PackedImage {
  const n = image.nuclei.length;
  const endsAt = n * F * 8;
  const contoursAt = endsAt + n * 4;
  const buffer = new ArrayBuffer(contoursAt + image.nuclei.reduce((sum, x) => sum + x.contour.byteLength, 0));
  const numbers = new Float64Array(buffer, 0, n * F);
  const ends = new Uint32Array(buffer, endsAt, n);
  const contours = new Uint8Array(buffer, contoursAt);
  let offset = 0;
  image.nuclei.forEach((nucleus, i) => {
    for (let f = 0; f < F; f++) numbers[i * F + f] = nucleus[NUMBER_FIELDS[f] as NumberField];
    contours.set(nucleus.contour, offset);
    offset += nucleus.contour.byteLength;
    ends[i] = offset;
  });
  return { buffer, nucleusCount: n, voidPixels: image.voidPixels, overlapPixels: image.overlapPixels };
}

/** Nucleus i's numbers are `numbers[i × NUMBER_FIELDS.length + f]`, f in NUMBER_FIELDS order. */
export function packedNumbers(packed: PackedImage): Float64Array {
  return new Float64Array(packed.buffer, 0, packed.nucleusCount * F);
}

/** Every nucleus's WKB contour, in order: views into the packed buffer (no copy). */
export function packedContours(packed: PackedImage): Uint8Array[] {
  const n = packed.nucleusCount;
  const ends = new Uint32Array(packed.buffer, n * F * 8, n);
  const contoursAt = n * (F * 8 + 4);
  return Array.from(ends, (end, i) => {
    const start = i === 0 ? 0 : (ends[i - 1] as number);
    return new Uint8Array(packed.buffer, contoursAt + start, end - start);
  });
}
