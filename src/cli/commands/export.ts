import type { Command } from 'commander';
import { openFolds, type OpenFold } from '../../dataset/fold.js';
import { openRecordedFolds } from '../../dataset/recorded.js';
import type { Store } from '../../db/store.js';
import { PannukeError } from '../../errors.js';
import { exportMasks } from '../../export/masks.js';
import { exportRowCount, exportRows, ROW_FORMATS, type RowFormat } from '../../export/rows.js';
import { writeAtomically } from '../../output/atomic.js';
import { chosenImages, exportCoco, exportHovernet, exportImages, exportLabels, exportYolo, type LayoutSummary, type TrainingExportSummary, type YoloSummary } from '../../export/training.js';
import { checkOutput, databaseFiles, inputsOf } from '../../output/guard.js';
import { recordedSources } from '../../query/sources.js';
import { findSubset, findSubsetId } from '../../subset/store.js';
import { parseDbLocation } from '../../db/location.js';
import { PARTITION_KEYS, type PartitionKey } from '../../export/parquet.js';
import { withStore } from '../database.js';
import { dbOptions, type DbOptions } from '../db-options.js';
import { formatNumber } from '../format.js';
import type { Io } from '../io.js';
import { parseChoice, parseChoiceList } from '../options.js';
import { progressReporter, rowProgress } from '../progress.js';
import { protectedInputs } from './inputs.js';

interface ExportOptions extends DbOptions {
  png?: boolean;
  segmentation?: 'rle' | 'polygon';
  perImage?: boolean;
  format?: RowFormat;
  out?: string;
  subset?: string;
  data?: string;
  force?: boolean;
  raw?: boolean;
  membersOnly?: boolean;
  partitionBy?: PartitionKey[];
}

/** The folds the masks export reads: --data, else the files the database recorded (if unchanged). */
async function sourceFolds(store: Store, o: ExportOptions, folds: readonly number[]): Promise<OpenFold[]> {
  if (o.data !== undefined) return openFolds(o.data);
  return openRecordedFolds(await recordedSources(store), folds);
}

async function runMasksExport(o: ExportOptions & { out: string }, io: Io): Promise<void> {
  if (o.format !== undefined) throw new PannukeError('BAD_OPTION', '--format is for row exports: export masks always writes PanNuke-format .npy files');
  if (o.membersOnly === true && o.subset === undefined) throw new PannukeError('BAD_OPTION', '--members-only needs --subset <name>');
  await withStore(o, 'read', async (store) => {
    const out = checkOutput(o.out, { kind: 'dir', force: o.force === true, inputs: await protectedInputs(store, o.db, o.data), option: '--out', command: 'export masks' });
    const subset = o.subset === undefined ? undefined : await findSubset(store, o.subset);
    // Only the folds the export needs are opened (a fold whose files moved does not stop another's export).
    const needed = (subset === undefined
      ? await store.all('SELECT DISTINCT fold FROM images ORDER BY fold')
      : await store.all('SELECT DISTINCT i.fold FROM subset_members m JOIN images i ON i.id = m.image_id WHERE m.subset_id = ? ORDER BY 1', [subset.id])).rows.map((r) => r[0] as number);
    const folds = await sourceFolds(store, o, needed);
    const progress = progressReporter(io, 'export masks');
    try {
      const r = await writeAtomically(out, { kind: 'dir', force: o.force === true, command: 'export masks' }, (temporary) =>
        exportMasks(store, folds, temporary, {
          ...(subset !== undefined && { subsetId: subset.id }),
          membersOnly: o.membersOnly === true,
          onImage: (done, total, nuclei) => progress.update(done, total, { nuclei }),
        }),
      );
      progress.stop();
      io.stdout.write(`wrote images.npy, masks.npy, types.npy and index.csv for ${formatNumber(r.images)} images (${formatNumber(r.nuclei)} nuclei) to ${o.out}\n`);
      if (subset !== undefined && o.membersOnly !== true && r.nuclei > r.members) {
        io.stdout.write(`note: whole images: the masks hold every nucleus of the subset's ${formatNumber(r.images)} images, ${formatNumber(r.members)} of them in '${subset.name}' and ${formatNumber(r.nuclei - r.members)} beyond it (--members-only draws only the subset's)\n`);
      }
    } finally {
      progress.stop();
      for (const f of folds) f.close();
    }
  });
}

/** `export images` and `export coco`: a folder of per-image files named {fold}_{fold_index}, from the database and the folds' pixels. */
async function runTrainingExport(what: TrainingLayout, o: ExportOptions & { out: string }, io: Io): Promise<void> {
  if (o.format !== undefined) throw new PannukeError('BAD_OPTION', `--format is for row exports: export ${what} writes its own layout`);
  if (o.membersOnly === true && o.subset === undefined) throw new PannukeError('BAD_OPTION', '--members-only needs --subset <name>');
  const command = `export ${what}`;
  await withStore(o, 'read', async (store) => {
    const out = checkOutput(o.out, { kind: 'dir', force: o.force === true, inputs: await protectedInputs(store, o.db, o.data), option: '--out', command });
    const subset = o.subset === undefined ? undefined : await findSubset(store, o.subset);
    const needed = [...new Set((await chosenImages(store, subset?.id)).map((c) => c.fold))];
    const folds = await sourceFolds(store, o, needed);
    const progress = progressReporter(io, command);
    try {
      const options = { ...(subset !== undefined && { subsetId: subset.id }), membersOnly: o.membersOnly === true, onImage: (done: number, total: number, nuclei: number) => progress.update(done, total, { nuclei }) };
      const writers = {
        images: () => exportImages(store, folds, temporary(), options),
        coco: () => exportCoco(store, folds, temporary(), { ...options, polygons: o.segmentation === 'polygon' }),
        hovernet: () => exportHovernet(store, folds, temporary(), options),
        labels: () => exportLabels(store, folds, temporary(), { ...options, png: o.png === true }),
        yolo: () => exportYolo(store, folds, temporary(), out, options),
      };
      let folder = '';
      const temporary = () => folder;
      const r: TrainingExportSummary & Partial<LayoutSummary> & Partial<YoloSummary> & { holeNuclei?: number; holePixels?: number } = await writeAtomically(out, { kind: 'dir', force: o.force === true, command }, (t) => {
        folder = t;
        return writers[what]();
      });
      progress.stop();
      io.stdout.write({
        images: `wrote ${formatNumber(r.images)} PNG images ({fold}_{fold_index}.png, 8-bit RGB) and index.csv to ${o.out}\n`,
        coco: `wrote annotations.json (COCO instances: ${formatNumber(r.images)} images, ${formatNumber(r.nuclei)} nuclei ${o.segmentation === 'polygon' ? 'as polygons, one per part' : 'as exact RLE'}) and images/ to ${o.out}\n`,
        hovernet: `wrote ${formatNumber(r.images)} HoVer-Net patches ({fold}_{fold_index}.npy: H × W × 5 int32, RGB, instances, types; nr_type 6) to ${o.out}\n`,
        yolo: `wrote ${formatNumber(r.images)} images, their labels (a polygon per nucleus, normalised) and data.yaml (Ultralytics segmentation) to ${o.out}\n`,
        labels: `wrote ${formatNumber(r.images)} instance label images (labels/{fold}_{fold_index}.${o.png === true ? 'png, 16-bit' : 'tif, 32-bit'}, with .csv classes) and images/ to ${o.out}\n`,
      }[what]);
      if ((r.holeNuclei ?? 0) > 0) {
        io.stderr.write(`note: COCO polygons hold no holes: ${formatNumber(r.holeNuclei ?? 0)} nuclei with holes gained ${formatNumber(r.holePixels ?? 0)} pixels (their holes filled)\n`);
      }
      if ((r.changedNuclei ?? 0) > 0) {
        io.stderr.write(`note: a YOLO line holds one ring: ${formatNumber(r.changedNuclei ?? 0)} nuclei with holes or several parts lost ${formatNumber(r.changedPixels ?? 0)} pixels (holes filled, other parts dropped)\n`);
      }
      if ((r.hiddenPixels ?? 0) > 0) {
        io.stderr.write(`note: one instance map holds one nucleus per pixel: ${formatNumber(r.hiddenPixels ?? 0)} pixels of nuclei under a later class channel were given to it (as PanNuke's binarize does), and ${formatNumber(r.hiddenNuclei ?? 0)} nuclei have no pixel left\n`);
      }
    } finally {
      progress.stop();
      for (const f of folds) f.close();
    }
  });
}

const FOLDER_EXPORTS = ['masks', 'images', 'coco', 'hovernet', 'labels', 'yolo'] as const;
type TrainingLayout = Exclude<(typeof FOLDER_EXPORTS)[number], 'masks'>;

async function runExport(what: string | undefined, o: ExportOptions, io: Io): Promise<void> {
  if (what !== undefined && !(FOLDER_EXPORTS as readonly string[]).includes(what)) throw new PannukeError('BAD_OPTION', `unknown export '${what}': expected ${FOLDER_EXPORTS.map((w) => `'${w}'`).join(', ')} or none (rows, with --format)`);
  if (o.out === undefined) throw new PannukeError('BAD_OPTION', '--out is required');
  if (what === 'masks') return runMasksExport({ ...o, out: o.out }, io);
  if (what !== undefined) return runTrainingExport(what as TrainingLayout, { ...o, out: o.out }, io);
  if (o.format === undefined) throw new PannukeError('BAD_OPTION', `--format is required: one of ${ROW_FORMATS.join(', ')}`);
  if (o.data !== undefined || o.membersOnly === true) throw new PannukeError('BAD_OPTION', '--data and --members-only are for `export masks`');
  if (o.partitionBy !== undefined && o.format !== 'geoparquet') throw new PannukeError('BAD_OPTION', '--partition-by is for --format geoparquet');
  if (o.perImage === true && o.format !== 'geojson') throw new PannukeError('BAD_OPTION', '--per-image is for --format geojson');
  const format = o.format;
  const out = o.out;
  const kind = format === 'geoparquet' || o.perImage === true ? 'dir' : 'file';
  const command = `export --format ${format}${o.perImage === true ? ' --per-image' : ''}`;
  const location = parseDbLocation(o.db);
  await withStore(o, 'read', async (store) => {
    // The database's files (SQLite) and the recorded fold sources are never outputs.
    const sources = (await store.all('SELECT path FROM sources')).rows.map((r) => r[0] as string);
    const inputs = [...(location.kind === 'sqlite' ? databaseFiles(location.file) : []), ...inputsOf(sources)];
    checkOutput(out, { kind, force: o.force === true, inputs, option: '--out', command });
    const subsetId = o.subset === undefined ? undefined : await findSubsetId(store, o.subset);
    const progress = rowProgress(io, 'export');
    const total = await exportRowCount(store, subsetId);
    try {
      const r = await writeAtomically(out, { kind, force: o.force === true, command }, (temporary) =>
        exportRows(store, format, temporary, {
          ...(subsetId !== undefined && { subsetId }), ...(o.partitionBy !== undefined && { partitionBy: o.partitionBy }), perImage: o.perImage === true,
          raw: o.raw === true, onRow: (n) => progress.update(n, total),
        }),
      );
      progress.stop();
      const files = r.files === undefined ? '' : ` in ${formatNumber(r.files)} file${r.files === 1 ? '' : 's'}`;
      io.stdout.write(`wrote ${formatNumber(r.rows)} nuclei to ${out} (${format}${files}, ${formatNumber(r.bytes)} bytes)\n`);
    } finally {
      progress.stop();
    }
  });
}

export function registerExport(program: Command, io: Io): void {
  dbOptions(program
    .command('export')
    .description('export nuclei as CSV, Parquet, GeoParquet or GeoJSON; or, with `export masks`, PanNuke-format .npy files for training')
    .argument('[what]', "a training layout: 'masks' (PanNuke's npy), 'images' (PNG + index.csv), 'coco' (COCO instances, exact RLE), 'hovernet' (H×W×5 int32 patches), 'labels' (instance label images + class CSVs), 'yolo' (Ultralytics segmentation); omit for rows of nucleus_facts"))
    .option('--format <format>', `rows: ${ROW_FORMATS.join(', ')}`, parseChoice('--format', ROW_FORMATS))
    .option('--out <path>', 'output file (rows), or folder (geoparquet, masks); an existing one needs --force')
    .option('--partition-by <keys>', 'geoparquet: Hive-style partitions by some of fold, tissue, class (e.g. fold,tissue)', parseChoiceList('--partition-by', PARTITION_KEYS))
    .option('--force', 'replace an existing --out file, or a folder holding a previous output of the same export (and nothing else)')
    .option('--subset <name>', 'only a stored subset (masks: its images)')
    .option('--raw', "CSV: write cells as they are (by default a text cell starting with = + - @ or a tab gets a leading ' so spreadsheets do not run it)")
    .option('--data <root>', 'masks: the folds (folder or zips) for the H&E pixels and channel 5; default: the files recorded at ingest, if unchanged')
    .option('--members-only', "masks with --subset: draw only the subset's nuclei (default: every nucleus of its images)")
    .option('--png', 'labels: 16-bit PNG label images instead of 32-bit TIFF')
    .option('--segmentation <kind>', 'coco: rle (exact, default) or polygon (one per part, holes dropped)', parseChoice('--segmentation', ['rle', 'polygon'] as const))
    .option('--per-image', 'geojson: a folder of {fold}_{fold_index}.geojson, one FeatureCollection per image (as QuPath imports them)')
    .addHelpText('after', `
Examples:
  pannuke export --db x.sqlite --format parquet --out nuclei.parquet
  pannuke export --db x.sqlite --subset train --format geojson --out train.geojson
  pannuke export --db x.sqlite --format geoparquet --partition-by fold,tissue --out nuclei/
  pannuke export masks --db x.sqlite --subset train --out train/
  pannuke export images --db x.sqlite --out images/
  pannuke export coco --db x.sqlite --subset train --out coco-train/

CSV and Parquet hold the columns of nucleus_facts; GeoJSON a Feature per nucleus (its contour in pixel
coordinates, x = column, y = row, exteriors counter-clockwise per RFC 7946) with the same properties.
GeoParquet (1.1) writes a folder: part-0.parquet, or with --partition-by fold=1/tissue=Breast/part-0.parquet
(partition columns in the path only), each file the columns of nucleus_facts plus geometry (WKB outline) and
bbox (xmin, ymin, xmax, ymax), crs null (pixel space), row groups of 100,000 rows. Read it with DuckDB:
  SELECT * FROM read_parquet('nuclei/**/*.parquet', hive_partitioning = true)
export masks writes images.npy (N,H,W,3), masks.npy (N,H,W,6) float64 with channels 0..4 rebuilt from the
contours and channel 5 copied, types.npy (<U13) and index.csv (row → fold, fold_index). With --subset it
writes the subset's images whole (every nucleus in them) unless --members-only.
export images writes {fold}_{fold_index}.png (8-bit RGB; every value of images.npy must be a whole number in
0..255) and index.csv (file, image_id, fold, fold_index, tissue): the names eval run matches predictions by.
export coco writes annotations.json (COCO instances: image id = images.id, annotation id = nuclei.id,
category_id = class_id 1..5, iscrowd 0, area = pixels, bbox [x, y, w, h], segmentation = the exact pixels as
compressed RLE) and images/{fold}_{fold_index}.png.

Outputs are written under a temporary name and appear only when complete; the database and its source files
are never outputs. Exit codes: 0 done, 1 bad input or unusable database, 2 bad usage, 130 interrupted.`)
    .action((what: string | undefined, o: ExportOptions) => runExport(what, o, io));
}
