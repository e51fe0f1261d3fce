/**
 * The report as one self-contained HTML page: inline CSS and hand-written SVG (no script, no network),
 * numbers on hover through SVG <title>s, a colour-blind-safe palette (Okabe–Ito), readable on a laptop.
 */
import { CLASS_NAMES } from '../db/schema.js';
import type { PolygonRings } from '../extract/outline.js';
import type { GalleryImage, Histogram, ReportData } from './data.js';

/** Okabe & Ito's colour-blind-safe palette, one colour per class. */
export const CLASS_COLOURS = ['#D55E00', '#0072B2', '#009E73', '#F0E442', '#56B4E9'] as const;

const esc = (s: unknown) => String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
const fmt = (n: number) => n.toLocaleString('en-US');
const pct = (n: number, d: number) => (d === 0 ? '0%' : `${((100 * n) / d).toFixed(1)}%`);

function legend(): string {
  return `<div class="legend">${CLASS_NAMES.map((c, k) => `<span><i style="background:${CLASS_COLOURS[k]}"></i>${esc(c)}</span>`).join('')}</div>`;
}

/** Horizontal stacked bars: one row per label, one segment per class, as shares of the row. */
function stackedBars(rows: { label: string; counts: number[] }[]): string {
  const rowH = 22, labelW = 130, barW = 560, totalW = 90;
  const h = rows.length * rowH + 4;
  const bars = rows.map((r, i) => {
    const total = r.counts.reduce((a, b) => a + b, 0);
    let x = labelW;
    const segs = r.counts.map((n, k) => {
      const w = total === 0 ? 0 : (barW * n) / total;
      const seg = `<rect class="seg" x="${x.toFixed(2)}" y="${i * rowH + 3}" width="${w.toFixed(2)}" height="${rowH - 6}" fill="${CLASS_COLOURS[k]}"><title>${esc(r.label)} · ${esc(CLASS_NAMES[k])}: ${fmt(n)} (${pct(n, total)})</title></rect>`;
      x += w;
      return seg;
    }).join('');
    return `<text x="${labelW - 6}" y="${i * rowH + rowH / 2 + 4}" text-anchor="end">${esc(r.label)}</text>${segs}<text x="${labelW + barW + 6}" y="${i * rowH + rowH / 2 + 4}">${fmt(total)}</text>`;
  }).join('');
  return `<svg class="chart" viewBox="0 0 ${labelW + barW + totalW} ${h}" width="100%" role="img">${bars}</svg>`;
}

/** Small multiples: one histogram per class. */
function histograms(hist: Histogram, label: (lo: number, hi: number) => string): string {
  const w = 220, h = 120, pad = 18;
  return `<div class="multiples">${CLASS_NAMES.map((name, k) => {
    const counts = hist.counts[k] as number[];
    const max = Math.max(1, ...counts);
    const bw = (w - 2) / counts.length;
    const bars = counts.map((n, b) => {
      const bh = ((h - pad) * n) / max;
      return `<rect class="bar" x="${(1 + b * bw).toFixed(2)}" y="${(h - pad - bh).toFixed(2)}" width="${Math.max(0, bw - 1).toFixed(2)}" height="${bh.toFixed(2)}" fill="${CLASS_COLOURS[k]}"><title>${esc(name)} ${label(hist.edges[b] as number, hist.edges[b + 1] as number)}: ${fmt(n)}</title></rect>`;
    }).join('');
    const total = counts.reduce((a, b) => a + b, 0);
    return `<figure><svg class="chart" viewBox="0 0 ${w} ${h}" width="${w}" height="${h}" role="img">${bars}<line x1="0" x2="${w}" y1="${h - pad}" y2="${h - pad}" stroke="#999"/><text x="2" y="${h - 4}">${label(hist.edges[0] as number, hist.edges[0] as number).split('–')[0]}</text><text x="${w - 2}" y="${h - 4}" text-anchor="end">${hist.edges.at(-1)}</text></svg><figcaption>${esc(name)} (${fmt(total)})</figcaption></figure>`;
  }).join('')}</div>`;
}

function table(columns: readonly string[], rows: readonly (readonly unknown[])[]): string {
  const cell = (v: unknown) => (typeof v === 'number' ? `<td class="num">${fmt(v)}</td>` : `<td>${esc(v ?? '')}</td>`);
  return `<table><thead><tr>${columns.map((c) => `<th>${esc(c)}</th>`).join('')}</tr></thead><tbody>${rows.map((r) => `<tr>${r.map(cell).join('')}</tr>`).join('')}</tbody></table>`;
}

function pathData(polygons: PolygonRings[]): string {
  return polygons.flatMap((rings) => rings.map((ring) => {
    let d = `M${ring[0]} ${ring[1]}`;
    for (let i = 2; i < ring.length - 2; i += 2) d += `L${ring[i]} ${ring[i + 1]}`;
    return `${d}Z`;
  })).join('');
}

function galleryImage(g: GalleryImage): string {
  const paths = g.nuclei.map((n) => `<path class="nucleus" data-id="${n.id}" d="${pathData(n.polygons)}" fill="${CLASS_COLOURS[n.classId - 1]}" fill-opacity="0.25" stroke="${CLASS_COLOURS[n.classId - 1]}" fill-rule="evenodd"><title>nucleus ${n.id} · ${esc(CLASS_NAMES[n.classId - 1])} · id ${n.instanceId} · area ${n.area}</title></path>`).join('');
  const background = g.png === undefined ? `<rect width="${g.width}" height="${g.height}" fill="#f4eef2"/>` : `<image href="${g.png}" width="${g.width}" height="${g.height}"/>`;
  return `<figure class="tile"><svg class="patch" viewBox="0 0 ${g.width} ${g.height}" width="256" height="256" data-image-id="${g.imageId}">${background}${paths}</svg><figcaption>fold ${g.fold}, image ${g.foldIndex} · ${g.nuclei.length} nuclei</figcaption></figure>`;
}

export function renderReport(d: ReportData): string {
  const tissueRows = d.classByTissue.rows.filter((r) => r[0] !== 'all').map((r) => ({ label: String(r[0]), counts: (r.slice(2, 7) as number[]) }));
  const byTissue = new Map<string, GalleryImage[]>();
  for (const g of d.gallery) byTissue.set(g.tissue, [...(byTissue.get(g.tissue) ?? []), g]);
  const all = d.classByTissue.rows.at(-1) as unknown[] | undefined;
  const allCounts = all === undefined ? [0, 0, 0, 0, 0] : (all.slice(2, 7) as number[]);
  const allTotal = allCounts.reduce((a, b) => a + b, 0);
  const subset = d.subset === undefined ? '' : (() => {
    const s = d.subset;
    const total = s.perClass.reduce((a, b) => a + b, 0);
    return `<section id="subset"><h2>Subset “${esc(s.name)}” against the whole dataset</h2>
      ${table(['class', 'subset nuclei', 'subset share', 'dataset nuclei', 'dataset share'], CLASS_NAMES.map((c, k) => [c, s.perClass[k] as number, pct(s.perClass[k] as number, total), allCounts[k] as number, pct(allCounts[k] as number, allTotal)]))}
      ${stackedBars([{ label: 'subset', counts: s.perClass }, { label: 'dataset', counts: allCounts }])}
      <h3>The subset's class × tissue table</h3>${table(s.classByTissue.columns, s.classByTissue.rows)}</section>`;
  })();
  const runs = d.summary.runs.map((r) => [r.startedAt, r.status, r.images, r.nuclei, r.options]);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>pannuke-db report</title>
<style>
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0 auto;max-width:1100px;padding:16px 24px;color:#222}
h1{font-size:24px;margin:8px 0}h2{font-size:19px;margin-top:32px;border-bottom:1px solid #ddd;padding-bottom:4px}h3{font-size:15px}
.cards{display:flex;gap:12px;flex-wrap:wrap}.card{background:#f6f6f8;border-radius:8px;padding:10px 16px}.card b{display:block;font-size:22px}
table{border-collapse:collapse;margin:8px 0;font-size:13px}th,td{padding:3px 8px;border-bottom:1px solid #eee;text-align:left}td.num{text-align:right;font-variant-numeric:tabular-nums}
.chart text{font-size:11px;fill:#333}.legend{display:flex;gap:14px;margin:6px 0}.legend i{display:inline-block;width:12px;height:12px;margin-right:4px;vertical-align:-1px;border-radius:2px}
.multiples{display:flex;flex-wrap:wrap;gap:10px}.multiples figure{margin:0}figcaption{font-size:12px;color:#555}
.gallery{display:flex;flex-wrap:wrap;gap:10px}.tile{margin:0}.patch{border:1px solid #ccc;background:#fff}.patch path{stroke-width:0.8}
.patch path:hover{fill-opacity:.6}.muted{color:#666}code{background:#f3f3f3;padding:0 3px;border-radius:3px}
</style></head><body>
<h1>PanNuke database report</h1>
<p class="muted">${esc(d.dbFile)} · pannuke-db ${esc(d.summary.toolVersion)} · folds ${d.summary.folds.join(', ')}</p>
<div class="cards"><div class="card"><b>${fmt(d.summary.images)}</b>images</div><div class="card"><b>${fmt(d.summary.nuclei)}</b>nuclei</div><div class="card"><b>${fmt(d.summary.tissues)}</b>tissues</div><div class="card"><b>${d.summary.folds.length}</b>folds</div></div>
<details><summary>Provenance: ${d.summary.runs.length} ingest run(s)</summary>${table(['started', 'status', 'images', 'nuclei', 'options'], runs)}</details>
<section id="classes"><h2>Class distribution</h2>${legend()}
<h3>Per tissue (share of the tissue's nuclei; hover for counts)</h3>${stackedBars(tissueRows)}
<h3>Per fold</h3>${stackedBars(d.perFold.map((f) => ({ label: `fold ${f.fold}`, counts: f.counts })))}
<h3>Class × tissue</h3>${table(d.classByTissue.columns, d.classByTissue.rows)}</section>
<section id="morphology"><h2>Morphology per class</h2>
<h3>Area (pixels, log-spaced bins)</h3>${histograms(d.area, (lo, hi) => `area ${lo}–${hi}`)}
<h3>Eccentricity</h3>${histograms(d.eccentricity, (lo, hi) => `eccentricity ${lo.toFixed(2)}–${hi.toFixed(2)}`)}</section>
<section id="qc"><h2>Quality control: PanNuke's quirks</h2>${table(['quirk', 'nuclei', 'pixels', 'images', 'what it is'], d.qc.map((q) => [q.quirk, q.nuclei ?? '', q.pixels ?? '', q.images, q.description]))}
${Object.entries(d.qcExamples).map(([quirk, ex]) => `<h3>${esc(quirk)}: examples</h3>${table(['fold', 'fold_index', 'class', 'id', 'detail'], ex.map((e) => [e.fold, e.foldIndex, e.class ?? '', e.instanceId ?? '', e.detail]))}`).join('')}</section>
${subset}
<section id="gallery"><h2>Gallery: outlines over the patches</h2>${legend()}
<p class="muted">Up to ${d.galleryCap} images per tissue (the first with nuclei, in fold order); every stored outline is drawn, holes and fragments included. Hover a nucleus for its id, class and area.${d.gallery.some((g) => g.png !== undefined) ? '' : ' Run with <code>--data</code> to draw the H&amp;E patches under the outlines.'}</p>
${[...byTissue].map(([tissue, gs]) => `<h3>${esc(tissue)}</h3><div class="gallery">${gs.map(galleryImage).join('')}</div>`).join('')}</section>
<p class="muted">Made by <code>pannuke report</code>. PanNuke: Gamper et al. 2019/2020, CC BY-NC-SA 4.0.</p>
</body></html>
`;
}
