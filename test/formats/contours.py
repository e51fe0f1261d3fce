"""OpenCV's own fill of contours, the oracle for src/formats/contour.ts: reads a JSON list of
{width, height, points: [[x, y], ...]} on stdin, writes for each the pixels (row * width + col, ascending)
that cv2.drawContours(canvas, [contour], -1, 1, thickness=cv2.FILLED) sets."""
import json, sys
import numpy as np
import cv2

out = []
for case in json.load(sys.stdin):
    canvas = np.zeros((case['height'], case['width']), np.uint8)
    contour = np.array(case['points'], dtype=np.int32).reshape(-1, 1, 2)
    cv2.drawContours(canvas, [contour], -1, 1, thickness=cv2.FILLED)
    out.append(np.flatnonzero(canvas).tolist())
json.dump(out, sys.stdout)
