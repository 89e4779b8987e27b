"""The training loop both trainers run (training/train.py on the synthetic slides' shards,
training/glas_train.py on GlaS): flips/rot90 alike on inputs, mask and context mask, HED jitter,
BCE, and for MRNs with --context-aux the context encoder's deep-supervision loss on the mask's
fraction in each of its bottleneck cells."""

from __future__ import annotations

import time
from collections.abc import Callable

import torch
import torch.nn.functional as F

from .augment import geometric, hed_jitter
from .model_inputs import normalise

# one batch: the model's input tensors, the target mask and (deep supervision only) the context mask
Batch = tuple[list[torch.Tensor], torch.Tensor, torch.Tensor | None]


def soft_dice_loss(logits: torch.Tensor, target: torch.Tensor, eps: float = 1.0) -> torch.Tensor:
    """1 - soft Dice of sigmoid(logits) against target, pooled over every pixel of the batch."""
    p = torch.sigmoid(logits)
    return 1 - (2 * (p * target).sum() + eps) / (p.sum() + target.sum() + eps)


def train_loop(model: torch.nn.Module, opt: torch.optim.Optimizer, *, steps: int, draw: Callable[[], Batch],
               context_aux: float, gen: torch.Generator, device: torch.device | None = None,
               after_step: Callable[[int], None] | None = None,
               pos_weight: list[float] | None = None,
               dice: dict[int, float] | None = None) -> float:
    """Runs `steps` optimiser steps on batches from `draw()`; prints the loss ten times. Returns seconds.
    `after_step(step)` runs after each step (a validation curve); it must not draw from `gen`.
    `pos_weight`: per output channel, the weight of its positive pixels in the BCE (a rare channel,
    such as GlaS's gland borders, is otherwise learned as "never"); None: 1 for every channel.
    `dice`: output channel -> weight of a soft-Dice term added to the BCE (pooled over the batch:
    BCE is per pixel, so a large object the model half covers costs it little; Dice counts it
    by its share of the channel's foreground)."""
    device = device or torch.device('cpu')
    pw = None if pos_weight is None else torch.tensor(pos_weight, device=device).view(1, -1, 1, 1)
    t0 = time.time()
    model.train()
    for step in range(1, steps + 1):
        xs, y, cmask = draw()
        if cmask is not None:
            *xs, y, cmask = geometric([*xs, y, cmask], gen)
        else:
            *xs, y = geometric([*xs, y], gen)
        xs = hed_jitter(xs, gen)
        inputs = [normalise(x.to(device)) for x in xs]
        y = y.to(device)
        if cmask is not None:
            logits, clogits = model.logits_with_context(*inputs)
            # mask fraction of each context-bottleneck cell
            ctarget = F.adaptive_avg_pool2d(cmask.to(device), clogits.shape[-2:])
            loss = F.binary_cross_entropy_with_logits(logits, y, pos_weight=pw)
            loss = loss + context_aux * F.binary_cross_entropy_with_logits(clogits, ctarget)
        else:
            logits = model.logits(*inputs)
            loss = F.binary_cross_entropy_with_logits(logits, y, pos_weight=pw)
        for channel, weight in (dice or {}).items():
            loss = loss + weight * soft_dice_loss(logits[:, channel], y[:, channel])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        if step % max(1, steps // 10) == 0 or step == steps:
            print(f'step {step}/{steps} loss {loss.item():.4f} {time.time() - t0:.0f}s', flush=True)
        if after_step:
            after_step(step)
    return time.time() - t0
