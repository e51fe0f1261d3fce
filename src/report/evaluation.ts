/**
 * The report's evaluation section (`pannuke report --eval <set>`): the set's figures (the three averagings,
 * per class, per tissue, detection) and a gallery of patches with the ground truth's outlines (solid) and the
 * prediction's (dashed), misses and false positives marked (unmatched in the binary mode: no partner with
 * IoU > 0.5).
 */
import { byCodePoint, type Store } from '../db/store.js';
import { CLASS_NAMES } from '../db/schema.js';
import { evaluationReport, incompleteNote, type EvalReport, type PqFigures } from '../eval/metrics.js';
import { decodeWkb } from '../extract/wkb.js';
import type { PolygonRings } from '../extract/outline.js';
import { esc, pathData } from './svg.js';
import { UNTYPED_COLOUR } from '../palette.js';
import type { GalleryImage } from './gallery.js';

export interface EvalOutline {
  id: number;
  /** NULL for an untyped predicted nucleus. */
  classId: number | null;
  area: number;
  centroid: [number, number];
  polygons: PolygonRings[];
  /** Has a partner with IoU > 0.5 in the binary mode. */
  matched: boolean;
}

export interface EvalTile extends GalleryImage {
  truth: EvalOutline[];
  predicted: EvalOutline[];
}

export interface EvalSection {
  report: EvalReport;
  tiles: EvalTile[];
}

export async function gatherEvaluation(store: Store, set: string, perTissue: number): Promise<EvalSection> {
  const report = await evaluationReport(store, set);
  const setId = (await store.all('SELECT id FROM prediction_sets WHERE name = ?', [set])).rows[0]?.[0] as number;
  const chosen = (await store.all(`
    SELECT id, fold, fold_index, tissue, width, height FROM (
      SELECT i.id, i.fold, i.fold_index, t.name AS tissue, i.width, i.height,
             row_number() OVER (PARTITION BY t.name ORDER BY i.fold_index) AS k
        FROM images i JOIN tissues t ON t.id = i.tissue_id
       WHERE i.fold = ? AND i.nucleus_count > 0 AND EXISTS (SELECT 1 FROM eval_counts c WHERE c.set_id = ? AND c.image_id = i.id)) AS ranked
     WHERE k <= ?`, [report.fold, setId, perTissue])).rows
    .map(([id, fold, foldIndex, tissue, width, height]) => ({ id, fold, foldIndex, tissue, width, height }) as { id: number; fold: number; foldIndex: number; tissue: string; width: number; height: number })
    .sort((a, b) => byCodePoint(a.tissue, b.tissue) || a.foldIndex - b.foldIndex);
  // EXISTS is an integer in SQLite and a boolean in PostgreSQL: CASE gives 1 or 0 in both.
  const truthOf = `SELECT n.id, n.class_id, n.area, n.centroid_x, n.centroid_y, n.contour,
      CASE WHEN EXISTS (SELECT 1 FROM eval_matches m WHERE m.set_id = ? AND m.mode = 0 AND m.gt_nucleus_id = n.id) THEN 1 ELSE 0 END
      FROM nuclei n WHERE n.image_id = ? ORDER BY n.id`;
  const predictedOf = `SELECT p.id, p.class_id, p.area, p.centroid_x, p.centroid_y, p.contour,
      CASE WHEN EXISTS (SELECT 1 FROM eval_matches m WHERE m.set_id = p.set_id AND m.mode = 0 AND m.pred_nucleus_id = p.id) THEN 1 ELSE 0 END
      FROM predicted_nuclei p WHERE p.set_id = ? AND p.image_id = ? ORDER BY p.id`;
  const outline = ([id, classId, area, x, y, contour, matched]: unknown[]): EvalOutline =>
    ({ id: id as number, classId: classId as number | null, area: area as number, centroid: [x as number, y as number], polygons: decodeWkb(contour as Uint8Array), matched: matched === 1 });
  const tiles: EvalTile[] = [];
  for (const c of chosen) {
    tiles.push({
      imageId: c.id, fold: c.fold, foldIndex: c.foldIndex, tissue: c.tissue, width: c.width, height: c.height, nuclei: [],
      truth: (await store.all(truthOf, [setId, c.id])).rows.map(outline),
      predicted: (await store.all(predictedOf, [setId, c.id])).rows.map(outline),
    });
  }
  return { report, tiles };
}

const num = (v: number | null | undefined) => (v === null || v === undefined ? 'NaN' : v.toFixed(4));

function table(columns: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  const cell = (v: string | number) => (typeof v === 'number' || /^-?\d/.test(v) || v === 'NaN' ? `<td class="num">${esc(v)}</td>` : `<td>${esc(v)}</td>`);
  return `<table><thead><tr>${columns.map((c) => `<th>${esc(c)}</th>`).join('')}</tr></thead><tbody>${rows.map((r) => `<tr>${r.map(cell).join('')}</tr>`).join('')}</tbody></table>`;
}

function tile(t: EvalTile, colours: readonly string[]): string {
  const background = t.png === undefined ? `<rect width="${t.width}" height="${t.height}" fill="#f4eef2"/>` : `<image href="${t.png}" width="${t.width}" height="${t.height}"/>`;
  const halo = [...t.truth, ...t.predicted].map((n) => `<path class="halo" d="${pathData(n.polygons)}"/>`).join('');
  const truth = t.truth.map((n) => `<path class="truth" d="${pathData(n.polygons)}" stroke="${colours[(n.classId as number) - 1]}" fill-rule="evenodd"><title>ground truth · nucleus_id ${n.id} · ${esc(CLASS_NAMES[(n.classId as number) - 1])} · area ${n.area} px${n.matched ? '' : ' · missed'}</title></path>`).join('');
  // An untyped predicted nucleus (class_id NULL) is drawn in grey.
  const predicted = t.predicted.map((n) => `<path class="predicted" d="${pathData(n.polygons)}" stroke="${n.classId === null ? UNTYPED_COLOUR : colours[n.classId - 1]}" fill-rule="evenodd"><title>predicted · predicted_nuclei.id ${n.id} · ${n.classId === null ? 'untyped' : esc(CLASS_NAMES[n.classId - 1])} · area ${n.area} px${n.matched ? '' : ' · false positive'}</title></path>`).join('');
  const marks = [
    ...t.truth.filter((n) => !n.matched).map((n) => `<circle class="miss" cx="${n.centroid[0]}" cy="${n.centroid[1]}" r="6"><title>missed: ground truth nucleus_id ${n.id}</title></circle>`),
    ...t.predicted.filter((n) => !n.matched).map((n) => `<path class="false-positive" d="M${n.centroid[0] - 4} ${n.centroid[1] - 4}L${n.centroid[0] + 4} ${n.centroid[1] + 4}M${n.centroid[0] - 4} ${n.centroid[1] + 4}L${n.centroid[0] + 4} ${n.centroid[1] - 4}"><title>false positive: predicted_nuclei.id ${n.id}</title></path>`),
  ].join('');
  const missed = t.truth.filter((n) => !n.matched).length, extra = t.predicted.filter((n) => !n.matched).length;
  return `<figure class="tile"><svg class="patch eval-patch" viewBox="0 0 ${t.width} ${t.height}" width="256" height="256" data-image-id="${t.imageId}">${background}<g>${halo}</g>${truth}${predicted}${marks}</svg><figcaption>fold ${t.fold} · fold_index ${t.foldIndex} · image_id ${t.imageId} · ${t.truth.length} true, ${t.predicted.length} predicted · ${missed} missed, ${extra} false positive(s)</figcaption></figure>`;
}

export function renderEvaluation(s: EvalSection, colours: readonly string[]): string {
  const r = s.report;
  const pq = (f: PqFigures) => [num(f.PQ), num(f.DQ), num(f.SQ), f.TP ?? '', f.FP ?? '', f.FN ?? ''];
  const byTissue = new Map<string, EvalTile[]>();
  for (const t of s.tiles) byTissue.set(t.tissue, [...(byTissue.get(t.tissue) ?? []), t]);
  const note = incompleteNote(r);
  return `<section id="evaluation"><h2>Evaluation of “${esc(r.set)}” (fold ${r.fold}, ${esc(note ?? `${r.images} images`)})</h2>
${table(['figure', 'mPQ', 'bPQ', 'averaged as'], [
    ['official PanNuke', num(r.mPQ), num(r.bPQ), 'per image, per tissue, then over tissues'],
    ['image-averaged', num(r.mPQ_image_avg), num(r.bPQ_image_avg), 'per image, then over images (CellViT)'],
    ['pooled (+)', num(r.mPQ_plus), num(r.bPQ_plus), 'counts summed over images (CoNIC)'],
  ])}
${r.official_script_would_fail > 0 ? `<p class="muted">The official script would fail on ${r.official_script_would_fail} of these images (binarized ids with a gap); the figures here are defined on them.</p>` : ''}
<h3>Per class</h3>${table(['class', 'PQ', 'DQ', 'SQ', 'TP', 'FP', 'FN', 'PQ+', 'DQ+', 'SQ+', 'TP+', 'FP+', 'FN+'], [...CLASS_NAMES.map((c) => [c, ...pq(r.classes[c] as PqFigures), ...pq(r.classes_plus[c] as PqFigures)]), ['binary', ...pq(r.binary), ...pq(r.binary_plus)]])}
<h3>Per tissue</h3>${table(['tissue', 'images', 'mPQ', 'bPQ', 'mPQ+'], Object.entries(r.tissues).map(([t, v]) => [t, v.images, num(v.mPQ), num(v.bPQ), num(v.mPQ_plus)]))}
<h3>Detection (within ${r.detection.radius} px)</h3>${table(['type', 'F1', 'TP', 'FP', 'FN', 'FP_d', 'FN_d'], [['all', num(r.detection.F1), r.detection.TP, '', '', r.detection.FP, r.detection.FN], ...CLASS_NAMES.map((c) => { const d = r.detection.types[c]!; return [c, num(d.F1), d.TP ?? '', d.FP ?? '', d.FN ?? '', d.FP_d ?? '', d.FN_d ?? '']; })])}
<h3>Ground truth and prediction over the patches</h3>
<p class="muted">Solid: ground truth; dashed: prediction (class colours). <span class="key-miss">○</span> a missed nucleus, <span class="key-fp">×</span> a false positive (no partner with IoU &gt; 0.5 on the binarized maps). Hover for ids.</p>
${[...byTissue].map(([tissue, ts]) => `<h4>${esc(tissue)}</h4><div class="gallery">${ts.map((t) => tile(t, colours)).join('')}</div>`).join('')}
</section>`;
}
