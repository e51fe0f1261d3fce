/** Messages between the ingest pipeline and its extraction workers. */
import type { SerializedError } from '../errors.js';
import type { ExtractedImage, MaskLayout } from '../extract/image.js';
import type { ImageContext } from '../extract/regions.js';
import type { Dtype } from '../npy/dtype.js';

export interface ExtractRequest {
  /** The raw record bytes (transferred). */
  buffer: ArrayBuffer;
  byteOffset: number;
  byteLength: number;
  dtype: Extract<Dtype, { kind: 'numeric' }>;
  layout: MaskLayout;
  context: ImageContext;
}

/** Either result carries the request's buffer back, for reuse. */
export type ExtractResponse =
  | { ok: true; image: ExtractedImage; buffer: ArrayBuffer }
  | { ok: false; error: SerializedError; buffer: ArrayBuffer };
