"""One converter for the project's models: a shipped model folder (models/<id>/, written by the
hand-written GraphDef exporter, training/export_tfjs.py) back to its PyTorch module, then to ONNX
with torch.onnx.export (both exporters), for the TypeScript converter to turn into a TF.js graph
again (src/inference/onnx/onnx-to-tfjs.shipped-models.parity.test.ts checks it against the folder's parity.json).

The shipped models' PyTorch checkpoints are not in the repository (they stay in training/work), so
the parameters are recovered from the folder's own weights: every parameter is filled with its
global element index, the exporter's emit() is run into a GraphBuilder, and each float const it
would write is then a permutation (a transpose) of parameter elements, naming the parameter
element behind each shipped value. A const that is not a plain copy (a folded value) fails here,
saying so. The recovered module must reproduce parity.json's PyTorch outputs before it is exported.

CLI: python3 -m training.shipped_to_onnx models/unet --out DIR
     → DIR/<id>.legacy.onnx, DIR/<id>.dynamo.onnx; a JSON report on stdout
"""

from __future__ import annotations

import argparse
import base64
import json
import sys
import warnings
from pathlib import Path

import numpy as np
import torch

from .export_tfjs import PATCH, count_params, torch_outputs
from .graph_builder import GraphBuilder
from .registry import MODEL_KINDS, build_model


def _f32(b64: str) -> np.ndarray:
    return np.frombuffer(base64.b64decode(b64), dtype='<f4')


def model_of(card: dict) -> torch.nn.Module:
    kind = card['id'] if card['id'] in MODEL_KINDS else f"{card.get('architecture')}-{card.get('upsampling')}"
    if card.get('architecture') == 'unet' and card['id'] not in MODEL_KINDS:
        kind = 'unet'
    cfg = card.get('config', {})
    return build_model(kind, width=cfg.get('width', 16), depth=cfg.get('depth', 4)).eval()


def recover(folder: Path) -> tuple[torch.nn.Module, dict]:
    card = json.loads((folder / 'card.json').read_text())
    if card.get('quantization', 'none') != 'none':
        raise SystemExit(f'{folder}: fp16 weights cannot be recovered exactly')
    model = model_of(card)
    params = [p for _, p in model.named_parameters()]
    total = sum(p.numel() for p in params)
    if total >= 2 ** 24:
        raise SystemExit(f'{folder}: {total} parameters, too many to index exactly in float32')
    off = 0
    with torch.no_grad():
        for p in params:
            p.copy_(torch.arange(off, off + p.numel(), dtype=torch.float32).reshape(p.shape))
            off += p.numel()
    g = GraphBuilder()
    model.emit(g, int(card.get('batchSize', 2)), getattr(model, 'patch_size', PATCH))
    mj = json.loads((folder / 'model.json').read_text())
    shard = (folder / mj['weightsManifest'][0]['paths'][0]).read_bytes()
    shipped, at = {}, 0
    for w in mj['weightsManifest'][0]['weights']:
        n = int(np.prod(w['shape'])) if w['shape'] else 1
        size = 4 * n
        if w['dtype'] == 'float32':
            shipped[w['name']] = np.frombuffer(shard, dtype='<f4', count=n, offset=at).reshape(w['shape'])
        at += size
    flat = np.full(total, np.nan, dtype=np.float32)
    for name, arr in g.consts:
        if arr.dtype != np.float32:
            continue  # shapes and indices
        if name not in shipped:
            raise SystemExit(f'{folder}: the exporter writes {name}, the folder has no such weight')
        idx = arr.astype(np.int64)
        if not np.array_equal(idx, arr) or idx.min() < 0 or idx.max() >= total:
            raise SystemExit(f'{folder}: {name} is not a plain copy of parameters (a folded value)')
        flat[idx.ravel()] = shipped[name].ravel()
    covered = int(np.isfinite(flat).sum())
    exported = count_params(model)
    if covered != exported:
        raise SystemExit(f'{folder}: recovered {covered} of the {exported} exported parameters')
    flat = np.nan_to_num(flat)  # training-only heads (MRN's context_head) are not in the graph: zeros
    off = 0
    with torch.no_grad():
        for p in params:
            p.copy_(torch.from_numpy(flat[off:off + p.numel()].copy()).reshape(p.shape))
            off += p.numel()
    return model, card


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('folder')
    ap.add_argument('--out', required=True)
    args = ap.parse_args(argv)
    folder = Path(args.folder)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    model, card = recover(folder)
    parity = json.loads((folder / 'parity.json').read_text())
    if parity['generator'] != 'stored-v1':
        raise SystemExit(f'{folder}: parity.json is {parity["generator"]}; this check reads stored inputs')
    feeds = {i['name']: _f32(i['data']).reshape(i['shape']) for i in parity['inputs']}
    ref = _f32(parity['output']['data']).reshape(parity['output']['shape'])
    got = torch_outputs(model, feeds)
    torch_diff = float(np.abs(got - ref).max())
    if torch_diff > 1e-5:
        raise SystemExit(f'{folder}: the recovered module is {torch_diff} from parity.json')
    batch = int(card.get('batchSize', 2))
    size = getattr(model, 'patch_size', PATCH)
    xs = tuple(torch.zeros(batch, 3, size, size) for _ in model.input_names)
    files = {}
    for exporter in ('legacy', 'dynamo'):
        path = out / f"{card['id']}.{exporter}.onnx"
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            if exporter == 'dynamo':
                torch.onnx.export(model, xs, str(path), input_names=list(model.input_names),
                                  output_names=['probability'], dynamo=True, opset_version=18, external_data=False)
            else:
                torch.onnx.export(model, xs, str(path), input_names=list(model.input_names),
                                  output_names=['probability'], dynamo=False, opset_version=17)
        files[exporter] = path.name
    print(json.dumps({'id': card['id'], 'params': count_params(model), 'torchMaxDiff': torch_diff,
                      'batch': batch, 'files': files}))


if __name__ == '__main__':
    sys.exit(main())
