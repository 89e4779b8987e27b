"""The GlaS networks by kind and patch geometry (glas_train.py trains them; import_tfjs.py rebuilds a
shipped GlaS model from its card the same way, so its weights load back)."""

from __future__ import annotations

from .mrn import MRN
from .unet import UNet


def build(kind: str, geometry: dict, width: int, out_channels: int = 2):
    t_mpp, c_mpp, size = geometry['targetMpp'], geometry['contextMpp'], geometry['targetSize']
    if kind in ('unet', 'unet-context'):
        model = UNet(width, 4, 'transposed', out_channels=out_channels)
        mpp = c_mpp if kind == 'unet-context' else t_mpp
        model.input_mpp, model.output_mpp = {'target': mpp}, mpp
    else:
        frac = (geometry['targetSize'] * t_mpp) / (geometry['contextSize'] * c_mpp)
        model = MRN(width, 4, kind.split('-')[1], crop_fraction=frac, size=size, out_channels=out_channels)
        model.input_mpp, model.output_mpp = {'target': t_mpp, 'context': c_mpp}, t_mpp
    model.patch_size = size
    return model
