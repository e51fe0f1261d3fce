// The zip CRC-32 that ingest checks members with (src/dataset/crc32.ts): the same values as Node's zlib and as
// the textbook bitwise definition, whichever implementation the machine has, and the fast one where its
// binary exists.
import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { crc32, crc32Implementation, zlibCrc32 } from '../../src/dataset/crc32.js';

/** CRC-32 bit by bit (reflected polynomial 0xEDB88320, initial and final XOR 0xFFFFFFFF), continued from `value`. */
function bitwise(data: Uint8Array, value: number): number {
  let c = ~value >>> 0;
  for (const byte of data) {
    c ^= byte;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
  }
  return ~c >>> 0;
}

describe('crc32', () => {
  it('matches the bitwise definition and the check value', () => {
    expect(crc32(Buffer.from('123456789'), 0) >>> 0).toBe(0xcbf43926);
    for (const n of [0, 1, 7, 16, 63, 64, 65, 1000, 4099]) {
      const data = crypto.randomBytes(n);
      expect(crc32(data, 0) >>> 0).toBe(bitwise(data, 0));
    }
  });

  it('continues across chunks of any size like zlib.crc32 (a member arrives in chunks)', () => {
    const data = crypto.randomBytes(3 << 20);
    const whole = zlibCrc32(data, 0) >>> 0;
    for (const cuts of [[1 << 20, 2 << 20], [1, 5, 4096, 1_000_003], [3, (3 << 20) - 3]]) {
      let value = 0;
      let at = 0;
      for (const end of [...cuts, data.length]) {
        value = crc32(data.subarray(at, end), value);
        at = end;
      }
      expect(value >>> 0).toBe(whole);
    }
    // A view into a larger buffer reads only its own bytes.
    expect(crc32(data.subarray(17, 1017), 0) >>> 0).toBe(bitwise(data.subarray(17, 1017), 0));
  });

  it.runIf(process.platform === 'linux' && process.arch === 'x64')('uses @node-rs/crc32 on linux x64 (its binary is an npm package for it)', () => {
    expect(crc32Implementation()).toBe('@node-rs/crc32');
  });
});
