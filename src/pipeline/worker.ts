/**
 * An extraction worker: reads one mask record itself (a positioned read into a buffer it reuses), decodes
 * and extracts it, and sends back the nuclei, their contours packed in one buffer that is transferred rather
 * than copied. Reading
 * here rather than in the main thread spreads the reads over the workers and keeps the main thread free for
 * SQLite.
 */
import { parentPort } from 'node:worker_threads';
import { PannukeError } from '../errors.js';
import { extractImage, type ExtractScratch } from '../extract/image.js';
import { decodeNumeric } from '../npy/decode.js';
import { NpyFile } from '../npy/reader.js';
import type { ExtractRequest, ExtractResponse } from './protocol.js';

const port = parentPort;
if (port === null) throw new Error('worker.ts must run in a worker thread');

const scratch: ExtractScratch = {};
let decodeScratch: Float64Array | undefined;
let record: Uint8Array | undefined;
let masks: NpyFile | undefined;

function maskFile(path: string): NpyFile {
  if (masks?.path !== path) {
    masks?.close();
    masks = NpyFile.open(path);
  }
  return masks;
}

/** The record's bytes and dtype: sent along (streams), or read here from the .npy file. */
function recordOf({ context, record: sent }: ExtractRequest) {
  if (sent !== undefined) return { bytes: new Uint8Array(sent.buffer), dtype: sent.dtype };
  const file = maskFile(context.file);
  const dtype = file.header.dtype;
  if (dtype.kind !== 'numeric') throw new Error(`${context.file}: masks must be numeric`);
  if (record === undefined || record.length < file.recordBytes) record = new Uint8Array(file.recordBytes);
  return { bytes: file.readRecord(context.index, record), dtype };
}

port.on('message', (request: ExtractRequest) => {
  const { layout, context } = request;
  let response: ExtractResponse;
  const transfer: ArrayBuffer[] = [];
  try {
    const { bytes, dtype } = recordOf(request);
    const values = decodeNumeric(bytes, dtype, decodeScratch);
    if (values.buffer !== bytes.buffer) decodeScratch = values;
    const image = extractImage(values, layout, context, scratch);
    // All contours of the image in one transferred buffer: one allocation to move and free, not one per nucleus.
    const packed = new Uint8Array(image.nuclei.reduce((sum, n) => sum + n.contour.byteLength, 0));
    let offset = 0;
    for (const n of image.nuclei) {
      packed.set(n.contour, offset);
      n.contour = packed.subarray(offset, offset + n.contour.byteLength);
      offset += n.contour.byteLength;
    }
    transfer.push(packed.buffer);
    response = { ok: true, image };
  } catch (e) {
    const error = e instanceof PannukeError ? e.toJSON() : { code: 'WORKER' as const, message: String((e as Error).stack ?? e), file: context.file, position: `image ${context.index}`, hint: undefined };
    response = { ok: false, error };
  }
  if (request.record !== undefined) {
    response.record = request.record.buffer; // back to the reader, to be filled again
    transfer.push(request.record.buffer);
  }
  port.postMessage(response, transfer);
});
