/**
 * One pass over an image's mask record that finds every nucleus and its exact integer moments.
 *
 * A nucleus is P = {(row, col) : masks[row, col, c] = v} for a class channel c in 0..4 and a value v > 0.
 * The same v in two channels is two nuclei; a pixel set in two channels belongs to both. Values must be
 * whole, finite, non-negative numbers (ids are never cast: 65,536 and 2^24 + 1 stay themselves).
 */
import { PannukeError } from '../errors.js';
import { scanKernel } from './kernel/scan.js';
import type { MomentSums } from './shape.js';

/** A nucleus found by the scan: |P| and the exact sums Σcol, Σrow, Σcol², Σrow², Σcol·row (`MomentSums`). */
export interface Region extends MomentSums {
  /** Mask channel 0..4 (class_id = channel + 1). */
  channel: number;
  /** The instance id v. */
  value: number;
  /** Dense index + 1 of the region in this image: its mark in `RegionScan.labels`. */
  label: number;
  /** Inclusive pixel bounds. */
  minCol: number;
  minRow: number;
  maxCol: number;
  maxRow: number;
  /** Pixels of P also claimed by another class channel. */
  overlap: number;
}

export interface RegionScan {
  /** Sorted by (channel, value). */
  regions: Region[];
  /**
   * labels[channel × H × W + row × W + col] = the region's `label`, or 0 where the channel is 0. Reused
   * between images: call `clearLabels` when done with it.
   */
  labels: Int32Array;
  /** Pixels that are 0 in every channel of the record, background included. */
  voidPixels: number;
  /** Pixels claimed by two or more class channels. */
  overlapPixels: number;
}

/** The kernel addresses its memory with 32-bit offsets: 52 bytes a pixel (record and index) must stay under 2 GiB. */
const MAX_KERNEL_PIXELS = Math.floor(2 ** 31 / 52);

/** Where an image came from, for error messages. */
export interface ImageContext {
  file: string;
  fold: number;
  index: number;
  /** The command to run again once the file is fixed (default: ingest). */
  rerun?: string;
}

/**
 * Scans `values` (H × W × `channels` float64 in C order, as one record of masks.npy) over the first
 * `classChannels` channels, in one pass. `labels`, if given, must be all zero (as `clearLabels` leaves it);
 * it is reused to save allocating and zeroing 1.3 MB per image.
 */
export function scanRegions(
  values: Float64Array,
  height: number,
  width: number,
  channels: number,
  classChannels: number,
  context: ImageContext,
  labels?: Int32Array,
): RegionScan {
  const hw = height * width;
  const out = labels !== undefined && labels.length >= classChannels * hw ? labels.subarray(0, classChannels * hw) : new Int32Array(classChannels * hw);
  const regions: Region[] = [];
  const byValue: Map<number, Region>[] = Array.from({ length: classChannels }, () => new Map());
  // Most non-zero pixels continue the run of the pixel to their left; a one-entry cache per channel skips the map.
  const lastValue = new Float64Array(classChannels);
  const lastRegion: (Region | undefined)[] = new Array(classChannels).fill(undefined);
  const here: Region[] = []; // the regions claiming the current pixel
  let voidPixels = 0;
  let overlapPixels = 0;

  /** The slow path, for a pixel with at least one non-zero class channel. */
  const claim = (data: Float64Array, base: number, p: number, row: number, col: number) => {
    let claims = 0;
    for (let c = 0; c < classChannels; c++) {
      const v = data[base + c] as number;
      if (v === 0) continue;
      let r: Region | undefined;
      if (v === lastValue[c]) r = lastRegion[c];
      else {
        if (!(v > 0 && v <= Number.MAX_SAFE_INTEGER && Number.isInteger(v))) throw badValue(v, context, c, row, col);
        r = byValue[c]!.get(v);
        if (r === undefined) {
          r = {
            channel: c, value: v, label: regions.length + 1, n: 0, sx: 0, sy: 0, sxx: 0, syy: 0, sxy: 0,
            minCol: col, minRow: row, maxCol: col, maxRow: row, overlap: 0,
          };
          regions.push(r);
          byValue[c]!.set(v, r);
        }
        lastValue[c] = v;
        lastRegion[c] = r;
      }
      r = r as Region;
      here[claims++] = r;
      out[c * hw + p] = r.label;
      r.n++;
      r.sx += col;
      r.sy += row;
      r.sxx += col * col;
      r.syy += row * row;
      r.sxy += col * row;
      if (col < r.minCol) r.minCol = col;
      if (col > r.maxCol) r.maxCol = col;
      r.maxRow = row;
    }
    if (claims > 1) {
      overlapPixels++;
      for (let k = 0; k < claims; k++) (here[k] as Region).overlap++;
    }
  };

  try {
    // The hot loop only asks "is any class channel non-zero?": most pixels are background. (Locals that no
    // closure captures stay in registers.)
    const data = values;
    const cc = classChannels;
    const ch = channels;
    let voids = 0;
    if (ch === 6 && cc === 5 && hw <= MAX_KERNEL_PIXELS) {
      // PanNuke's layout: the WebAssembly kernel finds the pixels with a class set (and counts the void ones),
      // so JavaScript only visits nucleus pixels.
      const { record, indexes, voids: kernelVoids } = scanKernel().collect(data, hw);
      for (let k = 0; k < indexes.length; k++) {
        const p = indexes[k] as number;
        const row = (p / width) | 0;
        claim(record, p * 6, p, row, p - row * width);
      }
      voids = kernelVoids;
    } else {
      for (let row = 0, p = 0; row < height; row++) {
        for (let col = 0; col < width; col++, p++) {
          const base = p * ch;
          let any = false;
          for (let c = 0; c < cc; c++) if (data[base + c] !== 0) any = true;
          if (any) {
            claim(data, base, p, row, col);
            continue;
          }
          let rest = false;
          for (let c = cc; c < ch; c++) if (data[base + c] !== 0) rest = true;
          if (!rest) voids++;
        }
      }
    }
    voidPixels = voids;
  } catch (e) {
    out.fill(0); // keep the reusable buffer's all-zero invariant
    throw e;
  }
  // Labels follow first appearance; rows are ordered by (channel, value) so ids do not depend on scan order.
  regions.sort((a, b) => a.channel - b.channel || a.value - b.value);
  return { regions, labels: out, voidPixels, overlapPixels };
}

/** True for the error of a mask value that is not a whole number ≥ 0 (what damaged bytes often decode to). */
export const isBadMaskValue = (e: unknown): boolean => e instanceof PannukeError && e.code === 'BAD_MASK_VALUE';

/** Zeroes the labels of `regions` (only their bounding boxes are touched). */
export function clearLabels(scan: RegionScan, width: number, height: number): void {
  const hw = width * height;
  for (const r of scan.regions) {
    const offset = r.channel * hw;
    for (let row = r.minRow; row <= r.maxRow; row++) scan.labels.fill(0, offset + row * width + r.minCol, offset + row * width + r.maxCol + 1);
  }
}

function badValue(v: number, context: ImageContext, channel: number, row: number, col: number): PannukeError {
  const what = Number.isNaN(v) ? 'not a number' : !Number.isFinite(v) ? 'infinite' : v < 0 ? 'negative' : v > Number.MAX_SAFE_INTEGER ? 'above 2^53' : 'fractional';
  return new PannukeError('BAD_MASK_VALUE', `mask value ${v} is ${what}: expected a whole number ≥ 0 (an instance id, or 0 for none)`, {
    file: context.file,
    position: `fold ${context.fold}, image ${context.index}, channel ${channel}, row ${row}, col ${col}`,
    hint: `ids are never rounded or cast; fix the mask and run ${context.rerun ?? 'ingest'} again`,
  });
}
