/** The per-image figures of the real release (data/pannuke-release.json, with its source), decoded. */
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as z from '../zod.js';

const ReleaseData = z.object({
  source: z.string(),
  tissues: z.array(z.string()),
  classes: z.array(z.string()),
  folds: z.array(z.object({ fold: z.int(), tissues: z.string(), counts: z.string() })),
});

export interface ExpectedImage {
  tissue: string;
  /** Nuclei of classes 1..5. */
  counts: number[];
}

export interface ReleaseFigures {
  source: string;
  /** fold → images in fold_index order. */
  folds: Map<number, ExpectedImage[]>;
}

export const RELEASE_DATA_FILE = fileURLToPath(new URL('../../data/pannuke-release.json', import.meta.url));

export function loadRelease(file = RELEASE_DATA_FILE): ReleaseFigures {
  const data = ReleaseData.parse(JSON.parse(fs.readFileSync(file, 'utf8')));
  const folds = new Map<number, ExpectedImage[]>();
  for (const f of data.folds) {
    const counts = f.counts.split(';');
    folds.set(f.fold, [...f.tissues].map((ch, i) => ({
      tissue: data.tissues[ch.charCodeAt(0) - 97] as string,
      counts: (counts[i] as string).split(',').map(Number),
    })));
  }
  return { source: data.source, folds };
}
