/**
 * HoVer-Net's per-image JSON (tile mode: `{"mag": …, "nuc": {"<id>": {"bbox", "centroid", "contour",
 * "type_prob", "type"}}}`) and CellViT's (the same per-nucleus fields in a `cells` list). A nucleus is the
 * pixels OpenCV fills for its contour (./contour.ts); the file's `bbox` and `centroid` are not used (they are
 * recomputed from the pixels; HoVer-Net's WSI-mode bbox is known to be wrong). `type` 1..5 is the class
 * (PanNuke's channel order); type 0 (no class) is an untyped nucleus (class 0: the binary figures only). Contours of fewer than 3 points are
 * skipped and counted, as HoVer-Net itself drops them. Nuclei are taken in key order (ascending ids, as
 * HoVer-Net writes them) or list order.
 */
import { PannukeError } from '../errors.js';
import { fillContour } from './contour.js';
import type { ImageRead } from './read.js';

interface Nucleus {
  contour?: unknown;
  type?: unknown;
}

export function readContours(doc: unknown, format: 'hovernet' | 'cellvit', width: number, height: number, file: string): ImageRead {
  const d = doc as { nuc?: unknown; cells?: unknown } | null;
  let entries: [string, Nucleus][];
  if (format === 'hovernet') {
    if (d === null || typeof d !== 'object' || d.nuc === null || typeof d.nuc !== 'object' || Array.isArray(d.nuc)) {
      throw new PannukeError('FOLD_MISMATCH', 'not a HoVer-Net JSON: expected {"nuc": {"<id>": {"contour": …, "type": …}}}', { file, position: 'top level' });
    }
    entries = Object.entries(d.nuc as Record<string, Nucleus>);
  } else {
    if (d === null || typeof d !== 'object' || !Array.isArray(d.cells)) throw new PannukeError('FOLD_MISMATCH', 'not a CellViT JSON: expected {"cells": [{"contour": …, "type": …}]}', { file, position: 'top level' });
    entries = (d.cells as Nucleus[]).map((c, k) => [String(k), c]);
  }
  const out: ImageRead = { shapes: [], skipped: 0 };
  for (const [key, n] of entries) {
    const where = format === 'hovernet' ? `nuc "${key}"` : `cells[${key}]`;
    if (n === null || typeof n !== 'object' || !Array.isArray(n.contour)) throw new PannukeError('FOLD_MISMATCH', 'the nucleus has no contour list', { file, position: where });
    const type = n.type;
    if (typeof type !== 'number' || !Number.isInteger(type) || type < 0 || type > 5) {
      throw new PannukeError('FOLD_MISMATCH', `type ${JSON.stringify(type)} is not 0..5 (0 no class, 1..5 PanNuke's classes)`, { file, position: where });
    }
    const points = new Int32Array(n.contour.length * 2);
    (n.contour as unknown[]).forEach((pt, i) => {
      const x = Array.isArray(pt) ? pt[0] : undefined, y = Array.isArray(pt) ? pt[1] : undefined;
      if (typeof x !== 'number' || typeof y !== 'number' || !Number.isInteger(x) || !Number.isInteger(y)) {
        throw new PannukeError('FOLD_MISMATCH', `contour point ${i} is not two whole numbers (${JSON.stringify(pt)})`, { file, position: where, hint: 'contours go through pixel centres: integer (x, y) = (column, row)' });
      }
      if (x < 0 || y < 0 || x >= width || y >= height) {
        throw new PannukeError('FOLD_MISMATCH', `contour point ${i} (${x}, ${y}) is outside the ${width} × ${height} image`, { file, position: where });
      }
      points[2 * i] = x;
      points[2 * i + 1] = y;
    });
    if (n.contour.length < 3) {
      out.skipped++;
      continue;
    }
    out.shapes.push({ classId: type, pixels: fillContour(points, width, height) });
  }
  return out;
}
