"""Model ids used by the CLI → constructed modules (with card metadata attached)."""

from __future__ import annotations

from .mrn import MRN
from .unet import UNet

MODEL_KINDS = ('unet', 'unet-context', 'mrn-transposed', 'mrn-bilinear')

DESCRIPTIONS = {
    'unet': 'U-Net on the 64 px target patch at 1 µm/px.',
    'unet-context': 'U-Net on the 64 px context patch at 4 µm/px, predicting the mask at 4 µm/px '
                    '(the paper\'s U-Net-at-lower-resolution row).',
    'mrn-transposed': 'MRN: U-Net on the target patch + context encoder (4× field of view); upsampling by transposed conv.',
    'mrn-bilinear': 'MRN: U-Net on the target patch + context encoder (4× field of view); upsampling bilinear.',
}


def build_model(kind: str, width: int = 16, depth: int = 4):
    if kind == 'unet':
        return UNet(width, depth, 'transposed')
    if kind == 'unet-context':
        # same network at the context mpp: its own target patch is 64 px at 4 µm/px (the context
        # patch's field of view) and its output is the mask at 4 µm/px, so it stitches like any U-Net
        m = UNet(width, depth, 'transposed')
        m.input_mpp = {'target': 4.0}
        m.output_mpp = 4.0
        return m
    if kind == 'mrn-transposed':
        return MRN(width, depth, 'transposed')
    if kind == 'mrn-bilinear':
        return MRN(width, depth, 'bilinear')
    raise ValueError(f'unknown model kind {kind!r}; expected one of {MODEL_KINDS}')
