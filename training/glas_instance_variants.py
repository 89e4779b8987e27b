"""Other instance steps on one model's GlaS probability maps: is a low detection F1 the instance
step's fault, or the gland channel's?

Reads the maps `npm run eval:glas -- ... --dump-maps DIR` wrote (DIR/<model>/<image>.f32 + .json)
and the ground-truth masks of the same GlaS-style folder, then scores with the challenge's detection
rule (object-metrics.ts: an object is a TP when it covers more than half of the gland it overlaps
most):
  - `reference`: a copy of src/glas/gland-instances.ts with the given settings (e.g. what the
    validation sweep chose). It must reproduce the CLI's F1 on the same maps: that is the check that
    this copy is the app's rule;
  - `variants`: hysteresis (markers above `hi`, objects grown through everything above `lo`, a
    component without a marker kept only when it reaches `hi`), markers grown by a watershed on the
    border channel or on border + (1 - gland) instead of in breadth-first order, holes filled or
    not, two min areas.
Use it on the validation split only (settings are chosen there).

CLI: python3 -m training.glas_instance_variants --maps DIR/glas-mrn-bilinear --data ../shared/glas/train \
       --settings val.json   # val.json: an eval:glas --split val --sweep run; its chosen settings are the reference
Prints one JSON document last on stdout; progress on stderr.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
from pathlib import Path

import numpy as np
from scipy import ndimage as ndi
from skimage.io import imread
from skimage.measure import label
from skimage.segmentation import watershed


def relabel(lab: np.ndarray) -> np.ndarray:
    ids = np.unique(lab)
    ids = ids[ids != 0]
    lut = np.zeros(int(lab.max()) + 1, np.int32)
    lut[ids] = np.arange(1, len(ids) + 1)
    return lut[lab]


def drop_small(lab: np.ndarray, min_area: int) -> np.ndarray:
    if min_area <= 0:
        return lab
    ids, counts = np.unique(lab, return_counts=True)
    lab = lab.copy()
    lab[np.isin(lab, ids[(counts < min_area) & (ids != 0)])] = 0
    return relabel(lab)


def fill_holes(fg: np.ndarray) -> np.ndarray:
    # background walks 4-connected (gland-instances.ts fillHoles): scipy's default structure
    return ndi.binary_fill_holes(fg)


def instances(g, b, *, threshold, seedRadius=0, minArea=0, borderThreshold=None, fillHoles=False,
              minMarkerArea=0, low=None, elevation=None):
    """gland-instances.ts glandInstances; `low`/`elevation` are the variants (None: the app's rule)."""
    fg = g > (threshold if low is None else low)
    if fillHoles:
        fg = fill_holes(fg)
    core = g > threshold
    lab = np.zeros(g.shape, np.int32)
    if seedRadius > 0 or borderThreshold is not None:
        seeds = fg.copy() if low is None else core & fg
        if seedRadius > 0:
            seeds &= ndi.distance_transform_edt(fg) ** 2 > seedRadius ** 2
        if borderThreshold is not None:
            seeds &= b <= borderThreshold
        markers = drop_small(label(seeds, connectivity=2), minMarkerArea)
        # flat: the markers grow through the foreground in breadth-first order, as growWithin does
        surface = np.zeros_like(g) if elevation is None else elevation
        lab = watershed(surface, markers, mask=fg, connectivity=2)
    rest = label(fg & (lab == 0), connectivity=2)
    if low is not None:  # hysteresis: a component with no marker must reach the high threshold
        rest = np.where(np.isin(rest, np.unique(rest[core & (rest > 0)])), rest, 0)
    lab = np.where(rest > 0, rest + lab.max(), lab)
    return drop_small(relabel(lab), minArea)


def detections(S: np.ndarray, G: np.ndarray) -> tuple[int, int, int]:
    ov = np.zeros((int(S.max()) + 1, int(G.max()) + 1), np.int64)
    np.add.at(ov, (S.ravel(), G.ravel()), 1)
    g_area = ov.sum(0)
    tp = fp = 0
    for s in range(1, ov.shape[0]):
        row = ov[s, 1:]
        if row.size and row.max() > 0:
            gs = int(np.argmax(row)) + 1  # ties: the lower label, as bestMatches
            if row[gs - 1] > 0.5 * g_area[gs]:
                tp += 1
                continue
        fp += 1
    return tp, fp, len(np.unique(G[G > 0])) - tp


def f1(t) -> float:
    return 2 * t[0] / max(1, 2 * t[0] + t[1] + t[2])


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--maps', required=True, help='DIR/<model> from eval:glas --dump-maps DIR')
    ap.add_argument('--data', required=True, help='the GlaS-style folder the maps came from (mask/*.png)')
    ap.add_argument('--settings', required=True, help='an eval:glas --split val --sweep JSON (its chosen settings)')
    ap.add_argument('--reference-only', action='store_true', help='score the reference only (the CI check)')
    a = ap.parse_args(argv)
    maps = Path(a.maps)
    model = maps.name
    doc = json.loads(Path(a.settings).read_text().strip().splitlines()[-1])
    chosen = next((m['chosen']['instances'] for m in doc['models'] if m['id'] == model), None)
    if chosen is None:
        sys.exit(f'{a.settings}: no settings chosen for {model}')
    images = []
    for meta_path in sorted(maps.glob('*.json')):
        meta = json.loads(meta_path.read_text())
        w, h, names = meta['width'], meta['height'], meta['channels']
        chans = np.fromfile(meta_path.with_suffix('.f32'), dtype='<f4').reshape(len(names), h, w)
        truth = imread(Path(a.data) / 'mask' / f'{meta_path.stem}.png')
        if truth.shape != (h, w):
            sys.exit(f'{meta_path.stem}: mask {truth.shape} against maps {(h, w)}')
        border = chans[names.index('border')] if 'border' in names else np.zeros((h, w), np.float32)
        images.append((chans[names.index('gland')], border, truth.astype(np.int32)))
    print(f'{model}: {len(images)} image(s)', file=sys.stderr)

    def score(**o):
        t = np.zeros(3, np.int64)
        for g, b, G in images:
            t += detections(instances(g, b, **o), G)
        return {'f1': round(f1(t), 4), 'tp': int(t[0]), 'fp': int(t[1]), 'fn': int(t[2])}

    reference = {'settings': chosen, **score(**chosen)}
    print(f'reference {reference}', file=sys.stderr)
    variants = []
    base = {k: v for k, v in chosen.items() if k not in ('threshold', 'fillHoles', 'minArea')}
    grid = itertools.product([0.5, 0.6], [0.2, 0.3, 0.4, 0.5], ['flat', 'border', 'border+1-gland'], [False, True],
                             [2000, 4000])
    for hi, lo, surface, fill, min_area in [] if a.reference_only else grid:
        if lo > hi:
            continue
        o = {**base, 'threshold': hi, 'fillHoles': fill, 'minArea': min_area}
        elev = (lambda g, b: None) if surface == 'flat' else (lambda g, b: b) if surface == 'border' else (lambda g, b: b + 1 - g)
        t = np.zeros(3, np.int64)
        for g, b, G in images:
            t += detections(instances(g, b, **o, low=None if lo == hi else lo, elevation=elev(g, b)), G)
        v = {'high': hi, 'low': lo, 'surface': surface, 'fillHoles': fill, 'minArea': min_area,
             'f1': round(f1(t), 4), 'tp': int(t[0]), 'fp': int(t[1]), 'fn': int(t[2])}
        variants.append(v)
        print(v, file=sys.stderr, flush=True)
    best = max(variants, key=lambda v: v['f1']) if variants else None
    print(json.dumps({'model': model, 'images': len(images), 'reference': reference, 'best': best,
                      'variants': variants}))


if __name__ == '__main__':
    main()
