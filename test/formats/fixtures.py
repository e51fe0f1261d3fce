"""Writes a prediction of one fold in other tools' formats, from a masks.npy, with those tools themselves:
GeoJSON outlines on pixel edges by rasterio.features.shapes, label images by tifffile (TIFF) and PIL (16-bit
PNG) with {name}.csv classes, COCO results with RLE counts encoded here from the format's definition (not
pannuke's code). Also writes reference.npy: the label record those files stand for (per class, the ids
renumbered 1..n in the order the files list the nuclei), which pannuke's own npy path must score identically.

usage: fixtures.py <masks.npy> <fold> <out_dir> <image_id_of_index_0>
"""
import json, os, sys
import numpy as np
import rasterio.features
import tifffile
from PIL import Image

NAMES = ['Neoplastic', 'Inflammatory', 'Connective', 'Dead', 'Non-Neoplastic Epithelial']

def rle_string(mask):
    """pycocotools' compressed RLE of a binary mask: column-major runs (0s first), counts as LEB128-like
    5-bit groups from '0', each count from the third on as a difference from the one two before."""
    flat = mask.T.reshape(-1).astype(np.uint8)
    counts, prev, run = [], 0, 0
    for v in flat:
        if v != prev:
            counts.append(run); run = 0; prev = v
        run += 1
    counts.append(run)
    out = []
    for i, c in enumerate(counts):
        x = c - counts[i - 2] if i > 2 else c
        more = True
        while more:
            ch = x & 0x1f
            x >>= 5
            more = not ((x == 0 and not (ch & 0x10)) or (x == -1 and (ch & 0x10)))
            if more: ch |= 0x20
            out.append(chr(ch + 48))
    return ''.join(out)

masks = np.load(sys.argv[1])
fold, out, first_id = int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
n, h, w = masks.shape[:3]
reference = np.zeros((n, h, w, 6), dtype=np.float64)
labels_reference = np.zeros((n, h, w, 6), dtype=np.float64)
coco = []
for d in ['geojson', 'labels-tif', 'labels-png']: os.makedirs(os.path.join(out, d), exist_ok=True)
for i in range(n):
    features, label, rows, rank = [], np.zeros((h, w), dtype=np.uint32), [], [0] * 5
    next_label = 0
    for c in range(5):
        ch = masks[i, :, :, c]
        for v in np.unique(ch[ch != 0]):
            m = ch == v
            rank[c] += 1
            reference[i][m, c] = rank[c]
            polys = [g['coordinates'] for g, _ in rasterio.features.shapes(m.astype(np.uint8), mask=m, connectivity=4)]
            geometry = {'type': 'Polygon', 'coordinates': polys[0]} if len(polys) == 1 else {'type': 'MultiPolygon', 'coordinates': polys}
            features.append({'type': 'Feature', 'geometry': geometry, 'properties': {'objectType': 'detection', 'classification': {'name': NAMES[c], 'color': [255, 0, 0]}}})
            next_label += 1
            label[m] = next_label
            rows.append((next_label, c + 1))
            coco.append({'image_id': first_id + i, 'category_id': c + 1, 'segmentation': {'size': [h, w], 'counts': rle_string(m)}, 'score': 0.9})
    reference[i][~reference[i, :, :, :5].any(axis=2), 5] = 1
    # One label image holds one nucleus per pixel: a later nucleus (of any class) hides an earlier one there.
    present = set(np.unique(label[label != 0]).tolist())
    rows = [(a, b) for a, b in rows if a in present]
    lrank = [0] * 5
    for a, b in rows:
        lrank[b - 1] += 1
        labels_reference[i][label == a, b - 1] = lrank[b - 1]
    labels_reference[i][~labels_reference[i, :, :, :5].any(axis=2), 5] = 1
    name = f'{fold}_{i}'
    with open(os.path.join(out, 'geojson', f'{name}.geojson'), 'w') as f:
        json.dump({'type': 'FeatureCollection', 'features': features}, f)
    tifffile.imwrite(os.path.join(out, 'labels-tif', f'{name}.tif'), label)
    Image.fromarray(label.astype(np.uint16)).save(os.path.join(out, 'labels-png', f'{name}_cp_masks.png'))
    for d, base in [('labels-tif', name), ('labels-png', f'{name}_cp_masks')]:
        with open(os.path.join(out, d, f'{base}.csv'), 'w') as f:
            f.write('instance_id,class_id\n' + ''.join(f'{a},{b}\n' for a, b in rows))
with open(os.path.join(out, 'coco.json'), 'w') as f:
    json.dump(coco, f)
np.save(os.path.join(out, 'reference.npy'), reference)
np.save(os.path.join(out, 'labels-reference.npy'), labels_reference)
