#!/usr/bin/env python3
"""A PanNuke-metrics-style reference for `pannuke eval`, in numpy + scipy, for cross-checking.

    python3 scripts/eval_reference.py <true masks.npy> <pred masks.npy> <types.npy> [--radius 12]

Written for this project from the published definitions (PanNuke-metrics run.py's binarize, remap and
get_fast_pq; CoNIC's pooled PQ; HoVer-Net's compute_stats with scipy's linear_sum_assignment), not copied
from them. Instances are taken by id value, so it is defined where the official script raises. Prints one
JSON object with the keys of `pannuke eval show --format json` that it computes (NaN as null).
"""
import json
import math
import sys

import numpy as np
from scipy.optimize import linear_sum_assignment
from scipy.spatial.distance import cdist

CLASSES = ["Neoplastic", "Inflammatory", "Connective", "Dead", "Epithelial"]


def binarize(x):
    """Every (channel, id) of channels 0..4 numbered from 1 in channel order, ids ascending; later overwrites."""
    out = np.zeros(x.shape[:2], dtype=np.int64)
    count = 1
    for c in range(5):
        ch = x[:, :, c]
        for v in np.unique(ch):
            if v == 0:
                continue
            out[ch == v] = count
            count += 1
    return out


def pq_counts(true, pred):
    """TP, FP, FN, sum of IoU (match: IoU > 0.5) and the NaN flag (true map has one distinct value)."""
    t_ids = [v for v in np.unique(true) if v != 0]
    p_ids = [v for v in np.unique(pred) if v != 0]
    tp, iou_sum, paired = 0, 0.0, set()
    for t in t_ids:
        t_mask = true == t
        for p in np.unique(pred[t_mask]):
            if p == 0:
                continue
            p_mask = pred == p
            inter = np.logical_and(t_mask, p_mask).sum()
            iou = inter / (t_mask.sum() + p_mask.sum() - inter)
            if iou > 0.5:
                tp += 1
                iou_sum += iou
                paired.add(p)
    return tp, len(p_ids) - len(paired), len(t_ids) - tp, iou_sum, len(np.unique(true)) == 1


def pq(c):
    tp, fp, fn, iou, nan = c
    return float("nan") if nan else (tp / (tp + 0.5 * fp + 0.5 * fn)) * (iou / (tp + 1e-6))


def pooled(cs):
    tp, fp, fn, iou = (sum(c[k] for c in cs) for k in range(4))
    return (tp / (tp + 0.5 * fp + 0.5 * fn + 1e-6)) * (iou / (tp + 1e-6))


def nanmean(xs):
    xs = [x for x in xs if not math.isnan(x)]
    return sum(xs) / len(xs) if xs else float("nan")


def has_gap(m):
    """Binarized ids that are not 1..n: an instance wholly overwritten (where the official script raises)."""
    ids = np.unique(m)
    ids = ids[ids != 0]
    return len(ids) > 0 and ids.max() != len(ids)


def points(x):
    out = []
    for c in range(5):
        ch = x[:, :, c]
        for v in np.unique(ch):
            if v == 0:
                continue
            rows, cols = np.nonzero(ch == v)
            out.append((cols.mean() + 0.5, rows.mean() + 0.5, c + 1))
    return out


def main():
    args = sys.argv[1:]
    radius = 12.0
    if "--radius" in args:
        radius = float(args[args.index("--radius") + 1])
    true = np.load(args[0], mmap_mode="r")
    pred = np.load(args[1], mmap_mode="r")
    types = [str(t) for t in np.load(args[2])]
    classes, binary, image_m, image_b, fails = [], [], [], [], 0
    paired, unpaired_true, unpaired_pred = [], [], []
    for i in range(true.shape[0]):
        t, p = np.asarray(true[i], dtype=np.float64), np.asarray(pred[i], dtype=np.float64)
        cs = [pq_counts(t[:, :, c], p[:, :, c]) for c in range(5)]
        tb, pb = binarize(t), binarize(p)
        b = pq_counts(tb, pb)
        classes.append(cs)
        binary.append(b)
        image_m.append(nanmean([pq(c) for c in cs]))
        image_b.append(pq(b))
        gap = has_gap(tb) or has_gap(pb)
        zero = any((x[:, :, c] != 0).all() for x in (t, p) for c in range(5))
        fails += int(gap or zero)
        tpts, ppts = points(t), points(p)
        if tpts and ppts:
            d = cdist([q[:2] for q in tpts], [q[:2] for q in ppts])
            rows, cols = linear_sum_assignment(d)
            keep = d[rows, cols] <= radius
            rows, cols = rows[keep], cols[keep]
        else:
            rows, cols = np.array([], dtype=int), np.array([], dtype=int)
        paired += [(tpts[a][2], ppts[b][2]) for a, b in zip(rows, cols)]
        unpaired_true += [q[2] for k, q in enumerate(tpts) if k not in set(rows.tolist())]
        unpaired_pred += [q[2] for k, q in enumerate(ppts) if k not in set(cols.tolist())]
    tissues = {}
    for name in dict.fromkeys(types):
        idx = [k for k, x in enumerate(types) if x == name]
        tissues[name] = {"images": len(idx), "mPQ": nanmean([image_m[k] for k in idx]), "bPQ": nanmean([image_b[k] for k in idx])}
    tp, fp, fn = len(paired), len(unpaired_pred), len(unpaired_true)
    det_types = {}
    for k, name in enumerate(CLASSES):
        ty = k + 1
        sel = [(a, b) for a, b in paired if a == ty or b == ty]
        tpt = sum(1 for a, b in sel if a == ty and b == ty)
        fpt = sum(1 for a, b in sel if a != ty and b == ty)
        fnt = sum(1 for a, b in sel if a == ty and b != ty)
        den = 2 * tpt + 2 * fpt + 2 * fnt + unpaired_pred.count(ty) + unpaired_true.count(ty)
        det_types[name] = {"F1": (2 * tpt / den) if den else None}
    plus = [pooled([cs[k] for cs in classes]) for k in range(5)]
    clean = lambda v: None if isinstance(v, float) and math.isnan(v) else v
    result = {
        "images": true.shape[0],
        "mPQ": nanmean([v["mPQ"] for v in tissues.values()]),
        "bPQ": nanmean([v["bPQ"] for v in tissues.values()]),
        "mPQ_image_avg": nanmean(image_m),
        "bPQ_image_avg": nanmean(image_b),
        "mPQ_plus": sum(plus) / 5,
        "bPQ_plus": pooled(binary),
        "class_PQ": {name: nanmean([pq(cs[k]) for cs in classes]) for k, name in enumerate(CLASSES)},
        "tissues": tissues,
        "detection": {"F1": 2 * tp / (2 * tp + fp + fn), "TP": tp, "FP": fp, "FN": fn, "types": det_types},
        "official_script_would_fail": fails,
    }
    print(json.dumps(result, default=float, allow_nan=True).replace("NaN", "null"))


if __name__ == "__main__":
    main()
