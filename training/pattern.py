"""The "known pattern" test model: probability = the target patch's red channel / 255, exactly.

A fixed 1×1 convolution (weights [1, 0, 0], bias 0) on an input normalised with scale 1/255,
mean 0, std 1, and no activation. Nothing is learned, so a test can paint a known pattern on a
slide and check exactly where the heatmap lands (alignment, stitching, flips)."""

from __future__ import annotations

import torch
from torch import nn


class PatternModel(nn.Module):
    architecture = 'pattern'
    input_names = ('target',)
    upsample = 'none'
    output_activation = 'identity'
    normalization = {'scale': 1 / 255, 'mean': [0.0, 0.0, 0.0], 'std': [1.0, 1.0, 1.0]}

    def __init__(self):
        super().__init__()
        self.pick = nn.Conv2d(3, 1, 1)
        with torch.no_grad():
            self.pick.weight.copy_(torch.tensor([1.0, 0.0, 0.0]).view(1, 3, 1, 1))
            self.pick.bias.zero_()
        self.pick.requires_grad_(False)

    def config(self) -> dict:
        return {'channel': 'red'}

    def forward(self, target, context=None):
        return self.pick(target)

    def emit(self, g, batch: int, size: int):
        x = g.placeholder('target', [batch, size, size, 3])
        y = g.conv2d('pick', x, self.pick.weight.numpy(), self.pick.bias.numpy())
        g.output('probability', y, [batch, size, size, 1])
