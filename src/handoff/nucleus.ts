/**
 * What the extract stage measures on one image and the load stage stores: the hand-off between them, in a
 * module of its own so that neither stage imports the other (src/db/ reads the packed form, src/extract/
 * writes it). Each field is defined in src/db/columns.ts.
 */
export interface ExtractedNucleus {
  classId: number;
  instanceId: number;
  area: number;
  bboxX0: number;
  bboxY0: number;
  bboxX1: number;
  bboxY1: number;
  centroidX: number;
  centroidY: number;
  perimeter: number;
  majorAxisLength: number;
  minorAxisLength: number;
  eccentricity: number;
  orientation: number;
  parts: number;
  holes: number;
  overlapArea: number;
  sharedId: number;
  contour: Uint8Array;
}

export interface ExtractedImage {
  nuclei: ExtractedNucleus[];
  /** Pixels that are 0 in all mask channels (including background). */
  voidPixels: number;
  /** Pixels that belong to nuclei of two or more classes. */
  overlapPixels: number;
}
