"""A YOLO export as Ultralytics reads it: each label line's polygon denormalised and filled as its
polygon2mask does (cv2.fillPoly on int32 pixel coordinates), against the nucleus's true pixels (masks.npy,
channel class_id - 1, value instance_id). Checks the lines' form; prints the mean IoU over every nucleus, the number of nuclei, and how many nuclei of one
part without holes (which a ring can hold exactly) do not fill back exactly.

usage: yolo.py <dataset root> <database> <yolo export>
"""
import os, sqlite3, sys
import cv2
import numpy as np

root, db, out = sys.argv[1:4]
con = sqlite3.connect(db)
assert open(os.path.join(out, 'data.yaml')).read().count(': ') >= 5
ious, inexact = [], 0
for fold, fold_index, image_id in con.execute('SELECT fold, fold_index, id FROM images'):
    masks = np.load(os.path.join(root, f'Fold {fold}', 'masks', f'fold{fold}', 'masks.npy'), mmap_mode='r')[fold_index]
    h, w = masks.shape[:2]
    assert os.path.exists(os.path.join(out, 'images', f'{fold}_{fold_index}.png'))
    lines = [l for l in open(os.path.join(out, 'labels', f'{fold}_{fold_index}.txt')).read().split('\n') if l]
    nuclei = con.execute('SELECT class_id, instance_id, parts, holes FROM nuclei WHERE image_id = ? ORDER BY class_id, instance_id', (image_id,)).fetchall()
    assert len(lines) == len(nuclei)
    for line, (class_id, instance_id, parts, holes) in zip(lines, nuclei):
        v = line.split()
        assert int(v[0]) == class_id - 1 and len(v) % 2 == 1 and len(v) >= 7
        xy = np.array(v[1:], float).reshape(-1, 2)
        assert (xy >= 0).all() and (xy <= 1).all()
        mask = np.zeros((h, w), np.uint8)
        cv2.fillPoly(mask, [(xy * [w, h]).astype(np.int32)], 1)
        truth = masks[:, :, class_id - 1] == instance_id
        ious.append((truth & (mask == 1)).sum() / (truth | (mask == 1)).sum())
        if parts == 1 and holes == 0 and not np.array_equal(truth, mask == 1):
            inexact += 1
print(f'{np.mean(ious):.4f} {len(ious)} {inexact}')
