// The WebAssembly scan kernel against the plain JavaScript definition of what it finds, on every kind of
// float64 a mask can hold, and the committed module against its .wat source.
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ScanKernel } from '../../src/extract/kernel/scan.js';
import { compiledModule, MODULE_FILE } from '../../scripts/wasm.js';

/** The definition: a pixel is collected if a class channel (0..4) is `!== 0`; void if all six are `=== 0`. */
function reference(values: Float64Array, pixels: number) {
  const indexes: number[] = [];
  let voids = 0;
  for (let p = 0; p < pixels; p++) {
    const px = values.subarray(p * 6, p * 6 + 6);
    if ([0, 1, 2, 3, 4].some((c) => px[c] !== 0)) indexes.push(p);
    else if (px[5] === 0) voids++;
  }
  return { indexes, voids };
}

const SPECIAL = [0, -0, 1, -1, 0.5, Number.NaN, Infinity, -Infinity, Number.MIN_VALUE, -Number.MIN_VALUE, 2 ** 53, 1e-310, 255, 65536];

function randomRecord(pixels: number, seed: number): Float64Array {
  let s = seed;
  const rand = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const values = new Float64Array(pixels * 6);
  for (let i = 0; i < values.length; i++) {
    const r = rand();
    // Mostly zeros of both signs, so that pixels with a single odd channel are common.
    values[i] = r < 0.7 ? (rand() < 0.5 ? 0 : -0) : (SPECIAL[Math.floor(rand() * SPECIAL.length)] as number);
  }
  return values;
}

describe('ScanKernel.collect', () => {
  it('finds exactly the pixels JavaScript finds, and counts the same void pixels, on every special value', () => {
    const kernel = new ScanKernel();
    for (let seed = 1; seed <= 20; seed++) {
      const pixels = 1 + seed * 97;
      const values = randomRecord(pixels, seed);
      const got = kernel.collect(values, pixels);
      const want = reference(values, pixels);
      expect([...got.indexes], `seed ${seed}`).toEqual(want.indexes);
      expect(got.voids, `seed ${seed}`).toBe(want.voids);
      expect(got.record).toEqual(values);
    }
  });

  it('isolates each channel: one odd value in one channel of one pixel', () => {
    const kernel = new ScanKernel();
    for (const value of SPECIAL) {
      for (let c = 0; c < 6; c++) {
        const values = new Float64Array(3 * 6);
        values[6 + c] = value;
        const got = kernel.collect(values, 3);
        const want = reference(values, 3);
        expect([...got.indexes], `${value} in channel ${c}`).toEqual(want.indexes);
        expect(got.voids, `${value} in channel ${c}`).toBe(want.voids);
      }
    }
  });

  it('scans a record read into input() in place, and grows for larger records', () => {
    const kernel = new ScanKernel();
    for (const pixels of [4, 256 * 256, 1024 * 1024 + 3]) {
      const values = new Float64Array(pixels * 6);
      values[(pixels - 1) * 6 + 2] = 7; // the last pixel, class 3
      const input = kernel.input(values.byteLength);
      input.set(new Uint8Array(values.buffer));
      const got = kernel.collect(new Float64Array(input.buffer, 0, pixels * 6), pixels);
      expect([...got.indexes]).toEqual([pixels - 1]);
      expect(got.voids).toBe(pixels - 1);
    }
  });
});

describe('scan.wasm.ts', () => {
  it('is what scan.wat compiles to (run `npm run wasm` after editing the .wat)', async () => {
    expect(fs.readFileSync(MODULE_FILE, 'utf8')).toBe(await compiledModule());
  });
});
