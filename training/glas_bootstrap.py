"""Paired bootstrap over images of the pooled tumour-IoU difference (b − a) and the grade-accuracy
difference, from two `npm run eval:glas` JSON documents run separately (one model each, e.g. in
parallel), using their `perImage` rows paired by image name.

python3 training/glas_bootstrap.py A.json B.json [--resamples 2000] [--seed 7]"""

from __future__ import annotations

import argparse
import json

import numpy as np


def load(path: str) -> dict:
    lines = [ln for ln in open(path).read().splitlines() if ln.strip()]
    doc = json.loads(lines[-1])  # the eval prints one JSON document, last
    (m,) = doc['models']
    return m


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('a')
    ap.add_argument('b')
    ap.add_argument('--resamples', type=int, default=2000)
    ap.add_argument('--seed', type=int, default=7)
    ap.add_argument('--grade-fraction', type=float, default=0.5)
    o = ap.parse_args(argv)
    a, b = load(o.a), load(o.b)
    ra = {r['name']: r for r in a['perImage']}
    rb = {r['name']: r for r in b['perImage']}
    if set(ra) != set(rb):
        raise SystemExit(f'the two runs scored different images ({len(ra)} vs {len(rb)})')
    names = sorted(ra)
    t = lambda rows: np.array([[rows[n]['tumour'][k] for k in ('tp', 'fp', 'fn')] for n in names], float)
    ta, tb = t(ra), t(rb)
    ok = lambda rows: np.array([(rows[n]['share'] > o.grade_fraction) == (rows[n]['grade'] == 'malignant') for n in names], float)
    ga, gb = ok(ra), ok(rb)

    def iou(c):
        s = c.sum(0)
        return s[0] / max(1.0, s.sum())

    rng = np.random.default_rng(o.seed)
    idx = rng.integers(0, len(names), (o.resamples, len(names)))
    d_iou = np.array([iou(tb[i]) - iou(ta[i]) for i in idx])
    d_grade = (gb[idx] - ga[idx]).mean(1)
    q = lambda d: [round(float(np.quantile(d, 0.025)), 4), round(float(np.quantile(d, 0.975)), 4)]
    print(json.dumps({
        'a': a['id'], 'b': b['id'], 'images': len(names), 'resamples': o.resamples, 'seed': o.seed,
        'tumourIoU': {'a': round(iou(ta), 4), 'b': round(iou(tb), 4), 'difference': round(iou(tb) - iou(ta), 4),
                      'ci95': q(d_iou), 'shareAboveZero': round(float((d_iou > 0).mean()), 4)},
        'gradeAccuracy': {'a': round(float(ga.mean()), 4), 'b': round(float(gb.mean()), 4),
                          'difference': round(float(gb.mean() - ga.mean()), 4), 'ci95': q(d_grade)},
    }))


if __name__ == '__main__':
    main()
