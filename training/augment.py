"""Augmentation applied identically to target and context: flips and 90° rotations (both patches
share a centre, so rotating each array about its own centre rotates both about the shared centre),
and HED stain jitter (Tellez et al. 2018) with the same per-sample factors on both patches."""

from __future__ import annotations

import torch

# Ruifrok & Johnston H&E-DAB stain vectors (as in skimage.color.rgb2hed)
_RGB_FROM_HED = torch.tensor([[0.65, 0.70, 0.29], [0.07, 0.99, 0.11], [0.27, 0.57, 0.78]])
_HED_FROM_RGB = torch.linalg.inv(_RGB_FROM_HED)
_LOG_ADJ = torch.log(torch.tensor(1e-6))


def geometric(tensors: list[torch.Tensor], gen: torch.Generator) -> list[torch.Tensor]:
    """Same random flip + k·90° rotation for every NCHW tensor in the list, per sample."""
    n = tensors[0].shape[0]
    k = torch.randint(0, 4, (n,), generator=gen)
    flip = torch.randint(0, 2, (n,), generator=gen).bool()
    out = [t.clone() for t in tensors]
    for i in range(n):
        for t in out:
            x = t[i]
            if flip[i]:
                x = x.flip(-1)
            t[i] = torch.rot90(x, int(k[i]), dims=(-2, -1))
    return out


def hed_jitter(images: list[torch.Tensor], gen: torch.Generator, alpha: float = 0.05, beta: float = 0.02):
    """images: NCHW RGB in [0, 1]; the same per-sample HED scale/shift for each tensor in the list."""
    n = images[0].shape[0]
    a = 1 + (torch.rand(n, 3, generator=gen) * 2 - 1) * alpha
    b = (torch.rand(n, 3, generator=gen) * 2 - 1) * beta
    out = []
    for x in images:
        rgb = x.clamp_min(1e-6).permute(0, 2, 3, 1)  # NHWC
        hed = (torch.log(rgb) / _LOG_ADJ) @ _HED_FROM_RGB
        hed = hed.clamp_min(0) * a[:, None, None, :] + b[:, None, None, :]
        rgb = torch.exp(-(hed * -_LOG_ADJ) @ _RGB_FROM_HED).clamp(0, 1)
        out.append(rgb.permute(0, 3, 1, 2).contiguous())
    return out
