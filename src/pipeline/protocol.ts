/** Messages between the ingest pipeline and its extraction workers. */
import type { SerializedError } from '../errors.js';
import type { ExtractedImage, ExtractedNucleus, MaskLayout } from '../extract/image.js';
import type { ImageContext } from '../extract/regions.js';
import type { Dtype } from '../npy/dtype.js';
import type { RecordLayout } from '../npy/records.js';

/**
 * Extract image `context.index`: the worker reads its record from an .npy file on disk (`file`), or the
 * record's bytes come along, transferred (`buffer`: a zip member being streamed).
 */
export interface ExtractRequest {
  layout: MaskLayout;
  context: ImageContext;
  dtype: Extract<Dtype, { kind: 'numeric' }>;
  record: { file: RecordLayout } | { buffer: ArrayBuffer };
}

/** A record sent along comes back (transferred) for reuse. */
export type ExtractResponse = ({ ok: true; image: PackedImage } | { ok: false; error: SerializedError }) & { record?: ArrayBuffer };

type NumberField = Exclude<keyof ExtractedNucleus, 'contour'>;

/** The numeric fields of a nucleus, in their packed order. */
const NUMBER_FIELDS = [
  'classId', 'instanceId', 'area', 'bboxX0', 'bboxY0', 'bboxX1', 'bboxY1', 'centroidX', 'centroidY', 'perimeter',
  'majorAxisLength', 'minorAxisLength', 'eccentricity', 'orientation', 'parts', 'holes', 'overlapArea', 'sharedId',
] as const satisfies readonly NumberField[];
// A field added to ExtractedNucleus and not here fails to compile instead of going missing.
const allFieldsPacked: [Exclude<NumberField, (typeof NUMBER_FIELDS)[number]>] extends [never] ? true : never = true;
void allFieldsPacked;
const F = NUMBER_FIELDS.length;

/**
 * An extracted image as one ArrayBuffer, transferred rather than cloned: structured clone of ~20 objects of
 * 19 fields costs more than extracting them. Layout: float64 numbers (nucleus-major, NUMBER_FIELDS order),
 * then uint32 contour end offsets, then the WKB contours back to back.
 */
export interface PackedImage {
  buffer: ArrayBuffer;
  nuclei: number;
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
  return { buffer, nuclei: n, voidPixels: image.voidPixels, overlapPixels: image.overlapPixels };
}

/** The image back as objects; contours are views into the packed buffer (no copy). */
export function unpackImage(packed: PackedImage): ExtractedImage {
  const n = packed.nuclei;
  const endsAt = n * F * 8;
  const contoursAt = endsAt + n * 4;
  const numbers = new Float64Array(packed.buffer, 0, n * F);
  const ends = new Uint32Array(packed.buffer, endsAt, n);
  const nuclei: ExtractedNucleus[] = new Array(n);
  for (let i = 0, start = 0, k = 0; i < n; i++, k += F) {
    const end = ends[i] as number;
    // A literal (not a loop over field names) gives every nucleus the same hidden class: fast to build and read.
    nuclei[i] = {
      classId: numbers[k] as number, instanceId: numbers[k + 1] as number, area: numbers[k + 2] as number,
      bboxX0: numbers[k + 3] as number, bboxY0: numbers[k + 4] as number, bboxX1: numbers[k + 5] as number, bboxY1: numbers[k + 6] as number,
      centroidX: numbers[k + 7] as number, centroidY: numbers[k + 8] as number, perimeter: numbers[k + 9] as number,
      majorAxisLength: numbers[k + 10] as number, minorAxisLength: numbers[k + 11] as number, eccentricity: numbers[k + 12] as number,
      orientation: numbers[k + 13] as number, parts: numbers[k + 14] as number, holes: numbers[k + 15] as number,
      overlapArea: numbers[k + 16] as number, sharedId: numbers[k + 17] as number,
      contour: new Uint8Array(packed.buffer, contoursAt + start, end - start),
    };
    start = end;
  }
  return { nuclei, voidPixels: packed.voidPixels, overlapPixels: packed.overlapPixels };
}
