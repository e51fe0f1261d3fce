/**
 * The explorer's stylesheet and script, served by the tool itself (no CDN: it works without a network). The
 * script is small and framework-free: layer toggles, zoom (linked between two panels), the hovered nucleus's
 * row, arrow keys, histogram brushing, saving a subset. Pages render on the server; without the script they
 * still show everything but the hover rows.
 */
import { CLASS_COLOURS, UNTYPED_COLOUR } from '../palette.js';

export const CSS = `
:root{--ink:#1d2430;--muted:#667085;--line:#d0d5dd;--bg:#fbfbfc;--accent:#0b5cad}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--ink);background:var(--bg)}
header{display:flex;gap:18px;align-items:center;padding:10px 20px;border-bottom:1px solid var(--line);background:#fff;position:sticky;top:0;z-index:5}
header b{font-size:15px}header nav a{margin-right:14px}
a{color:var(--accent);text-decoration:none}a:hover{text-decoration:underline}
main{padding:16px 20px;max-width:1500px}
h1{font-size:20px;margin:4px 0 12px}h2{font-size:16px;margin:20px 0 8px}
.muted{color:var(--muted)}.warn{color:#b42318}
table{border-collapse:collapse;margin:6px 0 14px;background:#fff}
th,td{border:1px solid var(--line);padding:3px 8px;text-align:left}td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
form.filter{display:flex;flex-wrap:wrap;gap:10px 18px;align-items:flex-end;padding:10px 12px;background:#fff;border:1px solid var(--line);border-radius:6px;margin-bottom:14px}
form.filter fieldset{border:0;padding:0;margin:0}form.filter legend{font-size:12px;color:var(--muted)}
form.filter input[type=number]{width:80px}form.filter select{max-width:180px}
.chips a{display:inline-block;border:1px solid var(--line);border-radius:12px;padding:1px 9px;margin:2px;background:#fff}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(190px,1fr));gap:12px}
.card{background:#fff;border:1px solid var(--line);border-radius:6px;padding:6px}
.card svg{display:block;width:100%;height:auto;background:#f4eef2}
.card .caption{font-size:12px;color:var(--muted);margin-top:4px}
.crops{display:grid;grid-template-columns:repeat(auto-fill,minmax(112px,1fr));gap:8px}
.crops .card svg{background:#f4eef2}
svg path.halo{fill:none;stroke:#fff;stroke-opacity:.85;stroke-width:2.4;stroke-linejoin:round}
svg path.gt{fill:none;stroke-width:1.1;stroke-linejoin:round;pointer-events:visibleStroke}
svg path.pred{fill:none;stroke-width:1.1;stroke-dasharray:2 1.5;stroke-linejoin:round;pointer-events:visibleStroke}
svg .miss{fill:none;stroke:#b42318;stroke-width:1}svg .fp{stroke:#b42318;stroke-width:1.2}
svg path.hot{stroke-width:2.2}
.viewer{display:flex;gap:18px;align-items:flex-start;flex-wrap:wrap}
.panel{overflow:auto;max-width:100%;border:1px solid var(--line);background:#fff}
.panel svg{display:block;image-rendering:pixelated}
.side{min-width:300px;max-width:420px}
.side table{font-size:12px;width:100%}
.controls{display:flex;gap:14px;flex-wrap:wrap;align-items:center;margin:6px 0 10px}
.hide-gt .gt,.hide-gt .gt-halo,.hide-pred .pred,.hide-pred .pred-halo,.hide-marks .miss,.hide-marks .fp,.hide-patch image{display:none}
.pager{margin:12px 0}.pager a,.pager span{margin-right:10px}
.hist{display:inline-block;margin-right:18px;vertical-align:top}.hist svg{background:#fff;border:1px solid var(--line);cursor:crosshair}
.hist rect.bar{fill:#98a2b3}.hist rect.brush{fill:#0b5cad;fill-opacity:.18}
.matrix td a{display:block}
.swatch{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:4px;vertical-align:baseline}
${CLASS_COLOURS.map((c, k) => `.c${k + 1}{stroke:${c}}.s${k + 1}{background:${c}}`).join('')}.c0{stroke:${UNTYPED_COLOUR}}.s0{background:${UNTYPED_COLOUR}}
kbd{border:1px solid var(--line);border-radius:3px;padding:0 4px;font-size:12px;background:#fff}
`;

export const SCRIPT = `
'use strict';
(function () {
  const $ = (s, r) => (r || document).querySelector(s);
  const $$ = (s, r) => Array.from((r || document).querySelectorAll(s));
  // layer toggles
  $$('input[data-layer]').forEach((box) => box.addEventListener('change', () => {
    $$('.viewer').forEach((v) => v.classList.toggle('hide-' + box.dataset.layer, !box.checked));
  }));
  // zoom, the same for every panel (linked)
  const zoomTo = (z) => {
    $$('.panel svg[data-width]').forEach((svg) => { svg.setAttribute('width', String(Number(svg.dataset.width) * z)); svg.setAttribute('height', String(Number(svg.dataset.height) * z)); });
    $$('button[data-zoom]').forEach((b) => b.setAttribute('aria-pressed', String(Number(b.dataset.zoom) === z)));
  };
  $$('button[data-zoom]').forEach((b) => b.addEventListener('click', () => zoomTo(Number(b.dataset.zoom))));
  const panels = $$('.panel');
  panels.forEach((p) => p.addEventListener('scroll', () => panels.forEach((q) => { if (q !== p) { q.scrollLeft = p.scrollLeft; q.scrollTop = p.scrollTop; } })));
  if (panels.length > 0) zoomTo(Number((($('button[data-zoom][aria-pressed=true]') || {}).dataset || {}).zoom || 2));
  // the hovered nucleus's row and match
  const data = $('#image-data');
  if (data) {
    const d = JSON.parse(data.textContent);
    const info = $('#nucleus-info');
    const show = (html) => { info.innerHTML = html; };
    const escape = (s) => String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
    const row = (o) => '<table>' + Object.entries(o).map(([k, v]) => '<tr><th>' + escape(k) + '</th><td>' + escape(typeof v === 'number' && !Number.isInteger(v) ? v.toFixed(4) : v) + '</td></tr>').join('') + '</table>';
    const hot = (ids) => { $$('path.hot').forEach((p) => p.classList.remove('hot')); ids.forEach((s) => $$(s).forEach((p) => p.classList.add('hot'))); };
    document.addEventListener('mouseover', (e) => {
      const t = e.target.closest && e.target.closest('[data-nucleus-id],[data-predicted-id]');
      if (!t) return;
      if (t.dataset.nucleusId) {
        const id = Number(t.dataset.nucleusId);
        const facts = d.nuclei[id];
        const m = (d.matches || []).filter((x) => x.gt === id);
        show('<h3>ground truth · nuclei.id ' + id + '</h3>' + row(facts) + (d.set ? '<p>' + (m.length ? m.map((x) => (x.mode === 0 ? 'binary' : 'class') + ' match: predicted ' + x.pred + ', IoU ' + x.iou.toFixed(4)).join('<br>') : 'missed (no binary match)') + '</p>' : ''));
        hot(['[data-nucleus-id="' + id + '"]'].concat(m.map((x) => '[data-predicted-id="' + x.pred + '"]')));
      } else {
        const id = Number(t.dataset.predictedId);
        const p = d.predicted[id];
        const m = (d.matches || []).filter((x) => x.pred === id);
        show('<h3>predicted · predicted_nuclei.id ' + id + '</h3>' + row(p) + '<p>' + (m.length ? m.map((x) => (x.mode === 0 ? 'binary' : 'class') + ' match: nuclei.id ' + x.gt + ', IoU ' + x.iou.toFixed(4)).join('<br>') : 'false positive (no binary match)') + '</p>');
        hot(['[data-predicted-id="' + id + '"]'].concat(m.map((x) => '[data-nucleus-id="' + x.gt + '"]')));
      }
    });
  }
  // arrow keys: the previous / next image of the list
  document.addEventListener('keydown', (e) => {
    if (e.target && /input|select|textarea/i.test(e.target.tagName)) return;
    const link = e.key === 'ArrowLeft' ? $('a[rel=prev]') : e.key === 'ArrowRight' ? $('a[rel=next]') : null;
    if (link) { e.preventDefault(); window.location.href = link.href; }
  });
  // histogram brushing: a dragged range becomes min_/max_ of its column
  const bindBrushes = (root) => $$('.hist svg', root).forEach((svg) => {
    const brush = $('rect.brush', svg);
    const x0 = Number(svg.dataset.x0), x1 = Number(svg.dataset.x1), w = Number(svg.getAttribute('width'));
    let from = null;
    const xOf = (e) => Math.max(0, Math.min(w, e.clientX - svg.getBoundingClientRect().left));
    svg.addEventListener('mousedown', (e) => { from = xOf(e); brush.setAttribute('x', String(from)); brush.setAttribute('width', '0'); });
    svg.addEventListener('mousemove', (e) => { if (from === null) return; const x = xOf(e); brush.setAttribute('x', String(Math.min(from, x))); brush.setAttribute('width', String(Math.abs(x - from))); });
    window.addEventListener('mouseup', (e) => {
      if (from === null) return;
      const to = xOf(e), a = Math.min(from, to), b = Math.max(from, to);
      from = null;
      if (b - a < 2) return;
      const v = (x) => x0 + (x1 - x0) * x / w;
      const u = new URL(window.location.href);
      u.searchParams.set('min_' + svg.dataset.column, String(Number(v(a).toPrecision(6))));
      u.searchParams.set('max_' + svg.dataset.column, String(Number(v(b).toPrecision(6))));
      u.searchParams.delete('page');
      window.location.href = u.toString();
    });
  });
  bindBrushes(document);
  // what a page loads after its first paint (the overview's histograms and quirks: passes over every nucleus)
  $$('[data-src]').forEach(async (box) => {
    try {
      const r = await fetch(box.dataset.src);
      if (!r.ok) throw new Error('HTTP ' + r.status);
      box.innerHTML = await r.text();
      bindBrushes(box);
    } catch (e) {
      box.innerHTML = '<p class="warn">could not load: ' + String(e) + '</p>';
    }
  });
  // save the current filter as a subset
  const save = $('form#save-subset');
  if (save) save.addEventListener('submit', async (e) => {
    e.preventDefault();
    const out = $('#save-result');
    const body = JSON.stringify({ name: $('input[name=name]', save).value, query: window.location.search.replace(/^\\?/, '') });
    const r = await fetch('/api/subsets', { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    const j = await r.json();
    out.textContent = r.ok ? 'saved: ' + j.name + ' (' + j.nuclei + ' nuclei, ' + j.images + ' images)' : j.error;
    out.className = r.ok ? '' : 'warn';
  });
})();
`;
