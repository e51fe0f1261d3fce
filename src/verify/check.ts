/**
 * One image of the database against its mask record: pure (no I/O, no database), run on the verify workers.
 * Every stored outline is first checked as geometry (geometry.ts); then the outlines are filled back into a
 * raster per class channel and compared with the record pixel by pixel. At most one problem per nucleus and
 * one per channel is reported, which is enough to locate it.
 */
import { fillPolygons } from '../extract/raster.js';
import { decodeWkb } from '../extract/wkb.js';
import { outlineProblem, type StoredOutline } from './geometry.js';

export interface StoredNucleus extends StoredOutline {
  classId: number;
  instanceId: number;
}

export interface ImageProblem {
  /** Mask channel, when the problem is in one. */
  channel?: number;
  problem: string;
}

export interface CheckLayout {
  height: number;
  width: number;
  /** Channels per pixel of the record (6). */
  channels: number;
  classChannels: number;
}

export function checkImage(rows: readonly StoredNucleus[], values: Float64Array, layout: CheckLayout, scratch: { raster?: Float64Array } = {}): ImageProblem[] {
  const { height, width, channels, classChannels } = layout;
  const hw = height * width;
  if (scratch.raster === undefined || scratch.raster.length < classChannels * hw) scratch.raster = new Float64Array(classChannels * hw);
  const raster = scratch.raster.fill(0, 0, classChannels * hw);
  const problems: ImageProblem[] = [];
  for (const row of rows) {
    const c = row.classId - 1;
    const problem = outlineProblem(row, width, height);
    if (problem !== undefined) {
      problems.push({ channel: c, problem: `id ${row.instanceId}: ${problem}` });
      continue;
    }
    let filled = 0;
    let clash = false;
    fillPolygons(decodeWkb(row.contour), width, height, (r, q) => {
      const p = c * hw + r * width + q;
      if (raster[p] !== 0) clash = true;
      raster[p] = row.instanceId;
      filled++;
    });
    if (clash) problems.push({ channel: c, problem: `contour of id ${row.instanceId} overlaps another nucleus of its class` });
    else if (filled !== row.area) problems.push({ channel: c, problem: `contour of id ${row.instanceId} covers ${filled} pixels, area is ${row.area}` });
  }
  for (let c = 0; c < classChannels; c++) {
    for (let p = 0; p < hw; p++) {
      const source = values[p * channels + c] as number;
      const rebuilt = raster[c * hw + p] as number;
      if (source !== rebuilt) {
        problems.push({ channel: c, problem: `pixel (row ${Math.floor(p / width)}, col ${p % width}) is ${source} in the mask, ${rebuilt} from the contours` });
        break;
      }
    }
  }
  return problems;
}
