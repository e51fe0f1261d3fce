/** The last touch of a synthetic patch, shared by both generators. */

const CHANNELS = 6;

/**
 * Channel 5 (background): 1 where no class channel is set, and 0 everywhere in a void image (as 160 real
 * patches are); and the H&E-like colours: purple where a nucleus is, pink elsewhere, with a little noise.
 */
export function finishPatch(mask: Float64Array, rgb: Float64Array, hw: number, isVoid: boolean, rand: () => number): void {
  for (let p = 0; p < hw; p++) {
    let any = false;
    for (let c = 0; c < 5; c++) if (mask[p * CHANNELS + c] !== 0) any = true;
    if (!isVoid && !any) mask[p * CHANNELS + 5] = 1;
    const noise = Math.floor(rand() * 20);
    const [r, g, b] = any ? [95 + noise, 55 + noise, 135 + noise] : [225 - noise, 170 - noise, 200 - noise];
    rgb[p * 3] = r;
    rgb[p * 3 + 1] = g;
    rgb[p * 3 + 2] = b;
  }
}
