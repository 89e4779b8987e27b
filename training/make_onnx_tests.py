"""Builds the ONNX test models for the TypeScript ONNX -> TF.js converter (src/inference/onnx/).

Each model is exported with torch.onnx.export twice, legacy (dynamo=False, opset 17) and dynamo
(dynamo=True, opset 18), with random weights (fixed seeds). For each export it writes
<name>.<exporter>.onnx, the NCHW float32 input(s) and onnxruntime's outputs on them, into OUT
(an ignored cache dir), plus manifest.json. Skips models whose files are already there.

CLI: python3 -m training.make_onnx_tests --out .cache/onnx-tests [--only NAME,...]
"""

from __future__ import annotations

import argparse
import json
import sys
import warnings
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from .mrn import MRN
from .unet import UNet

BATCH = 2


class Op(nn.Module):
    def __init__(self, fn, *mods):
        super().__init__()
        self.fn = fn
        self.mods = nn.ModuleList(mods)

    def forward(self, x):
        return self.fn(x, *self.mods)


def per_op_models():
    """name -> (module, input shape); non-default attributes throughout."""
    c = nn.Conv2d
    ops = {
        'conv-asym-pad': (Op(lambda x, m: m(F.pad(x, (0, 1, 2, 0))), c(3, 4, 3, stride=2)), (BATCH, 3, 15, 16)),
        'conv-dilated': (c(3, 5, 3, padding=2, dilation=2), (BATCH, 3, 16, 16)),
        'conv-grouped': (c(4, 6, 3, padding=1, groups=2, stride=(1, 2)), (BATCH, 4, 16, 16)),
        'conv-depthwise': (c(4, 8, 5, padding=2, groups=4, bias=False), (BATCH, 4, 16, 16)),
        'conv-bn': (nn.Sequential(c(3, 4, 3, padding=1, bias=False), nn.BatchNorm2d(4), nn.ReLU()), (BATCH, 3, 12, 12)),
        'conv-transpose-outpad': (nn.ConvTranspose2d(3, 4, 3, stride=2, padding=1, output_padding=1), (BATCH, 3, 8, 8)),
        'activations': (Op(lambda x: torch.cat([F.leaky_relu(x, 0.1), torch.sigmoid(x), torch.tanh(x),
                                                F.relu6(x * 4), torch.clamp(x, -0.5, 0.3), F.hardsigmoid(x),
                                                F.hardswish(x), F.gelu(x), torch.erf(x)], 1)), (BATCH, 2, 6, 6)),
        'softmax-channels': (Op(lambda x: torch.softmax(x, 1)), (BATCH, 3, 8, 8)),
        'pools': (Op(lambda x: torch.cat([F.max_pool2d(x, 3, 2, 1), F.avg_pool2d(x, 2, 2),
                                          F.avg_pool2d(F.pad(x, (1, 1, 1, 1)), 3, 2)[:, :, :8, :8]], 1)), (BATCH, 3, 16, 16)),
        'global-pool-gemm': (Op(lambda x, l: torch.sigmoid(l(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1)))[:, :, None, None]
                                * x, nn.Linear(3, 3)), (BATCH, 3, 8, 8)),
        'arith-broadcast': (Op(lambda x: ((x + 1.5) * x[:, :1] - x.mean(dim=(2, 3), keepdim=True)) / (x.abs() + 2) - 0.25), (BATCH, 3, 8, 8)),
        'split-slice-pad': (Op(lambda x: torch.cat([*torch.split(x, [1, 2], 1)[::-1],
                                                    F.pad(x[:, :, 2:-2, 1:7], (1, 1, 2, 2), value=0.5)], 1)), (BATCH, 3, 8, 8)),
        'reshape-transpose': (Op(lambda x: x.reshape(x.shape[0], 3, 2, 4, 8).permute(0, 2, 1, 3, 4).reshape(x.shape[0], 6, 4, 8).transpose(2, 3).unsqueeze(1).squeeze(1)), (BATCH, 3, 8, 8)),
    }
    # BatchNormalization kept in the file (no exporter-side folding): the converter folds it
    bn = Op(lambda x, bn0, c1, bn1, t2, bn2: bn2(t2(bn1(c1(bn0(x))))), nn.BatchNorm2d(4), c(4, 6, 3, padding=1),
            nn.BatchNorm2d(6), nn.ConvTranspose2d(6, 4, 2, stride=2, groups=2), nn.BatchNorm2d(4))
    bn.keep_batchnorm = True
    ops['conv-bn-unfolded'] = (bn, (BATCH, 4, 8, 8))
    ops['matmul'] = (Op(lambda x, w: torch.matmul(x, w.weight), nn.Linear(8, 8)), (BATCH, 3, 8, 8))
    for mode, kw in {'nearest': {'mode': 'nearest'},
                     'bilinear-half-pixel': {'mode': 'bilinear', 'align_corners': False},
                     'bilinear-align-corners': {'mode': 'bilinear', 'align_corners': True}}.items():
        ops[f'resize-{mode}'] = (Op(lambda x, kw=kw: F.interpolate(x, scale_factor=2, **kw)), (BATCH, 3, 5, 6))
    ops['resize-size'] = (Op(lambda x: F.interpolate(x, size=(7, 9), mode='bilinear', align_corners=False)), (BATCH, 3, 5, 6))
    return ops


def shape_ops_models():
    """name -> (module, input shape), exported by dynamo with optimize=False: the raw graph keeps
    the Range, Cast, CastLike, Equal, Where and Expand that the legacy exporter never emits (the
    converter must fold them). Seeded after every other model, so their seeds stay as they were."""
    def raw_shapes(x):
        h, w = x.shape[2], x.shape[3]
        col = torch.arange(w, dtype=torch.float32) / w
        mask = torch.where(torch.arange(h) == 2, 0.5, 1.0)[:, None].expand(h, w)
        return x * mask + col.to(x.dtype)

    m = Op(raw_shapes)
    m.raw_dynamo = True
    return {'dynamo-shape-ops': (m, (BATCH, 3, 6, 8))}


class FPNHead(nn.Module):
    """DeepLab/FPN-style: strided encoder, dilated ASPP branches, bilinear Resize back up."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 8, 3, 2, 1), nn.BatchNorm2d(8), nn.ReLU(),
                                  nn.Conv2d(8, 16, 3, 2, 1), nn.BatchNorm2d(16), nn.ReLU())
        self.aspp = nn.ModuleList([nn.Conv2d(16, 8, 3, padding=d, dilation=d) for d in (1, 2, 4)])
        self.pool = nn.Conv2d(16, 8, 1)
        self.fuse = nn.Conv2d(32, 8, 1)
        self.lateral = nn.Conv2d(8, 8, 1)
        self.head = nn.Conv2d(8, 2, 3, padding=1)

    def forward(self, x):
        s1 = self.stem[:3](x)
        f = self.stem[3:](s1)
        g = F.interpolate(self.pool(F.adaptive_avg_pool2d(f, 1)), size=f.shape[-2:], mode='bilinear', align_corners=False)
        y = self.fuse(torch.cat([*(F.relu(a(f)) for a in self.aspp), g], 1))
        y = F.interpolate(y, size=s1.shape[-2:], mode='bilinear', align_corners=False) + self.lateral(s1)
        return F.interpolate(self.head(y), size=x.shape[-2:], mode='bilinear', align_corners=False)


class GroupedNet(nn.Module):
    """MobileNet-style: depthwise + grouped convs, Hardswish, a residual."""

    def __init__(self):
        super().__init__()
        self.a = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.Hardswish())
        self.dw = nn.Sequential(nn.Conv2d(8, 8, 3, padding=1, groups=8), nn.BatchNorm2d(8), nn.ReLU6())
        self.g = nn.Conv2d(8, 8, 3, padding=1, groups=4)
        self.up = nn.ConvTranspose2d(8, 4, 2, stride=2)
        self.out = nn.Conv2d(4, 1, 1)

    def forward(self, x):
        a = self.a(x)
        y = self.g(self.dw(F.max_pool2d(a, 2))) + F.avg_pool2d(a, 2)
        return torch.sigmoid(self.out(F.relu(self.up(y))))


class TimmUNet(nn.Module):
    """A U-Net decoder on a timm encoder (features_only)."""

    def __init__(self, name='resnet10t'):
        super().__init__()
        from .timm_import import import_timm

        timm = import_timm()
        self.enc = timm.create_model(name, pretrained=False, features_only=True)
        ch = self.enc.feature_info.channels()
        self.dec = nn.ModuleList([nn.Conv2d(ch[i] + ch[i - 1], ch[i - 1], 3, padding=1) for i in range(len(ch) - 1, 0, -1)])
        self.head = nn.Conv2d(ch[0], 2, 1)

    def forward(self, x):
        feats = self.enc(x)
        y = feats[-1]
        for conv, skip in zip(self.dec, reversed(feats[:-1])):
            y = F.relu(conv(torch.cat([F.interpolate(y, size=skip.shape[-2:], mode='nearest'), skip], 1)))
        return F.interpolate(self.head(y), size=x.shape[-2:], mode='bilinear', align_corners=False)


def network_models():
    """name -> (factory, input shapes); built only when asked for (timm: training/timm_import.py)."""
    return {
        'unet': (lambda: UNet(width=4, depth=4, upsample='transposed'), [(BATCH, 3, 64, 64)]),
        'mrn-bilinear': (lambda: MRN(width=3, depth=4, upsample='bilinear'), [(BATCH, 3, 64, 64), (BATCH, 3, 64, 64)]),
        'fpn-aspp': (FPNHead, [(BATCH, 3, 32, 32)]),
        'grouped-net': (GroupedNet, [(BATCH, 3, 32, 32)]),
        'timm-resnet10t-unet': (TimmUNet, [(BATCH, 3, 64, 64)]),
    }


def helper_models():
    """name -> (builder, input shapes): ONNX graphs written with onnx.helper, for attributes and
    ops PyTorch never emits (every Resize nearest_mode and coordinate mode, opset-9 Upsample,
    ConvTranspose dilations) and for single ops the exports fold away (Flatten, Identity, Constant,
    Gather, reflect Pad). Exported once, as <name>.helper."""
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(7)

    def graph(nodes, shape, out_shape=None, inits=(), opset=18):
        x = helper.make_tensor_value_info('input', TensorProto.FLOAT, list(shape))
        y = helper.make_tensor_value_info('output', TensorProto.FLOAT, out_shape)
        g = helper.make_graph(nodes, 'g', [x], [y], initializer=[numpy_helper.from_array(np.asarray(a), n) for n, a in inits])
        m = helper.make_model(g, opset_imports=[helper.make_opsetid('', opset)])
        m.ir_version = 8
        return m

    def resize(mode, ctm, nearest=None):
        # up (9x8 -> 13x11, not an integer factor) plus down (9x8 -> 6x4: halves, so ties) brought back
        # up by a plain nearest: an error in either shows in the output
        kw = {'mode': mode, 'coordinate_transformation_mode': ctm}
        if nearest:
            kw['nearest_mode'] = nearest
        nodes = [helper.make_node('Resize', ['input', '', '', 'up_size'], ['up'], name='resize_up', **kw),
                 helper.make_node('Resize', ['input', '', '', 'down_size'], ['down'], name='resize_down', **kw),
                 helper.make_node('Resize', ['down', '', '', 'up_size'], ['down_up'], name='back_up', mode='nearest',
                                  coordinate_transformation_mode='asymmetric', nearest_mode='floor'),
                 helper.make_node('Add', ['up', 'down_up'], ['output'])]
        inits = [('up_size', np.array([BATCH, 2, 13, 11], np.int64)), ('down_size', np.array([BATCH, 2, 6, 4], np.int64))]
        return lambda: graph(nodes, (BATCH, 2, 9, 8), inits=inits)

    models = {}
    for ctm in ('half_pixel', 'pytorch_half_pixel', 'align_corners', 'asymmetric'):
        for nm in ('round_prefer_floor', 'round_prefer_ceil', 'floor', 'ceil'):
            models[f'resize-nearest-{ctm}-{nm}'] = (resize('nearest', ctm, nm), [(BATCH, 2, 9, 8)])
        models[f'resize-linear-{ctm}'] = (resize('linear', ctm), [(BATCH, 2, 9, 8)])
    # Resize by scales 2.5 x 1.5 (the coordinate maps use the scales, not out/in)
    models['resize-linear-scales'] = (lambda: graph(
        [helper.make_node('Resize', ['input', '', 'scales'], ['output'], mode='linear', coordinate_transformation_mode='half_pixel')],
        (BATCH, 2, 5, 6), inits=[('scales', np.array([1, 1, 2.5, 1.5], np.float32))]), [(BATCH, 2, 5, 6)])
    for mode in ('nearest', 'linear'):
        models[f'upsample9-{mode}'] = (lambda mode=mode: graph(
            [helper.make_node('Upsample', ['input', 'scales'], ['output'], mode=mode)], (BATCH, 2, 5, 6),
            inits=[('scales', np.array([1, 1, 2, 3], np.float32))], opset=9), [(BATCH, 2, 5, 6)])
    w = rng.standard_normal((3, 4, 3, 3)).astype(np.float32) * 0.3
    models['conv-transpose-dilated'] = (lambda: graph(
        [helper.make_node('ConvTranspose', ['input', 'w', 'b'], ['output'], dilations=[2, 3], strides=[2, 1],
                          pads=[1, 0, 2, 1], output_padding=[1, 0])],
        (BATCH, 3, 6, 7), inits=[('w', w), ('b', rng.standard_normal(4).astype(np.float32))]), [(BATCH, 3, 6, 7)])
    # Flatten (axis 2) and back, Identity, a Constant node, Gather on the Shape chain and on the
    # channels (constant indices), reflect Pad
    models['flatten-identity-constant'] = (lambda: graph(
        [helper.make_node('Flatten', ['input'], ['flat'], axis=2),
         helper.make_node('Identity', ['flat'], ['same']),
         helper.make_node('Constant', [], ['k'], value=numpy_helper.from_array(np.linspace(-2, 1.5, 20).astype(np.float32))),
         helper.make_node('Mul', ['same', 'k'], ['scaled']),
         helper.make_node('Shape', ['input'], ['shape']),
         helper.make_node('Reshape', ['scaled', 'shape'], ['output'])],
        (BATCH, 3, 4, 5)), [(BATCH, 3, 4, 5)])
    models['gather'] = (lambda: graph(
        [helper.make_node('Shape', ['input'], ['shape']),
         helper.make_node('Gather', ['shape', 'hw_idx'], ['hw'], axis=0),
         helper.make_node('Concat', ['nc', 'hw'], ['new_shape'], axis=0),
         helper.make_node('Gather', ['input', 'ch'], ['picked'], axis=1),
         helper.make_node('Gather', ['picked', 'rows'], ['rowed'], axis=-2),
         helper.make_node('Reshape', ['rowed', 'new_shape'], ['output'])],
        (BATCH, 3, 6, 5), inits=[('hw_idx', np.array([2, -1], np.int64)), ('nc', np.array([BATCH, 4], np.int64)),
                                 ('ch', np.array([2, 0, 0, 1], np.int64)), ('rows', np.array([5, 0, 3, -1, 2, 2], np.int64))]),
        [(BATCH, 3, 6, 5)])
    models['pad-reflect'] = (lambda: graph(
        [helper.make_node('Pad', ['input', 'pads'], ['output'], mode='reflect')], (BATCH, 3, 6, 7),
        inits=[('pads', np.array([0, 0, 2, 1, 0, 0, 1, 3], np.int64))]), [(BATCH, 3, 6, 7)])
    return models


def export_helper(build, shapes, path: Path, seed: int):
    import onnx

    m = onnx.shape_inference.infer_shapes(build(), strict_mode=True)
    onnx.save(m, str(path))
    g = torch.Generator().manual_seed(seed)
    xs = [torch.randn(*s, generator=g).numpy() for s in shapes]
    return run_ort(path, xs)


def run_ort(path: Path, xs):
    import onnxruntime as ort

    sess = ort.InferenceSession(str(path), providers=['CPUExecutionProvider'])
    feeds = {i.name: x for i, x in zip(sess.get_inputs(), xs)}
    (y,) = sess.run(None, feeds)
    files = {}
    for k, (n, v) in enumerate(feeds.items()):
        f = path.with_suffix(f'.in{k}.bin')
        f.write_bytes(np.ascontiguousarray(v, dtype='<f4').tobytes())
        files[n] = {'file': f.name, 'shape': list(v.shape)}
    of = path.with_suffix('.out.bin')
    of.write_bytes(np.ascontiguousarray(y, dtype='<f4').tobytes())
    return {'onnx': path.name, 'inputs': files, 'output': {'file': of.name, 'shape': list(y.shape)}}


def randomise_bn(model: nn.Module, seed: int):
    g = torch.Generator().manual_seed(seed)
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.running_mean.copy_(torch.randn(m.num_features, generator=g) * 0.2)
            m.running_var.copy_(torch.rand(m.num_features, generator=g) + 0.5)
            m.weight.data.copy_(torch.rand(m.num_features, generator=g) + 0.5)
            m.bias.data.copy_(torch.randn(m.num_features, generator=g) * 0.1)


def export_one(model, shapes, path: Path, dynamo: bool, seed: int):
    model.eval()
    randomise_bn(model, seed)
    g = torch.Generator().manual_seed(seed)
    xs = [torch.randn(*s, generator=g) for s in shapes]
    names = list(getattr(model, 'input_names', None) or [f'input{i}' if i else 'input' for i in range(len(shapes))])
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        keep_bn = getattr(model, 'keep_batchnorm', False)
        raw = keep_bn or getattr(model, 'raw_dynamo', False)
        if dynamo:
            torch.onnx.export(model, tuple(xs), str(path), input_names=names, output_names=['output'],
                              dynamo=True, opset_version=18, verbose=False, optimize=not raw, external_data=False)
        else:
            torch.onnx.export(model, tuple(xs), str(path), input_names=names, output_names=['output'],
                              dynamo=False, opset_version=17, do_constant_folding=not keep_bn)
    return run_ort(path, [x.numpy() for x in xs])


def all_models():
    """name -> (factory, input shapes), in the order main() seeds them (the index is the seed)."""
    models = {k: ((lambda m=m: m), [shape]) for k, (m, shape) in per_op_models().items()}
    models.update(network_models())
    models.update({k: ((lambda m=m: m), [shape]) for k, (m, shape) in shape_ops_models().items()})
    return models


def seeded_model(name: str):
    """The module of an export with the weights it was exported with, and the inputs onnxruntime
    was given (bench/torch_onnx_models.py times PyTorch on the same weights): (model, inputs)."""
    models = all_models()
    seed = 100 + list(models).index(name)
    factory, shapes = models[name]
    torch.manual_seed(5)
    model = factory().eval()
    randomise_bn(model, seed)
    g = torch.Generator().manual_seed(seed)
    return model, [torch.randn(*s, generator=g) for s in shapes]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument('--out', default='.cache/onnx-tests')
    ap.add_argument('--only', default='')
    args = ap.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    manifest_path = out / 'manifest.json'
    manifest = json.loads(manifest_path.read_text()) if manifest_path.exists() else {}
    only = set(filter(None, args.only.split(',')))
    models = all_models()
    helpers = helper_models()
    unknown = only - set(models) - set(helpers)
    if unknown:
        sys.exit(f'make_onnx_tests: no test model named {", ".join(sorted(unknown))}')
    for seed, (name, (factory, shapes)) in enumerate(models.items()):
        if only and name not in only:
            continue
        model = None
        for exporter in ('legacy', 'dynamo'):
            key = f'{name}.{exporter}'
            if key in manifest and 'error' not in manifest[key] and (out / manifest[key]['output']['file']).exists():
                continue
            try:
                torch.manual_seed(5)
                model = model or factory()
                manifest[key] = {'model': name, 'exporter': exporter,
                                 **export_one(model, shapes, out / f'{key}.onnx', exporter == 'dynamo', 100 + seed)}
                print(f'exported {key}', file=sys.stderr)
            except Exception as e:  # reported in the manifest; the tests fail on it, they do not skip it
                manifest[key] = {'model': name, 'exporter': exporter, 'error': f'{type(e).__name__}: {e}'[:500]}
                print(f'FAILED {key}: {e}', file=sys.stderr)
    for seed, (name, (build, shapes)) in enumerate(helpers.items()):
        key = f'{name}.helper'
        if (only and name not in only) or (key in manifest and 'error' not in manifest[key]
                                              and (out / manifest[key]['output']['file']).exists()):
            continue
        try:
            manifest[key] = {'model': name, 'exporter': 'helper', **export_helper(build, shapes, out / f'{key}.onnx', 300 + seed)}
            print(f'built {key}', file=sys.stderr)
        except Exception as e:
            manifest[key] = {'model': name, 'exporter': 'helper', 'error': f'{type(e).__name__}: {e}'[:500]}
            print(f'FAILED {key}: {e}', file=sys.stderr)
    manifest_path.write_text(json.dumps(manifest, indent=1))


if __name__ == '__main__':
    main()
