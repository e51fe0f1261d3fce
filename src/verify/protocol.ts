/** Messages between `pannuke verify` and its workers. */
import type { SerializedError } from '../errors.js';
import type { ImageContext } from '../extract/regions.js';
import type { Dtype } from '../npy/dtype.js';
import type { RecordRef } from '../npy/source.js';
import type { CheckLayout, ImageProblem, StoredNucleus } from './check.js';

/** Check image `context.index`: its record read by the worker (`file`) or sent along (`buffer`, from a zip). */
export interface VerifyRequest {
  context: ImageContext;
  record: RecordRef;
  dtype: Extract<Dtype, { kind: 'numeric' }>;
  layout: CheckLayout;
  rows: StoredNucleus[];
}

export type VerifyResponse = ({ ok: true; problems: ImageProblem[] } | { ok: false; error: SerializedError }) & { record?: ArrayBuffer };
