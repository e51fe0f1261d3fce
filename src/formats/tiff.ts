/**
 * A single-channel 32-bit unsigned TIFF (baseline, little-endian, uncompressed, one strip): an instance label
 * image as StarDist, Cellpose and InstanSeg read it (tifffile, PIL, OpenCV, ImageJ). Written here: the libraries
 * on npm write RGBA8 (UTIF.js) or bring a worker shim that breaks in worker threads (geotiff), and this layout
 * is 10 tags.
 */

/** The TIFF file of a width × height image of unsigned 32-bit values, row-major. */
export function encodeTiff32(values: Uint32Array, width: number, height: number): Uint8Array {
  const tags: [number, number, number][] = [ // tag, type (3 SHORT, 4 LONG), value
    [256, 4, width], [257, 4, height], [258, 3, 32], [259, 3, 1], [262, 3, 1],
    [273, 4, 0 /* strip offset, set below */], [277, 3, 1], [278, 4, height], [279, 4, width * height * 4], [339, 3, 1],
  ];
  const ifdOffset = 8;
  const ifdBytes = 2 + tags.length * 12 + 4;
  const dataOffset = ifdOffset + ifdBytes;
  const out = new Uint8Array(dataOffset + width * height * 4);
  const view = new DataView(out.buffer);
  out.set([0x49, 0x49, 42, 0], 0);
  view.setUint32(4, ifdOffset, true);
  view.setUint16(ifdOffset, tags.length, true);
  tags.forEach(([tag, type, value], k) => {
    const at = ifdOffset + 2 + k * 12;
    view.setUint16(at, tag, true);
    view.setUint16(at + 2, type, true);
    view.setUint32(at + 4, 1, true);
    const v = tag === 273 ? dataOffset : value;
    if (type === 3) view.setUint16(at + 8, v, true);
    else view.setUint32(at + 8, v, true);
  });
  view.setUint32(ifdOffset + 2 + tags.length * 12, 0, true); // no next IFD
  for (let p = 0; p < values.length; p++) view.setUint32(dataOffset + p * 4, values[p] as number, true);
  return out;
}
