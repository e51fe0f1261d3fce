/**
 * An evaluation worker: reads one record of the prediction's masks.npy (a positioned read), extracts its
 * nuclei with the same stage as ingest (so predicted rows have every column ground-truth rows have), and
 * evaluates them against the image's ground truth on pixels (match.ts).
 */
import { parentPort } from 'node:worker_threads';
import { PannukeError } from '../errors.js';
import { extractImage, recordBuffer, type ExtractScratch } from '../extract/image.js';
import { packImage } from '../handoff/packed.js';
import { decodeNumeric } from '../npy/decode.js';
import { RecordFile } from '../npy/records.js';
import { evaluateImage, type MatchScratch } from './match.js';
import type { EvalRequest, EvalResponse } from './protocol.js';

const port = parentPort;
if (port === null) throw new Error('eval/worker.ts must run in a worker thread');

const scratch: ExtractScratch = {};
const matchScratch: MatchScratch = {};
let decodeScratch: Float64Array | undefined;
let predictions: RecordFile | undefined;

port.on('message', (request: EvalRequest) => {
  const { layout, context, record } = request;
  let response: EvalResponse;
  const transfer: ArrayBuffer[] = [];
  try {
    if (predictions?.layout.path !== record.path) {
      predictions?.close();
      predictions = new RecordFile(record);
    }
    const bytes = predictions.read(context.index, recordBuffer(record.recordBytes));
    const values = decodeNumeric(bytes, request.dtype, decodeScratch);
    if (values.buffer !== bytes.buffer) decodeScratch = values;
    const extracted = extractImage(values, layout, context, scratch);
    const evaluation = evaluateImage(request.gt, extracted.nuclei, layout, request.radius, matchScratch);
    const image = packImage(extracted);
    transfer.push(image.buffer);
    response = { ok: true, image, evaluation };
  } catch (e) {
    const error = e instanceof PannukeError ? e.toJSON() : { code: 'WORKER' as const, message: String((e as Error).stack ?? e), file: context.file, position: `image ${context.index}`, hint: undefined };
    response = { ok: false, error };
  }
  port.postMessage(response, transfer);
});
