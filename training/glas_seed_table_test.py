"""Unit test of training/glas_seed_table.py (and training/glas_bootstrap.py) on hand-made per-image counts (no checkpoints, no GlaS
pixels): pooled IoU, the per-image grade call, mean ± sd over seeds and the paired bootstrap over
images, and the shard image index. Run: python3 -m training.glas_seed_table_test (glas-smoke.sh
runs it, and the seed table itself on the smoke's checkpoints)."""

from __future__ import annotations

import json
import tempfile
import unittest
from pathlib import Path

import numpy as np

from .glas_seed_table import image_index, iou, scores, summarise


def run(seed: int, tumour: list, gland: list, share: list) -> dict:
    """One checkpoint's per-image counts: tumour / gland [tp, fp, fn] and [gland px, tumour px]."""
    counts = np.stack([np.asarray(tumour, float), np.asarray(gland, float)], 1)
    return {'model': 'm', 'seed': seed, 'steps': 300, 'batch': 8, 'counts': counts, 'share': np.asarray(share, float)}


MALIGNANT = np.array([True, False, True])


class SeedTable(unittest.TestCase):
    def test_pooled_iou(self):
        self.assertAlmostEqual(iou(np.array([[2, 1, 1], [1, 0, 0]], float)), 3 / 5)
        self.assertEqual(iou(np.zeros((2, 3))), 0.0)  # nothing predicted, nothing true

    def test_scores_and_grade_call(self):
        r = run(1, [[2, 0, 2], [0, 1, 0], [4, 0, 0]], [[5, 1, 0], [3, 0, 1], [6, 0, 0]],
                # image 0: 6 of 10 gland px tumour -> malignant (right); image 1: 5 of 10 is not more than
                # half -> benign (right); image 2: no gland predicted -> benign (wrong)
                [[10, 6], [10, 5], [0, 0]])
        t, g, acc = scores(r, np.arange(3), MALIGNANT)
        self.assertAlmostEqual(t, 6 / 9)
        self.assertAlmostEqual(g, 14 / 16)
        self.assertAlmostEqual(acc, 2 / 3)
        # a resample repeats images: image 0 twice
        t2, _, acc2 = scores(r, np.array([0, 0, 1]), MALIGNANT)
        self.assertAlmostEqual(t2, 4 / 9)
        self.assertAlmostEqual(acc2, 1.0)

    def test_summary_mean_sd_and_paired_bootstrap(self):
        gl = [[1, 0, 0]] * 3
        sh = [[10, 6], [10, 0], [10, 6]]
        a = [run(1, [[1, 1, 0], [0, 0, 0], [1, 1, 0]], gl, sh), run(2, [[1, 0, 1], [0, 0, 0], [1, 0, 1]], gl, sh)]
        same = summarise(a, a, MALIGNANT, 200, 7)
        self.assertEqual(same['a']['seeds'], [1, 2])
        self.assertEqual(same['a']['tumourIoU'], {'mean': 0.5, 'sd': 0.0})
        d = same['difference']['tumourIoU']
        self.assertEqual((d['meanOverSeeds'], d['ci95'], d['shareAboveZero']), (0.0, [0.0, 0.0], 0.0))
        # b finds every tumour pixel on every image: 0.5 ahead on every resample that holds a malignant
        # image; a resample of image 1 alone (chance 1/27) has no tumour on either side: level
        b = [run(s, [[2, 0, 0], [0, 0, 0], [2, 0, 0]], gl, sh) for s in (1, 2, 3)]
        better = summarise(a, b, MALIGNANT, 200, 7)
        d = better['difference']['tumourIoU']
        self.assertEqual(d['meanOverSeeds'], 0.5)
        self.assertEqual(d['ci95'][1], 0.5)
        self.assertTrue(0.9 < d['shareAboveZero'] < 1.0, d)
        self.assertEqual(better['difference']['gradeAccuracy']['meanOverSeeds'], 0.0)
        # sd over seeds (ddof 1): tumour IoU 0.5 and 1.0 -> sd 0.3536
        mixed = summarise(a, [b[0], a[0]], MALIGNANT, 10, 7)
        self.assertEqual(mixed['b']['tumourIoU'], {'mean': 0.75, 'sd': 0.3536})

    def test_image_index_from_shard_indexes(self):
        with tempfile.TemporaryDirectory() as d:
            p = Path(d)
            (p / 'i0.json').write_text(json.dumps({'slide': [0, 0, 1]}))
            (p / 'i1.json').write_text(json.dumps({'slide': [2]}))
            (p / 'manifest.json').write_text(json.dumps({'shards': [{'index': 'i0.json'}, {'index': 'i1.json'}]}))
            self.assertEqual(image_index(p).tolist(), [0, 0, 1, 2])


class PartABootstrap(unittest.TestCase):
    """training/glas_bootstrap.py on hand-made eval JSONs: one run per side, and seeds per side."""

    def run_json(self, d: Path, name: str, tps: list, shares: list, fraction=0.5) -> str:
        grades = ['malignant', 'benign', 'malignant']
        rows = [{'name': f'i{k}', 'grade': grades[k], 'tumour': {'tp': tp, 'fp': 1, 'fn': 2 - tp}, 'share': sh}
                for k, (tp, sh) in enumerate(zip(tps, shares))]
        p = d / f'{name}.json'
        p.write_text('log\n' + json.dumps({'models': [{'id': name, 'gradeShareThreshold': fraction, 'perImage': rows}]}))
        return str(p)

    def test_pairs_and_seed_means(self):
        import contextlib
        import io

        from .glas_bootstrap import main as boot
        with tempfile.TemporaryDirectory() as t:
            d = Path(t)
            a1 = self.run_json(d, 'a1', [1, 0, 1], [0.6, 0.0, 0.4])  # tumour IoU 2 / 9 (tp 2, fp 3, fn 4); grade 2 of 3
            a2 = self.run_json(d, 'a2', [1, 0, 1], [0.6, 0.0, 0.4], fraction=0.3)  # grade 3 of 3 at its own fraction
            b1 = self.run_json(d, 'b1', [2, 0, 2], [0.6, 0.0, 0.6])  # tumour IoU 4 / 9; grade 3 of 3

            def out(*args):
                f = io.StringIO()
                with contextlib.redirect_stdout(f):
                    boot(list(args) + ['--resamples', '100'])
                return json.loads(f.getvalue())

            one = out(a1, b1)
            self.assertEqual((one['a'], one['b']), ('a1', 'b1'))
            self.assertAlmostEqual(one['tumourIoU']['difference'], round(4 / 9 - 2 / 9, 4))
            self.assertAlmostEqual(one['gradeAccuracy']['difference'], round(1 - 2 / 3, 4))
            seeds = out(f'{a1},{a2}', b1)
            self.assertEqual(seeds['a'], ['a1', 'a2'])
            self.assertAlmostEqual(seeds['gradeAccuracy']['a'], round((2 / 3 + 1) / 2, 4))
            self.assertAlmostEqual(seeds['tumourIoU']['difference'], one['tumourIoU']['difference'])


if __name__ == '__main__':
    unittest.main()
