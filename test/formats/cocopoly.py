"""
An independent rasterizer of COCO polygons, for the tests: pycocotools' rleFrPoly rule (maskApi.c) written
again in Python, on a dense column-major mask instead of sorted run lengths, plus random polygons to feed it.
Usage: cocopoly.py <out.json> <count> <seed>. Writes [{w, h, polygons: [[x, y, …]], pixels: [row*w+col, …]}].
"""
import json, math, random, sys


def frpoly(xy, h, w):
    """The column-major 0/1 mask pycocotools makes of one polygon (flat x, y list)."""
    k = len(xy) // 2
    x = [int(5 * xy[2 * j] + .5) for j in range(k)] + [0]
    y = [int(5 * xy[2 * j + 1] + .5) for j in range(k)] + [0]
    x[k], y[k] = x[0], y[0]
    u, v = [], []
    for j in range(k):
        xs, xe, ys, ye = x[j], x[j + 1], y[j], y[j + 1]
        dx, dy = abs(xe - xs), abs(ys - ye)
        flip = (dx >= dy and xs > xe) or (dx < dy and ys > ye)
        if flip:
            xs, xe, ys, ye = xe, xs, ye, ys
        if dx >= dy:
            s = (ye - ys) / dx if dx else 0.0  # a zero-length edge: its point is never read
            for d in range(dx + 1):
                t = dx - d if flip else d
                u.append(t + xs)
                v.append(int(ys + s * t + .5))
        else:
            s = (xe - xs) / dy
            for d in range(dy + 1):
                t = dy - d if flip else d
                v.append(t + ys)
                u.append(int(xs + s * t + .5))
    flips = [0] * (w * h + 1)
    for j in range(1, len(u)):
        if u[j] == u[j - 1]:
            continue
        xd = ((u[j] if u[j] < u[j - 1] else u[j] - 1) + .5) / 5 - .5
        if math.floor(xd) != xd or xd < 0 or xd > w - 1:
            continue
        yd = (min(v[j], v[j - 1]) + .5) / 5 - .5
        yd = math.ceil(min(max(yd, 0), h))
        flips[int(xd) * h + yd] ^= 1
    mask, on = [0] * (w * h), 0
    for q in range(w * h):
        on ^= flips[q]
        mask[q] = on
    return mask


def pixels(polys, h, w):
    union = [0] * (w * h)
    for p in polys:
        for q, b in enumerate(frpoly(p, h, w)):
            union[q] |= b
    return sorted((q % h) * w + q // h for q in range(w * h) if union[q])


def random_polygon(rng, w, h):
    kind = rng.random()
    n = rng.randint(3, 12)
    if kind < 0.3:  # integer vertices, some on the image's edges
        pts = [(rng.randint(0, w), rng.randint(0, h)) for _ in range(n)]
    elif kind < 0.6:  # a star around a centre: simple, convex or not
        cx, cy, r = rng.uniform(3, w - 3), rng.uniform(3, h - 3), rng.uniform(0.5, 8)
        pts = [(min(w, max(0, cx + rng.uniform(0.2, 1) * r * math.cos(2 * math.pi * i / n))),
                min(h, max(0, cy + rng.uniform(0.2, 1) * r * math.sin(2 * math.pi * i / n)))) for i in range(n)]
    elif kind < 0.8:  # anywhere, self-crossing
        pts = [(rng.uniform(0, w), rng.uniform(0, h)) for _ in range(n)]
    else:  # thin, repeated and collinear vertices, half-pixel coordinates
        x0, y0 = rng.randint(0, w - 2) + 0.5 * rng.randint(0, 1), rng.randint(0, h - 2) + 0.5 * rng.randint(0, 1)
        pts = [(x0, y0), (x0, y0), (min(w, x0 + rng.choice([0, 0.5, 1, 2, 7])), y0), (x0, min(h, y0 + rng.choice([0.5, 1, 3])))]
    return [c for p in pts for c in p]


out, count, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rng = random.Random(seed)
cases = []
for _ in range(count):
    w, h = rng.randint(4, 40), rng.randint(4, 40)
    polys = [random_polygon(rng, w, h) for _ in range(rng.choice([1, 1, 1, 2, 3]))]
    cases.append({'w': w, 'h': h, 'polygons': polys, 'pixels': pixels(polys, h, w)})
with open(out, 'w') as f:
    json.dump(cases, f)
