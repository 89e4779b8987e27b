"""MRN (Gu et al. 2018): a U-Net on the target patch whose decoder also receives skip features from
a second encoder fed the context patch (same centre, `crop_fraction`⁻¹ × field of view). At each skip
level the context features are centre-cropped to the target's field of view (the central
crop_fraction of each side), resized back to the level's size (bilinear, or a transposed conv of
stride 1/crop_fraction for MRN-transposed) and concatenated with the target skip. The bottleneck is
such a level too: its context features are the only ones whose receptive field spans most of the
context patch, so without them the decoder sees little beyond the target's own surroundings.

Training may add deep supervision of the context encoder (`logits_with_context`): `context_head`, 1×1 on its
bottleneck predicts the tumour fraction of each bottleneck cell of the context patch. It is a
training signal only; inference and export ignore it."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from .layers import ConvBlock, Encoder, Upsample
from .unet import widths_for


def centre_crop_box(size: int, fraction: float) -> tuple[int, int]:
    """(begin, length) of the centred crop covering `fraction` of a `size`-pixel side."""
    length = round(size * fraction)
    if length < 1 or abs(length - size * fraction) > 1e-6 or (size - length) % 2:
        raise ValueError(f'cannot centre-crop {fraction} of {size} px exactly')
    return (size - length) // 2, length


class MRN(nn.Module):
    architecture = 'mrn'
    input_names = ('target', 'context')

    def __init__(self, width: int = 16, depth: int = 4, upsample: str = 'bilinear', crop_fraction: float = 0.25,
                 size: int = 64, out_channels: int = 1):
        super().__init__()
        self.width, self.depth, self.upsample, self.crop_fraction, self.size = width, depth, upsample, crop_fraction, size
        self.out_channels = out_channels
        ws = widths_for(width, depth)
        self.encoder = Encoder(3, ws)
        self.context_encoder = Encoder(3, ws)
        factor = round(1 / crop_fraction)
        # one per level, deepest first: the bottleneck, then each skip level
        self.context_ups = nn.ModuleList(Upsample(ws[i], ws[i], factor, upsample) for i in reversed(range(depth)))
        # the first up-step takes the bottleneck concatenated with its context
        self.ups = nn.ModuleList(
            Upsample(ws[i + 1] * (2 if i == depth - 2 else 1), ws[i], 2, upsample) for i in reversed(range(depth - 1)))
        self.decs = nn.ModuleList(ConvBlock(3 * ws[i], ws[i]) for i in reversed(range(depth - 1)))
        self.head = nn.Conv2d(ws[0], out_channels, 1)
        self.context_head = nn.Conv2d(ws[-1], out_channels, 1)
        for i in range(depth):
            centre_crop_box(size >> i, crop_fraction)  # fail early on geometry that cannot crop exactly

    def config(self) -> dict:
        # context joins the decoder at every level, the bottleneck included
        return {'width': self.width, 'depth': self.depth, 'upsample': self.upsample, 'cropFraction': self.crop_fraction,
                'contextLevels': self.depth}

    def _context(self, j: int, c: torch.Tensor) -> torch.Tensor:
        # int(): under the legacy (tracing) ONNX exporter a size is a traced tensor, which round() refuses
        b0, n = centre_crop_box(int(c.shape[-1]), self.crop_fraction)
        return self.context_ups[j](c[:, :, b0:b0 + n, b0:b0 + n])

    def logits_with_context(self, target: torch.Tensor, context: torch.Tensor):
        """(output logits, context-bottleneck logits for deep supervision)."""
        feats = self.encoder(target)
        cfeats = self.context_encoder(context)
        x = torch.cat([feats[-1], self._context(0, cfeats[-1])], 1)
        for j, (up, dec) in enumerate(zip(self.ups, self.decs)):
            x = dec(torch.cat([up(x), feats[-2 - j], self._context(j + 1, cfeats[-2 - j])], 1))
        return self.head(x), self.context_head(cfeats[-1])

    def logits(self, target: torch.Tensor, context: torch.Tensor) -> torch.Tensor:
        return self.logits_with_context(target, context)[0]

    def forward(self, target, context):
        return torch.sigmoid(self.logits(target, context))

    def emit(self, g, batch: int, size: int):
        t = g.placeholder('target', [batch, size, size, 3])
        c = g.placeholder('context', [batch, size, size, 3])
        feats = self.encoder.emit(g, 'enc', t, [batch, size, size, 3])
        cfeats = self.context_encoder.emit(g, 'ctx', c, [batch, size, size, 3])
        def context(j: int):
            cf, cshape = cfeats[-1 - j]
            b0, n = centre_crop_box(cshape[1], self.crop_fraction)
            crop = g.slice(f'ctxcrop{j}', cf, [0, b0, b0, 0], [-1, n, n, -1])
            return self.context_ups[j].emit(g, f'ctxup{j}', crop, [batch, n, n, cshape[3]])

        x, shape = feats[-1]
        cb, cbshape = context(0)
        x = g.concat('catb', [x, cb])
        shape = [batch, shape[1], shape[2], shape[3] + cbshape[3]]
        for j, (up, dec) in enumerate(zip(self.ups, self.decs)):
            skip, sshape = feats[-2 - j]
            cu, cushape = context(j + 1)
            u, ushape = up.emit(g, f'up{j}', x, shape)
            x = g.concat(f'cat{j}', [u, skip, cu])
            x, shape = dec.emit(g, f'dec{j}', x, [batch, sshape[1], sshape[2], ushape[3] + sshape[3] + cushape[3]])
        y = g.conv2d('head', x, self.head.weight.detach().numpy(), self.head.bias.detach().numpy())
        y = g.sigmoid('sigmoid', y)
        g.output('probability', y, [batch, size, size, self.out_channels])
