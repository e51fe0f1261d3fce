/**
 * An evaluation worker: reads one record of the prediction's masks.npy (a positioned read), extracts its
 * nuclei with the same stage as ingest (so predicted rows have every column ground-truth rows have), and
 * evaluates them against the image's ground truth on pixels (match.ts).
 */
import { parentPort } from 'node:worker_threads';
import { PannukeError } from '../errors.js';
import { yieldToMainThread } from '../thread-priority.js';
import { extractImage, recordBuffer, type ExtractScratch } from '../extract/image.js';
import { packImage } from '../handoff/packed.js';
import { decodeNumeric } from '../npy/decode.js';
import { RecordFile } from '../npy/records.js';
import { evaluateImage, type GtNucleus, type MatchScratch } from './match.js';
import { evaluationBuffers, packEvaluation } from './packed.js';
import type { EvalRequest, EvalResponse } from './protocol.js';
import type { ExtractedImage, ExtractedNucleus } from '../handoff/nucleus.js';
import { predictedImage, type PredictedScratch } from './predicted.js';
import type { PaintCounts } from './protocol.js';
import { GroundTruthReader } from './ground-truth.js';
import { serveRequests, type Answer } from '../thread-requests.js';

const port = parentPort;
if (port === null) throw new Error('eval/worker.ts must run in a worker thread');
yieldToMainThread();

const scratch: ExtractScratch = {};
const matchScratch: MatchScratch = {};
let decodeScratch: Float64Array | undefined;
let predictions: RecordFile | undefined;
let groundTruth: GroundTruthReader | undefined;

/**
 * The prediction of one image: the nuclei evaluated and the rows stored. From a masks.npy both are the
 * record's nuclei; another format's shapes go through predictedImage (./predicted.ts).
 */
async function predictionOf(request: EvalRequest): Promise<{ evaluated: ExtractedNucleus[]; stored: ExtractedImage; painted?: PaintCounts }> {
  const { prediction, context, layout } = request;
  if ('record' in prediction) {
    const { record } = prediction;
    if (predictions?.layout.path !== record.path) {
      predictions?.close();
      predictions = new RecordFile(record);
    }
    const bytes = predictions.read(context.index, recordBuffer(record.recordBytes));
    const values = decodeNumeric(bytes, prediction.dtype, decodeScratch);
    if (values.buffer !== bytes.buffer) decodeScratch = values;
    const extracted = extractImage(values, layout, context, scratch);
    return { evaluated: extracted.nuclei, stored: extracted };
  }
  readers ??= import('../formats/read.js');
  const { readImage } = await readers;
  const read = await readImage(prediction.source, { width: layout.width, height: layout.height, ...(prediction.classes !== undefined && { classes: prediction.classes }) });
  const { evaluated, stored, summary } = predictedImage(read.shapes, layout, context, predictedScratch);
  return { evaluated, stored, painted: { ...summary, skipped: read.skipped, invalid: read.invalid ?? 0 } };
}

const predictedScratch: PredictedScratch = { extract: scratch };
/**
 * The readers of the other formats (JSON, GeoJSON, COCO, label images: utif2, pako, fast-png), loaded when
 * the first such prediction comes (the build puts them in a chunk of their own): a masks.npy evaluation needs
 * none, and compiling and running them took ~75 ms of CPU in each worker's start (boot 172 → 96 ms of CPU).
 */
let readers: Promise<typeof import('../formats/read.js')> | undefined;

/** The image's ground truth: as sent, or read here from the SQLite file (with the rows' ids, for the answer). */
function groundTruthOf(source: EvalRequest['groundTruth']): { gt: GtNucleus[]; gtIds?: Float64Array } {
  if ('nuclei' in source) return { gt: source.nuclei };
  if (groundTruth?.file !== source.file) {
    groundTruth?.close();
    groundTruth = new GroundTruthReader(source.file);
  }
  const rows = groundTruth.read(source.imageId);
  return { gt: rows, gtIds: Float64Array.from(rows, (r) => r.id) };
}

// Requests are answered in the order they came (the pool matches answers to requests by order): serveRequests
// waits for each one's answer before the next starts, as reading some formats is asynchronous.
serveRequests(port, handle);

async function handle(request: EvalRequest): Promise<Answer> {
  const { layout, context } = request;
  let response: EvalResponse;
  const transfer: ArrayBuffer[] = [];
  try {
    const { evaluated, stored, painted } = await predictionOf(request);
    const { gt, gtIds } = groundTruthOf(request.groundTruth);
    const evaluation = packEvaluation(evaluateImage(gt, evaluated, layout, request.radius, matchScratch));
    const image = packImage(stored);
    transfer.push(image.buffer, ...evaluationBuffers(evaluation));
    if (gtIds !== undefined) transfer.push(gtIds.buffer as ArrayBuffer);
    response = { ok: true, image, evaluation, ...(painted !== undefined && { painted }), ...(gtIds !== undefined && { gtIds }) };
  } catch (e) {
    const error = e instanceof PannukeError ? e.toJSON() : { code: 'WORKER' as const, message: String((e as Error).stack ?? e), file: context.file, position: `image ${context.index}`, hint: undefined };
    response = { ok: false, error };
  }
  return { response, transfer };
}
