/**
 * `pannuke serve` in the bench (issue 22's targets: first answer of / < 1 s, any filter or sort < 200 ms at
 * the server, a tile < 50 ms, a nuclei grid page < 300 ms, server RSS ≤ 256 MB): the installed command
 * serving a bench database, each route timed over loopback HTTP (median of 5 after one warm-up; tiles: 20
 * distinct, uncached, images). `tenfold` makes a 10× copy of a database (images and nuclei repeated under new
 * ids), for the same figures on ~1.9M nuclei.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import Database from 'better-sqlite3';
import { databaseFiles } from '../src/output/guard.js';

export interface ServeTiming {
  label: string;
  images: number;
  nuclei: number;
  ms: Record<string, number>;
  rssMb: number;
}

function get(url: string): Promise<number> {
  return new Promise((ok, ko) => {
    const t = performance.now();
    http.get(url, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200 ? ok(performance.now() - t) : ko(new Error(`${url}: HTTP ${res.statusCode}`))));
    }).on('error', ko);
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

export async function serveTiming(root: string, db: string, data: string | undefined, label: string): Promise<ServeTiming> {
  const args = ['--import', path.join(root, 'bench', 'rusage.mjs'), path.join(root, 'bin', 'pannuke.cjs'), 'serve', '--db', db, '--port', '0', ...(data !== undefined ? ['--data', data] : [])];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '', err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const url = await new Promise<string>((ok, ko) => {
    const timer = setInterval(() => {
      const m = /pannuke serve: (http:\/\/\S+)/.exec(out);
      if (m !== null) {
        clearInterval(timer);
        ok(m[1] as string);
      } else if (child.exitCode !== null) {
        clearInterval(timer);
        ko(new Error(`serve exited: ${err}`));
      }
    }, 20);
  });
  const d = new Database(db, { readonly: true });
  const images = d.prepare('SELECT count(*) FROM images').pluck().get() as number;
  const nuclei = d.prepare('SELECT count(*) FROM nuclei').pluck().get() as number;
  // 20 images past the first 40 (fewer on a small set: then the first 20).
  const some = d.prepare('SELECT id FROM images ORDER BY id LIMIT 20 OFFSET ?').pluck().all(Math.max(0, Math.min(40, images - 20))) as number[];
  d.close();
  const routes: [string, string][] = [
    ['/ (overview, first answer)', '/'],
    ['filter + sort (/api/images?class=Dead&min_area=100&sort=-dead)', '/api/images?class=Dead&min_area=100&sort=-dead'],
    ['filter + sort (/api/nuclei?tissue=Breast&sort=-eccentricity)', '/api/nuclei?tissue=Breast&sort=-eccentricity'],
    ['image grid page (/images?sort=-nuclei)', '/images?sort=-nuclei'],
    ['nuclei grid page (/nuclei?class=Dead&sort=-area)', '/nuclei?class=Dead&sort=-area'],
    ['one image (/image/<id>)', `/image/${some[0] ?? 1}`],
    ['the overview\'s histograms and quirks, loaded after its first paint', '/fragment/overview-extras'],
  ];
  const ms: Record<string, number> = {};
  try {
    ms[routes[0]?.[0] as string] = await get(new URL('/', url).toString()); // the very first answer: cold server
    for (const [name, p] of routes.slice(1)) {
      await get(new URL(p, url).toString());
      const runs: number[] = [];
      for (let i = 0; i < 5; i++) runs.push(await get(new URL(p, url).toString()));
      ms[name] = median(runs);
    }
    const tiles: number[] = [];
    for (const id of some) tiles.push(await get(new URL(`/tile/${id}.png`, url).toString()));
    ms['a tile (uncached, median of 20)'] = median(tiles);
  } finally {
    child.kill('SIGINT');
    await new Promise((ok) => child.once('exit', ok));
  }
  const rssMb = Number(/BENCH_MAX_RSS_KB=(\d+)/.exec(err)?.[1] ?? Number.NaN) / 1024;
  return { label, images, nuclei, ms, rssMb };
}

/** A copy of `db` with every image and nucleus 10 times (new ids; fold_index shifted so they stay unique). */
export function tenfold(db: string, out: string): void {
  for (const f of databaseFiles(out)) fs.rmSync(f, { force: true });
  fs.copyFileSync(db, out);
  const d = new Database(out);
  d.pragma('journal_mode = OFF');
  d.pragma('synchronous = OFF');
  const maxImage = d.prepare('SELECT max(id) FROM images').pluck().get() as number;
  const maxIndex = (d.prepare('SELECT max(fold_index) FROM images').pluck().get() as number) + 1;
  const imageCols = (d.prepare('PRAGMA table_info(images)').all() as { name: string }[]).map((c) => c.name);
  const nucleusCols = (d.prepare('PRAGMA table_info(nuclei)').all() as { name: string }[]).map((c) => c.name).filter((c) => c !== 'id');
  d.transaction(() => {
    for (let k = 1; k < 10; k++) {
      d.exec(`INSERT INTO images (${imageCols.join(', ')}) SELECT ${imageCols.map((c) => (c === 'id' ? `id + ${k * maxImage}` : c === 'fold_index' ? `fold_index + ${k * maxIndex}` : c)).join(', ')} FROM images WHERE id <= ${maxImage}`);
      d.exec(`INSERT INTO nuclei (${nucleusCols.join(', ')}) SELECT ${nucleusCols.map((c) => (c === 'image_id' ? `image_id + ${k * maxImage}` : c)).join(', ')} FROM nuclei WHERE image_id <= ${maxImage}`);
    }
  })();
  d.exec('ANALYZE');
  d.close();
}

export function serveNote(t: ServeTiming): string {
  const parts = Object.entries(t.ms).map(([k, v]) => `${k} ${v.toFixed(0)} ms`);
  return `\`pannuke serve\` on ${t.label} (${t.images.toLocaleString('en-US')} images, ${t.nuclei.toLocaleString('en-US')} nuclei, SQLite): ${parts.join('; ')}; server peak RSS ${t.rssMb.toFixed(0)} MB.`;
}
