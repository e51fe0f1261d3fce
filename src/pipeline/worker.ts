/**
 * An extraction worker: receives one raw mask record (its ArrayBuffer transferred, not copied), decodes and
 * extracts it, and sends back the nuclei with the record's buffer so the reader can reuse it.
 */
import { parentPort } from 'node:worker_threads';
import { PannukeError } from '../errors.js';
import { extractImage, type ExtractScratch } from '../extract/image.js';
import { decodeNumeric } from '../npy/decode.js';
import type { ExtractRequest, ExtractResponse } from './protocol.js';

const port = parentPort;
if (port === null) throw new Error('worker.ts must run in a worker thread');

const scratch: ExtractScratch = {};
let decodeScratch: Float64Array | undefined;

port.on('message', (request: ExtractRequest) => {
  const { buffer, byteOffset, byteLength, dtype, layout, context } = request;
  let response: ExtractResponse;
  const transfer: ArrayBuffer[] = [];
  try {
    const bytes = new Uint8Array(buffer, byteOffset, byteLength);
    const values = decodeNumeric(bytes, dtype, decodeScratch);
    if (values.buffer !== buffer) decodeScratch = values;
    const image = extractImage(values, layout, context, scratch);
    for (const n of image.nuclei) transfer.push(n.contour.buffer as ArrayBuffer);
    response = { ok: true, image, buffer };
  } catch (e) {
    const error = e instanceof PannukeError ? e.toJSON() : { code: 'WORKER' as const, message: String((e as Error).stack ?? e), file: context.file, position: `image ${context.index}`, hint: undefined };
    response = { ok: false, error, buffer };
  }
  transfer.push(buffer);
  port.postMessage(response, transfer);
});
