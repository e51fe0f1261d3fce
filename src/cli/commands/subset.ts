import type { Command } from 'commander';
import type { Store } from '../../db/store.js';
import { CLASS_NAMES } from '../../db/schema.js';
import { PannukeError } from '../../errors.js';
import { classByTissue } from '../../query/stats.js';
import { checkSubsetName, createSubset, dropSubset, findSubset, listSubsets, parseClasses, resolveTissues, type SubsetSpec } from '../../subset/store.js';
import type { Shortfall } from '../../subset/select.js';
import { withStore } from '../database.js';
import { dbOptions, type DbOptions } from '../db-options.js';
import { formatTable } from '../format.js';
import { EXIT_HELP, type Io } from '../io.js';
import { parseChoice, parseFolds, parseNonNegativeInt, parsePositiveInt } from '../options.js';
import { writeRows } from '../../export/text.js';
import { shellQuote } from '../../shell-quote.js';

interface CreateOptions extends DbOptions {
  nucleiPerClass?: number;
  stratify?: 'tissue' | 'fold';
  allowEmpty?: boolean;
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

async function specOf(store: Store, name: string, o: CreateOptions): Promise<SubsetSpec> {
  checkSubsetName(name);
  const filters = {
    ...(o.folds !== undefined && { folds: o.folds }),
    ...(o.tissues !== undefined && { tissues: await resolveTissues(store, o.tissues.split(',').map((t) => t.trim())) }),
    ...(o.classes !== undefined && { classes: parseClasses(o.classes.split(',')) }),
    ...(o.minArea !== undefined && { minArea: o.minArea }),
    ...(o.where !== undefined && { where: o.where }),
  };
  if ((o.nucleiPerClass === undefined) === (o.images === undefined)) {
    throw new PannukeError('BAD_OPTION', 'choose one of --nuclei-per-class K or --images N --balance class');
  }
  if (o.nucleiPerClass !== undefined) {
    return { name, seed: o.seed, kind: 'nuclei-per-class', nucleiPerClass: o.nucleiPerClass, ...(o.stratify !== undefined && { stratify: o.stratify }), ...filters };
  }
  if (o.stratify !== undefined) throw new PannukeError('BAD_OPTION', '--stratify goes with --nuclei-per-class');
  if (o.balance?.toLowerCase() !== 'class') throw new PannukeError('BAD_OPTION', '--images N needs --balance class');
  return { name, seed: o.seed, kind: 'images', images: o.images as number, ...filters };
}

/** One line for the groups that had fewer nuclei than asked (they are listed by `subset show`). */
function shortfallSummary(name: string, shortfalls: readonly Shortfall[], groups: number, o: CreateOptions): string | undefined {
  if (shortfalls.length === 0) return undefined;
  if (shortfalls[0]?.classId === 0) return `note: only ${shortfalls[0].available} images qualify; all were taken`;
  const per = o.stratify === undefined ? 'class' : `(${o.stratify}, class) stratum`;
  return `note: ${shortfalls.length} of ${groups} ${o.stratify === undefined ? 'classes' : `(${o.stratify}, class) strata`} had fewer than ${o.nucleiPerClass} nuclei per ${per}; all of theirs were taken (pannuke subset show ${shellQuote(name)} lists them)`;
}

function create(name: string, o: CreateOptions, io: Io): Promise<void> {
  return withStore(o, 'write', async (store) => {
    const spec = await specOf(store, name, o);
    const r = await createSubset(store, { ...spec, allowEmpty: o.allowEmpty === true });
    const quota = spec.kind === 'nuclei-per-class' ? `, up to ${spec.nucleiPerClass} per class${spec.stratify === undefined ? '' : ` in each ${spec.stratify} (${r.groups} (${spec.stratify}, class) strata)`}` : '';
    io.stdout.write(`subset '${name}': ${r.nuclei} nuclei in ${r.images} images (seed ${spec.seed}${quota})\n`);
    io.stdout.write(formatTable(['class', 'nuclei', ...(r.balance ? ['random draw'] : [])], CLASS_NAMES.map((c, k) => [c, r.perClass[k] as number, ...(r.balance ? [r.balance.randomPerClass[k] as number] : [])])));
    if (r.balance !== undefined) {
      io.stdout.write(`imbalance (max/min class): ${ratio(r.balance.imbalance)}, against ${ratio(r.balance.randomImbalance)} for ${r.images} random images with the same seed\n`);
    }
    const note = shortfallSummary(name, r.shortfalls, r.groups, o);
    if (note !== undefined) io.stderr.write(`${note}\n`);
  });
}

export function registerSubset(program: Command, io: Io): void {
  const subset = program.command('subset').description('balanced, reproducible subsets stored in the database (subsets, subset_members)');
  dbOptions(subset
    .command('create')
    .description('choose and store a subset')
    .argument('<name>', "a new subset name: letters, digits, '.', '_', '-' (at most 64)"))
    .option('--nuclei-per-class <k>', 'K nuclei of each class (of each class in each stratum, with --stratify); a group with fewer gives all it has', parsePositiveInt('--nuclei-per-class'))
    .option('--stratify <key>', 'with --nuclei-per-class: tissue or fold; the quota K then applies per class per stratum (19 tissues × 5 classes × K at most)', parseChoice('--stratify', ['tissue', 'fold'] as const))
    .option('--images <n>', 'N images chosen so per-class nucleus counts are as even as possible (with --balance class)', parsePositiveInt('--images'))
    .option('--balance <what>', 'with --images: class')
    .option('--folds <list>', 'only these folds, e.g. 1,2', parseFolds)
    .option('--tissues <list>', 'only these tissues, e.g. Breast,Colon')
    .option('--classes <list>', 'only these classes, by name or id 1..5')
    .option('--min-area <px>', 'only nuclei with area ≥ px', parseNonNegativeInt('--min-area'))
    .option('--where <sql>', 'only nuclei matching one SQL condition on nucleus_facts columns, e.g. "eccentricity < 0.9"; it can only narrow the other filters')
    .option('--seed <s>', 'random seed: the same seed and database give the same subset', parseNonNegativeInt('--seed'), 0)
    .option('--allow-empty', 'store the subset even when no nucleus passes the filters (by default that is an error)')
    .addHelpText('after', EXIT_HELP)
    .action((name: string, o: CreateOptions) => create(name, o, io));
  dbOptions(subset
    .command('list')
    .description('list stored subsets'))
    .addHelpText('after', EXIT_HELP)
    .action((o: DbOptions) => withStore(o, 'read', async (store) => {
      io.stdout.write(formatTable(['name', 'kind', 'nuclei', 'images', 'seed', 'created'], (await listSubsets(store)).map((s) => [s.name, s.kind, s.nuclei, s.images, s.seed, s.createdAt])));
    }));
  dbOptions(subset
    .command('show')
    .description("a subset's options, its class × tissue table and the groups that had fewer nuclei than asked")
    .argument('<name>', 'the subset'))
    .addHelpText('after', EXIT_HELP)
    .action((name: string, o: DbOptions) => withStore(o, 'read', async (store) => {
      const s = await findSubset(store, name);
      io.stdout.write(`subset '${s.name}' (${s.kind}, seed ${s.seed}, created ${s.createdAt}): ${s.nuclei} nuclei in ${s.images} images\noptions: ${s.options}\n`);
      const table = await classByTissue(store, { subsetId: s.id });
      await writeRows(io.stdout, 'table', table.columns, table.rows);
      const shortfalls = JSON.parse(s.notes) as Shortfall[];
      if (shortfalls.length > 0 && shortfalls[0]?.classId !== 0) {
        io.stdout.write(`\n${shortfalls.length} group(s) had fewer nuclei than asked; all of theirs were taken:\n`);
        io.stdout.write(formatTable(['stratum', 'class', 'available'], shortfalls.map((f) => [f.stratum === '' ? 'all' : f.stratum, CLASS_NAMES[f.classId - 1] ?? String(f.classId), f.available])));
      }
    }));
  dbOptions(subset
    .command('drop')
    .description('delete a stored subset (its nuclei stay)')
    .argument('<name>', 'the subset'))
    .addHelpText('after', EXIT_HELP)
    .action((name: string, o: DbOptions) => withStore(o, 'write', async (store) => {
      await dropSubset(store, name);
      io.stdout.write(`dropped subset '${name}'\n`);
    }));
}
