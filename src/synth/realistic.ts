/**
 * A synthetic image with the nuclei of a real one: `synth --like-release` takes each image's tissue and its
 * number of nuclei per class from the embedded table of the real release (data/pannuke-release.json), so the
 * synthetic release has PanNuke's 7,901 images, 189,744 nuclei and their mix, image by image.
 *
 * Sizes are assumptions, stated here because the real masks are not available to measure: equivalent
 * diameters at PanNuke's 0.25 µm/px of about 22 px for neoplastic nuclei (large, pleomorphic), 15 px for
 * inflammatory (lymphocytes, round), 20 × 9 px for connective (elongated fibroblasts), 12 px for dead
 * (pyknotic, small) and 19 px for epithelial, each varied by ±30 %; mean area ≈ 250 px, three times the 83 px
 * of the generic generator, as measured real nuclei are "several times larger" (issue 14). Dense images shrink
 * them so that nuclei cover at most ~45 % of the patch, and nuclei touch (an id only fills pixels its channel
 * has free). Every nucleus keeps at least one pixel, so each image has exactly the table's counts.
 *
 * The quirks of the real release stay, inside those counts: fragments sharing an id, rings with holes, holes
 * touching the outside at a corner, single pixels, 1-px lines, checkerboards (diagonal contacts), border cuts,
 * one id in two channels, nuclei of two classes sharing pixels, ids such as 65,536 and 2^24 + 1; and of the
 * images without nuclei about half are zero in all six channels (160 of 343 in the release).
 */
import { checkerboard, cornerHole, ellipse, line, ring, type Pixel } from './shapes.js';
import { finishPatch } from './patch.js';

const CHANNELS = 6;
/** Equivalent diameter (px) and elongation (major/minor) per class channel 0..4. */
const SHAPES = [
  { diameter: 22, elongation: 1.3 },
  { diameter: 15, elongation: 1.1 },
  { diameter: 13.4, elongation: 2.2 },
  { diameter: 12, elongation: 1.2 },
  { diameter: 19, elongation: 1.4 },
] as const;

export interface RealisticImage {
  mask: Float64Array;
  rgb: Float64Array;
}

export function realisticImage(rand: () => number, size: number, counts: readonly number[]): RealisticImage {
  const hw = size * size;
  const mask = new Float64Array(hw * CHANNELS);
  const rgb = new Float64Array(hw * 3);
  const total = counts.reduce((a, b) => a + b, 0);
  const isVoid = total === 0 && rand() < 160 / 343;
  const scale = (size / 256) * Math.min(1, Math.sqrt((0.45 * hw) / Math.max(1, total * 250 * (size / 256) ** 2)));
  /** Any class channel set at a pixel: nuclei of different classes avoid each other but for the overlap quirk. */
  const occupied = new Uint8Array(hw);
  const usedIds = Array.from({ length: 5 }, () => new Set<number>());
  // Ids per channel from their own range (real ids reach ~3,500 and rarely repeat across channels: 478 in
  // the release), so a repeat is the deliberate quirk below.
  const nextId = Array.from({ length: 5 }, (_, c) => 1 + c * 700 + Math.floor(rand() * 200));
  const newId = (c: number) => {
    let id: number;
    do id = (nextId[c] = (nextId[c] as number) + 1 + Math.floor(rand() * 3)); while (usedIds[c]!.has(id));
    usedIds[c]!.add(id);
    return id;
  };
  const inside = ([r, c]: Pixel) => r >= 0 && c >= 0 && r < size && c < size;
  /** Paints free pixels (this channel 0, no other class there unless `overlap`); returns those painted. */
  const paint = (c: number, id: number, pixels: readonly Pixel[], overlap = false): number[] => {
    const painted: number[] = [];
    for (const px of pixels) {
      if (!inside(px)) continue;
      const p = px[0] * size + px[1];
      if (mask[p * CHANNELS + c] !== 0 || (!overlap && occupied[p] === 1)) continue;
      mask[p * CHANNELS + c] = id;
      occupied[p] = 1;
      painted.push(p);
    }
    return painted;
  };
  /**
   * Keeps the largest 4-connected piece of what was painted: a nucleus squeezed between its neighbours would
   * otherwise often fall apart, and fragments are a quirk of their own (211 ids in the release).
   */
  const keepLargestPiece = (c: number, painted: number[]) => {
    const left = new Set(painted);
    let best: number[] = [];
    const pieces: number[][] = [];
    while (left.size > 0) {
      const start = left.values().next().value as number;
      left.delete(start);
      const piece = [start];
      for (let k = 0; k < piece.length; k++) {
        const p = piece[k] as number;
        const row = Math.floor(p / size), col = p % size;
        for (const q of [row > 0 ? p - size : -1, row < size - 1 ? p + size : -1, col > 0 ? p - 1 : -1, col < size - 1 ? p + 1 : -1]) {
          if (q >= 0 && left.has(q)) {
            left.delete(q);
            piece.push(q);
          }
        }
      }
      pieces.push(piece);
      if (piece.length > best.length) best = piece;
    }
    for (const piece of pieces) {
      if (piece === best) continue;
      for (const p of piece) {
        mask[p * CHANNELS + c] = 0;
        let any = false;
        for (let k = 0; k < 5; k++) if (mask[p * CHANNELS + k] !== 0) any = true;
        if (!any) occupied[p] = 0;
      }
    }
  };
  const at = () => [rand() * size, rand() * size] as const;
  const blob = (c: number, cy: number, cx: number, factor = 1): Pixel[] => {
    const s = SHAPES[c] as (typeof SHAPES)[number];
    const d = s.diameter * scale * factor * (0.7 + rand() * 0.6);
    const minor = d / Math.sqrt(s.elongation), major = d * Math.sqrt(s.elongation);
    return ellipse(cy, cx, Math.max(0.6, minor / 2), Math.max(0.6, major / 2), rand() * Math.PI);
  };
  /** Draws one nucleus of class c; it always ends with at least one pixel (else the counts would drift). */
  const nucleus = (c: number, id: number, shape: () => Pixel[], overlap = false, onePiece = false) => {
    for (let attempt = 0; attempt < 8; attempt++) {
      const painted = paint(c, id, shape(), overlap);
      if (painted.length === 0) continue;
      if (onePiece) keepLargestPiece(c, painted);
      return;
    }
    for (let tries = 0; tries < 50 * hw; tries++) {
      const p = Math.floor(rand() * hw);
      if (mask[p * CHANNELS + c] === 0) {
        mask[p * CHANNELS + c] = id;
        occupied[p] = 1;
        return;
      }
    }
  };

  if (!isVoid) {
    // The quirks, each in some images, as one of the image's counted nuclei.
    const quirks: ((c: number, id: number) => void)[] = [];
    const maybe = (p: number, q: (c: number, id: number) => void) => { if (rand() < p) quirks.push(q); };
    maybe(0.12, (c, id) => nucleus(c, id, () => { const [y, x] = at(); return [[Math.floor(y), Math.floor(x)]]; }));
    maybe(0.1, (c, id) => nucleus(c, id, () => { const [y, x] = at(); return line(Math.floor(y), Math.floor(x), 2 + Math.floor(rand() * 8), (['h', 'v', 'd'] as const)[Math.floor(rand() * 3)]!); }));
    maybe(0.1, (c, id) => nucleus(c, id, () => { const [y, x] = at(); return ring(y, x, 6 * scale + 3, 2); }));
    maybe(0.08, (c, id) => nucleus(c, id, () => { const [y, x] = at(); return cornerHole(Math.floor(y), Math.floor(x)); }));
    maybe(0.06, (c, id) => nucleus(c, id, () => { const [y, x] = at(); return checkerboard(Math.floor(y), Math.floor(x), 2 + Math.floor(rand() * 3)); }));
    maybe(0.1, (c, id) => nucleus(c, id, () => [0, 1, 2].flatMap(() => { const [y, x] = at(); return blob(c, y, x, 0.5); }))); // fragments
    maybe(0.5, (c, id) => nucleus(c, id, () => { const t = rand() * size; const side = Math.floor(rand() * 4); return blob(c, side === 0 ? 0 : side === 1 ? size : t, side === 2 ? 0 : side === 3 ? size : t); }));
    const bigId = rand() < 0.05 ? (rand() < 0.5 ? 65536 : 2 ** 24 + 1) : undefined;
    const overlapping = rand() < 0.07; // 575 of 7,901 real images have pixels in two classes

    // Classes in a shuffled order of nuclei, so no class always gets the free space first.
    const order: number[] = [];
    counts.forEach((n, c) => { for (let k = 0; k < n; k++) order.push(c); });
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [order[i], order[j]] = [order[j] as number, order[i] as number];
    }
    const placed: { c: number; y: number; x: number }[] = [];
    order.forEach((c, k) => {
      let id = newId(c);
      if (k === 0 && bigId !== undefined && !usedIds[c]!.has(bigId)) { usedIds[c]!.add(bigId); id = bigId; }
      const quirk = quirks.length > 0 && rand() < 0.3 ? quirks.pop() : undefined;
      if (quirk !== undefined) return quirk(c, id);
      // Touching clusters: most nuclei sit against an earlier one (centres about a mean diameter apart).
      const near = placed.length > 0 && rand() < 0.6 ? placed[Math.floor(rand() * placed.length)] : undefined;
      const d = (SHAPES[c] as (typeof SHAPES)[number]).diameter * scale;
      const gap = near === undefined ? 0 : (0.5 * (d + (SHAPES[near.c] as (typeof SHAPES)[number]).diameter * scale)) * (1 + rand() * 0.2);
      const angle = rand() * 2 * Math.PI;
      const [y, x] = near === undefined ? at() : [near.y + gap * Math.sin(angle), near.x + gap * Math.cos(angle)];
      placed.push({ c, y, x });
      nucleus(c, id, () => blob(c, y, x), overlapping && k === 1, true);
    });
    // One id in two channels (two different nuclei), where the image has two classes with nuclei.
    const classes = counts.map((n, c) => (n > 0 ? c : -1)).filter((c) => c >= 0);
    if (classes.length >= 2 && rand() < 0.06) {
      const [a, b] = [classes[0] as number, classes[1] as number];
      const idsA = [...usedIds[a]!].filter((id) => !usedIds[b]!.has(id));
      const shared = idsA[0];
      const victim = [...usedIds[b]!][0];
      if (shared !== undefined && victim !== undefined) {
        for (let p = 0; p < hw; p++) if (mask[p * CHANNELS + b] === victim) mask[p * CHANNELS + b] = shared;
      }
    }
  }

  finishPatch(mask, rgb, hw, isVoid, rand);
  return { mask, rgb };
}
