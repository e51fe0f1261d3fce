/**
 * The CRC-32 of the zip format (ISO 3309, the polynomial of zlib's crc32), continued from a previous value.
 *
 * Why not only Node's `zlib.crc32`: Node 20's build computes it at ~6 GB/s here (no carry-less multiply), so
 * checking a 2.5 GB masks member cost as much CPU as half its inflate. @node-rs/crc32 (crc32fast, with
 * PCLMULQDQ) gives the same values at ~14 GB/s. Its binary comes as a per-platform npm package; where none
 * exists for the machine, zlib's is used, with the same results.
 */
import { createRequire } from 'node:module';
import zlib from 'node:zlib';

export type Crc32 = (data: Uint8Array, value: number) => number;

const fast = ((): Crc32 | undefined => {
  try {
    const { crc32 } = createRequire(import.meta.url)('@node-rs/crc32') as { crc32: (data: Uint8Array, initial?: number) => number };
    return (data, value) => crc32(data, value);
  } catch {
    return undefined;
  }
})();

/** Node's own, always there (the reference the other is tested against). */
export const zlibCrc32: Crc32 = (data, value) => zlib.crc32(data, value);

/** The fastest available: the value is the same whichever it is. */
export const crc32: Crc32 = fast ?? zlibCrc32;

/** Which implementation `crc32` is (a test checks that linux x64 gets the fast one). */
export const CRC32_IMPLEMENTATION = fast === undefined ? 'node:zlib' : '@node-rs/crc32';
