"""Building blocks shared by U-Net and MRN. Each block runs in PyTorch (forward) and can emit
itself into a GraphBuilder (emit), so export never has to trace arbitrary PyTorch code.
Shapes passed to emit are NHWC lists [batch, height, width, channels]; batch may be -1."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

UPSAMPLE_MODES = ('transposed', 'bilinear')


def _np(t: torch.Tensor):
    return t.detach().cpu().float().numpy()


class ConvBlock(nn.Module):
    """Two 3×3 conv + ReLU (no BatchNorm, so export needs no folding and batches are independent)."""

    def __init__(self, cin: int, cout: int):
        super().__init__()
        self.c1 = nn.Conv2d(cin, cout, 3, padding=1)
        self.c2 = nn.Conv2d(cout, cout, 3, padding=1)

    def forward(self, x):
        return F.relu(self.c2(F.relu(self.c1(x))))

    def emit(self, g, name: str, x: str, shape):
        x = g.relu(f'{name}/relu1', g.conv2d(f'{name}/conv1', x, _np(self.c1.weight), _np(self.c1.bias)))
        x = g.relu(f'{name}/relu2', g.conv2d(f'{name}/conv2', x, _np(self.c2.weight), _np(self.c2.bias)))
        return x, [shape[0], shape[1], shape[2], self.c2.out_channels]


class Upsample(nn.Module):
    """×factor upsampling to `cout` channels: transposed conv (kernel = stride = factor), or
    bilinear resize (torch align_corners=False ≡ TF half_pixel_centers) followed by a 1×1 conv."""

    def __init__(self, cin: int, cout: int, factor: int, mode: str):
        super().__init__()
        if mode not in UPSAMPLE_MODES:
            raise ValueError(f'upsample must be one of {UPSAMPLE_MODES}, got {mode!r}')
        self.mode, self.factor = mode, factor
        if mode == 'transposed':
            self.up = nn.ConvTranspose2d(cin, cout, factor, stride=factor)
        else:
            self.proj = nn.Conv2d(cin, cout, 1)

    def forward(self, x):
        if self.mode == 'transposed':
            return self.up(x)
        x = F.interpolate(x, scale_factor=self.factor, mode='bilinear', align_corners=False)
        return self.proj(x)

    def emit(self, g, name: str, x: str, shape):
        b, h, w, _ = shape
        oh, ow = h * self.factor, w * self.factor
        if self.mode == 'transposed':
            if b < 0:
                raise ValueError('transposed-conv models need a fixed batch size (Conv2DBackpropInput output_shape)')
            cout = self.up.out_channels
            y = g.conv2d_transpose(name, x, _np(self.up.weight), _np(self.up.bias), self.factor, [b, oh, ow, cout])
        else:
            cout = self.proj.out_channels
            y = g.resize_bilinear(f'{name}/resize', x, [oh, ow])
            y = g.conv2d(f'{name}/proj', y, _np(self.proj.weight), _np(self.proj.bias))
        return y, [b, oh, ow, cout]


class Encoder(nn.Module):
    """Conv blocks at 1, 1/2, 1/4 … resolution; returns every level's features (the last is the bottleneck)."""

    def __init__(self, cin: int, widths: list[int]):
        super().__init__()
        chans = [cin, *widths]
        self.blocks = nn.ModuleList(ConvBlock(chans[i], chans[i + 1]) for i in range(len(widths)))

    def forward(self, x):
        feats = []
        for i, block in enumerate(self.blocks):
            if i > 0:
                x = F.max_pool2d(x, 2)
            x = block(x)
            feats.append(x)
        return feats

    def emit(self, g, name: str, x: str, shape):
        feats = []
        for i, block in enumerate(self.blocks):
            if i > 0:
                x = g.max_pool(f'{name}/pool{i}', x)
                shape = [shape[0], shape[1] // 2, shape[2] // 2, shape[3]]
            x, shape = block.emit(g, f'{name}/block{i}', x, shape)
            feats.append((x, shape))
        return feats
