"""What a model sees: shard patches → normalised tensors, shared by training, evaluation and export.

NORMALIZATION is written into every exported card, so the app normalises exactly as training did;
parity_feed picks the real patches the export checks Node TF.js against PyTorch on. Both
training/train.py and training/export_tfjs.py import this module (neither imports the other)."""

from __future__ import annotations

import numpy as np
import torch

from .shards import ShardSet

NORMALIZATION = {'scale': 1 / 255, 'mean': [0.5, 0.5, 0.5], 'std': [0.5, 0.5, 0.5]}


def to_input(u8: np.ndarray) -> torch.Tensor:
    """NHWC uint8 → NCHW float in [0, 1]."""
    return torch.from_numpy(u8).permute(0, 3, 1, 2).float() / 255


def normalise(x: torch.Tensor) -> torch.Tensor:
    mean = torch.tensor(NORMALIZATION['mean']).view(1, 3, 1, 1)
    std = torch.tensor(NORMALIZATION['std']).view(1, 3, 1, 1)
    return (x - mean.to(x.device)) / std.to(x.device)


def batch_tensors(kind: str, s: ShardSet, idx: np.ndarray):
    """(inputs in [0,1] NCHW, label N1HW in {0,1}) for a model kind."""
    if kind == 'unet-context':
        return [to_input(s.context[idx])], torch.from_numpy(s.context_mask[idx] > 0).float()[:, None]
    label = torch.from_numpy(s.target_mask[idx] > 0).float()[:, None]
    if kind == 'unet':
        return [to_input(s.target[idx])], label
    return [to_input(s.target[idx]), to_input(s.context[idx])], label


def parity_feed(kind: str, s: ShardSet, n: int = 2) -> dict[str, np.ndarray]:
    """n real patches (normalised NHWC float32, per graph input) for the export's parity check, chosen
    where the label is part tumour, so that the reference probabilities are not all 0 or 1."""
    labels = [batch_tensors(kind, s, np.array([i]))[1].mean().item() for i in range(min(len(s), 4096))]
    mixed = [i for i, f in enumerate(labels) if 0.2 < f < 0.8]
    rest = [i for i, f in enumerate(labels) if not 0.2 < f < 0.8]
    idx = np.array((mixed + rest)[:n])
    xs, _ = batch_tensors(kind, s, idx)
    names = ['target'] if len(xs) == 1 else ['target', 'context']
    return {k: normalise(x).permute(0, 2, 3, 1).contiguous().numpy() for k, x in zip(names, xs)}
