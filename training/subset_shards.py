"""Writes a random subset of a shard set (train/ and val/), drawn across all its slides, as one shard
per split. For experiments that must travel light, e.g. a seed sweep on a lent GPU machine.

python3 -m training.subset_shards --shards training/work/shards --out DIR --train 2400 --val 512 [--seed 0]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from .shards import RECORD, load_split


def write_subset(src: Path, dst: Path, count: int, rng: np.random.Generator) -> int:
    s = load_split(src)
    pick = np.sort(rng.choice(len(s), size=min(count, len(s)), replace=False))
    records = np.concatenate(
        [a[pick].reshape(len(pick), -1) for a in (s.target, s.context, s.target_mask, s.context_mask)], axis=1)
    assert records.shape[1] == RECORD
    dst.mkdir(parents=True, exist_ok=True)
    records.tofile(dst / 'shard-000.bin')
    manifest = {k: v for k, v in s.manifest.items() if k not in ('shards', 'index')}
    manifest.update(totalRecords=len(pick), shards=[{'file': 'shard-000.bin', 'records': len(pick)}],
                    subsetOf=str(src), subsetSeed=int(rng.bit_generator.state['state']['state'] % 2**31))
    (dst / 'manifest.json').write_text(json.dumps(manifest, indent=1))
    return len(pick)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--shards', required=True)
    ap.add_argument('--out', required=True)
    ap.add_argument('--train', type=int, default=2400)
    ap.add_argument('--val', type=int, default=512)
    ap.add_argument('--seed', type=int, default=0)
    a = ap.parse_args()
    rng = np.random.default_rng(a.seed)
    for split, n in (('train', a.train), ('val', a.val)):
        got = write_subset(Path(a.shards) / split, Path(a.out) / split, n, rng)
        print(f'{split}: {got} records', flush=True)


if __name__ == '__main__':
    main()
