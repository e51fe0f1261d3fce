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

/** images.mask_digest as the README defines it, with BigInt: an independent computation of the kernel's. */
function referenceDigest(bytes: Uint8Array): number {
  const M = (1n << 64n) - 1n;
  const padded = new Uint8Array(Math.ceil(bytes.length / 16) * 16);
  padded.set(bytes);
  const view = new DataView(padded.buffer);
  const blocks = padded.length / 16;
  let s0 = 0n, s1 = 0n, t0 = 0n, t1 = 0n;
  for (let k = 0; k < blocks; k++) {
    const weight = BigInt(blocks - k);
    const x = view.getBigUint64(k * 16, true), y = view.getBigUint64(k * 16 + 8, true);
    s0 = (s0 + x) & M; s1 = (s1 + y) & M;
    t0 = (t0 + weight * x) & M; t1 = (t1 + weight * y) & M;
  }
  const mix = (z: bigint) => {
    z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & M;
    z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & M;
    return z ^ (z >> 31n);
  };
  let h = 0n;
  for (const v of [s0, s1, t0, t1, BigInt(blocks)]) h = mix(h ^ v);
  return Number(h >> 11n);
}

describe('the record digest (images.mask_digest)', () => {
  it('equals its definition on random records of every length, and changes with any one byte or a swap of two words', () => {
    const kernel = new ScanKernel();
    for (let seed = 1; seed <= 40; seed++) {
      const bytes = new Uint8Array(new Float64Array(randomRecord(1 + seed * 7, seed)).buffer).subarray(0, 8 + seed * 37);
      const d = kernel.digest(bytes);
      expect(d).toBe(referenceDigest(bytes));
      expect(Number.isSafeInteger(d)).toBe(true);
      const changed = Uint8Array.from(bytes);
      changed[seed % changed.length]! ^= 1;
      expect(kernel.digest(changed)).not.toBe(d);
    }
    // two words of one block swapped, and two blocks swapped: Fletcher's position sums see both
    const words = new BigUint64Array([1n, 2n, 3n, 4n]);
    const base = kernel.digest(new Uint8Array(words.buffer));
    expect(kernel.digest(new Uint8Array(new BigUint64Array([2n, 1n, 3n, 4n]).buffer))).not.toBe(base);
    expect(kernel.digest(new Uint8Array(new BigUint64Array([3n, 4n, 1n, 2n]).buffer))).not.toBe(base);
    // zeroing a float64 mask value (5.0 → 0): its low bits are all zero, so a sum kept to low bits would miss it
    const five = new Float64Array(64);
    five[17] = 5;
    const zero = new Float64Array(64);
    expect(kernel.digest(new Uint8Array(five.buffer))).not.toBe(kernel.digest(new Uint8Array(zero.buffer)));
  });
});
