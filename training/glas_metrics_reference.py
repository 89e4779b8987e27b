"""Independent reference for src/glas/object-metrics.ts (the GlaS object-level metrics), used by
src/glas/object-metrics.reference.test.ts. Reads JSON on stdin:
  {"images": [{"width", "height", "S": [...], "G": [...]}, ...], "binary": [{"width", "height", "mask": [...]}]}
(S and G row-major instance labels) and prints the pooled F1, object Dice and object Hausdorff
(Sirinukunwattana et al. 2017, pooled over the images, the official code's matching: the object of
the other side that overlaps most, by mode of the overlapping non-zero labels; an object that overlaps
nothing is paired, for the Hausdorff term, with the nearest object by Hausdorff distance; the image
diagonal when the other side is empty), plus scikit-image's 8-connected labelling of each "binary"
mask. Hausdorff distances come from skimage.metrics.hausdorff_distance, cross-checked with shapely."""

from __future__ import annotations

import json
import math
import sys

import numpy as np
from shapely.geometry import MultiPoint
from skimage.measure import label
from skimage.metrics import hausdorff_distance


def mode_nonzero(values: np.ndarray) -> int:
    values = values[values != 0]
    if values.size == 0:
        return 0
    labels, counts = np.unique(values, return_counts=True)
    return int(labels[np.argmax(counts)])  # np.unique sorts: ties go to the lower label


def hausdorff(a: np.ndarray, b: np.ndarray) -> float:
    d = hausdorff_distance(a, b)
    pa = MultiPoint(np.argwhere(a).astype(float))
    pb = MultiPoint(np.argwhere(b).astype(float))
    d2 = pa.hausdorff_distance(pb)
    assert abs(d - d2) < 1e-9, (d, d2)
    return float(d)


def image_terms(S: np.ndarray, G: np.ndarray) -> dict:
    ls = [int(v) for v in np.unique(S) if v]
    lg = [int(v) for v in np.unique(G) if v]
    diag = math.hypot(S.shape[1], S.shape[0])
    tp = 0
    for s in ls:
        g = mode_nonzero(G[S == s])
        if g and np.logical_and(S == s, G == g).sum() / (G == g).sum() > 0.5:
            tp += 1
    out = {'tp': tp, 'fp': len(ls) - tp, 'fn': len(lg) - tp, 'diceG': 0.0, 'areaG': 0, 'diceS': 0.0, 'areaS': 0,
           'hausG': 0.0, 'hausS': 0.0}

    def side(A, la, B, lb, key):
        for a in la:
            Ai = A == a
            area = int(Ai.sum())
            out['area' + key] += area
            b = mode_nonzero(B[Ai])
            if b:
                Bi = B == b
                out['dice' + key] += area * 2 * np.logical_and(Ai, Bi).sum() / (Ai.sum() + Bi.sum())
                out['haus' + key] += area * hausdorff(Ai, Bi)
            else:
                h = min((hausdorff(Ai, B == c) for c in lb), default=diag)
                out['haus' + key] += area * h

    side(G, lg, S, ls, 'G')
    side(S, ls, G, lg, 'S')
    return out


def main():
    req = json.load(sys.stdin)
    tot = {k: 0.0 for k in ('tp', 'fp', 'fn', 'diceG', 'areaG', 'diceS', 'areaS', 'hausG', 'hausS')}
    for im in req['images']:
        shape = (im['height'], im['width'])
        t = image_terms(np.array(im['S']).reshape(shape), np.array(im['G']).reshape(shape))
        for k in tot:
            tot[k] += t[k]
    f1 = 2 * tot['tp'] / (2 * tot['tp'] + tot['fp'] + tot['fn'])
    obj_dice = 0.5 * (tot['diceG'] / tot['areaG'] + tot['diceS'] / tot['areaS'])
    obj_haus = 0.5 * (tot['hausG'] / tot['areaG'] + tot['hausS'] / tot['areaS'])
    components = []
    for b in req.get('binary', []):
        lab = label(np.array(b['mask']).reshape(b['height'], b['width']) > 0, connectivity=2)
        components.append(lab.flatten().tolist())
    print(json.dumps({'f1': f1, 'objDice': obj_dice, 'objHausdorff': obj_haus, 'tp': tot['tp'], 'fp': tot['fp'],
                      'fn': tot['fn'], 'components': components}))


if __name__ == '__main__':
    main()
