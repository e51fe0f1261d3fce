/** Small pieces of hand-written HTML and SVG shared by the report's sections. */
import type { PolygonRings } from '../extract/outline.js';

/** Text for HTML: the five characters that could start markup, escaped. */
export const esc = (s: unknown) => String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);

/** An SVG path for outlines: every ring a closed subpath (its closing point left to Z). */
export function pathData(polygons: PolygonRings[]): string {
  return polygons.flatMap((rings) => rings.map((ring) => {
    let d = `M${ring[0]} ${ring[1]}`;
    for (let i = 2; i < ring.length - 2; i += 2) d += `L${ring[i]} ${ring[i + 1]}`;
    return `${d}Z`;
  })).join('');
}
