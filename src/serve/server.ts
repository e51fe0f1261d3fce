/**
 * `pannuke serve`: the explorer's HTTP server (node:http: a dozen routes need no framework, and every
 * response header stays in view). It reads through the Store (the database opened read-only unless
 * --allow-write), answers only loopback Host names (./guard.ts), and never takes a path from a URL: tiles are
 * named by image id. Routes:
 *
 *   /                      overview            /api/overview
 *   /images                image grid          /api/images, /api/images.csv
 *   /image/<id>            one image           /api/image/<id>
 *   /nuclei                nucleus crops       /api/nuclei, /api/nuclei.csv
 *   /eval, /eval/<set>, /eval/<a>/vs/<b>       /api/eval/<set>
 *   /tile/<id>.png         the H&E patch       /api/histogram?column=…
 *   POST /api/subsets      save the filter as a subset (--allow-write only)
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { CLASS_NAMES } from '../db/schema.js';
import type { Store } from '../db/store.js';
import { PannukeError } from '../errors.js';
import { evaluationReport } from '../eval/metrics.js';
import { decodeWkb } from '../extract/wkb.js';
import { createSubset } from '../subset/store.js';
import { CSS, SCRIPT } from './assets.js';
import { factsCondition, imageConditions, NUMERIC_COLUMNS, nucleusConditions, parseFilter, type Filter, type NumericColumn } from './filter.js';
import { refusal } from './guard.js';
import { comparePage, evalListPage, evalPage, imagePage, imagesPage, messagePage, nucleiPage, overviewExtras, overviewPage, type PageContext } from './pages.js';
import { histogram, imageDetail, listFalsePositives, listImages, listNuclei, neighbours, overview, quirkCounts, resolve, type Resolved } from './queries.js';
import type { Tiles } from './tiles.js';

export interface ServeOptions {
  store: Store;
  tiles: Tiles | undefined;
  host: string;
  port: number;
  writable: boolean;
  /** Host names allowed besides loopback ones (when --host names another interface). */
  extraHosts?: readonly string[];
}

const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'content-security-policy': "default-src 'none'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'",
};

class HttpError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

const num = (v: unknown) => (typeof v === 'bigint' ? Number(v) : (v as number));

/** A set's name from a path segment; a malformed %-escape is a bad request, not a crash. */
function decodeName(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new HttpError(400, `'${segment}' is not a valid URL-encoded name`);
  }
}

/** Image sizes (every PanNuke image is 256 × 256, but the database says). */
async function imageSize(store: Store): Promise<{ width: number; height: number }> {
  const [row] = (await store.all('SELECT width, height FROM images LIMIT 1')).rows;
  return { width: num(row?.[0] ?? 256), height: num(row?.[1] ?? 256) };
}

async function outlinesOf(store: Store, ids: number[]): Promise<Map<number, { classId: number; contour: Uint8Array; id: number }[]>> {
  const out = new Map<number, { classId: number; contour: Uint8Array; id: number }[]>();
  if (ids.length === 0) return out;
  const rows = (await store.all(`SELECT image_id, class_id, contour, id FROM nuclei WHERE image_id IN (${ids.map(() => '?').join(', ')}) ORDER BY id`, ids)).rows;
  for (const [imageId, classId, contour, id] of rows) {
    const list = out.get(num(imageId)) ?? [];
    list.push({ classId: num(classId), contour: contour as Uint8Array, id: num(id) });
    out.set(num(imageId), list);
  }
  return out;
}

/**
 * The confusion cell a nuclei list narrows to (links from the evaluation page): ground-truth class × the
 * predicted class of its binary match (or `missed`), or, with gt_class=false_positive, the set's false
 * positives of a predicted class (or `untyped`).
 */
function matchOf(query: URLSearchParams): { gt?: number; pred?: number | 'untyped' | 'missed'; falsePositives?: true } | undefined {
  const gt = query.get('gt_class') ?? undefined, pred = query.get('pred_class') ?? undefined;
  if (gt === undefined && pred === undefined) return undefined;
  const id = (name: string) => {
    const k = (CLASS_NAMES as readonly string[]).indexOf(name);
    if (k < 0) throw new HttpError(400, `'${name}' is not a class`);
    return k + 1;
  };
  const predicted = pred === undefined ? undefined : pred === 'missed' || pred === 'untyped' ? pred : id(pred);
  if (gt === 'false_positive') {
    if (predicted === 'missed') throw new HttpError(400, 'false_positive × missed is no cell');
    return { falsePositives: true, ...(predicted !== undefined && { pred: predicted }) };
  }
  return { ...(gt !== undefined && { gt: id(gt) }), ...(predicted !== undefined && { pred: predicted }) };
}

const csvCell = (v: unknown) => {
  const s = v === null || v === undefined ? '' : String(v);
  const guarded = /^[=+\-@\t\r]/.test(s) ? `'${s}` : s; // a spreadsheet would run a formula
  return /[",\n\r]/.test(guarded) ? `"${guarded.replaceAll('"', '""')}"` : guarded;
};

export class Explorer {
  private readonly server: http.Server;
  private size: { width: number; height: number } | undefined;
  /** The port listened on (--port 0 picks one). */
  private port: number;

  constructor(private readonly o: ServeOptions) {
    this.port = o.port;
    this.server = http.createServer((req, res) => {
      this.handle(req, res).catch((e: unknown) => this.fail(res, e));
    });
    this.server.keepAliveTimeout = 5_000;
  }

  /** Listens on host:port (port 0: any free one); resolves with the address. */
  listen(): Promise<AddressInfo> {
    return new Promise((ok, ko) => {
      this.server.once('error', (e: NodeJS.ErrnoException) => {
        ko(e.code === 'EADDRINUSE'
          ? new PannukeError('BAD_OPTION', `port ${this.o.port} on ${this.o.host} is in use`, { hint: 'give another --port (or --port 0 for any free one)' })
          : e.code === 'EADDRNOTAVAIL' || e.code === 'ENOTFOUND'
            ? new PannukeError('BAD_OPTION', `cannot listen on ${this.o.host}: no such interface here`)
            : e);
      });
      // The host is always given: without one Node listens on every interface.
      this.server.listen(this.o.port, this.o.host, () => {
        const address = this.server.address() as AddressInfo;
        this.port = address.port;
        ok(address);
      });
    });
  }

  /** Stops at once: open connections are closed, not waited for. */
  close(): Promise<void> {
    return new Promise((ok) => {
      this.server.close(() => ok());
      this.server.closeAllConnections();
    });
  }

  private fail(res: http.ServerResponse, e: unknown): void {
    const status = e instanceof HttpError ? e.status : e instanceof PannukeError && e.code === 'BAD_OPTION' ? 400 : 500;
    const message = e instanceof Error ? e.message : String(e);
    if (res.headersSent) {
      res.destroy();
      return;
    }
    const wantsJson = res.req.url?.startsWith('/api/') === true;
    res.writeHead(status, { ...SECURITY_HEADERS, 'content-type': wantsJson ? 'application/json' : 'text/html; charset=utf-8' });
    res.end(wantsJson ? JSON.stringify({ error: message }) : messagePage(status === 404 ? 'Not found' : status === 400 ? 'Bad request' : 'Error', message));
  }

  private send(res: http.ServerResponse, type: string, body: string | Buffer, extra: Record<string, string> = {}): void {
    res.writeHead(200, { ...SECURITY_HEADERS, 'content-type': type, 'cache-control': 'no-store', ...extra });
    res.end(res.req.method === 'HEAD' ? undefined : body);
  }

  private json(res: http.ServerResponse, value: unknown): void {
    this.send(res, 'application/json', JSON.stringify(value, (_, v: unknown) => (typeof v === 'bigint' ? Number(v) : v instanceof Uint8Array ? Buffer.from(v).toString('base64') : v)));
  }

  private async context(f: Filter): Promise<PageContext> {
    const { store } = this.o;
    return {
      filter: f, writable: this.o.writable,
      overview: {
        tissues: (await store.all('SELECT name FROM tissues ORDER BY name')).rows.map((r) => r[0] as string),
        sets: (await store.all('SELECT name, fold, images FROM prediction_sets ORDER BY name')).rows.map(([name, fold, images]) => ({ name: name as string, fold: num(fold), images: num(images) })),
        subsets: (await store.all('SELECT name, nuclei, images FROM subsets ORDER BY name')).rows.map(([name, nuclei, images]) => ({ name: name as string, nuclei: num(nuclei), images: num(images) })),
      },
    };
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const why = refusal(req, { port: this.port, ...(this.o.extraHosts !== undefined && { extraHosts: this.o.extraHosts }) });
    if (why !== undefined) {
      res.writeHead(403, { ...SECURITY_HEADERS, 'content-type': 'text/plain; charset=utf-8' });
      res.end(`refused: ${why}\n`);
      return;
    }
    const url = new URL(req.url ?? '/', 'http://localhost');
    const route = url.pathname;
    if (req.method === 'POST' && route === '/api/subsets') return this.saveSubset(req, res);
    if (req.method !== 'GET' && req.method !== 'HEAD') throw new HttpError(405, `${req.method ?? ''} is not allowed here`);
    if (route === '/assets/app.css') return this.send(res, 'text/css; charset=utf-8', CSS, { 'cache-control': 'max-age=300' });
    if (route === '/assets/app.js') return this.send(res, 'text/javascript; charset=utf-8', SCRIPT, { 'cache-control': 'max-age=300' });
    const tile = /^\/tile\/(\d{1,12})\.png$/.exec(route);
    if (tile !== null) return this.tile(res, Number(tile[1]));
    if (route.startsWith('/tile/')) throw new HttpError(404, 'a tile is /tile/<images.id>.png');

    const { store } = this.o;
    const f = parseFilter(url.searchParams);
    const r = await resolve(store, f);
    this.size ??= await imageSize(store);
    const api = route.startsWith('/api/');
    const path = api ? route.slice(4) : route;
    if (path === '/' || path === '/overview') {
      const data = await overview(store, f, r);
      if (api) return this.json(res, { ...data, quirks: await quirkCounts(store, f, r) });
      return this.send(res, 'text/html; charset=utf-8', overviewPage(data, await this.context(f)));
    }
    if (path === '/fragment/overview-extras' && !api) {
      const hists = [];
      for (const c of ['area', 'eccentricity'] as const) hists.push(await histogram(store, f, r, c));
      return this.send(res, 'text/html; charset=utf-8', overviewExtras(hists, await quirkCounts(store, f, r), f));
    }
    if (path === '/quirks' && api) return this.json(res, await quirkCounts(store, f, r));
    if (path === '/images' || path === '/images.csv') {
      if (path.endsWith('.csv')) return this.imagesCsv(res, f, r);
      const list = await listImages(store, f, r);
      if (api) return this.json(res, list);
      const outlines = await outlinesOf(store, list.rows.map((row) => row.id));
      return this.send(res, 'text/html; charset=utf-8', imagesPage(list, outlines, this.size, await this.context(f)));
    }
    const image = /^\/image\/(\d{1,12})$/.exec(path);
    if (image !== null) {
      const id = Number(image[1]);
      const detail = await imageDetail(store, id, r.setId);
      if (detail === undefined) throw new HttpError(404, `no image ${id} in this database`);
      const vs = url.searchParams.get('vs') ?? undefined;
      let other: { set: string; detail: NonNullable<typeof detail> } | undefined;
      if (vs !== undefined && vs !== '') {
        const vr = await resolve(store, { ...f, set: vs });
        other = { set: vs, detail: (await imageDetail(store, id, vr.setId)) as NonNullable<typeof detail> };
      }
      if (api) return this.json(res, { ...detail, nuclei: detail.nuclei.map((n) => ({ ...n.facts, contour: decodeWkb(n.contour) })), predicted: detail.predicted.map((p) => ({ ...p, contour: decodeWkb(p.contour) })) });
      const nav = await neighbours(store, f, r, id);
      return this.send(res, 'text/html; charset=utf-8', imagePage(detail, other, nav, await this.context(f)));
    }
    if (path === '/nuclei' || path === '/nuclei.csv') {
      const match = matchOf(url.searchParams);
      if (match !== undefined && r.setId === undefined) throw new HttpError(400, 'gt_class and pred_class need set=<prediction set>');
      if (path.endsWith('.csv')) return this.nucleiCsv(res, f, r, match);
      const list = match?.falsePositives === true ? await listFalsePositives(store, f, r, match.pred as number | 'untyped' | undefined) : await listNuclei(store, f, r, match);
      if (api) return this.json(res, { total: list.total, rows: list.rows.map((n) => ({ ...n, contour: decodeWkb(n.contour) })) });
      const keep = { gt_class: url.searchParams.get('gt_class') ?? undefined, pred_class: url.searchParams.get('pred_class') ?? undefined };
      return this.send(res, 'text/html; charset=utf-8', nucleiPage(list, this.size, await this.context(f), keep));
    }
    if (path === '/histogram' && api) {
      const column = url.searchParams.get('column') ?? 'area';
      if (!(NUMERIC_COLUMNS as readonly string[]).includes(column)) throw new HttpError(400, `column '${column}' is not a numeric column`);
      return this.json(res, await histogram(store, f, r, column as NumericColumn, Number(url.searchParams.get('bins') ?? 30) || 30));
    }
    if (path === '/eval' && !api) return this.send(res, 'text/html; charset=utf-8', evalListPage((await this.context(f)).overview.sets));
    const ev = /^\/eval\/([^/]+)(?:\/vs\/([^/]+))?$/.exec(path);
    if (ev !== null) {
      const a = await evaluationReport(store, decodeName(ev[1] as string));
      if (ev[2] === undefined) return api ? this.json(res, a) : this.send(res, 'text/html; charset=utf-8', evalPage(a));
      const b = await evaluationReport(store, decodeName(ev[2]));
      if (a.fold !== b.fold) throw new HttpError(400, `'${a.set}' is fold ${a.fold}, '${b.set}' fold ${b.fold}: images are compared within one fold`);
      const diffs = (await store.all(`SELECT x.image_id, x.tissue, x.mpq, y.mpq FROM eval_image_summary x JOIN eval_image_summary y ON y.image_id = x.image_id
          WHERE x.set_id = (SELECT id FROM prediction_sets WHERE name = ?) AND y.set_id = (SELECT id FROM prediction_sets WHERE name = ?)`, [a.set, b.set])).rows
        .map(([id, tissue, x, y]) => ({ id: num(id), tissue: tissue as string, a: x as number | null, b: y as number | null }))
        .sort((p, q) => Math.abs((q.a ?? 0) - (q.b ?? 0)) - Math.abs((p.a ?? 0) - (p.b ?? 0)) || p.id - q.id);
      return api ? this.json(res, { a, b, images: diffs }) : this.send(res, 'text/html; charset=utf-8', comparePage(a, b, diffs));
    }
    throw new HttpError(404, `nothing at ${route}`);
  }

  private async tile(res: http.ServerResponse, id: number): Promise<void> {
    const [row] = (await this.o.store.all('SELECT fold, fold_index FROM images WHERE id = ?', [id])).rows;
    if (row === undefined) throw new HttpError(404, `no image ${id} in this database`);
    const png = await this.o.tiles?.png(num(row[0]), num(row[1]));
    if (png === undefined) {
      // the source is not at hand (moved, changed, or not given): a placeholder, never an error page
      const size = this.size ?? { width: 256, height: 256 };
      return this.send(res, 'image/svg+xml', `<svg xmlns="http://www.w3.org/2000/svg" width="${size.width}" height="${size.height}"><rect width="100%" height="100%" fill="#f4eef2"/><text x="50%" y="50%" text-anchor="middle" font-size="12" fill="#667085">no H&amp;E: source not found</text></svg>`);
    }
    return this.send(res, 'image/png', png, { 'cache-control': 'max-age=3600' });
  }

  private async imagesCsv(res: http.ServerResponse, f: Filter, r: Resolved): Promise<void> {
    const list = await listImages(this.o.store, f, r, 0);
    const head = ['image_id', 'fold', 'fold_index', 'tissue', 'nuclei', ...CLASS_NAMES.map((c) => c.toLowerCase()), ...(r.setId !== undefined ? ['mpq', 'bpq', 'misses', 'false_positives'] : [])];
    const lines = list.rows.map((x) => [x.id, x.fold, x.foldIndex, x.tissue, x.nuclei, ...x.perClass, ...(r.setId !== undefined ? [x.mpq, x.bpq, x.misses, x.falsePositives] : [])].map(csvCell).join(','));
    this.send(res, 'text/csv; charset=utf-8', `${head.join(',')}\n${lines.join('\n')}\n`, { 'content-disposition': 'attachment; filename="images.csv"' });
  }

  /** Every nucleus the filter selects, streamed in batches (memory stays flat over the whole release). */
  private async nucleiCsv(res: http.ServerResponse, f: Filter, r: Resolved, match: ReturnType<typeof matchOf>): Promise<void> {
    if (match !== undefined) {
      const list = match.falsePositives === true ? await listFalsePositives(this.o.store, f, r, match.pred as number | 'untyped' | undefined, 0) : await listNuclei(this.o.store, f, r, match, 0);
      const head = ['nucleus_id', 'image_id', 'fold', 'fold_index', 'tissue', 'class_id', ...NUMERIC_COLUMNS];
      this.send(res, 'text/csv; charset=utf-8', `${head.join(',')}\n${list.rows.map((n) => [n.id, n.imageId, n.fold, n.foldIndex, n.tissue, n.classId, ...NUMERIC_COLUMNS.map((c) => n.values[c])].map(csvCell).join(',')).join('\n')}\n`);
      return;
    }
    const img = imageConditions(f), nuc = nucleusConditions(f, r.subsetId);
    res.writeHead(200, { ...SECURITY_HEADERS, 'content-type': 'text/csv; charset=utf-8', 'content-disposition': 'attachment; filename="nuclei.csv"' });
    const head = ['nucleus_id', 'image_id', 'fold', 'fold_index', 'tissue', 'class', ...NUMERIC_COLUMNS];
    res.write(`${head.join(',')}\n`);
    const sql = `SELECT n.id, n.image_id, i.fold, i.fold_index, t.name, c.name, ${NUMERIC_COLUMNS.map((k) => `n.${k}`).join(', ')}
      FROM nuclei n JOIN images i ON i.id = n.image_id JOIN tissues t ON t.id = i.tissue_id JOIN classes c ON c.id = n.class_id
      WHERE ${img.sql} AND ${nuc.sql} ORDER BY n.id`;
    for await (const batch of this.o.store.iterate(sql, [...img.params, ...nuc.params], 2000)) {
      const text = batch.rows.map((row) => row.map(csvCell).join(',')).join('\n');
      if (!res.write(`${text}\n`)) await new Promise((ok) => res.once('drain', ok));
      if (res.destroyed) return;
    }
    res.end();
  }

  private async saveSubset(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    if (!this.o.writable) throw new HttpError(403, 'the database is open read-only: start pannuke serve with --allow-write to save subsets');
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const c of req as AsyncIterable<Buffer>) {
      size += c.length;
      if (size > 64 * 1024) throw new HttpError(413, 'request too large');
      chunks.push(c);
    }
    let body: { name?: unknown; query?: unknown };
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as typeof body;
    } catch {
      throw new HttpError(400, 'expected JSON {name, query}');
    }
    if (typeof body.name !== 'string' || typeof body.query !== 'string') throw new HttpError(400, 'expected JSON {name, query}');
    const f = parseFilter(new URLSearchParams(body.query));
    const { store } = this.o;
    const r = await resolve(store, f);
    // the same code as `pannuke subset create`: every image the filter lists, with its passing nuclei
    const where = factsCondition(f, r.subsetId);
    const images = (await listImages(store, f, r, 0)).rows.filter((x) => x.nuclei > 0).length;
    if (images === 0) throw new HttpError(400, 'the filter selects no nucleus: nothing to save');
    const result = await createSubset(store, {
      name: body.name, seed: 1, kind: 'images', images,
      ...(f.fold !== undefined && { folds: f.fold }), ...(f.tissue !== undefined && { tissues: f.tissue }), ...(where !== undefined && { where }),
    });
    this.json(res, { name: body.name, id: result.id, nuclei: result.nuclei, images: result.images, filter: body.query });
  }
}

