"""Paired bootstrap over images of the pooled tumour-IoU difference (b − a) and the grade-accuracy
difference, from two `npm run eval:glas` JSON documents run separately (one model each, e.g. in
parallel), using their `perImage` rows paired by image name.

python3 training/glas_bootstrap.py A.json B.json [--resamples 2000] [--seed 7]
python3 training/glas_bootstrap.py A1.json,A2.json,A3.json B1.json,B2.json,B3.json   # seeds: b − a of the seed means

With several runs per side (one per seed), each resample of the images scores every run and takes
the difference of the seed means; the interval is over images with the runs held fixed."""

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
    ap.add_argument('a', help='eval JSON of model a, or several (one per seed) joined by commas')
    ap.add_argument('b', help='eval JSON of model b, or several (one per seed) joined by commas')
    ap.add_argument('--resamples', type=int, default=2000)
    ap.add_argument('--seed', type=int, default=7)
    ap.add_argument('--grade-fraction', type=float, default=None,
                    help="grade rule's fraction (default: each run's own gradeShareThreshold, else 0.5)")
    o = ap.parse_args(argv)
    runs = {side: [load(p) for p in paths.split(',') if p] for side, paths in (('a', o.a), ('b', o.b))}
    rows = {side: [{r['name']: r for r in m['perImage']} for m in ms] for side, ms in runs.items()}
    names = sorted(rows['a'][0])
    for side in ('a', 'b'):
        for r in rows[side]:
            if set(r) != set(names):
                raise SystemExit(f'the runs scored different images ({len(names)} vs {len(r)})')
    t = lambda rs: np.array([[rs[n]['tumour'][k] for k in ('tp', 'fp', 'fn')] for n in names], float)

    def ok(m, rs):
        f = o.grade_fraction if o.grade_fraction is not None else m.get('gradeShareThreshold', 0.5)
        return np.array([(rs[n]['share'] > f) == (rs[n]['grade'] == 'malignant') for n in names], float)

    tum = {s: [t(r) for r in rows[s]] for s in ('a', 'b')}
    grade = {s: [ok(m, r) for m, r in zip(runs[s], rows[s])] for s in ('a', 'b')}

    def iou(c):
        s = c.sum(0)
        return s[0] / max(1.0, s.sum())

    mean_iou = lambda s, i: float(np.mean([iou(c[i]) for c in tum[s]]))
    mean_grade = lambda s, i: float(np.mean([g[i].mean() for g in grade[s]]))
    rng = np.random.default_rng(o.seed)
    idx = rng.integers(0, len(names), (o.resamples, len(names)))
    d_iou = np.array([mean_iou('b', i) - mean_iou('a', i) for i in idx])
    d_grade = np.array([mean_grade('b', i) - mean_grade('a', i) for i in idx])
    every = np.arange(len(names))
    q = lambda d: [round(float(np.quantile(d, 0.025)), 4), round(float(np.quantile(d, 0.975)), 4)]
    ids = lambda s: runs[s][0]['id'] if len(runs[s]) == 1 else [m['id'] for m in runs[s]]
    ia, ib = mean_iou('a', every), mean_iou('b', every)
    ga, gb = mean_grade('a', every), mean_grade('b', every)
    print(json.dumps({
        'a': ids('a'), 'b': ids('b'), 'images': len(names), 'resamples': o.resamples, 'seed': o.seed,
        'tumourIoU': {'a': round(ia, 4), 'b': round(ib, 4), 'difference': round(ib - ia, 4),
                      'ci95': q(d_iou), 'shareAboveZero': round(float((d_iou > 0).mean()), 4)},
        'gradeAccuracy': {'a': round(ga, 4), 'b': round(gb, 4), 'difference': round(gb - ga, 4), 'ci95': q(d_grade)},
    }))

if __name__ == '__main__':
    main()
