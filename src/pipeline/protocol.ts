/** Messages between the ingest pipeline and its extraction workers. */
import type { SerializedError } from '../errors.js';
import type { ExtractedImage, MaskLayout } from '../extract/image.js';
import type { ImageContext } from '../extract/regions.js';
import type { Dtype } from '../npy/dtype.js';

/**
 * Extract image `context.index`. Without `record`, the worker reads it itself from the .npy file
 * `context.file`; with it (a zip member being streamed), the record's bytes come along, transferred.
 */
export interface ExtractRequest {
  layout: MaskLayout;
  context: ImageContext;
  record?: { buffer: ArrayBuffer; dtype: Extract<Dtype, { kind: 'numeric' }> };
}

/** A record sent along comes back (transferred) for reuse. */
export type ExtractResponse = ({ ok: true; image: ExtractedImage } | { ok: false; error: SerializedError }) & { record?: ArrayBuffer };
