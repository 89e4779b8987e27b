"""Exports a U-Net / MRN / pattern model to a TF.js graph model directory, without TensorFlow.

The directory gets model.json + group1-shard1of1.bin (the graph), card.json (validated in the
browser by src/inference/model-card.ts) and parity.json (2 fixed inputs and the PyTorch outputs,
checked by src/inference/model-loader.parity.test.ts). It is built in a temporary sibling directory
and renamed into place, so a half-written model directory never exists.

Browser batch size: 8 by default (fixed: Conv2DBackpropInput needs a static output_shape). Models
without transposed convolutions can be exported with --batch -1 (any batch size).

CLI: python3 -m training.export_tfjs --checkpoint training/work/checkpoints/ID.pt --out models/ID [--float16]
"""

from __future__ import annotations

import argparse
import base64
import datetime as _dt
import json
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np
import torch

from .graph_builder import GraphBuilder, dumps
from .model_inputs import NORMALIZATION

SHARD = 'group1-shard1of1.bin'
DEFAULT_BATCH = 8
PATCH = 64
TARGET_MPP = 1.0
CONTEXT_MPP = 4.0
# Inputs are RGB uint8 mapped to [-1, 1]: x' = (x·scale − mean) / std.
INTENDED_USE = 'Trained on synthetic slides; not for diagnosis.'


def count_params(model: torch.nn.Module) -> int:
    """Parameters of the exported graph: training-only heads (MRN's context_head) are left out."""
    return int(sum(p.numel() for name, p in model.named_parameters() if not name.startswith('context_head.')))


def _b64(arr: np.ndarray) -> str:
    return base64.b64encode(np.ascontiguousarray(arr, dtype='<f4').tobytes()).decode()


def parity_inputs(input_names, n: int = 2, size: int = PATCH) -> dict[str, np.ndarray]:
    """Fixed NHWC inputs in [-1, 1] from a closed-form formula ("sinusoid-v1"), so parity.json only
    stores outputs; src/inference/parity-inputs.ts computes the same values."""
    out = {}
    b, h, w, c = np.meshgrid(np.arange(n), np.arange(size), np.arange(size), np.arange(3), indexing='ij')
    for k, name in enumerate(input_names):
        v = np.sin(0.37 * h * (c + 1) + 0.23 * w + 1.7 * b + 0.5 * k) * np.cos(0.11 * w * (c + 2) - 0.19 * h + k)
        out[name] = v.astype(np.float32)
    return out


def torch_outputs(model: torch.nn.Module, inputs: dict[str, np.ndarray]) -> np.ndarray:
    model.eval()
    with torch.no_grad():
        args = [torch.from_numpy(inputs[k]).permute(0, 3, 1, 2).contiguous() for k in model.input_names]
        y = model(*args)
    return y.permute(0, 2, 3, 1).contiguous().numpy()


def input_specs(model) -> list[dict]:
    specs = []
    for name in model.input_names:  # input names are their roles: 'target' or 'context'
        default = TARGET_MPP if name == 'target' else CONTEXT_MPP
        mpp = getattr(model, 'input_mpp', {}).get(name, default)
        specs.append({'name': name, 'role': name, 'size': getattr(model, 'patch_size', PATCH), 'mpp': mpp, 'channels': 3,
                      'normalization': getattr(model, 'normalization', NORMALIZATION)})
    return specs


def build_card(model, *, model_id: str, name: str, batch: int, float16: bool, training: dict | None,
               metrics: dict | None, description: str, test_model: bool, parity_error: float) -> dict:
    output_mpp = getattr(model, 'output_mpp', TARGET_MPP)
    upsampling = getattr(model, 'upsample', 'none')
    return {
        'schemaVersion': 1,
        'id': model_id,
        'name': name,
        'description': description,
        'testModel': test_model,
        'architecture': model.architecture,
        'upsampling': upsampling,
        'config': model.config(),
        'params': count_params(model),
        'inputs': input_specs(model),
        'output': {'name': 'probability', 'size': getattr(model, 'patch_size', PATCH), 'mpp': output_mpp, 'channels': 1,
                   'activation': getattr(model, 'output_activation', 'sigmoid')},
        'batchSize': batch,
        'format': {'modelFile': 'model.json', 'weightFiles': [SHARD], 'layout': 'NHWC'},
        'quantization': 'float16' if float16 else 'none',
        'training': training,
        'metrics': metrics,
        'intendedUse': INTENDED_USE,
        'parity': {'file': 'parity.json', 'float16RoundTripMaxAbsError': parity_error},
        'exportedAt': _dt.datetime.now(_dt.timezone.utc).isoformat(timespec='seconds'),
    }


def _fp16_roundtrip_error(model, inputs: dict[str, np.ndarray], ref: np.ndarray) -> float:
    """Max |Δ| of the PyTorch output when every weight is rounded to float16 (what --float16 ships)."""
    import copy

    m = copy.deepcopy(model)
    with torch.no_grad():
        for p in m.parameters():
            p.copy_(p.half().float())
    return float(np.abs(torch_outputs(m, inputs) - ref).max())


def export_model(model: torch.nn.Module, out_dir: str | os.PathLike, *, model_id: str | None = None,
                 name: str | None = None, batch: int = DEFAULT_BATCH, float16: bool = False,
                 training: dict | None = None, metrics: dict | None = None, description: str = '',
                 test_model: bool = False, parity_seed: int = 1234,
                 parity_feed: dict[str, np.ndarray] | None = None, card_transform=None) -> Path:
    """parity_feed: real, normalised NHWC input patches for parity.json ("stored-v1"); without it the
    sinusoid-v1 formula is used, to which a trained model may answer 0 everywhere (a vacuous check)."""
    out_dir = Path(out_dir)
    model_id = model_id or out_dir.name
    model = model.cpu().eval()
    g = GraphBuilder()
    size = getattr(model, 'patch_size', PATCH)
    model.emit(g, batch, size)
    entries, blob = g.weights(float16)
    model_json = g.model_json(entries, SHARD, generated_by=f'PyTorch {torch.__version__}')

    stored = parity_feed is not None
    inputs = ({k: np.ascontiguousarray(parity_feed[k], dtype=np.float32) for k in model.input_names} if stored
              else parity_inputs(model.input_names, size=size))
    ref = torch_outputs(model, inputs)
    fp16_err = _fp16_roundtrip_error(model, inputs, ref) if float16 else 0.0
    parity = {
        'note': 'inputs: NHWC float32 graph inputs (already normalised): stored-v1 = real patches in `data`, '
                'sinusoid-v1 = closed formula, input k = index in `inputs`; output: PyTorch probabilities; '
                'base64 little-endian float32',
        'generator': 'stored-v1' if stored else 'sinusoid-v1',
        'batch': int(ref.shape[0]),
        'inputs': [{'name': k, 'shape': list(v.shape), **({'data': _b64(v)} if stored else {})}
                   for k, v in inputs.items()],
        'output': {'name': 'probability', 'shape': list(ref.shape), 'data': _b64(ref)},
        'quantization': 'float16' if float16 else 'none',
        'tolerance': 1e-4 if not float16 else max(1e-3, 4 * fp16_err),
    }
    card = build_card(model, model_id=model_id, name=name or model_id, batch=batch, float16=float16,
                      training=training, metrics=metrics, description=description, test_model=test_model,
                      parity_error=fp16_err)
    if card_transform is not None:  # e.g. GlaS models: card schema 2 with named output channels
        card = card_transform(card)

    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f'.{out_dir.name}.tmp-', dir=out_dir.parent))
    try:
        (tmp / SHARD).write_bytes(blob)
        (tmp / 'model.json').write_text(dumps(model_json))
        (tmp / 'parity.json').write_text(dumps(parity))
        (tmp / 'card.json').write_text(json.dumps(card, indent=2) + '\n')
        os.chmod(tmp, 0o755)
        old = None
        if out_dir.exists():
            old = out_dir.with_name(f'.{out_dir.name}.old-{os.getpid()}')
            os.rename(out_dir, old)
        os.rename(tmp, out_dir)
        if old is not None:
            shutil.rmtree(old)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out_dir


def load_checkpoint(path: str | os.PathLike):
    from .registry import build_model

    ckpt = torch.load(path, map_location='cpu', weights_only=False)
    model = build_model(ckpt['model'], **ckpt.get('config_kwargs', {}))
    model.load_state_dict(ckpt['state_dict'])
    return model, ckpt


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--checkpoint', required=True)
    ap.add_argument('--out', required=True)
    ap.add_argument('--batch', type=int, default=DEFAULT_BATCH)
    ap.add_argument('--float16', action='store_true')
    ap.add_argument('--name')
    ap.add_argument('--parity-shards', help='patch-pair split (e.g. training/work/shards/val) for real parity inputs')
    args = ap.parse_args(argv)
    model, ckpt = load_checkpoint(args.checkpoint)
    feed = None
    if args.parity_shards:
        from .shards import load_split
        from .model_inputs import parity_feed
        feed = parity_feed(ckpt['model'], load_split(args.parity_shards))
    out = export_model(model, args.out, name=args.name or ckpt.get('name'), batch=args.batch, float16=args.float16,
                       training=ckpt.get('training'), metrics=ckpt.get('metrics'),
                       description=ckpt.get('description', ''), parity_feed=feed)
    print(f'exported {out}')


if __name__ == '__main__':
    main()
