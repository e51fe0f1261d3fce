/**
 * The class colours (Okabe–Ito, readable by colour-blind viewers), one per PanNuke class id 1..5, the same in the
 * report, the GeoJSON that QuPath opens and anything else that draws nuclei.
 */
export const CLASS_COLOURS = ['#D55E00', '#0072B2', '#009E73', '#F0E442', '#56B4E9'] as const;

/** A predicted nucleus without a class (class_id NULL). */
export const UNTYPED_COLOUR = '#999999';

/** A colour as [r, g, b] (QuPath's GeoJSON `classification.color`). */
export const rgbOf = (hex: string): [number, number, number] => [1, 3, 5].map((i) => Number.parseInt(hex.slice(i, i + 2), 16)) as [number, number, number];
