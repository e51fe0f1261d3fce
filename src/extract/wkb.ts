/**
 * Little-endian ISO WKB (OGC Simple Features, 2D): a Polygon (type 3) for one part, else a MultiPolygon
 * (type 6) holding one Polygon per part. Plain and uncompressed, so shapely, GEOS, GDAL, DuckDB spatial and
 * SQLite's GeoPoly-aware tools read it as is.
 */
import type { PolygonRings } from './outline.js';

const WKB_POLYGON = 3;
const WKB_MULTIPOLYGON = 6;
const LITTLE_ENDIAN = 1;

function polygonBytes(rings: PolygonRings): number {
  return 1 + 4 + 4 + rings.reduce((sum, ring) => sum + 4 + (ring.length / 2) * 16, 0);
}

export function encodeWkb(polygons: readonly PolygonRings[]): Uint8Array {
  const multi = polygons.length !== 1;
  const size = (multi ? 9 : 0) + polygons.reduce((sum, p) => sum + polygonBytes(p), 0);
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  let o = 0;
  if (multi) {
    view.setUint8(o, LITTLE_ENDIAN);
    view.setUint32(o + 1, WKB_MULTIPOLYGON, true);
    view.setUint32(o + 5, polygons.length, true);
    o += 9;
  }
  for (const rings of polygons) {
    view.setUint8(o, LITTLE_ENDIAN);
    view.setUint32(o + 1, WKB_POLYGON, true);
    view.setUint32(o + 5, rings.length, true);
    o += 9;
    for (const ring of rings) {
      view.setUint32(o, ring.length / 2, true);
      o += 4;
      for (const c of ring) {
        view.setFloat64(o, c, true);
        o += 8;
      }
    }
  }
  return out;
}

/** Decodes WKB written by `encodeWkb` (or any 2D little/big-endian Polygon/MultiPolygon) into rings. */
export function decodeWkb(bytes: Uint8Array): PolygonRings[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let o = 0;
  const header = (): number => {
    const little = view.getUint8(o) === 1;
    const type = view.getUint32(o + 1, little);
    o += 5;
    return little ? type : -type;
  };
  const u32 = (little: boolean) => {
    const v = view.getUint32(o, little);
    o += 4;
    return v;
  };
  const polygon = (little: boolean): PolygonRings => {
    const rings: PolygonRings = [];
    for (let r = u32(little); r > 0; r--) {
      const ring: number[] = [];
      for (let p = u32(little); p > 0; p--) {
        ring.push(view.getFloat64(o, little), view.getFloat64(o + 8, little));
        o += 16;
      }
      rings.push(ring);
    }
    return rings;
  };
  const t = header();
  const little = t > 0;
  const type = Math.abs(t);
  if (type === WKB_POLYGON) return [polygon(little)];
  if (type !== WKB_MULTIPOLYGON) throw new Error(`WKB type ${type} is not a Polygon or MultiPolygon`);
  const out: PolygonRings[] = [];
  for (let k = u32(little); k > 0; k--) {
    const inner = header();
    out.push(polygon(inner > 0));
  }
  return out;
}
