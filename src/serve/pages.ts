/**
 * The explorer's pages, rendered on the server as HTML with inline SVG (the same class colours and outline
 * halo as the report). Every drawn outline carries `data-nucleus-id` (nuclei.id) or `data-predicted-id`
 * (predicted_nuclei.id). Pure: data in (./queries.ts), HTML out.
 */
import { CLASS_NAMES } from '../db/schema.js';
import { CONFUSION_COLUMNS, CONFUSION_ROWS, type EvalReport } from '../eval/metrics.js';
import { decodeWkb } from '../extract/wkb.js';
import { esc, pathData } from '../report/svg.js';
import { filterQuery, NUMERIC_COLUMNS, QUIRKS, type Filter } from './filter.js';
import { PAGE_IMAGES, PAGE_NUCLEI, type ImageDetail, type ImageRow, type NucleusListRow, type Overview } from './queries.js';

export interface PageContext {
  filter: Filter;
  writable: boolean;
  overview: Pick<Overview, 'tissues' | 'sets' | 'subsets'>;
}

const fmt = (n: number | null | undefined, digits = 4) => (n === null || n === undefined ? 'NaN' : Number.isInteger(n) ? n.toLocaleString('en-US') : n.toFixed(digits));
const cls = (classId: number | null) => (classId === null ? 'c0' : `c${classId}`);

export function layout(title: string, body: string, active = ''): string {
  const nav = [['/', 'Overview'], ['/images', 'Images'], ['/nuclei', 'Nuclei'], ['/eval', 'Evaluations']]
    .map(([href, label]) => `<a href="${href}"${active === label ? ' aria-current="page"' : ''}>${label}</a>`).join('');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(title)} · pannuke serve</title><link rel="stylesheet" href="/assets/app.css"><link rel="icon" href="data:,"></head>
<body><header><b>pannuke-db</b><nav>${nav}</nav></header><main>${body}</main><script src="/assets/app.js" defer></script></body></html>`;
}

/** The filter form: GET, so the filter lives in the URL. */
function filterForm(action: string, c: PageContext, extraHidden: Record<string, string | undefined> = {}): string {
  const f = c.filter;
  const checks = (name: string, values: readonly (string | number)[], chosen: readonly (string | number)[] | undefined, labels?: readonly string[]) =>
    values.map((v, k) => `<label><input type="checkbox" name="${name}" value="${esc(v)}"${chosen?.includes(v) === true ? ' checked' : ''}> ${esc(labels?.[k] ?? v)}</label>`).join(' ');
  const range = (column: string) => {
    const r = f.ranges.find((x) => x.column === column);
    return `<fieldset><legend>${esc(column)}</legend><input type="number" step="any" name="min_${column}" value="${r?.min ?? ''}" placeholder="min" aria-label="min ${column}"> – <input type="number" step="any" name="max_${column}" value="${r?.max ?? ''}" placeholder="max" aria-label="max ${column}"></fieldset>`;
  };
  const otherRanges = f.ranges.filter((r) => r.column !== 'area' && r.column !== 'eccentricity').map((r) => range(r.column)).join('');
  const hidden = Object.entries({ set: f.set, sort: f.sort, ...extraHidden }).filter(([, v]) => v !== undefined).map(([k, v]) => `<input type="hidden" name="${k}" value="${esc(v)}">`).join('');
  return `<form class="filter" method="get" action="${action}" id="filter">
<fieldset><legend>fold</legend>${checks('fold', [1, 2, 3], f.fold)}</fieldset>
<fieldset><legend>class</legend>${checks('class', CLASS_NAMES.map((n) => n), f.class?.map((k) => CLASS_NAMES[k - 1] as string))}</fieldset>
<fieldset><legend>tissue</legend><select name="tissue" multiple size="3">${c.overview.tissues.map((t) => `<option${f.tissue?.includes(t) === true ? ' selected' : ''}>${esc(t)}</option>`).join('')}</select></fieldset>
<fieldset><legend>quirk</legend>${checks('quirk', Object.keys(QUIRKS), f.quirk)}</fieldset>
${range('area')}${range('eccentricity')}${otherRanges}
<fieldset><legend>subset</legend><select name="subset"><option value="">(none)</option>${c.overview.subsets.map((s) => `<option${f.subset === s.name ? ' selected' : ''}>${esc(s.name)}</option>`).join('')}</select></fieldset>
${hidden}<button type="submit">Apply</button> <a href="${action}">clear</a></form>`;
}

/** Multi-valued checkboxes and selects submit repeated keys: the server reads them joined (see server.ts). */
function pager(base: string, f: Filter, total: number, size: number, extra: Record<string, string | undefined> = {}): string {
  const pages = Math.max(1, Math.ceil(total / size));
  const link = (p: number, label: string, rel?: string) => `<a href="${base}${esc(filterQuery(f, { sort: f.sort, page: p, ...extra }))}"${rel !== undefined ? ` rel="${rel}"` : ''}>${label}</a>`;
  return `<div class="pager">${f.page > 1 ? link(f.page - 1, '← previous', 'prev') : ''}<span>page ${f.page} of ${pages} · ${fmt(total)} rows</span>${f.page < pages ? link(f.page + 1, 'next →', 'next') : ''}
<a href="/api${base}.csv${esc(filterQuery(f, { sort: f.sort, ...extra }))}">CSV</a> <a href="/api${base}${esc(filterQuery(f, { sort: f.sort, page: f.page, ...extra }))}">JSON</a></div>`;
}

function histograms(hists: { column: string; min: number; max: number; counts: number[] }[]): string {
  return hists.map((h) => {
    const w = 300, ht = 80, top = Math.max(1, ...h.counts), bw = w / h.counts.length;
    const bars = h.counts.map((n, k) => `<rect class="bar" x="${(k * bw).toFixed(2)}" y="${(ht - (ht * n) / top).toFixed(2)}" width="${Math.max(0, bw - 1).toFixed(2)}" height="${((ht * n) / top).toFixed(2)}"><title>${fmt(h.min + ((h.max - h.min) * k) / h.counts.length)} – ${fmt(h.min + ((h.max - h.min) * (k + 1)) / h.counts.length)}: ${n}</title></rect>`).join('');
    return `<div class="hist"><div>${esc(h.column)} <span class="muted">${fmt(h.min)} – ${fmt(h.max)} (drag to filter)</span></div><svg width="${w}" height="${ht}" data-column="${esc(h.column)}" data-x0="${h.min}" data-x1="${h.max}">${bars}<rect class="brush" x="0" y="0" width="0" height="${ht}"/></svg></div>`;
  }).join('');
}

function saveForm(c: PageContext): string {
  return c.writable
    ? `<form id="save-subset" class="controls"><label>Save this filter as subset <input name="name" required pattern="[A-Za-z0-9][A-Za-z0-9._-]{0,63}" placeholder="name"></label><button type="submit">Save</button><span id="save-result"></span></form>`
    : '<p class="muted">Saving the filter as a subset needs <code>pannuke serve --allow-write</code> (the database is open read-only).</p>';
}

export function overviewPage(o: Overview, c: PageContext): string {
  const q = (extra: Record<string, string | number | undefined>) => esc(filterQuery(c.filter, extra));
  const merge = (key: 'class' | 'tissue' | 'fold', value: string | number) => {
    const f = { ...c.filter, ranges: c.filter.ranges, page: 1 } as Filter;
    if (key === 'class') f.class = [(CLASS_NAMES as readonly string[]).indexOf(String(value)) + 1];
    if (key === 'tissue') f.tissue = [String(value)];
    if (key === 'fold') f.fold = [Number(value)];
    return f;
  };
  const rows = o.byTissue.map((t) => `<tr><td><a href="/images${esc(filterQuery(merge('tissue', t.tissue)))}">${esc(t.tissue)}</a></td><td class="num"><a href="/images${esc(filterQuery(merge('tissue', t.tissue)))}">${fmt(t.images)}</a></td>${t.perClass.map((n, k) => `<td class="num"><a href="/nuclei${esc(filterQuery({ ...merge('tissue', t.tissue), class: [k + 1] }))}">${fmt(n)}</a></td>`).join('')}</tr>`).join('');
  const totals = CLASS_NAMES.map((_, k) => o.byTissue.reduce((s, t) => s + (t.perClass[k] as number), 0));
  const extras = `/fragment/overview-extras${q({})}`;
  return layout('Overview', `<h1>PanNuke in this database</h1>${filterForm('/', c)}
<p><a href="/images${q({})}"><b>${fmt(o.images)}</b> images</a> · <a href="/nuclei${q({})}"><b>${fmt(o.nuclei)}</b> nuclei</a> · ${o.folds.map((f) => `<a href="/images${esc(filterQuery(merge('fold', f.fold)))}">fold ${f.fold}: ${fmt(f.images)} images, ${fmt(f.nuclei)} nuclei</a>`).join(' · ')}</p>
<div id="extras" data-src="${extras}"><p class="muted">Histograms and quirks are loading… (<a href="${extras}">open them</a>)</p></div>
<h2>Classes × tissues</h2><table><thead><tr><th>tissue</th><th class="num">images</th>${CLASS_NAMES.map((n, k) => `<th class="num"><span class="swatch s${k + 1}"></span><a href="/nuclei${esc(filterQuery(merge('class', n)))}">${esc(n)}</a></th>`).join('')}</tr></thead>
<tbody>${rows}</tbody><tfoot><tr><th>all</th><th class="num">${fmt(o.images)}</th>${totals.map((n, k) => `<th class="num"><a href="/nuclei${esc(filterQuery(merge('class', CLASS_NAMES[k] as string)))}">${fmt(n)}</a></th>`).join('')}</tr></tfoot></table>
<h2>Prediction sets</h2>${o.sets.length === 0 ? '<p class="muted">none yet: <code>pannuke eval run</code> adds one</p>' : `<p class="chips">${o.sets.map((s) => `<a href="/eval/${encodeURIComponent(s.name)}">${esc(s.name)} <span class="muted">fold ${s.fold}, ${fmt(s.images)} images</span></a>`).join('')}</p>`}
<h2>Subsets</h2>${o.subsets.length === 0 ? '<p class="muted">none yet</p>' : `<p class="chips">${o.subsets.map((s) => `<a href="/images?subset=${encodeURIComponent(s.name)}">${esc(s.name)} <span class="muted">${fmt(s.nuclei)} nuclei, ${fmt(s.images)} images</span></a>`).join('')}</p>`}
${saveForm(c)}`, 'Overview');
}

/**
 * What the overview loads after its first paint (each a pass over the nuclei on a large database): the
 * histograms of the current filter, to brush, and the quirk counts.
 */
export function overviewExtras(hists: Parameters<typeof histograms>[0], quirks: { quirk: string; nuclei: number; images: number }[], f: Filter): string {
  const withQuirk = (quirk: string) => esc(filterQuery({ ...f, quirk: [...new Set([...(f.quirk ?? []), quirk as keyof typeof QUIRKS])] }));
  return `${histograms(hists)}
<h2>Quirks</h2><table id="quirks"><thead><tr><th>quirk</th><th class="num">nuclei</th><th class="num">images</th></tr></thead><tbody>${quirks.map((k) => `<tr><td>${esc(k.quirk)}</td><td class="num"><a href="/nuclei${withQuirk(k.quirk)}">${fmt(k.nuclei)}</a></td><td class="num"><a href="/images${withQuirk(k.quirk)}">${fmt(k.images)}</a></td></tr>`).join('')}</tbody></table>`;
}

/** One patch with outlines, as the grid's cards draw it. */
function thumb(id: number, width: number, height: number, outlines: { classId: number; contour: Uint8Array; id: number }[]): string {
  const paths = outlines.map((n) => pathData(decodeWkb(n.contour)));
  return `<svg viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="image ${id}"><image href="/tile/${id}.png" width="${width}" height="${height}"/>${paths.map((d) => `<path class="halo" d="${d}"/>`).join('')}${outlines.map((n, k) => `<path class="gt ${cls(n.classId)}" d="${paths[k]}" data-nucleus-id="${n.id}"/>`).join('')}</svg>`;
}

export function imagesPage(list: { total: number; rows: ImageRow[] }, outlines: Map<number, { classId: number; contour: Uint8Array; id: number }[]>, size: { width: number; height: number }, c: PageContext): string {
  const f = c.filter;
  const sorts = ['id', 'nuclei', 'tissue', ...CLASS_NAMES.map((n) => n.toLowerCase()), ...(f.set !== undefined ? ['mpq', 'bpq', 'misses', 'false_positives'] : [])];
  const sortLinks = sorts.map((s) => `<a href="/images${esc(filterQuery(f, { sort: s }))}">${esc(s)}</a> (<a href="/images${esc(filterQuery(f, { sort: `-${s}` }))}">rev</a>)`).join(' · ');
  const cards = list.rows.map((r) => {
    const figures = r.mpq !== undefined ? ` · mPQ ${fmt(r.mpq)} · bPQ ${fmt(r.bpq)} · ${fmt(r.misses)} missed · ${fmt(r.falsePositives)} FP` : '';
    return `<div class="card" data-image-id="${r.id}"><a href="/image/${r.id}${esc(filterQuery(f, { sort: f.sort }))}">${thumb(r.id, size.width, size.height, outlines.get(r.id) ?? [])}</a>
<div class="caption">image ${r.id} · fold ${r.fold} #${r.foldIndex} · ${esc(r.tissue)} · <span data-count="nuclei">${fmt(r.nuclei)}</span> nuclei${figures}</div></div>`;
  }).join('');
  const set = f.set !== undefined ? `<p>Prediction set <a href="/eval/${encodeURIComponent(f.set)}">${esc(f.set)}</a>: images of its fold, with its figures (sort by mPQ puts the worst first).</p>` : '';
  return layout('Images', `<h1>Images <span class="muted" id="total">${fmt(list.total)}</span></h1>${filterForm('/images', c)}${set}<p class="muted">sort: ${sortLinks}</p>
${pager('/images', f, list.total, PAGE_IMAGES)}<div class="grid">${cards}</div>${pager('/images', f, list.total, PAGE_IMAGES)}${saveForm(c)}`, 'Images');
}

export function nucleiPage(list: { total: number; rows: NucleusListRow[] }, size: { width: number; height: number }, c: PageContext, match: Record<string, string | undefined>): string {
  const f = c.filter;
  const sorts = ['id', ...NUMERIC_COLUMNS, ...(f.set !== undefined ? ['iou'] : [])];
  const sortSelect = `<form class="controls" method="get" action="/nuclei">${[...new URLSearchParams(filterQuery(f, match).slice(1))].map(([k, v]) => `<input type="hidden" name="${esc(k)}" value="${esc(v)}">`).join('')}
<label>sort by <select name="sort">${sorts.flatMap((s) => [s, `-${s}`]).map((s) => `<option${f.sort === s ? ' selected' : ''} value="${esc(s)}">${esc(s.startsWith('-') ? `${s.slice(1)} (descending)` : s)}</option>`).join('')}</select></label><button type="submit">Sort</button></form>`;
  const crops = list.rows.map((n) => {
    const half = 24, cx = Math.round((n.values.bbox_x0 + n.values.bbox_x1) / 2), cy = Math.round((n.values.bbox_y0 + n.values.bbox_y1) / 2);
    const span = Math.max(2 * half, n.values.bbox_x1 - n.values.bbox_x0 + 8, n.values.bbox_y1 - n.values.bbox_y0 + 8);
    const d = pathData(decodeWkb(n.contour));
    const outline = n.predicted === true ? `<path class="pred ${cls(n.classId)}" d="${d}" data-predicted-id="${n.id}"/>` : `<path class="gt ${cls(n.classId)}" d="${d}" data-nucleus-id="${n.id}"/>`;
    return `<div class="card"><a href="/image/${n.imageId}${esc(filterQuery({ page: 1, ranges: [], ...(f.set !== undefined && { set: f.set }) }))}${n.predicted === true ? '' : `#n${n.id}`}"><svg viewBox="${cx - span / 2} ${cy - span / 2} ${span} ${span}" width="112" height="112"><image href="/tile/${n.imageId}.png" width="${size.width}" height="${size.height}"/><path class="halo" d="${d}"/>${outline}</svg></a>
<div class="caption">${n.predicted === true ? 'predicted ' : ''}${n.classId === null ? 'untyped' : esc(CLASS_NAMES[n.classId - 1])} · ${n.values.area} px · ecc ${fmt(n.values.eccentricity, 3)}${n.iou !== undefined ? ` · IoU ${n.iou === null ? 'missed' : fmt(n.iou, 3)}` : ''}<br>${esc(n.tissue)} · image ${n.imageId}</div></div>`;
  }).join('');
  const cell = match.gt_class !== undefined || match.pred_class !== undefined ? `<p>Confusion cell of <a href="/eval/${encodeURIComponent(f.set ?? '')}">${esc(f.set)}</a>: ${match.gt_class === 'false_positive' ? `false positives predicted ${esc(match.pred_class ?? 'any class')} (predicted nuclei, drawn dashed)` : `ground truth ${esc(match.gt_class ?? 'any')} × predicted ${esc(match.pred_class ?? 'any')}`}.</p>` : '';
  return layout('Nuclei', `<h1>Nuclei <span class="muted" id="total">${fmt(list.total)}</span></h1>${filterForm('/nuclei', c, match)}${cell}${sortSelect}
${pager('/nuclei', f, list.total, PAGE_NUCLEI, match)}<div class="crops">${crops}</div>${pager('/nuclei', f, list.total, PAGE_NUCLEI, match)}${saveForm(c)}`, 'Nuclei');
}

/** One image's panel: the patch, ground truth, a prediction dashed, misses and false positives marked. */
function panel(d: ImageDetail, zoom: number, label: string): string {
  const { width, height } = d.image;
  const gtPaths = d.nuclei.map((n) => pathData(decodeWkb(n.contour)));
  const predPaths = d.predicted.map((p) => pathData(decodeWkb(p.contour)));
  const matchedGt = new Set(d.matches.filter((m) => m.mode === 0).map((m) => m.gt));
  const matchedPred = new Set(d.matches.filter((m) => m.mode === 0).map((m) => m.pred));
  const marks = !d.evaluated ? '' : [
    ...d.nuclei.filter((n) => !matchedGt.has(n.facts.nucleus_id as number)).map((n) => `<circle class="miss" cx="${n.facts.centroid_x}" cy="${n.facts.centroid_y}" r="5" data-miss="${n.facts.nucleus_id}"><title>missed: nuclei.id ${n.facts.nucleus_id}</title></circle>`),
    ...d.predicted.filter((p) => !matchedPred.has(p.id)).map((p) => `<path class="fp" d="M${p.centroid[0] - 3} ${p.centroid[1] - 3}L${p.centroid[0] + 3} ${p.centroid[1] + 3}M${p.centroid[0] - 3} ${p.centroid[1] + 3}L${p.centroid[0] + 3} ${p.centroid[1] - 3}" data-false-positive="${p.id}"><title>false positive: predicted_nuclei.id ${p.id}</title></path>`),
  ].join('');
  return `<div><div class="muted">${esc(label)}</div><div class="panel"><svg viewBox="0 0 ${width} ${height}" width="${width * zoom}" height="${height * zoom}" data-width="${width}" data-height="${height}" data-image-id="${d.image.id}">
<image href="/tile/${d.image.id}.png" width="${width}" height="${height}"/>
<g class="gt-halo">${gtPaths.map((p) => `<path class="halo" d="${p}"/>`).join('')}</g><g class="pred-halo">${predPaths.map((p) => `<path class="halo" d="${p}"/>`).join('')}</g>
${d.nuclei.map((n, k) => `<path class="gt ${cls(n.facts.class_id as number)}" id="n${n.facts.nucleus_id}" d="${gtPaths[k]}" data-nucleus-id="${n.facts.nucleus_id}"/>`).join('')}
${d.predicted.map((p, k) => `<path class="pred ${cls(p.classId)}" d="${predPaths[k]}" data-predicted-id="${p.id}"/>`).join('')}${marks}</svg></div></div>`;
}

export function imagePage(d: ImageDetail, other: { set: string; detail: ImageDetail } | undefined, nav: { previous?: number; next?: number; position?: number; total: number }, c: PageContext): string {
  const f = c.filter;
  const keep = (id: number) => `/image/${id}${esc(filterQuery(f, { sort: f.sort, vs: other?.set }))}`;
  const data = {
    set: f.set ?? null,
    nuclei: Object.fromEntries(d.nuclei.map((n) => [n.facts.nucleus_id as number, n.facts])),
    predicted: Object.fromEntries([...d.predicted, ...(other?.detail.predicted ?? [])].map((p) => [p.id, { 'predicted_nuclei.id': p.id, class: p.classId === null ? 'untyped' : CLASS_NAMES[p.classId - 1], area: p.area, centroid_x: p.centroid[0], centroid_y: p.centroid[1] }])),
    matches: [...d.matches, ...(other?.detail.matches ?? [])],
  };
  const counts = f.set !== undefined ? `<p>${d.evaluated ? `${d.predicted.length} predicted · ${d.nuclei.filter((n) => !d.matches.some((m) => m.mode === 0 && m.gt === n.facts.nucleus_id)).length} missed · ${d.predicted.filter((p) => !d.matches.some((m) => m.mode === 0 && m.pred === p.id)).length} false positives (binary matches, IoU &gt; 0.5)` : `<span class="warn">set ${esc(f.set)} has not evaluated this image</span>`}</p>` : '';
  const navLinks = `<p>${nav.previous !== undefined ? `<a rel="prev" href="${keep(nav.previous)}">← previous</a> ` : ''}${nav.position !== undefined ? `image ${nav.position} of ${fmt(nav.total)} in the list` : 'not in the current list'}${nav.next !== undefined ? ` <a rel="next" href="${keep(nav.next)}">next →</a>` : ''} <span class="muted">(<kbd>←</kbd> <kbd>→</kbd>)</span> · <a href="/images${esc(filterQuery(f, { sort: f.sort }))}">back to the list</a></p>`;
  const layers = `<div class="controls">zoom ${[1, 2, 4, 8].map((z) => `<button type="button" data-zoom="${z}" aria-pressed="${z === 2}">${z}×</button>`).join('')}
<label><input type="checkbox" data-layer="patch" checked> H&amp;E</label><label><input type="checkbox" data-layer="gt" checked> ground truth</label>${f.set !== undefined ? '<label><input type="checkbox" data-layer="pred" checked> prediction (dashed)</label><label><input type="checkbox" data-layer="marks" checked> misses ○ and false positives ×</label>' : ''}</div>`;
  const panels = `${panel(d, 2, f.set !== undefined ? `ground truth and ${f.set}` : 'ground truth')}${other !== undefined ? panel(other.detail, 2, `ground truth and ${other.set}`) : ''}`;
  return layout(`Image ${d.image.id}`, `<h1>Image ${d.image.id} <span class="muted">fold ${d.image.fold} · fold_index ${d.image.foldIndex} · ${esc(d.image.tissue)} · ${d.nuclei.length} nuclei</span></h1>
${navLinks}${counts}${layers}<div class="viewer">${panels}<div class="side"><div id="nucleus-info" class="muted">Hover an outline for its row (every column of nucleus_facts) and its match.</div>
<h2>Nuclei</h2><table><thead><tr><th>nuclei.id</th><th>class</th><th class="num">area</th><th class="num">ecc.</th></tr></thead><tbody>${d.nuclei.map((n) => `<tr><td><a href="#n${n.facts.nucleus_id}">${n.facts.nucleus_id}</a></td><td><span class="swatch s${n.facts.class_id}"></span>${esc(n.facts.class)}</td><td class="num">${n.facts.area}</td><td class="num">${fmt(n.facts.eccentricity as number, 3)}</td></tr>`).join('')}</tbody></table></div></div>
<script type="application/json" id="image-data">${JSON.stringify(data).replace(/</g, '\\u003c')}</script>`, 'Images');
}

export function evalListPage(sets: Overview['sets']): string {
  return layout('Evaluations', `<h1>Evaluations</h1>${sets.length === 0 ? '<p class="muted">No prediction set yet: <code>pannuke eval run</code> adds one.</p>' : `<table><thead><tr><th>set</th><th>fold</th><th class="num">images</th><th></th></tr></thead><tbody>${sets.map((s) => `<tr><td><a href="/eval/${encodeURIComponent(s.name)}">${esc(s.name)}</a></td><td>${s.fold}</td><td class="num">${fmt(s.images)}</td><td>${sets.filter((o) => o.name !== s.name && o.fold === s.fold).map((o) => `<a href="/eval/${encodeURIComponent(s.name)}/vs/${encodeURIComponent(o.name)}">vs ${esc(o.name)}</a>`).join(' ')}</td></tr>`).join('')}</tbody></table>`}`, 'Evaluations');
}

function bars(values: [string, number | null][], max = 1): string {
  const w = 360, row = 18;
  return `<svg width="${w + 160}" height="${values.length * row + 4}" role="img">${values.map(([label, v], k) => `<text x="0" y="${k * row + 13}" font-size="12">${esc(label)}</text><rect x="150" y="${k * row + 3}" width="${((v ?? 0) / max) * w}" height="12" fill="#0b5cad"/><text x="${155 + ((v ?? 0) / max) * w}" y="${k * row + 13}" font-size="11">${fmt(v)}</text>`).join('')}</svg>`;
}

function confusionTable(r: EvalReport, set: string): string {
  const link = (row: string, column: string) => {
    const q = new URLSearchParams({ set, gt_class: row, pred_class: column });
    return `/nuclei?${q.toString()}`;
  };
  return `<table class="matrix"><thead><tr><th>ground truth ↓ · predicted →</th>${CONFUSION_COLUMNS.map((c) => `<th class="num">${esc(c)}</th>`).join('')}</tr></thead><tbody>${CONFUSION_ROWS.map((row) => `<tr><th>${esc(row)}</th>${CONFUSION_COLUMNS.map((c) => {
    const n = r.confusion[row]?.[c] ?? 0;
    return `<td class="num" data-cell="${esc(row)}|${esc(c)}">${n > 0 && !(row === 'false_positive' && c === 'missed') ? `<a href="${esc(link(row, c))}">${fmt(n)}</a>` : fmt(n)}</td>`;
  }).join('')}</tr>`).join('')}</tbody></table>`;
}

export function evalPage(r: EvalReport): string {
  const set = r.set;
  const headline = [['mPQ', r.mPQ], ['bPQ', r.bPQ], ['mPQ (image avg)', r.mPQ_image_avg], ['bPQ (image avg)', r.bPQ_image_avg], ['mPQ+', r.mPQ_plus], ['bPQ+', r.bPQ_plus], ['detection F1', r.detection.F1]] as const;
  const classes = Object.entries(r.classes).map(([name, p]) => `<tr><td><span class="swatch s${(CLASS_NAMES as readonly string[]).indexOf(name) + 1}"></span>${esc(name)}</td><td class="num">${fmt(p.PQ)}</td><td class="num">${fmt(p.DQ)}</td><td class="num">${fmt(p.SQ)}</td><td class="num">${fmt(r.classes_plus[name]?.PQ)}</td><td class="num">${fmt(r.detection.types[name]?.F1)}</td></tr>`).join('');
  const tissues = Object.entries(r.tissues).map(([t, v]) => `<tr><td><a href="/images?set=${encodeURIComponent(set)}&amp;tissue=${encodeURIComponent(t)}&amp;sort=mpq">${esc(t)}</a></td><td class="num">${fmt(v.images)}</td><td class="num">${fmt(v.mPQ)}</td><td class="num">${fmt(v.bPQ)}</td><td class="num">${fmt(v.mPQ_plus)}</td></tr>`).join('');
  return layout(`Evaluation ${set}`, `<h1>Evaluation <span class="muted">${esc(set)} · fold ${r.fold} · ${fmt(r.images)} of ${fmt(r.fold_images)} images${r.complete ? '' : ' · <span class="warn">incomplete</span>'}${r.class_agnostic ? ' · class-agnostic' : ''}</span></h1>
<p><a href="/images?set=${encodeURIComponent(set)}&amp;sort=mpq">images, worst mPQ first</a> · <a href="/images?set=${encodeURIComponent(set)}&amp;sort=-misses">most misses</a> · <a href="/images?set=${encodeURIComponent(set)}&amp;sort=-false_positives">most false positives</a> · <a href="/api/eval/${encodeURIComponent(set)}">JSON</a></p>
<table><tbody>${headline.map(([k, v]) => `<tr><th>${esc(k)}</th><td class="num" data-figure="${esc(k)}">${fmt(v)}</td></tr>`).join('')}</tbody></table>
<h2>Per class</h2><table><thead><tr><th>class</th><th class="num">PQ</th><th class="num">DQ</th><th class="num">SQ</th><th class="num">PQ+</th><th class="num">detection F1</th></tr></thead><tbody>${classes}</tbody></table>
${bars(Object.entries(r.class_PQ))}
<h2>Class confusion (binary matches)</h2><p class="muted">Rows: the ground-truth class; columns: the predicted class of its binary match (IoU &gt; 0.5), <code>missed</code> where none; row <code>false_positive</code>: predicted nuclei without a match. Each cell links to its nuclei.</p>${confusionTable(r, set)}
<h2>Per tissue</h2><table><thead><tr><th>tissue</th><th class="num">images</th><th class="num">mPQ</th><th class="num">bPQ</th><th class="num">mPQ+</th></tr></thead><tbody>${tissues}</tbody></table>
${bars(Object.entries(r.tissues).map(([t, v]) => [t, v.mPQ]))}`, 'Evaluations');
}

export function comparePage(a: EvalReport, b: EvalReport, diffs: { id: number; tissue: string; a: number | null; b: number | null }[]): string {
  const rows = [['mPQ', a.mPQ, b.mPQ], ['bPQ', a.bPQ, b.bPQ], ['mPQ+', a.mPQ_plus, b.mPQ_plus], ['bPQ+', a.bPQ_plus, b.bPQ_plus], ['detection F1', a.detection.F1, b.detection.F1],
    ...CLASS_NAMES.map((c) => [`PQ ${c}`, a.class_PQ[c] ?? null, b.class_PQ[c] ?? null] as const)] as const;
  const q = (id: number) => `/image/${id}?set=${encodeURIComponent(a.set)}&amp;vs=${encodeURIComponent(b.set)}`;
  return layout(`${a.set} vs ${b.set}`, `<h1>${esc(a.set)} <span class="muted">vs</span> ${esc(b.set)}</h1>
<table><thead><tr><th>figure</th><th class="num">${esc(a.set)}</th><th class="num">${esc(b.set)}</th><th class="num">difference</th></tr></thead><tbody>${rows.map(([k, x, y]) => `<tr><th>${esc(k)}</th><td class="num">${fmt(x)}</td><td class="num">${fmt(y)}</td><td class="num">${x === null || y === null ? 'NaN' : fmt((x as number) - (y as number))}</td></tr>`).join('')}</tbody></table>
<h2>Images by the difference in mPQ (${esc(a.set)} − ${esc(b.set)}, largest first)</h2><table><thead><tr><th>image</th><th>tissue</th><th class="num">${esc(a.set)}</th><th class="num">${esc(b.set)}</th><th class="num">difference</th></tr></thead><tbody>${diffs.slice(0, 200).map((d) => `<tr><td><a href="${q(d.id)}">${d.id}</a></td><td>${esc(d.tissue)}</td><td class="num">${fmt(d.a)}</td><td class="num">${fmt(d.b)}</td><td class="num">${d.a === null || d.b === null ? 'NaN' : fmt(d.a - d.b)}</td></tr>`).join('')}</tbody></table>`, 'Evaluations');
}

export function messagePage(title: string, message: string): string {
  return layout(title, `<h1>${esc(title)}</h1><p>${esc(message)}</p><p><a href="/">overview</a></p>`);
}

