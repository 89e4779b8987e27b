"""Seed table on the GlaS validation patches: every checkpoint of two models (e.g. 3 seeds of the
U-Net and 3 of MRN-bilinear, one budget) scored on the validation shards, mean ± sd over seeds,
and a paired bootstrap over the validation *images* of the seed-mean difference b − a.

python3 -m training.glas_seed_table --val training/work/glas/s96/val \\
    --a /tmp/glas/ckpt/glas-unet-s{1,2,3}.pt --b /tmp/glas/ckpt/glas-mrn-bilinear-s{1,2,3}.pt

Scores per checkpoint (threshold 0.5, pooled over the validation patches): tumourIoU, glandIoU,
and gradeAccuracy (an image is called malignant when more than half of its predicted gland pixels,
over its patches, are tumour). The bootstrap resamples the images (each with all its patches) with
replacement, recomputes every checkpoint's pooled IoU / grade accuracy on the resample, averages
over each model's seeds and takes b − a: 95 % interval from the 2.5 and 97.5 % quantiles.
Validation only: this chooses and compares, it is not a test-set score."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import torch

from .glas_model import build
from .glas_train import GlasShards, batch
from .model_inputs import normalise


def image_index(split_dir: Path) -> np.ndarray:
    """The image (slide index in the manifest) of every record, from the shard indexes."""
    m = json.loads((split_dir / 'manifest.json').read_text())
    return np.concatenate([np.asarray(json.loads((split_dir / s['index']).read_text())['slide'])
                           for s in m['shards']])


@torch.no_grad()
def per_image_counts(ckpt: str, val: GlasShards, images: np.ndarray, threads: int) -> dict:
    """Per image: tumour and gland [tp, fp, fn], predicted gland and tumour-in-gland pixel counts."""
    torch.set_num_threads(threads)
    c = torch.load(ckpt, map_location='cpu', weights_only=False)
    # a border-channel model has a third output (glas_train.py); only tumour and gland are counted
    model = build(c['model'], c['geometry'], c['width'], c['state_dict']['head.weight'].shape[0])
    model.load_state_dict(c['state_dict'])
    model.eval()
    n_img = int(images.max()) + 1
    counts = np.zeros((n_img, 2, 3))
    share = np.zeros((n_img, 2))  # predicted gland pixels, of which predicted tumour
    for i in range(0, len(val), 32):
        idx = np.arange(i, min(i + 32, len(val)))
        xs, y = batch(c['model'], val, idx)
        p = (model(*[normalise(x) for x in xs]) >= 0.5).numpy()
        t = y.numpy() > 0.5
        for k, j in enumerate(idx):
            im = images[j]
            for ch in range(2):
                counts[im, ch] += [(p[k, ch] & t[k, ch]).sum(), (p[k, ch] & ~t[k, ch]).sum(), (~p[k, ch] & t[k, ch]).sum()]
            share[im] += [p[k, 1].sum(), (p[k, 0] & p[k, 1]).sum()]
    return {'model': c['model'], 'seed': c['training']['seeds']['train'], 'steps': c['training']['steps'],
            'batch': c['training']['batch'], 'counts': counts, 'share': share}


def iou(counts: np.ndarray) -> float:
    s = counts.sum(0)
    return float(s[0] / max(1.0, s.sum()))


def scores(run: dict, idx: np.ndarray, malignant: np.ndarray) -> tuple[float, float, float]:
    c, sh = run['counts'][idx], run['share'][idx]
    called = sh[:, 1] > 0.5 * np.maximum(sh[:, 0], 1e-9)
    return iou(c[:, 0]), iou(c[:, 1]), float((called == malignant[idx]).mean())


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--val', required=True, help='validation shard folder (extract-glas.ts --split val)')
    ap.add_argument('--a', nargs='+', required=True, help='checkpoints of model a (one per seed)')
    ap.add_argument('--b', nargs='+', required=True, help='checkpoints of model b (one per seed)')
    ap.add_argument('--resamples', type=int, default=2000)
    ap.add_argument('--seed', type=int, default=7)
    ap.add_argument('--threads', type=int, default=1)
    o = ap.parse_args(argv)
    split = Path(o.val)
    val = GlasShards(split)
    images = image_index(split)
    if len(images) != len(val):
        raise SystemExit(f'{split}: {len(images)} image indexes for {len(val)} records')
    slides = val.manifest['slides']
    malignant = np.array([s['grade'] == 'malignant' for s in slides])
    runs = {side: [per_image_counts(p, val, images, o.threads) for p in paths] for side, paths in (('a', o.a), ('b', o.b))}
    print(json.dumps({
        'split': 'val (patches)', 'valPatients': val.manifest.get('valPatients'), 'images': len(slides),
        'patches': len(val), 'threshold': 0.5,
        **summarise(runs['a'], runs['b'], malignant, o.resamples, o.seed),
    }))


NAMES = ('tumourIoU', 'glandIoU', 'gradeAccuracy')


def summarise(a: list[dict], b: list[dict], malignant: np.ndarray, resamples: int, seed: int) -> dict:
    """Mean ± sd over each model's seeds, and the paired bootstrap over images of the seed-mean b − a."""
    every = np.arange(len(malignant))

    def table(rs):
        per = [dict(zip(NAMES, scores(r, every, malignant))) for r in rs]
        return {'model': rs[0]['model'], 'steps': rs[0]['steps'], 'batch': rs[0]['batch'],
                'seeds': [r['seed'] for r in rs],
                'perSeed': [{k: round(v, 4) for k, v in p.items()} for p in per],
                **{k: {'mean': round(float(np.mean([p[k] for p in per])), 4),
                       'sd': round(float(np.std([p[k] for p in per], ddof=1)) if len(per) > 1 else 0.0, 4)}
                   for k in NAMES}}

    rng = np.random.default_rng(seed)
    diffs = np.zeros((resamples, 3))
    for r in range(resamples):
        idx = rng.integers(0, len(malignant), len(malignant))
        mean = {s: np.mean([scores(x, idx, malignant) for x in runs], 0) for s, runs in (('a', a), ('b', b))}
        diffs[r] = mean['b'] - mean['a']
    ta, tb = table(a), table(b)
    return {
        'a': ta, 'b': tb,
        'difference': {k: {'meanOverSeeds': round(tb[k]['mean'] - ta[k]['mean'], 4),
                           'ci95': [round(float(np.quantile(diffs[:, i], 0.025)), 4),
                                    round(float(np.quantile(diffs[:, i], 0.975)), 4)],
                           'shareAboveZero': round(float((diffs[:, i] > 0).mean()), 4)}
                       for i, k in enumerate(NAMES)},
        'resamples': resamples, 'bootstrapSeed': seed,
    }

if __name__ == '__main__':
    main()
