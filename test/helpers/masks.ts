/** Small hand-built masks for tests. */
import type { Mask3D } from './reference.js';

/**
 * A mask from ASCII art, one string array per class channel: '.' is 0, a digit or letter is an id
 * ('1' → 1, 'a' → 10, ...), so cases read as pictures. Channel 5 is background (1 where no class is set).
 */
export function maskFromArt(channels: Record<number, string[]>, ids: Record<string, number> = {}): Mask3D {
  const first = Object.values(channels)[0]!;
  const h = first.length;
  const w = first[0]!.length;
  const mask: Mask3D = Array.from({ length: h }, () => Array.from({ length: w }, () => [0, 0, 0, 0, 0, 0]));
  for (const [c, rows] of Object.entries(channels)) {
    rows.forEach((line, r) => {
      [...line].forEach((ch, q) => {
        if (ch === '.') return;
        mask[r]![q]![Number(c)] = ids[ch] ?? parseInt(ch, 36);
      });
    });
  }
  for (const row of mask) for (const px of row) if (px.slice(0, 5).every((v) => v === 0)) px[5] = 1;
  return mask;
}

/** The mask as one masks.npy record: H × W × 6 float64, C order. */
export function toRecord(mask: Mask3D): Float64Array {
  return Float64Array.from(mask.flat(2));
}

export const layoutOf = (mask: Mask3D) => ({ height: mask.length, width: mask[0]!.length, channels: 6, classChannels: 5 });
