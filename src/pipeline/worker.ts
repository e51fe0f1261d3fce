/**
 * An extraction worker: reads one mask record itself (a positioned read straight into the scan kernel's
 * memory, so a float64 record is never copied), decodes and extracts it, and sends back the nuclei packed in
 * one transferred buffer. Reading here rather than in the main thread spreads the reads over the workers and
 * keeps the main thread free for SQLite.
 */
import { parentPort } from 'node:worker_threads';
import { PannukeError } from '../errors.js';
import { yieldToMainThread } from '../thread-priority.js';
import { digestRecord, extractImage, recordBuffer, type ExtractScratch } from '../extract/image.js';
import { packImage } from '../handoff/packed.js';
import { decodeNumeric } from '../npy/decode.js';
import { RecordFile } from '../npy/records.js';
import type { ExtractRequest, ExtractResponse } from './protocol.js';
import { serveRequests } from '../thread-requests.js';

const port = parentPort;
if (port === null) throw new Error('worker.ts must run in a worker thread');
yieldToMainThread();

const scratch: ExtractScratch = {};
let decodeScratch: Float64Array | undefined;
let masks: RecordFile | undefined;

/** The record's bytes: sent along (streams), or read here from the .npy file into the extractor's buffer. */
function recordOf({ context, record }: ExtractRequest): Uint8Array {
  if ('buffer' in record) return new Uint8Array(record.buffer);
  if (masks?.layout.path !== record.file.path) {
    masks?.close();
    masks = new RecordFile(record.file);
  }
  return masks.read(context.index, recordBuffer(record.file.recordBytes));
}

serveRequests(port, (request: ExtractRequest) => {
  const { layout, context } = request;
  let response: ExtractResponse;
  const transfer: ArrayBuffer[] = [];
  try {
    // The record's digest, stored with its image: how a later ingest tells which images an edit changed.
    const { digest, bytes } = digestRecord(recordOf(request));
    const values = decodeNumeric(bytes, request.dtype, decodeScratch);
    if (values.buffer !== bytes.buffer) decodeScratch = values;
    const image = packImage(extractImage(values, layout, context, scratch));
    transfer.push(image.buffer);
    response = { ok: true, image, digest };
  } catch (e) {
    const error = e instanceof PannukeError ? e.toJSON() : { code: 'WORKER' as const, message: String((e as Error).stack ?? e), file: context.file, position: `image ${context.index}`, hint: undefined };
    response = { ok: false, error };
  }
  if ('buffer' in request.record) {
    response.record = request.record.buffer; // back to the reader, to be filled again
    transfer.push(request.record.buffer);
  }
  return { response, transfer };
});
