/** Messages between the ingest pipeline and its extraction workers. */
import type { SerializedError } from '../errors.js';
import type { ExtractedImage, MaskLayout } from '../extract/image.js';
import type { ImageContext } from '../extract/regions.js';

/** Extract image `context.index` of the masks file `context.file`: the worker reads the record itself. */
export interface ExtractRequest {
  layout: MaskLayout;
  context: ImageContext;
}

export type ExtractResponse = { ok: true; image: ExtractedImage } | { ok: false; error: SerializedError };
