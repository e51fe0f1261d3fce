/** Messages between the ingest pipeline and its extraction workers. */
import type { SerializedError } from '../errors.js';
import type { MaskLayout } from '../extract/image.js';
import type { PackedImage } from '../handoff/packed.js';
import type { ImageContext } from '../extract/regions.js';
import type { Dtype } from '../npy/dtype.js';
import type { RecordRef } from '../npy/source.js';

/**
 * Extract image `context.index`: the worker reads its record from an .npy file on disk (`file`), or the
 * record's bytes come along, transferred (`buffer`: a zip member being streamed).
 */
export interface ExtractRequest {
  layout: MaskLayout;
  context: ImageContext;
  dtype: Extract<Dtype, { kind: 'numeric' }>;
  record: RecordRef;
}

/** The image comes back packed (one transferred buffer); a record sent along comes back too, for reuse. */
export type ExtractResponse = ({ ok: true; image: PackedImage; /** The record's digest (images.mask_digest). */ digest: number } | { ok: false; error: SerializedError }) & { record?: ArrayBuffer };
