/**
 * One fold's images read and extracted on the worker pool, in (fold_index) order, ready to be loaded.
 *
 * It starts as soon as it is made, before its turn to load: ingest starts the next fold's extraction once
 * the current fold's source has been read through (its last images still on the workers, its last batches
 * still to write), and holds its results (the packed nuclei, ~10 KB an image) until the current fold is
 * done, so that rows still get their ids in (fold, fold_index) order. Why: at each fold's end the workers
 * ran dry while the last images came back and the last batch was written, and the next member's reader
 * thread started from nothing. Not sooner: two zip members read at once (two reader threads, each with its
 * records in flight and zlib's chunks) were 7–12 % faster but peaked at 287–307 MB on the whole release
 * (256–260 MB at the bench's 4×), over the 256 MB budget; one at a time, 245 MB and 203–210 MB.
 *
 * Held results are bounded (`holdBytes`): past that the next fold waits for its turn, so memory stays flat
 * whatever the size of a fold.
 */
import type { OpenFold } from '../dataset/fold.js';
import { MASK_CHANNELS, CLASS_CHANNELS } from '../dataset/fold.js';
import { PannukeError } from '../errors.js';
import { isBadMaskValue } from '../extract/regions.js';
import { checkedOnFailure, recordRefs } from '../npy/source.js';
import { runOrdered } from './ordered.js';
import type { WorkerPool } from './pool.js';
import type { ExtractRequest, ExtractResponse } from './protocol.js';

/** An image extracted: its fold_index and the worker's answer. */
export type Extracted = { index: number; response: Extract<ExtractResponse, { ok: true }> };
export type ExtractedSink = (image: Extracted) => void | Promise<void>;

export class FoldExtraction {
  private readonly held: Extracted[] = [];
  private heldBytes = 0;
  private sink: ExtractedSink | undefined;
  /** The loader's use of a wait for the workers, during the fold's turn. */
  private whileWaiting: (() => void) | undefined;
  /** A delivery waiting for room (held results at their bound) or for the turn. */
  private waiting: (() => void) | undefined;
  private stopped = false;
  /** Settles when every image was delivered (to `held` or the sink), or on the first failure. */
  private readonly finished: Promise<void>;
  /**
   * Resolves when the source has been read to its end (every record handed out; images may still be on the
   * workers), or the extraction ended otherwise.
   */
  readonly readThrough: Promise<void>;
  /**
   * Resolves when the workers have answered for every image (some may still wait for their turn to load), or
   * the extraction ended otherwise: the last fold's threads can end then, while its last rows are written.
   */
  readonly answered: Promise<void>;

  constructor(readonly fold: OpenFold, indexes: readonly number[], pool: WorkerPool<ExtractRequest, ExtractResponse>, options: { inFlight: number; holdBytes: number }) {
    const masks = fold.masks;
    const dtype = masks.header.dtype;
    if (dtype.kind !== 'numeric') throw new Error('unreachable: openFold checks the masks dtype');
    const layout = { height: fold.height, width: fold.width, channels: MASK_CHANNELS, classChannels: CLASS_CHANNELS };
    let readThrough = () => {};
    this.readThrough = new Promise<void>((resolve) => (readThrough = resolve));
    let answered = () => {};
    this.answered = new Promise<void>((resolve) => (answered = resolve));
    let answers = 0;
    async function* records() {
      yield* recordRefs(masks, indexes);
      readThrough();
    }
    // Garbage decoded from a zip member is checked against its CRC-32 first: a damaged download says so.
    this.finished = checkedOnFailure(masks, () => runOrdered(pool, records(), {
      inFlight: options.inFlight,
      stop: () => this.stopped,
      request: ({ index, record }) => ({ layout, context: { file: fold.files.masks, fold: fold.fold, index }, dtype, record }),
      // Streamed record buffers come back from the workers and are filled again at once (no allocation per
      // image), not when the image's turn to load comes.
      arrived: (_, response) => {
        if (response.record !== undefined) masks.recycle(response.record);
        delete response.record;
        if (++answers === indexes.length) answered();
      },
      deliver: ({ index }, response) => {
        if (response?.ok !== true) throw response === undefined ? new Error('unreachable: every image has a request') : PannukeError.fromJSON(response.error);
        if (this.stopped) return undefined;
        const image = { index, response };
        if (this.sink !== undefined) return this.sink(image);
        this.held.push(image);
        this.heldBytes += response.image.buffer.byteLength;
        return this.heldBytes >= options.holdBytes ? new Promise<void>((resolve) => (this.waiting = resolve)) : undefined;
      },
      idle: () => this.whileWaiting?.(),
    }), isBadMaskValue);
    // Its failure is thrown by load() (or dropped with stop()); never unhandled meanwhile.
    this.finished.catch(() => undefined).finally(() => {
      readThrough();
      answered();
    });
  }

  /**
   * The fold's turn: every image, those held first, goes to `sink` in fold_index order (a sink returning a
   * promise, a batch being written, holds the next image back). `whileWaiting` is called when the next image
   * is still on the workers and nothing else is to be delivered. Resolves when the last one was delivered.
   */
  async load(sink: ExtractedSink, whileWaiting?: () => void): Promise<void> {
    for (let image = this.held.shift(); image !== undefined; image = this.held.shift()) await sink(image);
    // Nothing runs between the last shift and this: no image can slip into `held` after it was emptied.
    this.sink = sink;
    this.whileWaiting = whileWaiting;
    this.heldBytes = 0;
    this.release();
    await this.finished;
  }

  /** Stops feeding images and waits for those out on the workers (a failure elsewhere ends the run). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.held.length = 0;
    this.release();
    await this.finished.catch(() => undefined);
  }

  private release(): void {
    this.waiting?.();
    this.waiting = undefined;
  }
}
