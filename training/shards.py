"""Reads and validates training shards written by the TypeScript extractor.

Layout: <shards>/<split>/shard-NNN.bin + manifest.json. A shard is N records; a record is
target uint8 64·64·3 (HWC RGB) + context uint8 64·64·3 + target mask uint8 64·64 (tumour 1, else 0)
+ context mask uint8 64·64, concatenated in that order (32 768 bytes).

manifest.json fields read (all optional except that it must be a JSON object):
  records | count | total        total record count
  shards                         [name, …] or [{file|name|path, records|count}, …]
  targetSize, contextSize        64
  targetMpp, contextMpp          1.0, 4.0
  recordBytes                    32768
  generator, seed | seeds        provenance, copied into model cards
Every field present is checked; anything that does not fit fails with a ShardError naming it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

SIZE = 64
TARGET_MPP, CONTEXT_MPP = 1.0, 4.0
IMG = SIZE * SIZE * 3
MASK = SIZE * SIZE
RECORD = 2 * IMG + 2 * MASK


class ShardError(ValueError):
    pass


@dataclass
class ShardSet:
    target: np.ndarray  # (N, 64, 64, 3) uint8
    context: np.ndarray
    target_mask: np.ndarray  # (N, 64, 64) uint8, tumour 1 else 0
    context_mask: np.ndarray
    manifest: dict
    path: Path

    def __len__(self):
        return self.target.shape[0]


def _num(m: dict, *keys):
    for k in keys:
        if k in m:
            return m[k]
    return None


def _check_eq(path, name, got, want, tol=1e-6):
    if got is not None and abs(float(got) - want) > tol:
        raise ShardError(f'{path}: manifest {name} is {got}, expected {want} (model geometry: 64 px target at '
                         f'1 µm/px, 64 px context at 4 µm/px)')


def read_manifest(split_dir: Path) -> dict:
    mpath = split_dir / 'manifest.json'
    if not mpath.exists():
        raise ShardError(f'{split_dir}: no manifest.json')
    try:
        m = json.loads(mpath.read_text())
    except json.JSONDecodeError as e:
        raise ShardError(f'{mpath}: not valid JSON ({e})') from e
    if not isinstance(m, dict):
        raise ShardError(f'{mpath}: expected a JSON object')
    _check_eq(mpath, 'targetSize', _num(m, 'targetSize'), SIZE)
    _check_eq(mpath, 'contextSize', _num(m, 'contextSize'), SIZE)
    _check_eq(mpath, 'targetMpp', _num(m, 'targetMpp'), TARGET_MPP, 1e-3)
    _check_eq(mpath, 'contextMpp', _num(m, 'contextMpp'), CONTEXT_MPP, 1e-3)
    _check_eq(mpath, 'recordBytes', _num(m, 'recordBytes'), RECORD)
    return m


def _manifest_shards(m: dict) -> dict[str, int | None] | None:
    shards = m.get('shards')
    if shards is None:
        return None
    out = {}
    for s in shards:
        if isinstance(s, str):
            out[Path(s).name] = None
        elif isinstance(s, dict):
            name = s.get('file') or s.get('name') or s.get('path')
            if not name:
                raise ShardError(f'manifest shard entry has no file name: {s}')
            out[Path(name).name] = _num(s, 'records', 'count')
    return out


def load_split(split_dir: str | Path, check_masks: bool = True) -> ShardSet:
    split_dir = Path(split_dir)
    if not split_dir.is_dir():
        raise ShardError(f'{split_dir}: not a directory')
    m = read_manifest(split_dir)
    files = sorted(split_dir.glob('shard-*.bin'))
    listed = _manifest_shards(m)
    if listed is not None:
        missing = sorted(set(listed) - {f.name for f in files})
        if missing:
            raise ShardError(f'{split_dir}: manifest lists missing shards {missing}')
        files = [split_dir / n for n in sorted(listed)]
    if not files:
        raise ShardError(f'{split_dir}: no shard-*.bin files')
    chunks = []
    for f in files:
        data = np.fromfile(f, dtype=np.uint8)
        if data.size % RECORD:
            raise ShardError(f'{f}: {data.size} bytes is not a whole number of {RECORD}-byte records '
                             f'(64·64·3 target + 64·64·3 context + two 64·64 masks)')
        n = data.size // RECORD
        if listed is not None and listed.get(f.name) is not None and listed[f.name] != n:
            raise ShardError(f'{f}: holds {n} records, manifest says {listed[f.name]}')
        chunks.append(data.reshape(n, RECORD))
    recs = np.concatenate(chunks)
    total = _num(m, 'records', 'count', 'total')
    if isinstance(total, (int, float)) and int(total) != recs.shape[0]:
        raise ShardError(f'{split_dir}: {recs.shape[0]} records in shards, manifest says {total}')
    if recs.shape[0] == 0:
        raise ShardError(f'{split_dir}: no records')
    o = 0
    t = recs[:, o:o + IMG].reshape(-1, SIZE, SIZE, 3); o += IMG
    c = recs[:, o:o + IMG].reshape(-1, SIZE, SIZE, 3); o += IMG
    tm = recs[:, o:o + MASK].reshape(-1, SIZE, SIZE); o += MASK
    cm = recs[:, o:o + MASK].reshape(-1, SIZE, SIZE)
    if check_masks:
        for name, mk in (('target mask', tm), ('context mask', cm)):
            bad = np.setdiff1d(np.unique(mk), [0, 1])
            if bad.size:
                raise ShardError(f'{split_dir}: {name} has values {bad[:5].tolist()} (expected 0/1); '
                                 'is the record layout target, context, target mask, context mask?')
    return ShardSet(t, c, tm, cm, m, split_dir)


def find_splits(shards: str | Path) -> tuple[Path, Path | None]:
    """(train dir, val dir or None): DIR/train + DIR/val, or DIR itself as the training split."""
    shards = Path(shards)
    if (shards / 'train').is_dir():
        val = shards / 'val'
        return shards / 'train', val if val.is_dir() else None
    return shards, None
