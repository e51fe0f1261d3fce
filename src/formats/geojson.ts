/**
 * GeoJSON predictions: a FeatureCollection or a bare array of Features (QuPath, CellViT's cells.geojson,
 * pannuke's own export). Each Feature's geometry (its top-level `nucleusGeometry` when present, as QuPath
 * writes cells) is a Polygon or MultiPolygon in pixel coordinates (x = column, y = row, pixel (c, r) covering
 * [c, c+1) × [r, r+1)): its pixels are those whose centres (c + ½, r + ½) are inside by the even-odd rule over
 * every ring of the geometry together (holes and parts kept; a self-crossing ring filled the same way), the
 * rule the extract stage's own raster uses (src/extract/raster.ts): for an outline traced on pixel edges,
 * exactly its pixels, since no centre lies on such an edge. A MultiPolygon is one nucleus, except CellViT's per-class Features, where each polygon
 * is a nucleus of that class. The class comes from `properties.classification.name` (QuPath, CellViT), or
 * `.names` (QuPath's derived classes: the first known name), or `properties.class_id` / `properties.class`
 * (pannuke's export); a Feature with none of these is an untyped nucleus (class 0: binary figures only).
 */
import { PannukeError } from '../errors.js';
import { classOf, unknownClasses, type ClassMap } from './classes.js';
import { fillPolygons } from '../extract/raster.js';
import { hasCrossingEdges } from './validity.js';
import type { PredictedShape } from './shapes.js';

interface Feature {
  type?: unknown;
  geometry?: { type?: unknown; coordinates?: unknown } | null;
  nucleusGeometry?: { type?: unknown; coordinates?: unknown } | null;
  properties?: Record<string, unknown> | null;
}

export interface GeoJsonRead {
  shapes: PredictedShape[];
  /** Features without a polygon (points, lines) or without any pixel centre inside. */
  skipped: number;
  /** Nuclei whose polygon had edges crossing or overlapping (./validity.ts): read by the even-odd rule all the same. */
  invalid: number;
}

/** The Features of a parsed GeoJSON document. */
export function featuresOf(doc: unknown, file: string): Feature[] {
  if (Array.isArray(doc)) return doc as Feature[];
  const d = doc as { type?: unknown; features?: unknown };
  if (d !== null && typeof d === 'object' && d.type === 'FeatureCollection' && Array.isArray(d.features)) return d.features as Feature[];
  if (d !== null && typeof d === 'object' && d.type === 'Feature') return [d as Feature];
  throw new PannukeError('FOLD_MISMATCH', 'not GeoJSON: expected a FeatureCollection, a Feature or an array of Features', { file, position: 'top level' });
}

function className(props: Record<string, unknown>): string | number | undefined {
  const c = props.classification;
  if (typeof c === 'string') return c;
  if (c !== null && typeof c === 'object') {
    const { name, names } = c as { name?: unknown; names?: unknown };
    if (typeof name === 'string') return name;
    if (Array.isArray(names) && typeof names[0] === 'string') return names.join(': ');
  }
  if (typeof props.class_id === 'number') return props.class_id;
  if (typeof props.class === 'string' || typeof props.class === 'number') return props.class;
  return undefined;
}

/** The rings of a Polygon's coordinates, checked (numbers, inside the image, edges included) and closed. */
function ringsOf(polygon: unknown, width: number, height: number, file: string, where: string): number[][] {
  if (!Array.isArray(polygon)) throw new PannukeError('FOLD_MISMATCH', 'polygon coordinates are not an array of rings', { file, position: where });
  return polygon.map((ring, r) => {
    if (!Array.isArray(ring)) throw new PannukeError('FOLD_MISMATCH', 'a ring is not an array of positions', { file, position: `${where}, ring ${r}` });
    const flat = new Array<number>(ring.length * 2 + 2);
    ring.forEach((pt, i) => {
      const x = Array.isArray(pt) ? pt[0] : undefined, y = Array.isArray(pt) ? pt[1] : undefined;
      if (typeof x !== 'number' || typeof y !== 'number' || !Number.isFinite(x) || !Number.isFinite(y)) {
        throw new PannukeError('FOLD_MISMATCH', `vertex ${i} is not two finite numbers (${JSON.stringify(pt)})`, { file, position: `${where}, ring ${r}` });
      }
      if (x < 0 || y < 0 || x > width || y > height) {
        throw new PannukeError('FOLD_MISMATCH', `vertex ${i} (${x}, ${y}) is outside the ${width} × ${height} image`, { file, position: `${where}, ring ${r}`, hint: 'coordinates must be pixels of this image (x = column, y = row)' });
      }
      flat[2 * i] = x;
      flat[2 * i + 1] = y;
    });
    // closed whether or not the file repeats the first position (a repeated one makes an empty edge)
    flat[2 * ring.length] = flat[0] as number;
    flat[2 * ring.length + 1] = flat[1] as number;
    return flat;
  });
}

/** The nuclei of one image's GeoJSON document. */
export function readGeoJson(doc: unknown, width: number, height: number, classes: ClassMap, file: string, numbers?: readonly number[]): GeoJsonRead {
  const out: GeoJsonRead = { shapes: [], skipped: 0, invalid: 0 };
  const unknown: string[] = [];
  const features = featuresOf(doc, file);
  const cellVit = isCellVitLayout(doc, features);
  features.forEach((f, k) => {
    const where = `feature ${numbers?.[k] ?? k}`;
    if (f === null || typeof f !== 'object' || Array.isArray(f) || (f as { type?: unknown }).type !== 'Feature') {
      throw new PannukeError('FOLD_MISMATCH', 'not a GeoJSON Feature (an object with "type": "Feature")', { file, position: where });
    }
    const geometry = f?.nucleusGeometry ?? f?.geometry;
    const props = (f?.properties ?? {}) as Record<string, unknown>;
    const name = className(props);
    // No class at all (a QuPath detection left unclassified): an untyped nucleus, class 0.
    const classId = name === undefined ? 0 : classOf(classes, name);
    if (classId === undefined) {
      unknown.push(String(name));
      return;
    }
    if (geometry === null || geometry === undefined || (geometry.type !== 'Polygon' && geometry.type !== 'MultiPolygon')) {
      out.skipped++;
      return;
    }
    // CellViT writes one MultiPolygon Feature per class, each polygon a nucleus; elsewhere a MultiPolygon is
    // one nucleus in parts.
    const perNucleus = cellVit;
    const polygons = geometry.type === 'Polygon' ? [geometry.coordinates] : (geometry.coordinates as unknown[]);
    if (!Array.isArray(polygons)) throw new PannukeError('FOLD_MISMATCH', 'MultiPolygon coordinates are not an array of polygons', { file, position: where });
    const groups = perNucleus ? polygons.map((p) => [p]) : [polygons];
    for (const [g, group] of groups.entries()) {
      const rings = group.flatMap((p, i) => ringsOf(p, width, height, file, `${where}${perNucleus ? `, polygon ${g}` : polygons.length > 1 ? `, polygon ${i}` : ''}`));
      if (hasCrossingEdges(rings)) out.invalid++;
      const filled: number[] = [];
      fillPolygons([rings], width, height, (row, col) => filled.push(row * width + col));
      const pixels = Int32Array.from(filled);
      if (pixels.length === 0) out.skipped++;
      else out.shapes.push({ classId, pixels });
    }
  });
  if (unknown.length > 0) throw unknownClasses(unknown, file);
  return out;
}

/**
 * CellViT's cells.geojson: a bare array with one MultiPolygon Feature per class, whose properties are only
 * its classification (name and colour), each class once; each polygon is then one nucleus.
 */
function isCellVitLayout(doc: unknown, features: readonly Feature[]): boolean {
  if (!Array.isArray(doc) || features.length === 0) return false;
  const names = new Set<unknown>();
  for (const f of features) {
    const props = f?.properties ?? {};
    if (f?.geometry?.type !== 'MultiPolygon' || f.nucleusGeometry !== undefined || Object.keys(props).some((k) => k !== 'classification')) return false;
    names.add(className(props));
  }
  return names.size === features.length;
}

/**
 * One GeoJSON for a whole fold (pannuke's own `export --format geojson`, or any file whose Features say their
 * image): each Feature's image, by `properties.image_id` (images.id) or `properties.fold_index` (with
 * `properties.fold`, when present, naming the fold: Features of other folds are left out, undefined, and
 * counted). Called on each Feature as the file is streamed (./json-entries.ts).
 */
export function featureImage(fold: number, images: readonly { id: number; foldIndex: number }[], file: string, counts: { otherFolds: number }): (f: unknown, k: number) => number | undefined {
  const byId = new Map(images.map((i) => [i.id, i.foldIndex]));
  const indexes = new Set(images.map((i) => i.foldIndex));
  return (f, k) => {
    if (f === null || typeof f !== 'object' || Array.isArray(f) || (f as { type?: unknown }).type !== 'Feature') {
      throw new PannukeError('FOLD_MISMATCH', 'not a GeoJSON Feature (an object with "type": "Feature")', { file, position: `feature ${k}` });
    }
    const props = ((f as { properties?: unknown }).properties ?? {}) as Record<string, unknown>;
    if (typeof props.fold === 'number' && props.fold !== fold) {
      counts.otherFolds++;
      return undefined;
    }
    const index = typeof props.image_id === 'number' ? byId.get(props.image_id) : typeof props.fold_index === 'number' && indexes.has(props.fold_index) ? props.fold_index : undefined;
    if (index === undefined) {
      throw new PannukeError('FOLD_MISMATCH', `the feature names no image of fold ${fold} (properties.image_id or fold_index: ${JSON.stringify(props.image_id ?? props.fold_index ?? null)})`, { file, position: `feature ${k}`, hint: 'one GeoJSON for a fold needs each Feature\'s image; or give a folder of one file per image' });
    }
    return index;
  };
}
