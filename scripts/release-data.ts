/**
 * `node --import tsx scripts/release-data.ts <shared>/data/pannuke-sample`: derives data/pannuke-release.json,
 * the per-image figures of the real PanNuke release that `pannuke verify --official` checks against, from
 * CellViT's per-image tables (see the file's `source` field), and checks them against the published totals.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { OFFICIAL } from '../src/release/pannuke.js';

const sample = process.argv[2] ?? path.resolve(fileURLToPath(new URL('../../shared/data/pannuke-sample', import.meta.url)));
const out = fileURLToPath(new URL('../data/pannuke-release.json', import.meta.url));

const csv = (file: string) => fs.readFileSync(file, 'utf8').trim().split(/\r?\n/).slice(1).map((l) => l.split(','));
const indexOf = (img: string) => Number(/_(\d+)\.png$/.exec(img)?.[1]);

const folds = OFFICIAL.folds.map(({ fold }) => {
  const dir = path.join(sample, 'cellvit-derived', `fold${fold - 1}`); // CellViT's fold0/1/2 are official folds 1/2/3
  const types = csv(path.join(dir, 'types.csv'));
  const counts = csv(path.join(dir, 'cell_count.csv'));
  const n = types.length;
  const tissue = new Array<string>(n);
  for (const [img, t] of types) tissue[indexOf(img!)] = t!.trim();
  const perImage = new Array<number[]>(n);
  for (const [img, ...c] of counts) perImage[indexOf(img!)] = c.map(Number);
  if (perImage.some((c) => c === undefined) || tissue.some((t) => t === undefined)) throw new Error(`fold ${fold}: gaps in the tables`);
  return {
    fold,
    // one letter per image: its tissue as an index into `tissues` (a = 0)
    tissues: tissue.map((t) => String.fromCharCode(97 + OFFICIAL.tissues.indexOf(t as never))).join(''),
    // per image, the nuclei of classes 1..5, comma-separated; images separated by ';'
    counts: perImage.map((c) => c.join(',')).join(';'),
  };
});

// The derived table must reproduce the published figures.
for (const f of folds) {
  const published = OFFICIAL.folds.find((p) => p.fold === f.fold)!;
  const images = f.tissues.length;
  const totals = [0, 0, 0, 0, 0];
  for (const c of f.counts.split(';')) c.split(',').forEach((v, k) => (totals[k] = totals[k]! + Number(v)));
  if (images !== published.images) throw new Error(`fold ${f.fold}: ${images} images, published ${published.images}`);
  if (totals.join() !== published.nucleiPerClass.join()) throw new Error(`fold ${f.fold}: nuclei ${totals}, published ${published.nucleiPerClass}`);
}
fs.writeFileSync(out, `${JSON.stringify({
  source: 'Derived from TIO-IKIM/CellViT configs/datasets/PanNuke/fold{0,1,2}/{types,cell_count}.csv (commit 05097e18e3d194a65121042f631b5753069f5ee3; Apache-2.0 with Commons Clause; cite Hörst et al., arXiv 2306.15350). CellViT fold0/1/2 = official PanNuke folds 1/2/3. Data: PanNuke, Gamper et al. 2019/2020, CC BY-NC-SA 4.0.',
  tissues: OFFICIAL.tissues,
  classes: ['Neoplastic', 'Inflammatory', 'Connective', 'Dead', 'Epithelial'],
  folds,
}, null, 1)}\n`);
process.stdout.write(`wrote ${out}\n`);
