/**
 * The database against the published figures of the real PanNuke release: per ingested fold, the images,
 * the nuclei per class, the empty images, the images per tissue, each image's tissue and class counts, and
 * (where the fold came from a zip that `pannuke fetch` verified) the archive's SHA-256. A user whose every
 * row shows ✓ knows their copy is complete and was read right.
 */
import fs from 'node:fs';
import type { Store } from '../db/store.js';
import { CLASS_NAMES } from '../db/schema.js';
import { PannukeError } from '../errors.js';
import { loadRelease, type ExpectedImage, type ReleaseFigures } from '../release/expected.js';
import { OFFICIAL } from '../release/pannuke.js';

export interface CheckRow {
  fold: number;
  check: string;
  expected: string;
  found: string;
  ok: boolean;
}

export interface ImageDiff {
  fold: number;
  foldIndex: number;
  expected: ExpectedImage | undefined;
  found: ExpectedImage | undefined;
}

export interface OfficialReport {
  folds: number[];
  rows: CheckRow[];
  /** Images whose tissue or class counts differ (all of them; print the first few). */
  imageDiffs: ImageDiff[];
  ok: boolean;
}

/** The SHA-256 that `pannuke fetch` recorded beside a verified archive (`fold_1.zip.sha256`), if any. */
export function recordedZipHash(zip: string): string | undefined {
  const sidecar = `${zip}.sha256`;
  if (!fs.existsSync(sidecar) || !fs.existsSync(zip)) return undefined;
  const [hash, , size] = fs.readFileSync(sidecar, 'utf8').trim().split(/\s+/);
  return Number(size) === fs.statSync(zip).size ? hash : undefined;
}

interface FoundImage { foldIndex: number; tissue: string; neoplastic: number; inflammatory: number; connective: number; dead: number; epithelial: number; nuclei: number }

export async function verifyOfficial(store: Store, release: ReleaseFigures = loadRelease()): Promise<OfficialReport> {
  const present = (await store.all('SELECT DISTINCT fold FROM images ORDER BY fold')).rows.map((r) => r[0] as number);
  if (present.length === 0) throw new PannukeError('VERIFY_FAILED', 'the database holds no images to check', { file: store.label });
  const rows: CheckRow[] = [];
  const imageDiffs: ImageDiff[] = [];
  const add = (fold: number, check: string, expected: number | string, found: number | string) =>
    rows.push({ fold, check, expected: String(expected), found: String(found), ok: String(expected) === String(found) });

  for (const fold of present) {
    const published = OFFICIAL.folds.find((f) => f.fold === fold);
    const expected = release.folds.get(fold);
    if (published === undefined || expected === undefined) {
      add(fold, 'fold exists in the release', 'folds 1, 2, 3', `fold ${fold}`);
      continue;
    }
    const found = (await store.all('SELECT fold_index, tissue, neoplastic, inflammatory, connective, dead, epithelial, nuclei FROM image_summary WHERE fold = ? ORDER BY fold_index', [fold])).rows
      .map(([foldIndex, tissue, neoplastic, inflammatory, connective, dead, epithelial, nuclei]) => ({ foldIndex, tissue, neoplastic, inflammatory, connective, dead, epithelial, nuclei }) as FoundImage);
    add(fold, 'images', published.images, found.length);
    const perClass = [0, 0, 0, 0, 0];
    for (const im of found) [im.neoplastic, im.inflammatory, im.connective, im.dead, im.epithelial].forEach((n, k) => (perClass[k] = (perClass[k] as number) + n));
    CLASS_NAMES.forEach((name, k) => add(fold, `${name} nuclei`, published.nucleiPerClass[k] as number, perClass[k] as number));
    add(fold, 'empty images', published.emptyImages, found.filter((im) => im.nuclei === 0).length);
    const tissueCount = (list: { tissue: string }[]) => {
      const m = new Map<string, number>();
      for (const { tissue } of list) m.set(tissue, (m.get(tissue) ?? 0) + 1);
      return m;
    };
    const want = tissueCount(expected), got = tissueCount(found);
    const differing = [...new Set([...want.keys(), ...got.keys()])].sort().filter((t) => want.get(t) !== got.get(t));
    if (differing.length === 0) add(fold, `images per tissue (${want.size} tissues)`, 'as published', 'as published');
    for (const t of differing) add(fold, `${t} images`, want.get(t) ?? 0, got.get(t) ?? 0);

    const byIndex = new Map(found.map((im) => [im.foldIndex, im]));
    let matching = 0;
    for (let i = 0; i < Math.max(expected.length, ...found.map((im) => im.foldIndex + 1)); i++) {
      const e = expected[i];
      const f = byIndex.get(i);
      const fe = f === undefined ? undefined : { tissue: f.tissue, counts: [f.neoplastic, f.inflammatory, f.connective, f.dead, f.epithelial] };
      if (e !== undefined && fe !== undefined && e.tissue === fe.tissue && e.counts.join() === fe.counts.join()) matching++;
      else imageDiffs.push({ fold, foldIndex: i, expected: e, found: fe });
    }
    add(fold, 'images with the published tissue and class counts', expected.length, matching);

    const zipSource = (await store.all("SELECT path FROM sources WHERE fold = ? AND role = 'masks'", [fold])).rows[0]?.[0] as string | undefined;
    const zip = zipSource === undefined ? undefined : /^(.*\.zip):/i.exec(zipSource)?.[1];
    if (zip !== undefined && zip.endsWith(published.zip)) {
      const hash = recordedZipHash(zip);
      if (hash !== undefined) add(fold, `${published.zip} SHA-256`, published.sha256, hash);
    }
  }
  return { folds: present, rows, imageDiffs, ok: rows.every((r) => r.ok) };
}
