"""Writes a prediction of one fold in other tools' formats, from a masks.npy, with those tools themselves:
HoVer-Net's tile JSON as its post_proc writes it (OpenCV findContours, first contour of each instance's bbox
crop, CHAIN_APPROX_SIMPLE) and the same in CellViT's `cells` list, GeoJSON outlines on pixel edges by
rasterio.features.shapes, label images by tifffile (TIFF) and PIL (16-bit PNG) with {name}.csv classes, COCO results with RLE counts encoded here from the format's definition (not
pannuke's code). Also writes reference.npy: the label record those files stand for (per class, the ids
renumbered 1..n in the order the files list the nuclei), which pannuke's own npy path must score identically.

usage: fixtures.py <masks.npy> <fold> <out_dir> <image_id_of_index_0>
"""
import json, os, sys
import numpy as np
import cv2
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
agnostic_reference = np.zeros((n, h, w, 6), dtype=np.float64)
coco = []
hover_reference = np.zeros((n, h, w, 6), dtype=np.float64)
overlap_reference = np.zeros((n, h, w, 6), dtype=np.float64)
overlap_areas = {}
for d in ['geojson', 'labels-tif', 'labels-png', 'labels-agnostic', 'hovernet', 'cellvit', 'hovernet-untyped', 'geojson-overlap']: os.makedirs(os.path.join(out, d), exist_ok=True)

def bounding_box(m):
    rows, cols = np.any(m, axis=1), np.any(m, axis=0)
    rmin, rmax = np.where(rows)[0][[0, -1]]
    cmin, cmax = np.where(cols)[0][[0, -1]]
    return rmin, rmax + 1, cmin, cmax + 1

def hovernet_nuclei(inst_map, type_map):
    """hover_net's post_proc: per instance, the first contour of its bbox crop, shifted back."""
    nuc = {}
    for inst_id in np.unique(inst_map)[1:]:
        m = inst_map == inst_id
        rmin, rmax, cmin, cmax = bounding_box(m)
        crop = m[rmin:rmax, cmin:cmax].astype(np.uint8)
        contours = cv2.findContours(crop, cv2.RETR_TREE, cv2.CHAIN_APPROX_SIMPLE)[0]
        contour = np.squeeze(contours[0].astype('int32'))
        if len(contour.shape) != 2 or contour.shape[0] < 3:
            continue
        contour[:, 0] += cmin
        contour[:, 1] += rmin
        types = type_map[m]
        nuc[str(int(inst_id))] = {'bbox': [[int(rmin), int(cmin)], [int(rmax), int(cmax)]], 'centroid': [0, 0],
                                  'contour': contour.tolist(), 'type_prob': 1.0, 'type': int(np.bincount(types).argmax())}
    return nuc
for i in range(n):
    features, label, rows, rank = [], np.zeros((h, w), dtype=np.uint32), [], [0] * 5
    areas = []
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
            areas.append(int(m.sum()))
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
    # without classes: every nucleus of the label image in one channel, ranked by value
    for r, a in enumerate(sorted(present)):
        agnostic_reference[i][label == a, 0] = r + 1
    agnostic_reference[i][agnostic_reference[i, :, :, 0] == 0, 5] = 1
    name = f'{fold}_{i}'
    # HoVer-Net predicts one instance map and a type map: later channels overwrite, as PanNuke's binarize
    inst_map, type_map, k = np.zeros((h, w), np.int32), np.zeros((h, w), np.int32), 0
    for c in range(5):
        ch = masks[i, :, :, c]
        for v in np.unique(ch[ch != 0]):
            k += 1
            inst_map[ch == v] = k
            type_map[ch == v] = c + 1
    nuc = hovernet_nuclei(inst_map, type_map)
    with open(os.path.join(out, 'hovernet', f'{name}.json'), 'w') as f:
        json.dump({'mag': None, 'nuc': nuc}, f)
    with open(os.path.join(out, 'cellvit', f'{name}_cells.json'), 'w') as f:
        json.dump({'cells': list(nuc.values())}, f)
    # The Neoplastic nuclei given no class (type 0): binarize writes channel 0 first, as the untyped are.
    untyped = {k: {**v, 'type': 0 if v['type'] == 1 else v['type']} for k, v in nuc.items()}
    with open(os.path.join(out, 'hovernet-untyped', f'{name}.json'), 'w') as f:
        json.dump({'mag': None, 'nuc': untyped}, f)
    hrank = [0] * 5
    for key in sorted(nuc, key=int):
        t = nuc[key]['type']
        if t == 0: continue
        canvas = np.zeros((h, w), np.uint8)
        cv2.drawContours(canvas, [np.array(nuc[key]['contour'], np.int32).reshape(-1, 1, 2)], -1, 1, thickness=cv2.FILLED)
        hrank[t - 1] += 1
        hover_reference[i][canvas == 1, t - 1] = hrank[t - 1]
    hover_reference[i][~hover_reference[i, :, :, :5].any(axis=2), 5] = 1
    with open(os.path.join(out, 'geojson', f'{name}.geojson'), 'w') as f:
        json.dump({'type': 'FeatureCollection', 'features': features}, f)
    # Overlaps of one class: the first nucleus again, moved 2 px right and down, and the second once more, both
    # at the end (the second is then hidden whole); painting the label map, the later one wins.
    extra, over = [], reference[i].copy()
    owners = [(c, v) for c in range(5) for v in np.unique(masks[i, :, :, c][masks[i, :, :, c] != 0])]
    for k, (dy, dx) in [(0, (2, 2)), (1, (0, 0))]:
        if k >= len(owners): break
        c, v = owners[k]
        m = masks[i, :, :, c] == v
        moved = np.zeros_like(m)
        moved[dy:, dx:] = m[:h - dy, :w - dx]
        if not moved.any(): continue
        polys = [g['coordinates'] for g, _ in rasterio.features.shapes(moved.astype(np.uint8), mask=moved, connectivity=4)]
        geometry = {'type': 'Polygon', 'coordinates': polys[0]} if len(polys) == 1 else {'type': 'MultiPolygon', 'coordinates': polys}
        extra.append({'type': 'Feature', 'geometry': geometry, 'properties': {'classification': {'name': NAMES[c], 'color': [0, 0, 255]}}})
        over[moved, c] = over[:, :, c].max() + 1
        areas.append(int(moved.sum()))
    overlap_areas[name] = areas
    overlap_reference[i] = over
    overlap_reference[i][:, :, 5] = 0
    overlap_reference[i][~overlap_reference[i, :, :, :5].any(axis=2), 5] = 1
    with open(os.path.join(out, 'geojson-overlap', f'{name}.geojson'), 'w') as f:
        json.dump({'type': 'FeatureCollection', 'features': features + extra}, f)
    tifffile.imwrite(os.path.join(out, 'labels-tif', f'{name}.tif'), label)
    tifffile.imwrite(os.path.join(out, 'labels-agnostic', f'{name}.tif'), label, compression='zlib')
    Image.fromarray(label.astype(np.uint16)).save(os.path.join(out, 'labels-png', f'{name}_cp_masks.png'))
    for d, base in [('labels-tif', name), ('labels-png', f'{name}_cp_masks')]:
        with open(os.path.join(out, d, f'{base}.csv'), 'w') as f:
            f.write('instance_id,class_id\n' + ''.join(f'{a},{b}\n' for a, b in rows))
with open(os.path.join(out, 'coco.json'), 'w') as f:
    json.dump(coco, f)
np.save(os.path.join(out, 'reference.npy'), reference)
np.save(os.path.join(out, 'labels-reference.npy'), labels_reference)
np.save(os.path.join(out, 'hovernet-reference.npy'), hover_reference)
np.save(os.path.join(out, 'agnostic-reference.npy'), agnostic_reference)
np.save(os.path.join(out, 'overlap-reference.npy'), overlap_reference)
with open(os.path.join(out, 'overlap-areas.json'), 'w') as f:
    json.dump(overlap_areas, f)
# The untyped Neoplastic nuclei in no class channel: what the class figures stand for.
no_neoplastic = hover_reference.copy()
no_neoplastic[:, :, :, 0] = 0
no_neoplastic[:, :, :, 5] = (~no_neoplastic[:, :, :, :5].any(axis=3)).astype(np.float64)
np.save(os.path.join(out, 'hovernet-untyped-reference.npy'), no_neoplastic)
