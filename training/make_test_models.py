"""Writes the committed test models: tiny untrained U-Net / MRN (for the inference engine's tests)
and the known-pattern model. Deterministic: fixed seeds.

python3 -m training.make_test_models [--out models] [--extra]
--extra also writes test-only variants (MRN-transposed, float16, dynamic batch) used by smoke.sh."""

from __future__ import annotations

import argparse
from pathlib import Path

import torch

from .export_tfjs import export_model, parity_inputs
from .mrn import MRN
from .pattern import PatternModel
from .unet import UNet

TINY_NOTE = 'TEST MODEL: tiny, random untrained weights (seed {seed}); outputs are meaningless. For pipeline tests only.'


def tiny(kind: str, seed: int):
    torch.manual_seed(seed)
    m = UNet(width=4, depth=4, upsample='transposed') if kind == 'unet' else MRN(width=3, depth=4, upsample=kind.split('-')[1])
    return spread_init(m)


def spread_init(model):
    """He-normal weights, random biases, and a head scaled so the logits on the parity inputs have
    std ≈ 2: default-initialised random nets give near-constant outputs, which would make a parity
    check against 1e-4 too weak to catch export mistakes."""
    with torch.no_grad():
        for mod in model.modules():
            if isinstance(mod, (torch.nn.Conv2d, torch.nn.ConvTranspose2d)):
                torch.nn.init.kaiming_normal_(mod.weight, nonlinearity='relu')
                torch.nn.init.normal_(mod.bias, 0.0, 0.1)
        inputs = parity_inputs(model.input_names)
        args = [torch.from_numpy(inputs[k]).permute(0, 3, 1, 2) for k in model.input_names]
        std = float(model.logits(*args).std())
        model.head.weight.mul_(2.0 / max(std, 1e-6))
        model.head.bias.zero_()
    return model


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument('--out', default='models')
    ap.add_argument('--extra', action='store_true')
    args = ap.parse_args(argv)
    out = Path(args.out)
    jobs = [
        ('test-tiny-unet', 'unet', 11, {}),
        ('test-tiny-mrn', 'mrn-bilinear', 12, {}),
    ]
    if args.extra:
        jobs += [
            ('test-tiny-mrn-transposed', 'mrn-transposed', 13, {}),
            ('test-tiny-mrn-fp16', 'mrn-bilinear', 14, {'float16': True}),
            ('test-tiny-mrn-dynamic-batch', 'mrn-bilinear', 15, {'batch': -1}),
        ]
    for model_id, kind, seed, kw in jobs:
        m = tiny(kind, seed)
        export_model(m, out / model_id, name=f'Test tiny {kind}', description=TINY_NOTE.format(seed=seed),
                     test_model=True, **kw)
        print(f'wrote {out / model_id}')
    export_model(PatternModel(), out / 'test-pattern', name='Test known pattern (red channel)', test_model=True,
                 description='TEST MODEL: probability = target red channel / 255 exactly (fixed 1×1 conv, '
                             'normalisation scale 1/255 mean 0 std 1, no activation). For alignment tests.')
    print(f'wrote {out / "test-pattern"}')


if __name__ == '__main__':
    main()
