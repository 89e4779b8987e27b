"""U-Net (Ronneberger et al. 2015), small: widths w, 2w, 4w, 8w over 4 levels; sigmoid output."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from .layers import ConvBlock, Encoder, Upsample


def widths_for(width: int, depth: int) -> list[int]:
    return [width * 2**i for i in range(depth)]


class UNet(nn.Module):
    architecture = 'unet'
    input_names = ('target',)

    def __init__(self, width: int = 16, depth: int = 4, upsample: str = 'transposed', in_channels: int = 3,
                 out_channels: int = 1):
        super().__init__()
        self.width, self.depth, self.upsample, self.out_channels = width, depth, upsample, out_channels
        ws = widths_for(width, depth)
        self.encoder = Encoder(in_channels, ws)
        self.ups = nn.ModuleList(Upsample(ws[i + 1], ws[i], 2, upsample) for i in reversed(range(depth - 1)))
        self.decs = nn.ModuleList(ConvBlock(2 * ws[i], ws[i]) for i in reversed(range(depth - 1)))
        self.head = nn.Conv2d(ws[0], out_channels, 1)

    def config(self) -> dict:
        return {'width': self.width, 'depth': self.depth, 'upsample': self.upsample}

    def logits(self, target: torch.Tensor, context: torch.Tensor | None = None) -> torch.Tensor:
        feats = self.encoder(target)
        x = feats[-1]
        for j, (up, dec) in enumerate(zip(self.ups, self.decs)):
            skip = feats[-2 - j]
            x = dec(torch.cat([up(x), skip], 1))
        return self.head(x)

    def forward(self, target, context=None):
        return torch.sigmoid(self.logits(target, context))

    def emit(self, g, batch: int, size: int):
        x = g.placeholder(self.input_names[0], [batch, size, size, 3])
        feats = self.encoder.emit(g, 'enc', x, [batch, size, size, 3])
        x, shape = feats[-1]
        for j, (up, dec) in enumerate(zip(self.ups, self.decs)):
            skip, sshape = feats[-2 - j]
            u, ushape = up.emit(g, f'up{j}', x, shape)
            x = g.concat(f'cat{j}', [u, skip])
            x, shape = dec.emit(g, f'dec{j}', x, [batch, sshape[1], sshape[2], ushape[3] + sshape[3]])
        y = g.conv2d('head', x, self.head.weight.detach().numpy(), self.head.bias.detach().numpy())
        y = g.sigmoid('sigmoid', y)
        g.output('probability', y, [batch, size, size, self.out_channels])
