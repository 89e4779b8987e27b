"""Tiny fake shards for smoke tests (no dependence on the slide extractor): pink "tissue" with
purple "tumour" discs drawn on a 256 µm canvas at 1 µm/px; target = central 64 px, context = the
whole canvas averaged 4× to 64 px at 4 µm/px; masks likewise.

python3 -m training.fake_shards --out training/work/fake-shards --train 256 --val 64 --seed 0"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from .shards import CONTEXT_MPP, RECORD, SIZE, TARGET_MPP


def make_record(rng: np.random.Generator) -> bytes:
    n = 4 * SIZE
    yy, xx = np.mgrid[0:n, 0:n]
    mask = np.zeros((n, n), bool)
    for _ in range(rng.integers(0, 5)):
        cy, cx = rng.uniform(0, n, 2)
        r = rng.uniform(10, 60)
        mask |= (yy - cy) ** 2 + (xx - cx) ** 2 < r * r
    base = np.array([235, 190, 215], np.float32) + rng.normal(0, 8, 3)
    tumour = np.array([120, 60, 150], np.float32) + rng.normal(0, 8, 3)
    img = np.where(mask[..., None], tumour, base) + rng.normal(0, 12, (n, n, 3))
    img = np.clip(img, 0, 255)
    lo, hi = (n - SIZE) // 2, (n + SIZE) // 2
    target = img[lo:hi, lo:hi].astype(np.uint8)
    context = img.reshape(SIZE, 4, SIZE, 4, 3).mean((1, 3)).astype(np.uint8)
    tmask = mask[lo:hi, lo:hi].astype(np.uint8)
    cmask = (mask.reshape(SIZE, 4, SIZE, 4).mean((1, 3)) >= 0.5).astype(np.uint8)
    return target.tobytes() + context.tobytes() + tmask.tobytes() + cmask.tobytes()


def write_split(out: Path, count: int, seed: int, per_shard: int = 128) -> None:
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    shards = []
    for i in range(0, count, per_shard):
        k = min(per_shard, count - i)
        name = f'shard-{i // per_shard:03d}.bin'
        (out / name).write_bytes(b''.join(make_record(rng) for _ in range(k)))
        shards.append({'file': name, 'records': k})
    manifest = {'generator': 'training/fake_shards.py', 'seed': seed, 'records': count, 'shards': shards,
                'targetSize': SIZE, 'contextSize': SIZE, 'targetMpp': TARGET_MPP, 'contextMpp': CONTEXT_MPP,
                'recordBytes': RECORD}
    (out / 'manifest.json').write_text(json.dumps(manifest, indent=2))


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument('--out', required=True)
    ap.add_argument('--train', type=int, default=256)
    ap.add_argument('--val', type=int, default=64)
    ap.add_argument('--seed', type=int, default=0)
    a = ap.parse_args(argv)
    write_split(Path(a.out) / 'train', a.train, a.seed)
    write_split(Path(a.out) / 'val', a.val, a.seed + 1)
    print(f'wrote {a.train}+{a.val} fake records to {a.out}')


if __name__ == '__main__':
    main()
