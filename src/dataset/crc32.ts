/**
 * The CRC-32 of the zip format (ISO 3309, the polynomial of zlib's crc32), continued from a previous value.
 *
 * Why not only Node's `zlib.crc32`: Node 20's build computes it at ~6 GB/s here (no carry-less multiply), so
 * checking a 2.5 GB masks member cost as much CPU as half its inflate. @node-rs/crc32 (crc32fast, with
 * PCLMULQDQ) gives the same values at ~14 GB/s. Its binary comes as a per-platform npm package; where none
 * exists for the machine, zlib's is used, with the same results.
 *
 * Loaded at the first checksum, not with this module: its loader reads /usr/bin/ldd to tell musl from glibc
 * and opens a native library (~10 ms of the main thread), which every command importing the zip code paid
 * at its start, zip or not, while its worker threads waited for their first images.
 */
import { createRequire } from 'node:module';
import zlib from 'node:zlib';

export type Crc32 = (data: Uint8Array, value: number) => number;

/** Node's own, always there (the reference the other is tested against). */
export const zlibCrc32: Crc32 = (data, value) => zlib.crc32(data, value);

let fastest: { crc32: Crc32; name: '@node-rs/crc32' | 'node:zlib' } | undefined;

function load(): NonNullable<typeof fastest> {
  try {
    const { crc32: fast } = createRequire(import.meta.url)('@node-rs/crc32') as { crc32: (data: Uint8Array, initial?: number) => number };
    return { crc32: (data, value) => fast(data, value), name: '@node-rs/crc32' };
  } catch {
    return { crc32: zlibCrc32, name: 'node:zlib' };
  }
}

/** The fastest available: the value is the same whichever it is. */
export const crc32: Crc32 = (data, value) => (fastest ??= load()).crc32(data, value);

/** Which implementation `crc32` is (a test checks that linux x64 gets the fast one). */
export function crc32Implementation(): '@node-rs/crc32' | 'node:zlib' {
  return (fastest ??= load()).name;
}
