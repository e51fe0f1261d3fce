/**
 * A minimal PNG encoder (8-bit RGB, no filtering, zlib via node:zlib): enough to embed H&E patches in the
 * report as data URIs without a dependency.
 */
import zlib from 'node:zlib';

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(zlib.crc32(Buffer.concat([head.subarray(4), data])) >>> 0, 0);
  return Buffer.concat([head, data, crc]);
}

/**
 * `rgb` holds height × width × 3 values in 0..255 (clamped and rounded), row-major. Colours keep their top 5
 * bits, which no eye tells apart on an H&E patch and which shrinks the page by a quarter.
 */
export function encodePng(rgb: ArrayLike<number>, width: number, height: number): Buffer {
  const raw = Buffer.alloc(height * (1 + width * 3));
  for (let y = 0; y < height; y++) {
    const row = y * (1 + width * 3);
    raw[row] = 0; // filter: none
    for (let i = 0; i < width * 3; i++) raw[row + 1 + i] = Math.max(0, Math.min(255, Math.round(rgb[y * width * 3 + i] as number))) & 0xf8;
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8); // 8-bit, truecolour, deflate, no filter method, no interlace
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', zlib.deflateSync(raw, { level: 6 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}
