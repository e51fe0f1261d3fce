/** A verify worker: reads one mask record (or takes the one sent along) and checks the image's stored rows. */
import { parentPort } from 'node:worker_threads';
import { PannukeError } from '../errors.js';
import { yieldToMainThread } from '../thread-priority.js';
import { decodeNumeric } from '../npy/decode.js';
import { RecordFile } from '../npy/records.js';
import { checkImage } from './check.js';
import type { VerifyRequest, VerifyResponse } from './protocol.js';
import { serveRequests } from '../thread-requests.js';

const port = parentPort;
if (port === null) throw new Error('verify/worker.ts must run in a worker thread');
yieldToMainThread();

const scratch: { raster?: Float64Array } = {};
let buffer: Uint8Array | undefined;
let decodeScratch: Float64Array | undefined;
let masks: RecordFile | undefined;

serveRequests(port, (request: VerifyRequest) => {
  const { context, record } = request;
  let response: VerifyResponse;
  try {
    let bytes: Uint8Array;
    if ('buffer' in record) bytes = new Uint8Array(record.buffer);
    else {
      if (masks?.layout.path !== record.file.path) {
        masks?.close();
        masks = new RecordFile(record.file);
      }
      if (buffer === undefined || buffer.length < record.file.recordBytes) buffer = new Uint8Array(record.file.recordBytes);
      bytes = masks.read(context.index, buffer);
    }
    const values = decodeNumeric(bytes, request.dtype, decodeScratch);
    if (values.buffer !== bytes.buffer) decodeScratch = values;
    response = { ok: true, problems: checkImage(request.rows, values, request.layout, scratch) };
  } catch (e) {
    const error = e instanceof PannukeError ? e.toJSON() : { code: 'WORKER' as const, message: String((e as Error).stack ?? e), file: context.file, position: `image ${context.index}`, hint: undefined };
    response = { ok: false, error };
  }
  const transfer: ArrayBuffer[] = [];
  if ('buffer' in record) {
    response.record = record.buffer;
    transfer.push(record.buffer);
  }
  return { response, transfer };
});
