import type { Command } from 'commander';
import { openDatabase } from '../../db/open.js';
import { CLASS_NAMES } from '../../db/schema.js';
import { PannukeError } from '../../errors.js';
import { classByTissue } from '../../query/stats.js';
import { createSubset, dropSubset, findSubset, listSubsets, parseClasses, type SubsetSpec } from '../../subset/store.js';
import { formatTable } from '../format.js';
import type { Io } from '../io.js';
import { parseFolds, parseNonNegativeInt, parsePositiveInt } from '../options.js';
import { writeRows } from '../../export/text.js';

interface CreateOptions {
  db: string;
  nucleiPerClass?: number;
  stratify?: string;
  images?: number;
  balance?: string;
  folds?: number[];
  tissues?: string;
  classes?: string;
  minArea?: number;
  where?: string;
  seed: number;
}

const ratio = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : '∞ (a class has none)');

function specOf(name: string, o: CreateOptions): SubsetSpec {
  const filters = {
    ...(o.folds !== undefined && { folds: o.folds }),
    ...(o.tissues !== undefined && { tissues: o.tissues.split(',').map((t) => t.trim()) }),
    ...(o.classes !== undefined && { classes: parseClasses(o.classes.split(',')) }),
    ...(o.minArea !== undefined && { minArea: o.minArea }),
    ...(o.where !== undefined && { where: o.where }),
  };
  if ((o.nucleiPerClass === undefined) === (o.images === undefined)) {
    throw new PannukeError('BAD_OPTION', 'choose one of --nuclei-per-class K or --images N --balance class');
  }
  if (o.nucleiPerClass !== undefined) {
    if (o.stratify !== undefined && o.stratify !== 'tissue' && o.stratify !== 'fold') throw new PannukeError('BAD_OPTION', `--stratify: expected tissue or fold, got '${o.stratify}'`);
    return { name, seed: o.seed, kind: 'nuclei-per-class', nucleiPerClass: o.nucleiPerClass, ...(o.stratify !== undefined && { stratify: o.stratify }), ...filters };
  }
  if (o.balance !== 'class') throw new PannukeError('BAD_OPTION', '--images N needs --balance class');
  return { name, seed: o.seed, kind: 'images', images: o.images as number, ...filters };
}

function create(name: string, o: CreateOptions, io: Io): void {
  const spec = specOf(name, o);
  const db = openDatabase(o.db);
  try {
    const r = createSubset(db, o.db, spec);
    io.stdout.write(`subset '${name}': ${r.nuclei} nuclei in ${r.images} images (seed ${spec.seed})\n`);
    io.stdout.write(formatTable(['class', 'nuclei', ...(r.balance ? ['random draw'] : [])], CLASS_NAMES.map((c, k) => [c, r.perClass[k] as number, ...(r.balance ? [r.balance.randomPerClass[k] as number] : [])])));
    if (r.balance !== undefined) {
      io.stdout.write(`imbalance (max/min class): ${ratio(r.balance.imbalance)}, against ${ratio(r.balance.randomImbalance)} for ${r.images} random images with the same seed\n`);
    }
    for (const s of r.shortfalls) {
      io.stderr.write(s.classId === 0
        ? `note: only ${s.available} images qualify; all were taken\n`
        : `note: only ${s.available} ${CLASS_NAMES[s.classId - 1]} nuclei${s.stratum === '' ? '' : ` in ${o.stratify} ${s.stratum}`}; all were taken\n`);
    }
  } finally {
    db.$client.close();
  }
}

export function registerSubset(program: Command, io: Io): void {
  const subset = program.command('subset').description('balanced, reproducible subsets stored in the database (subsets, subset_members)');
  subset
    .command('create')
    .description('choose and store a subset')
    .argument('<name>', 'a new subset name')
    .requiredOption('--db <file>', 'a database written by `pannuke ingest`')
    .option('--nuclei-per-class <k>', 'K nuclei per class (per stratum); a class with fewer gives all it has', parsePositiveInt('--nuclei-per-class'))
    .option('--stratify <key>', 'with --nuclei-per-class: tissue or fold')
    .option('--images <n>', 'N images chosen so per-class nucleus counts are as even as possible (with --balance class)', parsePositiveInt('--images'))
    .option('--balance <what>', 'with --images: class')
    .option('--folds <list>', 'only these folds, e.g. 1,2', parseFolds)
    .option('--tissues <list>', 'only these tissues, e.g. Breast,Colon')
    .option('--classes <list>', 'only these classes, by name or id 1..5')
    .option('--min-area <px>', 'only nuclei with area ≥ px', parseNonNegativeInt('--min-area'))
    .option('--where <sql>', 'only nuclei matching a SQL condition on nucleus_facts columns, e.g. "eccentricity < 0.9"')
    .option('--seed <s>', 'random seed: the same seed and database give the same subset', parseNonNegativeInt('--seed'), 0)
    .action((name: string, o: CreateOptions) => create(name, o, io));
  subset
    .command('list')
    .description('list stored subsets')
    .requiredOption('--db <file>', 'the database')
    .action((o: { db: string }) => {
      const db = openDatabase(o.db, { readonly: true });
      try {
        io.stdout.write(formatTable(['name', 'kind', 'nuclei', 'images', 'seed', 'created'], listSubsets(db).map((s) => [s.name, s.kind, s.nuclei, s.images, s.seed, s.createdAt])));
      } finally {
        db.$client.close();
      }
    });
  subset
    .command('show')
    .description("a subset's options and its class × tissue table")
    .argument('<name>', 'the subset')
    .requiredOption('--db <file>', 'the database')
    .action(async (name: string, o: { db: string }) => {
      const db = openDatabase(o.db, { readonly: true });
      try {
        const s = findSubset(db, o.db, name);
        io.stdout.write(`subset '${s.name}' (${s.kind}, seed ${s.seed}, created ${s.createdAt}): ${s.nuclei} nuclei in ${s.images} images\noptions: ${s.options}\n`);
        const table = classByTissue(db, { subsetId: s.id });
        await writeRows(io.stdout, 'table', table.columns, table.rows);
      } finally {
        db.$client.close();
      }
    });
  subset
    .command('drop')
    .description('delete a stored subset (its nuclei stay)')
    .argument('<name>', 'the subset')
    .requiredOption('--db <file>', 'the database')
    .action((name: string, o: { db: string }) => {
      const db = openDatabase(o.db);
      try {
        dropSubset(db, o.db, name);
        io.stdout.write(`dropped subset '${name}'\n`);
      } finally {
        db.$client.close();
      }
    });
}
