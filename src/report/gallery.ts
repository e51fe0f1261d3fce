/** An image shown in the report with its nuclei's outlines (the gallery, the evaluation's tiles). */
import type { PolygonRings } from '../extract/outline.js';

export interface GalleryImage {
  imageId: number;
  fold: number;
  foldIndex: number;
  tissue: string;
  width: number;
  height: number;
  nuclei: { id: number; classId: number; instanceId: number; area: number; polygons: PolygonRings[] }[];
  /** A PNG data URI of the H&E patch, when the data was given. */
  png?: string;
}
