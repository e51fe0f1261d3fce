/**
 * The report as one self-contained HTML page: inline CSS and hand-written SVG (no script, no network),
 * numbers on hover through SVG <title>s, a colour-blind-safe palette (Okabe–Ito), readable on a laptop.
 */
import { CLASS_NAMES } from '../db/schema.js';
import { esc, pathData } from './svg.js';
import type { GalleryImage, Histogram, ReportData } from './data.js';
import { renderEvaluation } from './evaluation.js';

/** Okabe & Ito's colour-blind-safe palette, one colour per class. */
import { CLASS_COLOURS } from '../palette.js';

export { CLASS_COLOURS };

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

/**
 * Small multiples, one histogram per class on the same bins and the same y scale (the share of the class's
 * nuclei in each bin), so that classes of very different sizes compare directly; both axes are labelled.
 */
function histograms(hist: Histogram, axis: { title: string; tick: (edge: number) => string; bin: (lo: number, hi: number) => string; ticks: number[] }): string {
  const w = 260, h = 150, left = 42, bottom = 34, top = 8, right = 8;
  const plotW = w - left - right, plotH = h - top - bottom;
  const shares = hist.counts.map((counts) => {
    const total = counts.reduce((a, b) => a + b, 0);
    return counts.map((n) => (total === 0 ? 0 : n / total));
  });
  // A y scale shared by every class: the largest share, rounded up to a whole 10 % (so its half is whole too).
  const yMax = Math.max(0.1, Math.ceil(Math.max(...shares.flat()) * 10) / 10);
  const bins = hist.edges.length - 1;
  const bw = plotW / bins;
  const y = (share: number) => top + plotH - (plotH * share) / yMax;
  const yTicks = [0, yMax / 2, yMax].map((t) => `<line x1="${left - 3}" x2="${left}" y1="${y(t).toFixed(1)}" y2="${y(t).toFixed(1)}" stroke="#999"/><text class="tick" x="${left - 5}" y="${(y(t) + 3).toFixed(1)}" text-anchor="end">${Math.round(t * 100)}%</text>`).join('');
  const xTicks = axis.ticks.map((k) => `<line x1="${(left + k * bw).toFixed(1)}" x2="${(left + k * bw).toFixed(1)}" y1="${top + plotH}" y2="${top + plotH + 3}" stroke="#999"/><text class="tick" x="${(left + k * bw).toFixed(1)}" y="${top + plotH + 13}" text-anchor="middle">${axis.tick(hist.edges[k] as number)}</text>`).join('');
  return `<div class="multiples">${CLASS_NAMES.map((name, k) => {
    const counts = hist.counts[k] as number[];
    const bars = counts.map((n, b) => {
      const share = shares[k]![b] as number;
      return `<rect class="bar" x="${(left + b * bw + 0.5).toFixed(2)}" y="${y(share).toFixed(2)}" width="${Math.max(0, bw - 1).toFixed(2)}" height="${(top + plotH - y(share)).toFixed(2)}" fill="${CLASS_COLOURS[k]}"><title>${esc(name)}, ${axis.bin(hist.edges[b] as number, hist.edges[b + 1] as number)}: ${fmt(n)} nuclei (${pct(n, counts.reduce((a, c) => a + c, 0))} of the class)</title></rect>`;
    }).join('');
    const total = counts.reduce((a, b) => a + b, 0);
    return `<figure><svg class="chart histogram" viewBox="0 0 ${w} ${h}" width="${w}" height="${h}" role="img" aria-label="${esc(name)}: ${esc(axis.title)}">
<line class="axis" x1="${left}" x2="${left + plotW}" y1="${top + plotH}" y2="${top + plotH}" stroke="#999"/><line class="axis" x1="${left}" x2="${left}" y1="${top}" y2="${top + plotH}" stroke="#999"/>${bars}${yTicks}${xTicks}
<text class="axis-title x-title" x="${left + plotW / 2}" y="${h - 4}" text-anchor="middle">${esc(axis.title)}</text><text class="axis-title y-title" transform="translate(9 ${top + plotH / 2}) rotate(-90)" text-anchor="middle">% of class</text></svg><figcaption>${esc(name)} (${fmt(total)} nuclei)</figcaption></figure>`;
  }).join('')}</div>`;
}

/** About `n` evenly spread bin indexes to label on the x axis (the first and the last edge included). */
function tickIndexes(edges: readonly number[], n: number): number[] {
  const last = edges.length - 1;
  const step = Math.max(1, Math.round(last / (n - 1)));
  const out: number[] = [];
  for (let k = 0; k < last; k += step) out.push(k);
  if (last - (out.at(-1) as number) < step / 2) out.pop();
  out.push(last);
  return out;
}

function table(columns: readonly string[], rows: readonly (readonly unknown[])[]): string {
  const cell = (v: unknown) => (typeof v === 'number' ? `<td class="num">${fmt(v)}</td>` : `<td>${esc(v ?? '')}</td>`);
  return `<table><thead><tr>${columns.map((c) => `<th>${esc(c)}</th>`).join('')}</tr></thead><tbody>${rows.map((r) => `<tr>${r.map(cell).join('')}</tr>`).join('')}</tbody></table>`;
}

/**
 * One patch with its outlines: each outline is drawn twice, a light halo under a class-coloured line, so that
 * every class stays visible on H&E (dark blue on purple chromatin included); no fill covers the nucleus
 * (it shows on hover).
 */
function galleryImage(g: GalleryImage): string {
  const halos = g.nuclei.map((n) => `<path class="halo" d="${pathData(n.polygons)}"/>`).join('');
  const paths = g.nuclei.map((n) => `<path class="nucleus" data-id="${n.id}" d="${pathData(n.polygons)}" fill="${CLASS_COLOURS[n.classId - 1]}" stroke="${CLASS_COLOURS[n.classId - 1]}" fill-rule="evenodd"><title>nucleus_id ${n.id} · class ${esc(CLASS_NAMES[n.classId - 1])} · instance_id ${n.instanceId} (the mask value) · area ${fmt(n.area)} px</title></path>`).join('');
  const background = g.png === undefined ? `<rect width="${g.width}" height="${g.height}" fill="#f4eef2"/>` : `<image href="${g.png}" width="${g.width}" height="${g.height}"/>`;
  return `<figure class="tile"><svg class="patch" viewBox="0 0 ${g.width} ${g.height}" width="256" height="256" data-image-id="${g.imageId}">${background}<g class="halos">${halos}</g>${paths}</svg><figcaption>fold ${g.fold} · fold_index ${g.foldIndex} · image_id ${g.imageId} · ${g.nuclei.length} nuclei</figcaption></figure>`;
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
.chart .tick{font-size:9px;fill:#555}.chart .axis-title{font-size:10px;fill:#333}
.gallery{display:flex;flex-wrap:wrap;gap:10px}.tile{margin:0}.tile figcaption{max-width:256px}.patch{border:1px solid #ccc;background:#fff}
.patch path.halo{fill:none;stroke:#fff;stroke-opacity:.85;stroke-width:2.4;stroke-linejoin:round}
.patch path.nucleus{fill-opacity:0;stroke-width:1.1;stroke-linejoin:round}.patch path.nucleus:hover{fill-opacity:.35}
.eval-patch path.truth,.eval-patch path.predicted{fill:none;stroke-width:1.1;stroke-linejoin:round;pointer-events:stroke}.eval-patch path.predicted{stroke-dasharray:2 1.5}
.eval-patch circle.miss{fill:none;stroke:#d00;stroke-width:1.4}.eval-patch path.false-positive{stroke:#000;stroke-width:1.6}
.key-miss{color:#d00;font-weight:bold}.key-fp{font-weight:bold}.muted{color:#666}code{background:#f3f3f3;padding:0 3px;border-radius:3px}
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
<p class="muted">Each class on the same bins and the same y scale: the bar is the share of that class's nuclei in the bin, so classes of different sizes compare directly. Hover a bar for its count.</p>
<h3>Area (pixels, log scale)</h3>${histograms(d.area, { title: 'area (px, log scale)', tick: (e) => String(e), bin: (lo, hi) => (hi - lo === 1 ? `area ${lo} px` : `area ${lo}–${hi - 1} px`), ticks: tickIndexes(d.area.edges, 5) })}
<h3>Eccentricity</h3>${histograms(d.eccentricity, { title: 'eccentricity (0 = circle)', tick: (e) => e.toFixed(1), bin: (lo, hi) => `eccentricity ${lo.toFixed(2)}–${hi.toFixed(2)}`, ticks: tickIndexes(d.eccentricity.edges, 6) })}</section>
<section id="qc"><h2>Quality control: PanNuke's quirks</h2>${table(['quirk', 'nuclei', 'pixels', 'images', 'what it is'], d.qc.map((q) => [q.quirk, q.nuclei ?? '', q.pixels ?? '', q.images, q.description]))}
${Object.entries(d.qcExamples).map(([quirk, ex]) => `<h3>${esc(quirk)}: examples</h3>${table(['fold', 'fold_index', 'class', 'id', 'detail'], ex.map((e) => [e.fold, e.foldIndex, e.class ?? '', e.instanceId ?? '', e.detail]))}`).join('')}</section>
${subset}
${d.evaluation === undefined ? '' : renderEvaluation(d.evaluation, CLASS_COLOURS)}
<section id="gallery"><h2>Gallery: outlines over the patches</h2>${legend()}
<p class="muted">Up to ${d.galleryCap} images per tissue (the first with nuclei, in fold order); every stored outline is drawn, holes and fragments included. Each outline has a light halo so it shows on any stain; hover a nucleus for its nucleus_id (the row in <code>nuclei</code>), class, instance_id (its value in the mask) and area.${d.gallery.some((g) => g.png !== undefined) ? '' : ' Run with <code>--data</code> to draw the H&amp;E patches under the outlines.'}</p>
${[...byTissue].map(([tissue, gs]) => `<h3>${esc(tissue)}</h3><div class="gallery">${gs.map(galleryImage).join('')}</div>`).join('')}</section>
<p class="muted">Made by <code>pannuke report</code>. PanNuke: Gamper et al. 2019/2020, CC BY-NC-SA 4.0.</p>
</body></html>
`;
}
