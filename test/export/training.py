"""Independent checks of `pannuke export images` and `export coco`, against the source folds and the
database: PNGs read by PIL equal images.npy; every COCO annotation's RLE, decoded here from the format's
definition (not pannuke's code), is exactly its nucleus's pixels in masks.npy (channel class_id - 1, value
instance_id); ids, categories, iscrowd, area and bbox as documented. Prints 'ok' or raises.

usage: training.py <dataset root> <database> <images export> <coco export>
"""
import csv, json, os, sqlite3, sys
import numpy as np
from PIL import Image

root, db, images_dir, coco_dir = sys.argv[1:5]
con = sqlite3.connect(db)
folds = {}
def fold_arrays(k):
    if k not in folds:
        base = os.path.join(root, f'Fold {k}')
        folds[k] = (np.load(os.path.join(base, 'images', f'fold{k}', 'images.npy'), mmap_mode='r'),
                    np.load(os.path.join(base, 'masks', f'fold{k}', 'masks.npy'), mmap_mode='r'))
    return folds[k]

# images
rows = list(csv.DictReader(open(os.path.join(images_dir, 'index.csv'))))
assert len(rows) == con.execute('SELECT count(*) FROM images').fetchone()[0], 'one PNG per image'
for r in rows:
    assert r['file'] == f"{r['fold']}_{r['fold_index']}.png"
    png = np.asarray(Image.open(os.path.join(images_dir, r['file'])).convert('RGB'))
    want = fold_arrays(int(r['fold']))[0][int(r['fold_index'])]
    assert png.dtype == np.uint8 and np.array_equal(png, want.astype(np.uint8)) and np.array_equal(png.astype(np.float64), want), r['file']

def decode(counts, h, w):
    """RLE string -> counts (pycocotools' rleFrString), then the column-major mask."""
    cnts, p = [], 0
    while p < len(counts):
        x, k, more = 0, 0, True
        while more:
            c = ord(counts[p]) - 48
            x |= (c & 0x1f) << (5 * k)
            more = bool(c & 0x20)
            p += 1; k += 1
            if not more and (c & 0x10):
                x |= -1 << (5 * k)
        if len(cnts) > 2:
            x += cnts[-2]
        cnts.append(x)
    flat = np.zeros(h * w, np.uint8)
    at = 0
    for i, c in enumerate(cnts):
        if i % 2 == 1:
            flat[at:at + c] = 1
        at += c
    assert at == h * w, 'counts cover the image'
    return flat.reshape(w, h).T.astype(bool)

coco = json.load(open(os.path.join(coco_dir, 'annotations.json')))
assert [c['id'] for c in coco['categories']] == [1, 2, 3, 4, 5]
images = {im['id']: im for im in coco['images']}
assert set(images) == {i for (i,) in con.execute('SELECT id FROM images')}
for im in coco['images']:
    assert os.path.exists(os.path.join(coco_dir, 'images', im['file_name']))
assert len(coco['annotations']) == con.execute('SELECT count(*) FROM nuclei').fetchone()[0]
for a in coco['annotations']:
    fold, fold_index, class_id, instance_id, area, x0, y0, x1, y1 = con.execute(
        'SELECT i.fold, i.fold_index, n.class_id, n.instance_id, n.area, n.bbox_x0, n.bbox_y0, n.bbox_x1, n.bbox_y1 FROM nuclei n JOIN images i ON i.id = n.image_id WHERE n.id = ?', (a['id'],)).fetchone()
    assert a['id'] >= 1 and a['iscrowd'] == 0 and a['category_id'] == class_id and a['area'] == area
    assert a['bbox'] == [x0, y0, x1 - x0, y1 - y0]
    im = images[a['image_id']]
    assert (im['fold'], im['fold_index']) == (fold, fold_index)
    h, w = a['segmentation']['size']
    mask = decode(a['segmentation']['counts'], h, w)
    want = fold_arrays(fold)[1][fold_index][:, :, class_id - 1] == instance_id
    assert np.array_equal(mask, want), f"nucleus {a['id']}"
print('ok')

# HoVer-Net patches and label images, if their folders were given: the instance map is PanNuke's binarize
# (classes in order, a later class channel winning a shared pixel), the type map its class.
if len(sys.argv) > 6:
    import tifffile
    hover_dir, labels_dir = sys.argv[5], sys.argv[6]
    for fold, fold_index, image_id in con.execute('SELECT fold, fold_index, id FROM images'):
        images_npy, masks_npy = fold_arrays(fold)
        m = masks_npy[fold_index]
        want_inst = np.zeros(m.shape[:2], np.int64); want_type = np.zeros(m.shape[:2], np.int64)
        k = 0
        for class_id, instance_id in con.execute('SELECT class_id, instance_id FROM nuclei WHERE image_id = ? ORDER BY class_id, instance_id', (image_id,)):
            k += 1
            sel = m[:, :, class_id - 1] == instance_id
            want_inst[sel] = k; want_type[sel] = class_id
        patch = np.load(os.path.join(hover_dir, f'{fold}_{fold_index}.npy'))
        assert patch.dtype == np.int32 and patch.shape == m.shape[:2] + (5,)
        assert np.array_equal(patch[:, :, :3], images_npy[fold_index].astype(np.int32))
        assert np.array_equal(patch[:, :, 3], want_inst) and np.array_equal(patch[:, :, 4], want_type), f'{fold}_{fold_index}.npy'
        label = tifffile.imread(os.path.join(labels_dir, 'labels', f'{fold}_{fold_index}.tif'))
        assert label.dtype == np.uint32 and np.array_equal(label, want_inst), f'{fold}_{fold_index}.tif'
        rows = [tuple(map(int, l.split(','))) for l in open(os.path.join(labels_dir, 'labels', f'{fold}_{fold_index}.csv')).read().split('\n')[1:] if l]
        assert sorted(r[0] for r in rows) == sorted(set(np.unique(want_inst)) - {0})
        for i, c in rows:
            assert set(np.unique(want_type[want_inst == i])) == {c}
    print('ok')
