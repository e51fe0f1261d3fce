import type { Command } from 'commander';
import { CLASS_NAMES } from '../../db/schema.js';
import { PannukeError } from '../../errors.js';
import { evaluationReport, incompleteNote, type EvalReport, type PqFigures } from '../../eval/metrics.js';
import { runEvaluation } from '../../eval/run.js';
import { deleteSet, findSet, listSets } from '../../eval/store.js';
import { writeRows } from '../../export/text.js';
import { parseDbLocation } from '../../db/location.js';
import { withStore } from '../database.js';
import { dbOptions, type DbOptions } from '../db-options.js';
import { formatNumber, formatTable } from '../format.js';
import { EXIT_HELP, type Io } from '../io.js';
import { parseChoice, parseFold, parsePositiveInt } from '../options.js';
import { progressReporter } from '../progress.js';
import { checkSubsetName } from '../../subset/store.js';
import { FORMATS as PREDICTION_FORMATS, type PredictionFormat } from '../../formats/files.js';

const FORMAT_NAMES: Record<PredictionFormat, string> = {
  npy: "PanNuke's masks.npy", hovernet: 'HoVer-Net JSON', cellvit: 'CellViT JSON', geojson: 'GeoJSON (pixel-edge outlines, filled on pixel centres)',
  labels: 'instance label images with class CSVs', coco: 'COCO results (RLE)',
};
import { shellQuote } from '../../shell-quote.js';

const SHOW_FORMATS = ['table', 'json', 'csv'] as const;
const fmt = (v: number | null | undefined, digits = 4) => (v === null || v === undefined ? 'NaN' : v.toFixed(digits));

interface RunOptions extends DbOptions {
  name: string;
  fold: number;
  replace?: boolean;
  workers?: number;
  radius: number;
  format?: PredictionFormat;
  names?: string;
  classes?: string;
  ignoreUnmatched?: boolean;
}

async function run(prediction: string, o: RunOptions, io: Io): Promise<void> {
  checkSubsetName(o.name, '--name');
  const progress = progressReporter(io, 'eval');
  try {
    const r = await withStore(o, 'bulk', (store) => runEvaluation(store, {
      name: o.name, fold: o.fold, prediction, radius: o.radius,
      ...(o.format !== undefined && { format: o.format }), ...(o.names !== undefined && { names: o.names }),
      ...(o.classes !== undefined && { classes: o.classes }), ...(o.ignoreUnmatched === true && { ignoreUnmatched: true }),
      ...(o.replace !== undefined && { replace: o.replace }), ...(o.workers !== undefined && { workers: o.workers }),
      onProgress: (done, total, nuclei) => progress.update(done, total, { nuclei }),
    }));
    progress.stop();
    const what = FORMAT_NAMES[r.format];
    if (r.withoutFile > 0) io.stderr.write(`warning: ${formatNumber(r.withoutFile)} image${r.withoutFile > 1 ? 's' : ''} of fold ${o.fold} ha${r.withoutFile > 1 ? 've' : 's'} no prediction (no file or no result): evaluated as empty predictions\n`);
    if (r.unmatched.length > 0) io.stderr.write(`warning: ${r.unmatched.length} file${r.unmatched.length > 1 ? 's' : ''} named no image of fold ${o.fold} and ${r.unmatched.length > 1 ? 'were' : 'was'} skipped (--ignore-unmatched), e.g. ${r.unmatched[0]}\n`);
    if (r.otherFolds > 0) io.stderr.write(`note: ${formatNumber(r.otherFolds)} features of other folds were left out\n`);
    if (r.painted.hiddenPixels > 0) io.stderr.write(`note: ${formatNumber(r.painted.hiddenPixels)} pixels of ${formatNumber(r.painted.hiddenNuclei)} wholly and some partly hidden nuclei were painted over by a later nucleus of the same class (a label map holds one id per pixel and class)\n`);
    if (r.painted.untyped > 0) io.stderr.write(`note: ${formatNumber(r.painted.untyped)} untyped nuclei (type 0 or no class): counted in the binary figures and detection, in no class (stored with class_id NULL)\n`);
    if (r.painted.invalid > 0) io.stderr.write(`warning: ${formatNumber(r.painted.invalid)} polygon${r.painted.invalid > 1 ? 's were' : ' was'} invalid (edges crossing or overlapping): read by the even-odd rule over all rings, as stated in the README\n`);
    if (r.painted.skipped > 0) io.stderr.write(`note: ${formatNumber(r.painted.skipped)} entries held no nucleus (no polygon, or no pixel centre inside) and were skipped\n`);
    io.stdout.write(`read as ${what}\n`);
    if (r.images === 0) {
      io.stdout.write(`nothing to do: all ${formatNumber(r.skipped)} images of '${r.set.name}' are evaluated\n`);
    } else {
      io.stdout.write(`${r.replaced ? 'replaced and ' : ''}evaluated '${r.set.name}' (fold ${r.set.fold}): ${formatNumber(r.images)} images, ${formatNumber(r.predictedNuclei)} predicted nuclei in ${r.seconds.toFixed(1)} s${r.skipped > 0 ? `, ${formatNumber(r.skipped)} already done` : ''}\n`);
    }
    io.stdout.write(`see: pannuke eval show ${shellQuote(r.set.name)} --db ${shellQuote(parseDbLocation(o.db).label)}\n`);
  } finally {
    progress.stop();
  }
}

/** The figures as rows (scope, name, metric, value): the CSV form, and what compare lines up. */
function figureRows(r: EvalReport): [string, string, string, number | null][] {
  const rows: [string, string, string, number | null][] = [];
  const add = (scope: string, name: string, metric: string, v: number | null) => rows.push([scope, name, metric, v]);
  for (const key of ['mPQ', 'bPQ', 'mPQ_image_avg', 'bPQ_image_avg', 'mPQ_plus', 'bPQ_plus'] as const) add('set', r.set, key, r[key]);
  add('set', r.set, 'images', r.images);
  add('set', r.set, 'fold_images', r.fold_images);
  add('set', r.set, 'official_script_would_fail', r.official_script_would_fail);
  const pq = (scope: string, name: string, f: PqFigures) => { for (const m of ['PQ', 'DQ', 'SQ', 'TP', 'FP', 'FN'] as const) add(scope, name, m, f[m]); };
  for (const c of CLASS_NAMES) pq('class', c, r.classes[c] as PqFigures);
  for (const c of CLASS_NAMES) pq('class_plus', c, r.classes_plus[c] as PqFigures);
  pq('binary', 'all', r.binary);
  pq('binary_plus', 'all', r.binary_plus);
  for (const [t, v] of Object.entries(r.tissues)) { add('tissue', t, 'images', v.images); add('tissue', t, 'mPQ', v.mPQ); add('tissue', t, 'bPQ', v.bPQ); add('tissue', t, 'mPQ_plus', v.mPQ_plus); }
  const d = r.detection;
  for (const m of ['F1', 'precision', 'recall', 'TP', 'FP', 'FN', 'type_accuracy', 'radius'] as const) add('detection', 'all', m, d[m]);
  for (const [t, v] of Object.entries(d.types)) for (const m of ['F1', 'TP', 'FP', 'FN', 'FP_d', 'FN_d'] as const) add('detection_type', t, m, v[m]);
  return rows;
}

function tableOf(r: EvalReport): string {
  const head = [
    `prediction set '${r.set}', fold ${r.fold}: ${incompleteNote(r) ?? `${formatNumber(r.images)} images`}${r.class_agnostic ? '\nclass-agnostic prediction (no classes): the binary figures and untyped detection only; every class figure is NaN' : ''}`,
    '',
    formatTable(['figure', 'mPQ', 'bPQ', 'averaged as'], [
      ['official PanNuke', fmt(r.mPQ), fmt(r.bPQ), 'per image, then per tissue, then over tissues (NaN-means)'],
      ['image-averaged', fmt(r.mPQ_image_avg), fmt(r.bPQ_image_avg), 'per image, then over images (CellViT\'s JSON)'],
      ['pooled (+)', fmt(r.mPQ_plus), fmt(r.bPQ_plus), 'counts summed over images, then PQ (CoNIC\'s mPQ+)'],
    ]),
  ].join('\n');
  const classes = formatTable(['class', 'PQ', 'DQ', 'SQ', 'TP', 'FP', 'FN', 'PQ+', 'DQ+', 'SQ+', 'TP+', 'FP+', 'FN+'], [...CLASS_NAMES, 'binary'].map((c) => {
    const f = c === 'binary' ? r.binary : (r.classes[c] as PqFigures);
    const p = c === 'binary' ? r.binary_plus : (r.classes_plus[c] as PqFigures);
    return [c, fmt(f.PQ), fmt(f.DQ), fmt(f.SQ), f.TP ?? '', f.FP ?? '', f.FN ?? '', fmt(p.PQ), fmt(p.DQ), fmt(p.SQ), p.TP ?? '', p.FP ?? '', p.FN ?? ''];
  }));
  const tissues = formatTable(['tissue', 'images', 'mPQ', 'bPQ', 'mPQ+'], Object.entries(r.tissues).map(([t, v]) => [t, v.images, fmt(v.mPQ), fmt(v.bPQ), fmt(v.mPQ_plus)]));
  const d = r.detection;
  const detection = formatTable(['type', 'F1', 'TP', 'FP', 'FN', 'FP_d', 'FN_d'], [
    ['detection', fmt(d.F1), d.TP, '', '', d.FP, d.FN],
    ...CLASS_NAMES.map((c) => { const t = d.types[c]!; return [c, fmt(t.F1), t.TP ?? '', t.FP ?? '', t.FN ?? '', t.FP_d ?? '', t.FN_d ?? '']; }),
  ]);
  const fails = r.official_script_would_fail > 0
    ? `\nnote: the official script (PanNuke-metrics run.py) would raise on ${r.official_script_would_fail} of these images (a binarized id wholly overwritten by a later channel leaves a gap it indexes by); the figures here are computed per instance on every image.\n`
    : '';
  return `${head}\nPer class (official: NaN-mean over images, counts over the images that count; +: pooled over all images):\n${classes}\nPer tissue:\n${tissues}\nDetection (centroids paired by minimum total distance within ${d.radius} px; precision ${fmt(d.precision)}, recall ${fmt(d.recall)}, type accuracy ${fmt(d.type_accuracy)}):\n${detection}${fails}`;
}

function show(name: string, o: DbOptions & { format: (typeof SHOW_FORMATS)[number] }, io: Io): Promise<void> {
  return withStore(o, 'read', async (store) => {
    const r = await evaluationReport(store, name);
    const note = incompleteNote(r);
    if (note !== undefined && o.format !== 'table') io.stderr.write(`warning: '${r.set}' covers ${note}\n`);
    if (o.format === 'json') io.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
    else if (o.format === 'csv') await writeRows(io.stdout, 'csv', ['scope', 'name', 'metric', 'value'], figureRows(r));
    else io.stdout.write(tableOf(r));
  });
}

type CompareOptions = DbOptions & { format: 'table' | 'csv' | 'json'; allowIncomplete?: boolean };

function compare(names: string[], o: CompareOptions, io: Io): Promise<void> {
  if (names.length < 2) throw new PannukeError('BAD_OPTION', 'eval compare needs two or more set names');
  return withStore(o, 'read', async (store) => {
    const reports: EvalReport[] = [];
    for (const n of names) reports.push(await evaluationReport(store, n));
    // Figures over part of a fold are not comparable with figures over all of it (nor with another part).
    for (const r of reports) {
      const note = incompleteNote(r);
      if (note === undefined) continue;
      if (o.allowIncomplete !== true) {
        throw new PannukeError('BAD_OPTION', `'${r.set}' covers ${note}`, { file: store.label, hint: 'or add --allow-incomplete to compare it as it is' });
      }
      io.stderr.write(`warning: '${r.set}' covers ${note}\n`);
    }
    const keyed = reports.map((r) => new Map(figureRows(r).filter(([scope, , metric]) => scope !== 'set' || metric !== 'images').map(([scope, name, metric, v]) => [`${scope}|${scope === 'set' ? '' : name}|${metric}`, v])));
    const keys = [...new Set(keyed.flatMap((m) => [...m.keys()]))].filter((k) => /^(set\|\|(mPQ|bPQ)|class\|.*\|PQ$|class_plus\|.*\|PQ$|tissue\|.*\|(mPQ|bPQ)$|detection\|all\|F1$|detection_type\|.*\|F1$)/.test(k));
    const columns = ['scope', 'name', 'metric', ...names, ...names.slice(1).map((n) => `${n} − ${names[0]}`)];
    const rows = keys.map((k) => {
      const [scope, name, metric] = k.split('|') as [string, string, string];
      const values = keyed.map((m) => m.get(k) ?? null);
      const base = values[0] ?? null;
      return [scope, name, metric, ...values.map((v) => (o.format === 'table' ? fmt(v) : v)), ...values.slice(1).map((v) => (v === null || base === null ? (o.format === 'table' ? 'NaN' : null) : o.format === 'table' ? `${v - base >= 0 ? '+' : ''}${(v - base).toFixed(4)}` : v - base))];
    });
    await writeRows(io.stdout, o.format, columns, rows);
  });
}

export function registerEval(program: Command, io: Io): void {
  const ev = program.command('eval').description("score a model's predictions against the ground truth: PanNuke's PQ metrics, mPQ+ and detection F1, stored and queryable");
  dbOptions(ev
    .command('run')
    .description("evaluate a prediction of one fold (PanNuke's masks.npy, per-image HoVer-Net/CellViT JSON, GeoJSON or label images, COCO results) against the database's ground truth")
    .argument('<prediction>', "the prediction: PanNuke's masks.npy (N, H, W, 5 or 6) or its folder; a folder of per-image HoVer-Net or CellViT JSON, GeoJSON or label images (.png, .tif, with {name}.csv classes); COCO results JSON"), 'the database holding the ground truth (pannuke ingest)')
    .requiredOption('--name <set>', "a name for this prediction set (letters, digits, '.', '_', '-')")
    .requiredOption('--fold <k>', 'the fold the prediction is of (1, 2 or 3)', parseFold)
    .option('--replace', 'the name exists with another file: delete its results and evaluate this one')
    .option('--workers <n>', 'worker threads (default: available cores)', parsePositiveInt('--workers'))
    .option('--radius <px>', 'detection: pairs farther apart than this are not matched', parsePositiveInt('--radius'), 12)
    .option('--format <format>', `the prediction's format, when not detected from its content: ${PREDICTION_FORMATS.join(', ')}`, parseChoice('--format', PREDICTION_FORMATS))
    .option('--names <template>', 'how per-image files are named: {fold}, {fold0} (0-based), {index} (fold_index), {image_id} (default {fold}_{index})')
    .option('--classes <map>', "class names of another vocabulary: 'Tumor=Neoplastic,Lymphocyte=Inflammatory'")
    .option('--ignore-unmatched', 'skip files that name no image of the fold (refused otherwise)')
    .addHelpText('after', `
Resumable: an interrupted run (Ctrl-C, kill -9) continues where it stopped when run again. The prediction must
have the fold's N, H and W; its values must be whole numbers ≥ 0 (as masks are).
Exit codes: 0 done, 1 bad input or unusable database, 2 bad usage, 130 interrupted.`)
    .action((prediction: string, o: RunOptions) => run(prediction, o, io));
  dbOptions(ev
    .command('show')
    .description('the figures of a prediction set: official mPQ/bPQ, image-averaged, pooled (+), per class, per tissue, detection')
    .argument('<set>', 'the prediction set'))
    .option('--format <format>', 'table, json or csv', parseChoice('--format', SHOW_FORMATS), 'table')
    .addHelpText('after', EXIT_HELP)
    .action((name: string, o: DbOptions & { format: (typeof SHOW_FORMATS)[number] }) => show(name, o, io));
  dbOptions(ev
    .command('compare')
    .description('prediction sets side by side: mPQ, bPQ, per class and per tissue, with differences from the first')
    .argument('<sets...>', 'two or more prediction sets'))
    .option('--format <format>', 'table, csv or json', parseChoice('--format', ['table', 'csv', 'json'] as const), 'table')
    .option('--allow-incomplete', 'compare sets that do not cover their whole fold (refused otherwise: an unfinished `eval run`)')
    .addHelpText('after', EXIT_HELP)
    .action((names: string[], o: CompareOptions) => compare(names, o, io));
  dbOptions(ev.command('list').description('the prediction sets in the database'))
    .addHelpText('after', EXIT_HELP)
    .action((o: DbOptions) => withStore(o, 'read', async (store) => {
      const foldImages = new Map((await store.all('SELECT fold, count(*) FROM images GROUP BY fold')).rows.map((r) => [Number(r[0]), Number(r[1])]));
      io.stdout.write(formatTable(['name', 'fold', 'images', 'of fold', 'complete', 'source', 'created'], (await listSets(store)).map((s) => {
        const all = foldImages.get(s.fold) ?? 0;
        return [s.name, s.fold, s.images, all, s.images === all ? 'yes' : 'no: run eval run again', s.source, s.createdAt];
      })));
    }));
  dbOptions(ev.command('drop').description('delete a prediction set and all its results').argument('<set>', 'the prediction set'))
    .addHelpText('after', EXIT_HELP)
    .action((name: string, o: DbOptions) => withStore(o, 'write', async (store) => {
      const set = await findSet(store, name);
      if (set === undefined) throw new PannukeError('BAD_OPTION', `no prediction set named '${name}'`, { file: store.label });
      await deleteSet(store, set.id);
      io.stdout.write(`dropped prediction set '${name}'\n`);
    }));
}

/** For `demo`: a prediction of the sample's fold 1 (made once), evaluated afresh, its headline table printed. */
export async function runEvalDemo(o: { sample: string; prediction: string; db: string }, io: Io): Promise<void> {
  const quiet: Io = { stdout: { write: () => true }, stderr: io.stderr };
  // Loaded here: every other eval command would run the synthesizer's modules at start for nothing.
  const { runSynth } = await import('./synth.js');
  await runSynth(o.prediction, { seed: 1, force: true, predictionOf: o.sample, fold: 1 }, quiet);
  await run(o.prediction, { db: o.db, name: 'demo-model', fold: 1, radius: 12, replace: true }, quiet);
  await show('demo-model', { db: o.db, format: 'table' }, io);
}
