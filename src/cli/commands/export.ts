import type { Command } from 'commander';
import { openFolds } from '../../dataset/fold.js';
import { openDatabase } from '../../db/open.js';
import { PannukeError } from '../../errors.js';
import { exportMasks } from '../../export/masks.js';
import { exportRows, ROW_FORMATS, type RowFormat } from '../../export/rows.js';
import { findSubset } from '../../subset/store.js';
import type { Io } from '../io.js';
import { progressReporter } from '../progress.js';

interface ExportOptions {
  db: string;
  format?: string;
  out?: string;
  subset?: string;
  data?: string;
}

async function runExport(what: string | undefined, o: ExportOptions, io: Io): Promise<void> {
  if (what !== undefined && what !== 'masks') throw new PannukeError('BAD_OPTION', `unknown export '${what}': expected 'masks' or none (rows, with --format)`);
  if (o.out === undefined) throw new PannukeError('BAD_OPTION', '--out is required');
  if (what === 'masks') {
    if (o.data === undefined) throw new PannukeError('BAD_OPTION', 'export masks needs --data <root>: the folder the database was ingested from');
    const folds = await openFolds(o.data);
    const db = openDatabase(o.db, { readonly: true });
    const progress = progressReporter(io, 'export');
    try {
      const subsetId = o.subset === undefined ? undefined : findSubset(db, o.db, o.subset).id;
      const r = await exportMasks(db, folds, o.out, subsetId, (done, total) => progress.update(done, total));
      progress.stop();
      io.stdout.write(`wrote images.npy, masks.npy, types.npy and index.csv for ${r.images} images (${r.nuclei} nuclei) to ${r.dir}\n`);
    } finally {
      progress.stop();
      db.$client.close();
      for (const f of folds) f.close();
    }
    return;
  }
  if (o.format === undefined || !(ROW_FORMATS as readonly string[]).includes(o.format)) {
    throw new PannukeError('BAD_OPTION', `--format: expected one of ${ROW_FORMATS.join(', ')}${o.format === undefined ? '' : `, got '${o.format}'`}`);
  }
  const db = openDatabase(o.db, { readonly: true });
  try {
    const subsetId = o.subset === undefined ? undefined : findSubset(db, o.db, o.subset).id;
    const r = await exportRows(db, o.format as RowFormat, o.out, subsetId);
    io.stdout.write(`wrote ${r.rows} nuclei to ${o.out} (${o.format}, ${r.bytes} bytes)\n`);
  } finally {
    db.$client.close();
  }
}

export function registerExport(program: Command, io: Io): void {
  program
    .command('export')
    .description('export nuclei as CSV, Parquet or GeoJSON; or, with `export masks`, PanNuke-format .npy files for training')
    .argument('[what]', "'masks' for the training export; omit for rows of nucleus_facts")
    .requiredOption('--db <file>', 'a database written by `pannuke ingest`')
    .option('--format <format>', `rows: ${ROW_FORMATS.join(', ')}`)
    .option('--out <path>', 'output file (rows) or folder (masks)')
    .option('--subset <name>', 'only a stored subset (masks: its images)')
    .option('--data <root>', 'masks: the folder the database was ingested from (for the H&E pixels and channel 5)')
    .addHelpText('after', `
Examples:
  pannuke export --db x.sqlite --format parquet --out nuclei.parquet
  pannuke export --db x.sqlite --subset train --format geojson --out train.geojson
  pannuke export masks --db x.sqlite --subset train --data /data/pannuke --out train/

CSV and Parquet hold the columns of nucleus_facts; GeoJSON a Feature per nucleus (its contour in pixel
coordinates, x = column, y = row, exteriors counter-clockwise per RFC 7946) with the same properties.
export masks writes images.npy (N,H,W,3), masks.npy (N,H,W,6) float64 with channels 0..4 rebuilt from the
contours and channel 5 copied, types.npy (<U13) and index.csv (row → fold, fold_index).`)
    .action((what: string | undefined, o: ExportOptions) => runExport(what, o, io));
}
