/**
 * `npm run bench`: ingest throughput against the cost of reading the bytes, measured in one run.
 *
 *   npm run bench -- [--images-per-fold 200] [--size 256] [--seed 1] [--scale 1,2,4] [--repeat 3] [--full-release] [--generic] [--save] [--keep]
 *
 * For each scale it generates (or reuses, cached in bench/data by size, seed and count) a synthetic dataset,
 * then measures: the floor (`cat` of the same masks files, no other work), each stage alone (read,
 * extract on one thread, load), and ingest end to end through the CLI in a child process (wall time; peak
 * RSS, the highest of the repeats). Figures are reported as ratios against the floor measured in the same run. The floors and the ingests are
 * run `--repeat` times each and reported by their median (with the range), since the machines are shared
 * and one run can be off by a third. `--save` writes bench/RESULTS.md.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, InvalidArgumentError } from 'commander';
import { openFold, CLASS_CHANNELS, MASK_CHANNELS } from '../src/dataset/fold.js';
import { findFolds } from '../src/dataset/layout.js';
import { openDatabase } from '../src/db/open.js';
import { rebuildAreaHistogram } from '../src/db/area-histogram.js';
import { classByTissue, groupedStats } from '../src/query/stats.js';
import { SqliteStore } from '../src/db/sqlite-store.js';
import { BulkWriter, type ImageToLoad } from '../src/db/writer.js';
import { extractImage, recordBuffer, type ExtractedImage } from '../src/extract/image.js';
import { packImage } from '../src/handoff/packed.js';
import { decodeNumeric } from '../src/npy/decode.js';
import type { NpyFile } from '../src/npy/reader.js';
import { synthesize } from '../src/synth/generator.js';
import { databaseFiles } from '../src/output/guard.js';
import { MEASURED_BY, measuredCli, withoutExtraCaCerts } from './child.js';
import { idleTable, medianIdle, schedTraceAvailable } from './idle.js';
import { serveNote, serveTiming, tenfold } from './serve.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Removes a SQLite database and the files SQLite keeps beside it. */
const removeDatabase = (file: string) => {
  for (const f of databaseFiles(file)) fs.rmSync(f, { force: true });
};

interface Row {
  scale: number;
  stage: string;
  seconds: number;
  images: number;
  nuclei: number;
  ratio: number;
  rssMb?: number;
  bytesPerNucleus?: number;
  /** Fastest and slowest of the repeated runs, seconds. */
  range?: readonly [number, number];
  /** CPU time of the (median) run, every thread: for "cores used". */
  cpuSeconds?: number;
}

/** Runs `f` n times: the run with the median time, the range of times, and every run. */
async function medianRun<T extends { seconds: number }>(n: number, f: () => T | Promise<T>): Promise<T & { range: readonly [number, number]; runs: T[] }> {
  const runs: T[] = [];
  for (let i = 0; i < n; i++) runs.push(await f());
  return medianOf(runs);
}

/** The run of median wall time among runs already made, with the range and every run. */
function medianOf<T extends { seconds: number }>(made: T[]): T & { range: readonly [number, number]; runs: T[] } {
  const runs = [...made].sort((a, b) => a.seconds - b.seconds);
  return { ...(runs[Math.floor((runs.length - 1) / 2)] as T), range: [(runs[0] as T).seconds, (runs.at(-1) as T).seconds], runs };
}

/** The highest peak RSS of repeated ingests. */
const peakRss = (runs: { rssMb: number }[]) => Math.max(...runs.map((r) => r.rssMb));

/** Realistic by default: each image's tissue and nuclei per class from the real release (synth --like-release). */
let generic = false;

/** The dataset of `imagesPerFold` images per fold, or the whole release-like set (7,901 images) when undefined. */
async function dataset(imagesPerFold: number | undefined, size: number, seed: number): Promise<string> {
  const dir = path.join(ROOT, 'bench', 'data', `${generic ? 'generic' : 'release'}-s${size}-seed${seed}-n${imagesPerFold ?? 'all'}`);
  if (!fs.existsSync(path.join(dir, 'manifest.json'))) {
    process.stderr.write(`generating ${imagesPerFold === undefined ? 'the whole release-like set of' : 3 * imagesPerFold} images of ${size}×${size} in ${dir} …\n`);
    await synthesize({ dir, seed, size, ...(imagesPerFold !== undefined && { imagesPerFold }), ...(!generic && { likeRelease: true }) });
  }
  return dir;
}

function dropFromPageCache(dir: string): boolean {
  // Best effort: needs root; lets the "cold" figure mean cold.
  try {
    fs.writeFileSync('/proc/sys/vm/drop_caches', '1');
    return true;
  } catch {
    void dir;
    return false;
  }
}

/**
 * The floor: `cat` of the same masks files to /dev/null, the bytes ingest has to read and nothing else (in
 * the page cache, a copy at memory speed; from the disk, the disk's sequential speed with the kernel's
 * read-ahead).
 */
async function readFloor(dir: string): Promise<{ seconds: number; images: number; bytes: number }> {
  const folds = findFolds(dir);
  const files = folds.map((f) => f.masks);
  let images = 0;
  for (const foldFiles of folds) {
    const fold = await openFold(foldFiles);
    images += fold.count;
    fold.close();
  }
  const bytes = files.reduce((s, f) => s + fs.statSync(f).size, 0);
  const devNull = fs.openSync('/dev/null', 'w');
  const t = performance.now();
  const child = spawnSync('cat', files, { stdio: ['ignore', devNull, 'pipe'] });
  const seconds = (performance.now() - t) / 1000;
  fs.closeSync(devNull);
  if (child.status !== 0) throw new Error(`cat failed: ${child.stderr.toString()}`);
  return { seconds, images, bytes };
}

/** Extraction alone, one thread, each record read beforehand as the workers read it (timed without the reads). */
async function extractAlone(dir: string): Promise<{ seconds: number; images: number; nuclei: number; results: { fold: number; index: number; tissue: string; image: ExtractedImage; w: number; h: number }[] }> {
  let seconds = 0, images = 0, nuclei = 0;
  const results = [];
  for (const files of findFolds(dir)) {
    const fold = await openFold(files);
    const masks = fold.masks as NpyFile;
    const dtype = masks.header.dtype;
    if (dtype.kind !== 'numeric') throw new Error('numeric masks expected');
    const scratch = {};
    for (let i = 0; i < fold.count; i++) {
      const buf = masks.readRecord(i, recordBuffer(masks.recordBytes));
      const t = performance.now();
      const image = extractImage(decodeNumeric(buf, dtype), { height: fold.height, width: fold.width, channels: MASK_CHANNELS, classChannels: CLASS_CHANNELS }, { file: files.masks, fold: fold.fold, index: i }, scratch);
      seconds += (performance.now() - t) / 1000;
      images++;
      nuclei += image.nuclei.length;
      results.push({ fold: fold.fold, index: i, tissue: fold.tissues[i] as string, image, w: fold.width, h: fold.height });
    }
    fold.close();
  }
  return { seconds, images, nuclei, results };
}

/** Loading alone: the extracted rows into a fresh database, in the pipeline's batch size. */
function loadAlone(results: Awaited<ReturnType<typeof extractAlone>>['results'], file: string): number {
  removeDatabase(file);
  const db = openDatabase(file);
  const writer = new BulkWriter(db);
  const t = performance.now();
  const tissueIds = writer.tissueIds([...new Set(results.map((r) => r.tissue))].sort());
  let batch: ImageToLoad[] = [];
  for (const r of results) {
    batch.push({
      image: { fold: r.fold, foldIndex: r.index, tissueId: tissueIds.get(r.tissue) as number, width: r.w, height: r.h, nucleusCount: r.image.nuclei.length, voidPixels: r.image.voidPixels, overlapPixels: r.image.overlapPixels },
      nuclei: packImage(r.image),
    });
    if (batch.length >= 64) {
      writer.write(batch);
      batch = [];
    }
  }
  writer.write(batch);
  const seconds = (performance.now() - t) / 1000;
  db.$client.close();
  return seconds;
}

/**
 * `pannuke stats` query time on at least `target` nuclei: the ingested database is copied and its nuclei
 * repeated (ids offset) until it holds that many; then the default table and the grouped statistics are timed.
 */
async function statsTiming(file: string, target: number): Promise<{ nuclei: number; defaultMs: number; groupedMs: number }> {
  const copy = `${file}.stats.sqlite`;
  fs.copyFileSync(file, copy);
  const db = openDatabase(copy);
  const base = db.$client.prepare('SELECT max(id) FROM nuclei').pluck().get() as number;
  const cols = (db.$client.prepare('PRAGMA table_info(nuclei)').all() as { name: string }[]).map((c) => c.name).filter((c) => c !== 'id');
  for (let k = 1; (db.$client.prepare('SELECT count(*) FROM nuclei').pluck().get() as number) < target; k++) {
    const select = cols.map((c) => (c === 'instance_id' ? `instance_id + ${k} * 1000000000` : c)).join(', ');
    db.$client.exec(`INSERT INTO nuclei (${cols.join(', ')}) SELECT ${select} FROM nuclei WHERE id <= ${base}`);
  }
  const store = SqliteStore.over(db, copy);
  await rebuildAreaHistogram(store); // the rows were copied by SQL, past the bulk writer that keeps it
  const nuclei = db.$client.prepare('SELECT count(*) FROM nuclei').pluck().get() as number;
  const time = async (f: () => Promise<unknown>) => {
    await f(); // warm the page cache
    const t = performance.now();
    for (let i = 0; i < 5; i++) await f();
    return (performance.now() - t) / 5;
  };
  const defaultMs = await time(() => classByTissue(store));
  const groupedMs = await time(() => groupedStats(store, ['tissue', 'fold', 'class']));
  db.$client.close();
  removeDatabase(copy);
  return { nuclei, defaultMs, groupedMs };
}

/** The dataset packed as the release is (one deflate zip per fold), cached beside it. */
async function zipped(dir: string): Promise<string> {
  const out = `${dir}-zips`;
  const folds = findFolds(dir).map((f) => f.fold);
  if (fs.existsSync(path.join(out, `fold_${folds.at(-1)}.zip`))) return out;
  const { default: yazl } = await import('yazl');
  fs.mkdirSync(out, { recursive: true });
  for (const k of folds) {
    const zip = new yazl.ZipFile();
    for (const rel of [`images/fold${k}/images.npy`, `images/fold${k}/types.npy`, `masks/fold${k}/masks.npy`]) zip.addFile(path.join(dir, `Fold ${k}`, rel), `Fold ${k}/${rel}`);
    zip.end();
    await new Promise<void>((resolve, reject) => zip.outputStream.pipe(fs.createWriteStream(path.join(out, `fold_${k}.zip`))).on('close', resolve).on('error', reject));
  }
  return out;
}

/** Ingest end to end through the built CLI in a child process. */
function ingestCli(dir: string, file: string, env: NodeJS.ProcessEnv = process.env): { seconds: number; rssMb: number; dbBytes: number; cpuSeconds: number } {
  removeDatabase(file);
  const { seconds, rssMb, cpuSeconds } = measuredCli(['ingest', dir, '--db', file], env);
  const dbBytes = ['', '-wal'].reduce((s, x) => s + (fs.existsSync(file + x) ? fs.statSync(file + x).size : 0), 0);
  return { seconds, rssMb, dbBytes, cpuSeconds };
}

/** The floor for ingest from the zips (bench/zip-floor.ts, in a child process of its own). */
function zipFloor(zips: string): { seconds: number; bytes: number; cpuSeconds: number } {
  const child = spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'bench', 'zip-floor.ts'), zips], { encoding: 'utf8', cwd: ROOT });
  if (child.status !== 0) throw new Error(`zip floor failed: ${child.stderr}`);
  return JSON.parse(child.stdout) as { seconds: number; bytes: number; cpuSeconds: number };
}

/** A model-like prediction of fold 1 of the bench dataset, cached beside it. */
async function prediction(dir: string): Promise<string> {
  const out = `${dir}-prediction`;
  if (fs.existsSync(path.join(out, 'masks.npy'))) return out;
  fs.mkdirSync(out, { recursive: true });
  const { synthesizePrediction } = await import('../src/synth/prediction.js');
  await synthesizePrediction({ masks: path.join(dir, 'Fold 1', 'masks', 'fold1', 'masks.npy'), out: path.join(out, 'masks.npy'), seed: 1 });
  return out;
}

/** The prediction of fold 1 as HoVer-Net and rasterio write it (test/formats/fixtures.py), or undefined without them. */
function formatFixtures(pred: string, foldDb: string): string | undefined {
  if (spawnSync('/usr/bin/python3', ['-c', 'import cv2, rasterio, tifffile, PIL']).status !== 0) return undefined;
  const out = `${pred}-formats`;
  fs.rmSync(out, { recursive: true, force: true });
  const first = Number(spawnSync(process.execPath, [path.join(ROOT, 'bin', 'pannuke.cjs'), 'query', '--db', foldDb, 'SELECT min(id) FROM images WHERE fold = 1', '--format', 'csv'], { encoding: 'utf8' }).stdout.split(/\r?\n/)[1]);
  const py = spawnSync('/usr/bin/python3', [path.join(ROOT, 'test', 'formats', 'fixtures.py'), path.join(pred, 'masks.npy'), '1', out, String(first)], { encoding: 'utf8' });
  if (py.status !== 0) throw new Error(`format fixtures failed: ${py.stderr}`);
  return out;
}

/** A CLI command in a child process, timed, with its peak RSS and CPU time (all threads). */
function timedCli(args: string[]): { seconds: number; rssMb: number; cpuSeconds: number } {
  const { seconds, rssMb, cpuSeconds } = measuredCli(args);
  return { seconds, rssMb, cpuSeconds };
}

/** Cores used by a run: its CPU time (every thread) over the cores × its wall time (issue 23: at least 0.9). */
const coresUsed = (run: { seconds: number; cpuSeconds: number }) => run.cpuSeconds / (os.availableParallelism() * run.seconds);

/**
 * Ingest from the zips against its own floor (reading the archives and inflating + CRC-checking the masks
 * members on one core), against the folder ingest of the same data (`folders`, just measured in the same
 * cache state), and against what the cores allow at best: the folder ingest's CPU time plus the inflate
 * floor's, spread over the cores. `drop` empties the page cache before each run (the cold rows). Each row's
 * `ratio` is against `floorSeconds`, the `cat` floor of the same scale and cache state.
 */
async function zipRows(z: { scale: number; dir: string; dbFile: string; folders: { seconds: number; cpuSeconds: number }; floorSeconds: number; images: number; nuclei: number; repeat: number; dirs: string[]; drop?: () => void }): Promise<Row[]> {
  const { scale, images, nuclei, floorSeconds } = z;
  const zips = await zipped(z.dir);
  const members = findFolds(z.dir).length;
  z.dirs.push(zips);
  const zipBytes = fs.readdirSync(zips).reduce((s, f) => s + fs.statSync(path.join(zips, f)).size, 0);
  const state = z.drop === undefined ? 'warm' : 'cold cache';
  if (z.drop === undefined) zipFloor(zips); // into the page cache
  // In alternating rounds (floor, then ingest), not all floors then all ingests: this machine's single-core
  // speed drifts within minutes (the same floor took 1.2-2.9 CPU-s within an hour), and the ratio should
  // compare the two at the same speed.
  const floors: ReturnType<typeof zipFloor>[] = [];
  const ingests: ReturnType<typeof ingestCli>[] = [];
  for (let round = 0; round < z.repeat; round++) {
    z.drop?.();
    floors.push(zipFloor(zips));
    z.drop?.();
    ingests.push(ingestCli(zips, z.dbFile));
  }
  const inflate = medianOf(floors);
  const fromZip = medianOf(ingests);
  // Issue 23's bound: the zips cannot beat the folders (the same work, plus inflating), nor inflate a member
  // faster than one core does, nor do the work's CPU time faster than the cores allow.
  const cores = os.availableParallelism();
  const bound = Math.max(z.folders.seconds, inflate.cpuSeconds, (z.folders.cpuSeconds + inflate.cpuSeconds) / cores);
  return [
    { scale, stage: `floor for the zips (${state}): read + inflate + CRC-32 of the masks member${members === 1 ? '' : 's'}, one core (${(inflate.bytes / inflate.seconds / 1e6).toFixed(0)} MB/s out, ${inflate.cpuSeconds.toFixed(2)} CPU-s)`, seconds: inflate.seconds, range: inflate.range, images, nuclei, ratio: inflate.seconds / floorSeconds },
    { scale, stage: `zips at best (issue 23's bound): max(the folder ingest, the floor's ${inflate.cpuSeconds.toFixed(2)} CPU-s, (the folder ingest's ${z.folders.cpuSeconds.toFixed(2)} CPU-s + the floor's) / ${cores} cores) = ${(bound / z.folders.seconds).toFixed(2)}× the folder ingest`, seconds: bound, images, nuclei, ratio: bound / floorSeconds },
    { scale, stage: `ingest from the zips (deflate, ${(zipBytes / 1e6).toFixed(0)} MB), CLI (${state}): **${(fromZip.seconds / bound).toFixed(2)}× that bound** (target ≤ 1.15), ${(fromZip.seconds / z.folders.seconds).toFixed(2)}× the folder ingest, ${fromZip.cpuSeconds.toFixed(2)} CPU-s, cores used ${coresUsed(fromZip).toFixed(2)}`, seconds: fromZip.seconds, range: fromZip.range, images, nuclei, ratio: fromZip.seconds / floorSeconds, rssMb: peakRss(fromZip.runs), bytesPerNucleus: fromZip.dbBytes / nuclei },
  ];
}

/**
 * The whole release-like set (7,901 images, 189,744 nuclei: 25 GB of masks, more than this machine's page
 * cache) from the folders and from the zips, each against its floor, with the page cache dropped before each
 * run when the bench runs as root. Needs ~40 GB free beside bench/data; the reason when it cannot run.
 */
async function fullRelease(size: number, seed: number, dbFile: string, repeat: number, imagesAtScale1: number, dirs: string[], serveNotes: string[]): Promise<{ rows: Row[]; note: string } | string> {
  if (generic) return 'it is release-like data only (drop --generic)';
  const dataRoot = path.join(ROOT, 'bench', 'data');
  fs.mkdirSync(dataRoot, { recursive: true });
  const { bavail, bsize } = fs.statfsSync(dataRoot);
  const free = bavail * bsize;
  const dir = path.join(dataRoot, `release-s${size}-seed${seed}-nall`);
  if (!fs.existsSync(path.join(dir, 'manifest.json')) && free < 40e9) return `it needs ~40 GB free in ${dataRoot}, there are ${(free / 1e9).toFixed(0)} GB`;
  await dataset(undefined, size, seed);
  dirs.push(dir);
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as { totals: number[] };
  const nuclei = manifest.totals.reduce((a, b) => a + b, 0);
  const drop = dropFromPageCache(dir) ? () => void dropFromPageCache(dir) : undefined;
  const state = drop === undefined ? 'page cache not dropped (not root), though 25 GB do not fit in it' : 'cold cache';
  const floor = await medianRun(repeat, () => {
    drop?.();
    return readFloor(dir);
  });
  const folders = await medianRun(repeat, () => {
    drop?.();
    return ingestCli(dir, dbFile);
  });
  const scale = Number((floor.images / imagesAtScale1).toFixed(1));
  const rows: Row[] = [
    { scale, stage: `whole release: floor, cat of the masks files (${state})`, seconds: floor.seconds, range: floor.range, images: floor.images, nuclei, ratio: 1 },
    { scale, stage: `whole release: ingest from the folders, CLI (${state}), ${folders.cpuSeconds.toFixed(1)} CPU-s`, seconds: folders.seconds, range: folders.range, images: floor.images, nuclei, ratio: folders.seconds / floor.seconds, rssMb: peakRss(folders.runs), bytesPerNucleus: folders.dbBytes / nuclei },
    ...(await zipRows({ scale, dir, dbFile, folders, floorSeconds: floor.seconds, images: floor.images, nuclei, repeat, dirs, ...(drop !== undefined && { drop }) })).map((r) => ({ ...r, stage: `whole release: ${r.stage}` })),
  ];
  // the explorer over the whole release (ingested from the folders, whose patches it reads) and a 10× copy
  ingestCli(dir, dbFile);
  serveNotes.push(serveNote(await serveTiming(ROOT, dbFile, dir, 'the whole release-like database')));
  const ten = `${dbFile}-x10`;
  tenfold(dbFile, ten);
  serveNotes.push(serveNote(await serveTiming(ROOT, ten, dir, 'a 10× copy of the whole release (the copies\' patches are placeholders)')));
  removeDatabase(ten);
  const zip = rows.at(-1) as Row;
  const note = `Whole release-like set (${floor.images.toLocaleString('en-US')} images, ${nuclei.toLocaleString('en-US')} nuclei, ${state}): from the zips ${zip.seconds.toFixed(1)} s against ${folders.seconds.toFixed(1)} s from the folders (${(zip.seconds / folders.seconds).toFixed(2)}×).`;
  return { rows, note };
}

/**
 * One fold of `n` images whose masks are one member (ZIP64 past 4 GiB): inflate cannot be shared between
 * folds here, so it is the case where the zips' bound is the member's inflate on one core or the CPU time.
 */
async function oneFold(n: number, size: number, seed: number, dbFile: string, repeat: number, imagesAtScale1: number, dirs: string[]): Promise<Row[]> {
  const dir = path.join(ROOT, 'bench', 'data', `${generic ? 'generic' : 'release'}-s${size}-seed${seed}-fold1-n${n}`);
  if (!fs.existsSync(path.join(dir, 'manifest.json'))) {
    process.stderr.write(`generating one fold of ${n} images in ${dir} …\n`);
    await synthesize({ dir, seed, size, imagesPerFold: n, folds: [1], ...(!generic && { likeRelease: true }) });
  }
  dirs.push(dir);
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as { totals: number[] };
  const nuclei = manifest.totals.reduce((a, b) => a + b, 0);
  await readFloor(dir);
  const floor = await medianRun(repeat, () => readFloor(dir));
  const folders = await medianRun(repeat, () => ingestCli(dir, dbFile));
  const scale = Number((n / imagesAtScale1).toFixed(1));
  const label = `one fold of ${n} images`;
  return [
    { scale, stage: `${label}: floor, cat of the masks file (warm cache)`, seconds: floor.seconds, range: floor.range, images: n, nuclei, ratio: 1 },
    { scale, stage: `${label}: ingest from the folder, CLI (warm cache), ${folders.cpuSeconds.toFixed(2)} CPU-s, cores used ${coresUsed(folders).toFixed(2)}`, seconds: folders.seconds, range: folders.range, images: n, nuclei, ratio: folders.seconds / floor.seconds, rssMb: peakRss(folders.runs), bytesPerNucleus: folders.dbBytes / nuclei },
    ...(await zipRows({ scale, dir, dbFile, folders, floorSeconds: floor.seconds, images: n, nuclei, repeat, dirs })).map((r) => ({ ...r, stage: `${label}: ${r.stage}` })),
  ];
}

/**
 * PostgreSQL rows (a throwaway server from Debian's binaries, PostGIS when installed): ingest into it (COPY)
 * and `copy` of the SQLite database into it, each into a schema of its own, with the size the server stores.
 */
async function postgresRuns(dir: string, dbFile: string, repeat: number): Promise<{ ingest: Awaited<ReturnType<typeof medianRun<{ seconds: number; rssMb: number }>>>; copy: { seconds: number; rssMb: number }; bytes: number; postgis: boolean } | string> {
  const { startThrowawayServer } = await import('../scripts/throwaway-postgres.js');
  const server = await startThrowawayServer();
  if ('skip' in server) return server.skip;
  const pg = (await import('pg')).default;
  try {
    const admin = new pg.Client({ connectionString: server.url });
    await admin.connect();
    await admin.query('CREATE DATABASE bench');
    await admin.end();
    const url = server.url.replace(/\/postgres$/, '/bench');
    let k = 0;
    const ingest = await medianRun(repeat, () => timedCli(['ingest', dir, '--db', `${url}?schema=ingest_${k++}`]));
    const copy = timedCli(['copy', '--from', dbFile, '--to', `${url}?schema=copied`]);
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    const size = await client.query("SELECT sum(pg_total_relation_size(c.oid))::float8 AS bytes FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'ingest_0' AND c.relkind IN ('r', 'm')");
    const postgis = (await client.query("SELECT 1 FROM pg_extension WHERE extname = 'postgis'")).rowCount === 1;
    await client.end();
    return { ingest, copy, bytes: Number(size.rows[0].bytes), postgis };
  } finally {
    server.stop();
  }
}

/**
 * The fixed cost of a run, measured directly: ingest of a 3-image dataset (one per fold) into a fresh
 * database, and Node's own start-up (`node -e 0`); medians of 5.
 */
async function startupCost(size: number, seed: number, dbFile: string): Promise<{ ingest: number; ingestCpu: number; node: number; nodeWithoutCa?: number; dir: string }> {
  const dir = await dataset(1, size, seed);
  const median = (f: () => number) => {
    const xs = Array.from({ length: 5 }, f).sort((a, b) => a - b);
    return xs[2] as number;
  };
  const nodeStart = (env: NodeJS.ProcessEnv) => median(() => {
    const t = performance.now();
    spawnSync(process.execPath, ['-e', '0'], { env });
    return (performance.now() - t) / 1000;
  });
  const node = nodeStart(process.env);
  const withoutCa = withoutExtraCaCerts();
  const runs = Array.from({ length: 5 }, () => ingestCli(dir, dbFile)).sort((a, b) => a.seconds - b.seconds);
  const mid = runs[2] as { seconds: number; cpuSeconds: number };
  return { ingest: mid.seconds, ingestCpu: mid.cpuSeconds, node, ...(withoutCa === undefined ? {} : { nodeWithoutCa: nodeStart(withoutCa) }), dir };
}

function table(rows: Row[]): string {
  const head = '| scale | stage | wall s (median) | range s | images/s | nuclei/s | ratio to floor | peak RSS MB | DB bytes/nucleus |\n|---:|---|---:|---:|---:|---:|---:|---:|---:|';
  const fmt = (x: number | undefined, d = 0) => (x === undefined || !Number.isFinite(x) ? '' : x.toFixed(d));
  const range = (r: Row) => (r.range === undefined ? '' : `${r.range[0].toFixed(2)}–${r.range[1].toFixed(2)}`);
  return [head, ...rows.map((r) => `| ${r.scale}× | ${r.stage} | ${r.seconds.toFixed(3)} | ${range(r)} | ${fmt(r.images / r.seconds)} | ${fmt(r.nuclei / r.seconds)} | ${r.ratio.toFixed(2)} | ${fmt(r.rssMb)} | ${fmt(r.bytesPerNucleus)} |`)].join('\n');
}

/**
 * The steady rate between the smallest and the largest scale (Δimages / Δseconds of the warm ingests): what a
 * large dataset sees once the fixed start-up cost (process, workers, fingerprints) is paid.
 */
function marginalRate(rows: Row[]): string {
  const warm = rows.filter((r) => r.stage.startsWith('ingest end to end, CLI (warm'));
  if (warm.length < 2) return '';
  const a = warm[0] as Row, b = warm.at(-1) as Row;
  const rate = (b.images - a.images) / (b.seconds - a.seconds);
  const fixed = a.seconds - a.images / rate;
  return `Steady ingest rate between ${a.scale}× and ${b.scale}×: ${rate.toFixed(0)} images/s, after a fixed start-up of ${fixed.toFixed(2)} s; the full release (7,901 images) would take about ${(fixed + 7901 / rate).toFixed(1)} s from page cache.`;
}

/**
 * What end to end could be at best, per scale: the fixed cost of a run plus the images at the CPU ceiling,
 * beside what was measured. It tells a short figure due to the fixed cost from one due to the pipeline.
 */
function bestPossible(rows: Row[], fixed: number): string {
  const lines = [];
  for (const warm of rows.filter((r) => r.stage.startsWith('ingest end to end, CLI (warm'))) {
    const ceiling = rows.find((r) => r.scale === warm.scale && r.stage.startsWith('ceiling'));
    if (ceiling === undefined) continue;
    const best = fixed + ceiling.seconds;
    lines.push(`${warm.scale}×: ${fixed.toFixed(3)} s + ${warm.images} images at the ceiling's ${(warm.images / ceiling.seconds).toFixed(0)} images/s = ${best.toFixed(3)} s, ${(warm.images / best).toFixed(0)} images/s at best; measured ${(warm.images / warm.seconds).toFixed(0)} images/s.`);
  }
  return lines.length === 0 ? '' : `End to end at best (the fixed cost, then every image at the CPU ceiling): ${lines.join(' ')}`;
}

/**
 * Cores used (issue 23 asks at least 0.9 for the folder ingest and eval run) against what the fixed start-up
 * leaves: a run of wall W that spends its first S seconds (the 3-image ingest: process, bundle, database,
 * workers) at that run's C CPU-s could use at most (C + cores × (W − S)) / (cores × W), even if every later
 * moment kept every core busy.
 */
function coresNote(rows: Row[], startup: { ingest: number; ingestCpu: number }): string {
  const cores = os.availableParallelism();
  const lines = rows.filter((r) => r.cpuSeconds !== undefined && (r.stage.startsWith('ingest end to end, CLI (warm') || r.stage.startsWith('eval run of fold 1, CLI'))).map((r) => {
    const used = (r.cpuSeconds as number) / (cores * r.seconds);
    const atMost = (startup.ingestCpu + cores * Math.max(0, r.seconds - startup.ingest)) / (cores * r.seconds);
    return `${r.scale}× ${r.stage.startsWith('eval') ? 'eval run' : 'ingest'}: ${used.toFixed(2)} (at most ${atMost.toFixed(2)})`;
  });
  if (lines.length === 0) return '';
  return `Cores used, CPU-s / (${cores} × wall), wall and CPU-s as measured by ${MEASURED_BY}, against the most the fixed start-up leaves (its ${startup.ingest.toFixed(2)} s at ${(startup.ingestCpu / startup.ingest).toFixed(2)} cores, then every core busy): ${lines.join('; ')}.`;
}

/** Peak RSS of the warm ingests across scales, each against the first: flat memory stays close to it. */
function rssSummary(rows: Row[]): string {
  const rss = rows.filter((r) => r.stage.startsWith('ingest end to end, CLI (warm') && r.rssMb !== undefined).map((r) => [r.scale, r.rssMb as number] as const);
  if (rss.length < 2) return '';
  const [first, ...rest] = rss as [readonly [number, number], ...(readonly [number, number])[]];
  const growth = rest.map(([scale, mb]) => `${scale}×: ${mb.toFixed(0)} MB (${mb >= first[1] ? '+' : ''}${(((mb - first[1]) / first[1]) * 100).toFixed(1)}%)`);
  return `Peak RSS of the warm ingests: ${first[0]}×: ${first[1].toFixed(0)} MB; ${growth.join(', ')}.`;
}

/** A whole number ≥ 1 for an option, or the bench stops at once saying which option. */
const count = (option: string) => (v: string): number => {
  if (!/^\d+$/.test(v) || Number(v) < 1) throw new InvalidArgumentError(`${option} takes a whole number ≥ 1, not '${v}'`);
  return Number(v);
};

async function main(): Promise<void> {
  const opts = new Command('bench')
    .option('--images-per-fold <n>', 'images per fold at scale 1', count('--images-per-fold'), 200)
    .option('--size <px>', 'image size', count('--size'), 256)
    .option('--seed <s>', 'seed', (v) => Number(v), 1)
    .option('--scale <list>', 'dataset multiples, e.g. 1,2,4', (v) => v.split(',').map(Number), [1])
    .option('--repeat <n>', 'runs of each floor and ingest (the median is reported)', count('--repeat'), 3)
    .option('--save', 'write bench/RESULTS.md')
    .option('--keep', 'keep the generated data in bench/data (default: delete it when done)')
    .option('--generic', 'the generic synthetic data (as before issue 14) instead of the release-like one')
    .option('--one-fold <images>', 'also one fold of that many images in one ZIP64 member (issue 23: 1,400 images, a 4.4 GB member): folders against zips', count('--one-fold'))
    .option('--full-release', 'also the whole release-like set (7,901 images: 35 GB of .npy and 0.7 GB of zips, ~10 min to generate), from the folders and from the zips, cache dropped when root')
    .parse(process.argv.slice(2), { from: 'user' })
    .opts<{ imagesPerFold: number; size: number; seed: number; scale: number[]; repeat: number; save?: boolean; keep?: boolean; generic?: boolean; fullRelease?: boolean; oneFold?: number }>();
  generic = opts.generic === true;

  if (!fs.existsSync(path.join(ROOT, 'dist', 'cli', 'entry.cjs'))) throw new Error('run `npm run build` first');
  const rows: Row[] = [];
  let stats: Awaited<ReturnType<typeof statsTiming>> | undefined;
  let startup: Awaited<ReturnType<typeof startupCost>> | undefined;
  let postgresNote = '';
  let profileNote = '';
  const serveNotes: string[] = [];
  const withoutCaNotes: string[] = [];
  const idleNotes: string[] = [];
  // Tracing the scheduler needs Linux perf and the right to use it: without, the idle breakdown is left out.
  const schedTrace = schedTraceAvailable();
  const dbFile = path.join(os.tmpdir(), `pannuke-bench-${process.pid}.sqlite`);
  const dirs: string[] = [];
  for (const scale of opts.scale) {
    const dir = await dataset(opts.imagesPerFold * scale, opts.size, opts.seed);
    dirs.push(dir);
    await readFloor(dir); // warm the page cache
    const floor = await medianRun(opts.repeat, () => readFloor(dir));
    const extract = await extractAlone(dir);
    const load = loadAlone(extract.results, dbFile);
    const warm = await medianRun(opts.repeat, () => ingestCli(dir, dbFile));
    const nuclei = extract.nuclei;
    // The CPU ceiling: every stage's CPU time per image, spread over the cores (reads are CPU here: page-cache copies).
    const cores = os.availableParallelism();
    const ceiling = (floor.seconds + extract.seconds + load) / cores;
    rows.push(
      { scale, stage: 'floor: cat of the masks files (warm cache)', seconds: floor.seconds, range: floor.range, images: floor.images, nuclei, ratio: 1 },
      { scale, stage: 'extract alone (1 thread)', seconds: extract.seconds, images: extract.images, nuclei, ratio: extract.seconds / floor.seconds },
      { scale, stage: 'load alone (SQLite)', seconds: load, images: extract.images, nuclei, ratio: load / floor.seconds },
      { scale, stage: `ceiling: (read + extract + load) CPU / ${cores} cores`, seconds: ceiling, images: extract.images, nuclei, ratio: ceiling / floor.seconds },
      { scale, stage: `ingest end to end, CLI (warm cache), cores used ${coresUsed(warm).toFixed(2)}`, cpuSeconds: warm.cpuSeconds, seconds: warm.seconds, range: warm.range, images: extract.images, nuclei, ratio: warm.seconds / floor.seconds, rssMb: peakRss(warm.runs), bytesPerNucleus: warm.dbBytes / nuclei },
    );
    {
      // verify (every outline checked and filled back, against the masks) against ingest, and the exports.
      ingestCli(dir, dbFile);
      const verifyRun = await medianRun(opts.repeat, () => timedCli(['verify', dir, '--db', dbFile]));
      rows.push({ scale, stage: `verify <root>, CLI (warm): ${(warm.seconds / verifyRun.seconds).toFixed(2)}× ingest's images/s`, seconds: verifyRun.seconds, range: verifyRun.range, images: extract.images, nuclei, ratio: verifyRun.seconds / floor.seconds, rssMb: Math.max(...verifyRun.runs.map((r) => r.rssMb)) });
      for (const [format, extra] of [['csv', []], ['parquet', []], ['geoparquet', []], ['geoparquet', ['--partition-by', 'fold,tissue']]] as const) {
        const out = path.join(os.tmpdir(), `pannuke-bench-${process.pid}.${format}`);
        const run = timedCli(['export', '--db', dbFile, '--format', format, '--out', out, '--force', ...extra]);
        fs.rmSync(out, { force: true, recursive: true });
        rows.push({ scale, stage: `export --format ${format}${extra.length > 0 ? ` ${extra.join(' ')}` : ''}, CLI`, seconds: run.seconds, images: extract.images, nuclei, ratio: run.seconds / floor.seconds, rssMb: run.rssMb });
      }
      // The training layouts against export masks of the same images, in the same run (issue 21).
      const layoutRun = (what: string) => {
        const out = path.join(os.tmpdir(), `pannuke-bench-${process.pid}-${what}`);
        fs.rmSync(out, { force: true, recursive: true });
        const run = timedCli(['export', what, '--db', dbFile, '--data', dir, '--out', out]);
        fs.rmSync(out, { force: true, recursive: true });
        return run;
      };
      const masksRun = layoutRun('masks');
      rows.push({ scale, stage: 'export masks, CLI', seconds: masksRun.seconds, images: extract.images, nuclei, ratio: masksRun.seconds / floor.seconds, rssMb: masksRun.rssMb });
      for (const what of ['images', 'coco', 'hovernet', 'labels', 'yolo']) {
        const run = layoutRun(what);
        rows.push({ scale, stage: `export ${what}, CLI: ${(run.seconds / masksRun.seconds).toFixed(2)}× export masks`, seconds: run.seconds, images: extract.images, nuclei, ratio: run.seconds / floor.seconds, rssMb: run.rssMb });
      }
      const pg = await postgresRuns(dir, dbFile, opts.repeat);
      if (typeof pg === 'string') postgresNote = `PostgreSQL rows skipped: ${pg}.`;
      else {
        rows.push(
          { scale, stage: `ingest into PostgreSQL 15 (COPY${pg.postgis ? ', PostGIS geom + GiST' : ''}), CLI (warm)`, seconds: pg.ingest.seconds, range: pg.ingest.range, images: extract.images, nuclei, ratio: pg.ingest.seconds / floor.seconds, rssMb: peakRss(pg.ingest.runs), bytesPerNucleus: pg.bytes / nuclei },
          { scale, stage: 'copy SQLite → PostgreSQL (every table, checked), CLI', seconds: pg.copy.seconds, images: extract.images, nuclei, ratio: pg.copy.seconds / floor.seconds, rssMb: pg.copy.rssMb },
        );
        const perSecond = nuclei / pg.ingest.seconds;
        postgresNote = `Into PostgreSQL: ${Math.round(perSecond).toLocaleString('en-US')} nuclei/s end to end at scale ${scale} (${(pg.bytes / nuclei).toFixed(0)} bytes per nucleus stored, indexes${pg.postgis ? ' and geom' : ''} included); at that rate 10^8 nuclei would take ${(1e8 / perSecond / 3600).toFixed(1)} h and ${(1e8 * pg.bytes / nuclei / 1e9).toFixed(0)} GB.`;
      }
    }
    {
      // Evaluating fold 1 against ingesting fold 1 (the issue's target: at most 1.5×), both through the CLI.
      const pred = await prediction(dir);
      dirs.push(pred);
      const foldDb = `${dbFile}-fold1`;
      const ingestFold = await medianRun(opts.repeat, () => {
        removeDatabase(foldDb);
        return timedCli(['ingest', dir, '--db', foldDb, '--folds', '1']);
      });
      let k = 0;
      const evaluate = await medianRun(opts.repeat, () => timedCli(['eval', 'run', pred, '--db', foldDb, '--name', `bench-${k++}`, '--fold', '1']));
      // The same prediction as other tools write it (test/formats/fixtures.py: HoVer-Net's own contouring with
      // OpenCV, rasterio's outlines), evaluated against the npy path of the same run (issue 20: at most 1.5×).
      const formats = formatFixtures(pred, foldDb);
      const formatRuns: { name: string; run: { seconds: number; range: readonly [number, number]; runs: { rssMb: number }[] } }[] = [];
      if (formats === undefined) console.warn('bench: eval from other formats not measured: the fixtures need Debian\'s python3-opencv, python3-rasterio, python3-tifffile and python3-pil');
      else {
        for (const [name, input] of [['HoVer-Net JSON', path.join(formats, 'hovernet')], ['GeoJSON', path.join(formats, 'geojson')]] as const) {
          formatRuns.push({ name, run: await medianRun(opts.repeat, () => timedCli(['eval', 'run', input, '--db', foldDb, '--name', `bench-${k++}`, '--fold', '1'])) });
        }
        fs.rmSync(formats, { recursive: true, force: true });
      }
      if (schedTrace === undefined) {
        // Where the cores were idle (bench/idle.ts): the same commands as the cores-used rows, traced by the scheduler.
        const ingestIdle = medianIdle(opts.repeat, () => {
          removeDatabase(dbFile);
          return ['ingest', dir, '--db', dbFile];
        });
        const evalIdle = medianIdle(opts.repeat, () => ['eval', 'run', pred, '--db', foldDb, '--name', `bench-${k++}`, '--fold', '1']);
        idleNotes.push(`${scale}× (${3 * opts.imagesPerFold * scale} images; fold 1: ${opts.imagesPerFold * scale}):\n\n${idleTable([{ name: 'ingest from the folders', idle: ingestIdle }, { name: 'eval run of fold 1', idle: evalIdle }])}`);
      }
      const withoutCa = withoutExtraCaCerts();
      if (withoutCa !== undefined) {
        // The same two commands with and without NODE_EXTRA_CA_CERTS, in alternating rounds (the machine drifts).
        const paired = (run: (env: NodeJS.ProcessEnv) => { seconds: number; cpuSeconds: number }) => {
          const rounds = Array.from({ length: opts.repeat }, () => [coresUsed(run(process.env)), coresUsed(run(withoutCa))] as const);
          const mid = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)] as number;
          return `${mid(rounds.map((r) => r[1])).toFixed(2)} (${mid(rounds.map((r) => r[0])).toFixed(2)} with it)`;
        };
        const ingestCores = paired((env) => ingestCli(dir, dbFile, env));
        const evalCores = paired((env) => measuredCli(['eval', 'run', pred, '--db', foldDb, '--name', `bench-${k++}`, '--fold', '1'], env));
        withoutCaNotes.push(`${scale}× ingest ${ingestCores}, eval run ${evalCores}`);
      }
      removeDatabase(foldDb);
      const foldImages = opts.imagesPerFold * scale;
      for (const { name, run } of formatRuns) {
        rows.push({ scale, stage: `eval run of fold 1 from ${name}, CLI (warm): ${(run.seconds / evaluate.seconds).toFixed(2)}× from its npy`, seconds: run.seconds, range: run.range, images: foldImages, nuclei: Number.NaN, ratio: run.seconds / (floor.seconds / 3), rssMb: Math.max(...run.runs.map((r) => r.rssMb)) });
      }
      rows.push(
        { scale, stage: 'ingest of fold 1 alone, CLI (warm)', seconds: ingestFold.seconds, range: ingestFold.range, images: foldImages, nuclei: Number.NaN, ratio: ingestFold.seconds / (floor.seconds / 3), rssMb: Math.max(...ingestFold.runs.map((r) => r.rssMb)) },
        { scale, stage: `eval run of fold 1, CLI (warm): ${(evaluate.seconds / ingestFold.seconds).toFixed(2)}× its ingest, cores used ${coresUsed(evaluate).toFixed(2)}`, cpuSeconds: evaluate.cpuSeconds, seconds: evaluate.seconds, range: evaluate.range, images: foldImages, nuclei: Number.NaN, ratio: evaluate.seconds / (floor.seconds / 3), rssMb: Math.max(...evaluate.runs.map((r) => r.rssMb)) },
      );
    }
    rows.push(...(await zipRows({ scale, dir, dbFile, folders: warm, floorSeconds: floor.seconds, images: extract.images, nuclei, repeat: opts.repeat, dirs })));
    if (scale === opts.scale[0]) {
      // Where the CPU goes, by stage and thread (issue 23), the folder ingest beside the zip ingest.
      const { profileIngest, profileTable } = await import('./profile.js');
      profileNote = `Where the CPU time goes at ${scale}× (${extract.images} images), by stage and thread (\`node --cpu-prof\` of one ingest each, samples mapped to their module in src/ by bench/profile.ts):\n\n${profileTable([
        { name: 'from the folders', profile: profileIngest(dir) },
        { name: 'from the zips', profile: profileIngest(`${dir}-zips`) },
      ])}`;
    }
    if (scale === opts.scale[0]) {
      ingestCli(dir, dbFile);
      serveNotes.push(serveNote(await serveTiming(ROOT, dbFile, dir, `the scale-${scale} database`)));
      const ten = `${dbFile}-x10`;
      tenfold(dbFile, ten);
      serveNotes.push(serveNote(await serveTiming(ROOT, ten, dir, `a 10× copy of it (the copies' patches are placeholders)`)));
      removeDatabase(ten);
      stats = await statsTiming(dbFile, 200_000);
      startup = await startupCost(opts.size, opts.seed, dbFile);
      dirs.push(startup.dir);
    }
    if (dropFromPageCache(dir)) {
      const coldFloor = await medianRun(opts.repeat, () => {
        dropFromPageCache(dir);
        return readFloor(dir);
      });
      const cold = await medianRun(opts.repeat, () => {
        dropFromPageCache(dir);
        return ingestCli(dir, dbFile);
      });
      rows.push(
        { scale, stage: 'floor: cat of the masks files (cold cache)', seconds: coldFloor.seconds, range: coldFloor.range, images: coldFloor.images, nuclei, ratio: 1 },
        { scale, stage: 'ingest end to end, CLI (cold cache)', seconds: cold.seconds, range: cold.range, images: extract.images, nuclei, ratio: cold.seconds / coldFloor.seconds, rssMb: peakRss(cold.runs), bytesPerNucleus: cold.dbBytes / nuclei },
      );
    }
    process.stderr.write(`scale ${scale}× done\n`);
  }
  if (opts.oneFold !== undefined) rows.push(...(await oneFold(opts.oneFold, opts.size, opts.seed, dbFile, opts.repeat, 3 * opts.imagesPerFold, dirs)));
  let fullNote = '';
  if (opts.fullRelease === true) {
    const result = await fullRelease(opts.size, opts.seed, dbFile, opts.repeat, 3 * opts.imagesPerFold, dirs, serveNotes);
    if (typeof result === 'string') fullNote = `Whole release-like set skipped: ${result}.`;
    else {
      rows.push(...result.rows);
      fullNote = result.note;
    }
  }
  removeDatabase(dbFile);
  if (opts.keep !== true) for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });

  const machine = `${os.availableParallelism()} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ${os.cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}`;
  const command = `npm run bench -- ${process.argv.slice(2).join(' ')}`.trim();
  const report = [
    `Date: ${new Date().toISOString().slice(0, 10)}  `,
    `Machine: ${machine}  `,
    `Command: \`${command}\`  `,
    `Dataset: 3 folds × ${opts.imagesPerFold} images × scale, ${opts.size}×${opts.size}, float64, seed ${opts.seed} (${generic ? 'generic synthetic data' : 'synthetic, release-like: each image\'s tissue and nuclei per class from the real release, sampled evenly over each fold'}, with the hard cases)`,
    '',
    table(rows),
    '',
    stats === undefined ? '' : `\`pannuke stats\` query time on ${stats.nuclei.toLocaleString('en-US')} nuclei (the scale-${opts.scale[0]} database with its nuclei repeated): default class-by-tissue table ${stats.defaultMs.toFixed(1)} ms, \`--by tissue,fold,class\` with area quantiles ${stats.groupedMs.toFixed(1)} ms.`,
    '',
    startup === undefined ? '' : `Fixed cost of a run (ingest of 3 images, one per fold, into a new database, through the CLI): ${startup.ingest.toFixed(3)} s (${startup.ingestCpu.toFixed(2)} CPU-s), of which ${startup.node.toFixed(3)} s is Node's own start-up (\`node -e 0\`)${startup.nodeWithoutCa === undefined ? '' : `; ${startup.nodeWithoutCa.toFixed(3)} s without NODE_EXTRA_CA_CERTS, which this machine sets: Node 20 reads the certificates it names at every start, before any of the program's code`}.`,
    '',
    startup === undefined ? '' : bestPossible(rows, startup.ingest),
    '',
    startup === undefined ? '' : coresNote(rows, startup),
    '',
    withoutCaNotes.length === 0 ? '' : `Cores used without NODE_EXTRA_CA_CERTS (as on a machine that does not set it; no command measured here opens a TLS connection), the median of ${opts.repeat} round${opts.repeat === 1 ? "" : "s"}, each running the command with and without it: ${withoutCaNotes.join('; ')}.`,
    '',
    rssSummary(rows),
    '',
    schedTrace !== undefined
      ? `Where the cores were idle: not measured (${schedTrace}).`
      : `Where the cores were idle, by cause (\`perf sched record\` of the same commands, the median of ${opts.repeat} traces; bench/idle.ts defines each cause; the trace slows the threads a little, so its spans are longer than the rows above):\n\n${idleNotes.join('\n\n')}`,
    '',
    profileNote,
    '',
    postgresNote,
    '',
    serveNotes.join('\n\n'),
    '',
    marginalRate(rows),
    '',
    fullNote,
    '',
    `Floors and ingests: median of ${opts.repeat} run${opts.repeat === 1 ? '' : 's'} (range beside it). Ratios are against the floor of the same scale and cache state, measured in the same run. "extract alone" is one thread; ingest runs extraction on all cores. Cold-cache rows appear only when the page cache can be dropped (root).`,
  ].join('\n');
  process.stdout.write(`${report}\n`);
  if (opts.save === true) fs.writeFileSync(path.join(ROOT, 'bench', 'RESULTS.md'), `# Benchmark results\n\n${report}\n`);
}

await main();
