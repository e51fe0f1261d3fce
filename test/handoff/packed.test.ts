// The packed form of an extracted image (what workers send and the writer reads): what goes in comes out.
import { describe, expect, it } from 'vitest';
import { extractImage, type ExtractedImage } from '../../src/extract/image.js';
import { NUMBER_FIELDS, packedContours, packedNumbers, packImage, type PackedImage } from '../../src/handoff/packed.js';
import { layoutOf, maskFromArt, toRecord } from '../helpers/masks.js';

/** A nucleus with every field distinct, so a swapped pair of fields cannot go unnoticed. */
function distinctImage(): ExtractedImage {
  const nuclei = [0, 1, 2].map((k) => ({
    classId: 1 + k, instanceId: 2 ** 40 + k, area: 3.5 + k, bboxX0: 4 + k, bboxY0: 5 + k, bboxX1: 6 + k, bboxY1: 7 + k,
    centroidX: 8.25 + k, centroidY: 9.75 + k, perimeter: 10 + k, majorAxisLength: 11.1 + k, minorAxisLength: 12.2 + k,
    eccentricity: 0.13 + k, orientation: -0.14 - k, parts: 15 + k, holes: 16 + k, overlapArea: 17 + k, sharedId: k % 2,
    contour: Uint8Array.from({ length: 9 + 7 * k }, (_, i) => (i * 31 + k) & 255),
  }));
  return { nuclei, voidPixels: 123, overlapPixels: 45 };
}

const plain = (image: ExtractedImage) => ({ ...image, nuclei: image.nuclei.map((n) => ({ ...n, contour: [...n.contour] })) });

/** The packed image read back through the accessors the writer uses. */
function unpack(packed: PackedImage): ExtractedImage {
  const numbers = packedNumbers(packed);
  const contours = packedContours(packed);
  const nuclei = Array.from({ length: packed.nucleusCount }, (_, i) => ({
    ...Object.fromEntries(NUMBER_FIELDS.map((field, f) => [field, numbers[i * NUMBER_FIELDS.length + f]])),
    contour: contours[i]!,
  })) as ExtractedImage['nuclei'];
  return { nuclei, voidPixels: packed.voidPixels, overlapPixels: packed.overlapPixels };
}

describe('packImage', () => {
  it('round-trips every field of every nucleus, with contours back to back in one buffer', () => {
    const image = distinctImage();
    const packed = packImage(image);
    expect(packed.buffer.byteLength).toBe(3 * 18 * 8 + 3 * 4 + image.nuclei.reduce((s, n) => s + n.contour.length, 0));
    const back = unpack(structuredClone(packed, { transfer: [packed.buffer] }));
    expect(plain(back)).toEqual(plain(image));
    expect(back.nuclei.every((n) => n.contour.buffer === back.nuclei[0]!.contour.buffer)).toBe(true);
  });

  it('round-trips a real extraction, and an image without nuclei', () => {
    const mask = maskFromArt({ 0: ['.11..', '.1.1.', '..22.'], 3: ['3....', '33...', '.....'] });
    const image = extractImage(toRecord(mask), layoutOf(mask), { file: 'm.npy', fold: 1, index: 0 });
    expect(image.nuclei.length).toBe(3);
    expect(plain(unpack(packImage(image)))).toEqual(plain(image));
    const empty = { nuclei: [], voidPixels: 7, overlapPixels: 0 };
    expect(unpack(packImage(empty))).toEqual(empty);
  });
});
