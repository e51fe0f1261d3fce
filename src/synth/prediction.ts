/**
 * A model-like prediction of a synthetic fold, in PanNuke's format (masks.npy, (N, H, W, 6) float64), for the
 * demo, the tests and the benchmark: derived from the fold's ground truth with the errors real models make.
 * Per ground-truth nucleus (rates chosen to give PQ figures in the range published models reach):
 *   missed 10 %; class swapped 8 %; eroded 12 % or dilated 12 % (one pixel ring: boundary errors); shifted by
 *   1–2 px 15 %; merged with the previous nucleus of its channel 4 % (they share an id);
 * per image: 0–3 false positives (small ellipses in a random class), 2 % of images predicted empty.
 * Ids are renumbered far from contiguous (random in 1..10^6), so nothing relies on 1..n.
 */
import { decodeNumeric } from '../npy/decode.js';
import { NpyFile } from '../npy/reader.js';
import { NpyWriter } from '../npy/writer.js';
import { yielder } from '../interrupt.js';
import { rng } from '../random.js';
import { ellipse } from './shapes.js';

export interface PredictionOptions {
  /** The ground truth's masks.npy. */
  masks: string;
  /** The prediction's masks.npy to write. */
  out: string;
  seed: number;
  onImage?: (done: number, total: number, nuclei: number) => void;
}

const CLASSES = 5;
const CHANNELS = 6;

export async function synthesizePrediction(o: PredictionOptions): Promise<{ images: number; nuclei: number }> {
  const truth = NpyFile.open(o.masks);
  const pause = yielder();
  try {
    const [n, h, w] = truth.header.shape as [number, number, number, number];
    const dtype = truth.header.dtype;
    if (dtype.kind !== 'numeric') throw new Error(`${o.masks}: not a numeric masks.npy`);
    const out = new NpyWriter(o.out, '<f8', [n, h, w, CHANNELS], 8);
    const rand = rng(o.seed * 7919 + 17);
    const hw = h * w;
    const buffer = new Uint8Array(truth.recordBytes);
    let total = 0;
    try {
      for (let i = 0; i < n; i++) {
        const values = decodeNumeric(truth.readRecord(i, buffer), dtype);
        const pred = new Float64Array(hw * CHANNELS);
        const usedIds = new Set<number>();
        const newId = () => {
          let id: number;
          do id = 1 + Math.floor(rand() * 1e6); while (usedIds.has(id));
          usedIds.add(id);
          return id;
        };
        const put = (pixels: Iterable<number>, channel: number, id: number) => {
          for (const p of pixels) pred[p * CHANNELS + channel] = id;
        };
        if (rand() >= 0.02) {
          // The ground truth's nuclei: pixels per (channel, value), in scan order.
          const nuclei = new Map<string, { channel: number; pixels: number[] }>();
          for (let p = 0; p < hw; p++) {
            for (let c = 0; c < CLASSES; c++) {
              const v = values[p * CHANNELS + c] as number;
              if (v === 0) continue;
              const key = `${c}:${v}`;
              let nucleus = nuclei.get(key);
              if (nucleus === undefined) nuclei.set(key, (nucleus = { channel: c, pixels: [] }));
              nucleus.pixels.push(p);
            }
          }
          const lastId = new Map<number, number>();
          for (const { channel, pixels } of nuclei.values()) {
            if (rand() < 0.1) continue; // missed
            const c = rand() < 0.08 ? (channel + 1 + Math.floor(rand() * (CLASSES - 1))) % CLASSES : channel;
            let set = new Set(pixels);
            const roll = rand();
            if (roll < 0.12) set = erode(set, w, h);
            else if (roll < 0.24) set = dilate(set, w, h);
            if (rand() < 0.15) set = shift(set, w, h, Math.round(rand() * 4 - 2), Math.round(rand() * 4 - 2));
            if (set.size === 0) continue;
            const merge = lastId.has(c) && rand() < 0.04;
            const id = merge ? (lastId.get(c) as number) : newId();
            lastId.set(c, id);
            put(set, c, id);
          }
          const falsePositives = Math.floor(rand() * 4);
          for (let k = 0; k < falsePositives; k++) {
            const r = 2 + rand() * 5;
            const blob = ellipse(rand() * h, rand() * w, r, r * (0.6 + rand() * 0.4), rand() * Math.PI)
              .filter(([row, col]) => row >= 0 && col >= 0 && row < h && col < w).map(([row, col]) => row * w + col);
            if (blob.length === 0) continue;
            put(blob, Math.floor(rand() * CLASSES), newId());
          }
        }
        // Counted as written, (channel, id) pairs: a nucleus painted over whole by a later one is not there.
        const present = Array.from({ length: CLASSES }, () => new Set<number>());
        for (let p = 0; p < hw; p++) {
          let any = false;
          for (let c = 0; c < CLASSES; c++) {
            const v = pred[p * CHANNELS + c] as number;
            if (v !== 0) {
              any = true;
              present[c]!.add(v);
            }
          }
          if (!any) pred[p * CHANNELS + 5] = 1;
        }
        total += present.reduce((sum, ids) => sum + ids.size, 0);
        out.append(pred);
        o.onImage?.(i + 1, n, total);
        await pause();
      }
    } finally {
      out.close();
    }
    return { images: n, nuclei: total };
  } finally {
    truth.close();
  }
}

const neighbours = (p: number, w: number, h: number): number[] => {
  const row = Math.floor(p / w), col = p % w;
  const out: number[] = [];
  if (row > 0) out.push(p - w);
  if (row < h - 1) out.push(p + w);
  if (col > 0) out.push(p - 1);
  if (col < w - 1) out.push(p + 1);
  return out;
};

/** Pixels whose four neighbours are all in the set (a one-pixel ring removed; tiny nuclei may vanish). */
function erode(set: Set<number>, w: number, h: number): Set<number> {
  return new Set([...set].filter((p) => neighbours(p, w, h).length === 4 && neighbours(p, w, h).every((q) => set.has(q))));
}

function dilate(set: Set<number>, w: number, h: number): Set<number> {
  const out = new Set(set);
  for (const p of set) for (const q of neighbours(p, w, h)) out.add(q);
  return out;
}

function shift(set: Set<number>, w: number, h: number, dx: number, dy: number): Set<number> {
  const out = new Set<number>();
  for (const p of set) {
    const row = Math.floor(p / w) + dy, col = (p % w) + dx;
    if (row >= 0 && col >= 0 && row < h && col < w) out.add(row * w + col);
  }
  return out;
}
