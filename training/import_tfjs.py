"""Loads a shipped TF.js graph model (models/<id>/model.json + its weight shard) back into the PyTorch
module that exported it, and proves the round trip.

The training checkpoints are not kept with the repository; the TF.js directories are the only copy of
the weights. The exporter (export_tfjs.py, graph_builder.py) names every Const after the module that
owns it (`enc/block0/conv1/kernel`, `ctxup2/BiasAdd/bias`, …), so the mapping back is fixed:
`tfjs_name(parameter name)`. The proof is twofold (`check`):
  1. re-exporting the imported module at the card's patch size gives the original shard byte for
     byte (every Const, weights and shape constants alike), and
  2. PyTorch reproduces parity.json's stored outputs on its stored inputs (max |Δ| ≈ 1e-6).
MRN's training-only `context_head` is not exported, so it is left at its initial values. A GlaS card
(`training.geometry`) is rebuilt as glas_train.py builds it: its patch geometry (the MRN's crop
fraction) and its output channels (tumour, gland, border), so export_tiles.py serves GlaS models too.

CLI: python3 -m training.import_tfjs models/mrn-bilinear [models/unet …]   (prints the checks)
"""

from __future__ import annotations

import base64
import json
import re
import sys
from pathlib import Path

import numpy as np
import torch

from .graph_builder import GraphBuilder
from .glas_model import build
from .registry import build_model

_DTYPES = {'float32': np.dtype('<f4'), 'int32': np.dtype('<i4')}
# module path prefix → graph name prefix (the names layers.py / unet.py / mrn.py emit)
_PREFIX = [
    (r'^context_encoder\.blocks\.(\d+)\.c(\d)\.', r'ctx/block\1/conv\2.'),
    (r'^encoder\.blocks\.(\d+)\.c(\d)\.', r'enc/block\1/conv\2.'),
    (r'^context_ups\.(\d+)\.up\.', r'ctxup\1.'),
    (r'^context_ups\.(\d+)\.proj\.', r'ctxup\1/proj.'),
    (r'^ups\.(\d+)\.up\.', r'up\1.'),
    (r'^ups\.(\d+)\.proj\.', r'up\1/proj.'),
    (r'^decs\.(\d+)\.c(\d)\.', r'dec\1/conv\2.'),
    (r'^head\.', 'head.'),
]


def tfjs_name(param: str) -> str | None:
    """Graph Const holding a PyTorch parameter (None: not exported, e.g. MRN's context_head)."""
    for pattern, repl in _PREFIX:
        if re.match(pattern, param):
            base, kind = re.sub(pattern, repl, param).rsplit('.', 1)
            return f'{base}/kernel' if kind == 'weight' else f'{base}/BiasAdd/bias'
    return None


def read_weights(model_dir: Path, model_file: str = 'model.json') -> tuple[dict, dict[str, np.ndarray]]:
    """(model.json, every manifest entry as an array), reading each group's shards in order."""
    mj = json.loads((model_dir / model_file).read_text())
    arrays: dict[str, np.ndarray] = {}
    for group in mj['weightsManifest']:
        blob = b''.join((model_dir / p).read_bytes() for p in group['paths'])
        off = 0
        for w in group['weights']:
            if 'quantization' in w:
                raise ValueError(f'{w["name"]}: quantised weights are not supported by the importer')
            dt = _DTYPES[w['dtype']]
            n = int(np.prod(w['shape'], dtype=np.int64)) * dt.itemsize
            arrays[w['name']] = np.frombuffer(blob[off:off + n], dtype=dt).reshape(w['shape'])
            off += n
        if off != len(blob):
            raise ValueError(f'{group["paths"]}: manifest describes {off} bytes, shards hold {len(blob)}')
    return mj, arrays


def model_kind(card: dict) -> str:
    """The registry id of a card's network (its own id for the four shipped ones)."""
    arch, up = card['architecture'], card.get('upsampling')
    if arch == 'mrn':
        return f'mrn-{up}'
    if arch == 'unet':
        return 'unet-context' if card['inputs'][0]['mpp'] != 1.0 else 'unet'
    raise ValueError(f'cannot import architecture {arch!r}')


def import_model(model_dir: str | Path) -> tuple[torch.nn.Module, dict]:
    """(PyTorch module holding the directory's weights, its card)."""
    model_dir = Path(model_dir)
    card = json.loads((model_dir / 'card.json').read_text())
    cfg = card.get('config', {})
    geometry = card.get('training', {}).get('geometry')
    if geometry:
        # a GlaS model: its own patch geometry and output channels, built as glas_train builds it

        channels = card['output'].get('channels')
        kind = model_kind(card)
        if card['architecture'] == 'unet':
            at_context = card['inputs'][0]['mpp'] == geometry['contextMpp'] != geometry['targetMpp']
            kind = 'unet-context' if at_context else 'unet'
        model = build(kind, geometry, int(cfg.get('width', 16)), len(channels) if channels else 1)
    else:
        model = build_model(model_kind(card), width=int(cfg.get('width', 16)), depth=int(cfg.get('depth', 4)))
    load_weights(model, model_dir)
    return model.eval(), card


def load_weights(model: torch.nn.Module, model_dir: str | Path) -> None:
    """Sets `model`'s exported parameters from a TF.js directory (the module must be built as the
    one that exported it: same kind, width and output channels); training-only ones stay."""
    model_dir = Path(model_dir)
    card = json.loads((model_dir / 'card.json').read_text())
    _, arrays = read_weights(model_dir, card['format']['modelFile'])
    state = model.state_dict()
    used = set()
    for pname, tensor in state.items():
        gname = tfjs_name(pname)
        if gname is None:
            continue
        if gname not in arrays:
            raise KeyError(f'{model_dir}: no weight {gname} for parameter {pname}')
        arr = arrays[gname]
        # HWIO (Conv2D) and HWOI (Conv2DBackpropInput) both go back to torch's layout by (3, 2, 0, 1)
        value = np.transpose(arr, (3, 2, 0, 1)) if arr.ndim == 4 else arr
        if tuple(value.shape) != tuple(tensor.shape):
            raise ValueError(f'{gname}: shape {value.shape}, parameter {pname} wants {tuple(tensor.shape)}')
        state[pname] = torch.from_numpy(np.array(value, dtype=np.float32))
        used.add(gname)
    missing = [n for n, a in arrays.items() if a.dtype == np.float32 and n not in used]
    if missing:
        raise ValueError(f'{model_dir}: float weights with no parameter: {missing}')
    model.load_state_dict(state)


def _decode(b64: str, shape) -> np.ndarray:
    return np.frombuffer(base64.b64decode(b64), dtype='<f4').reshape(shape)


def parity_error(model: torch.nn.Module, model_dir: Path, parity_file: str = 'parity.json') -> float:
    """max |PyTorch(stored inputs) − stored outputs| for a stored-v1 parity file."""
    from .export_tfjs import parity_inputs, torch_outputs

    parity = json.loads((model_dir / parity_file).read_text())
    if parity['generator'] == 'stored-v1':
        inputs = {i['name']: _decode(i['data'], i['shape']) for i in parity['inputs']}
    else:
        shape = parity['inputs'][0]['shape']
        inputs = parity_inputs([i['name'] for i in parity['inputs']], n=shape[0], size=shape[1])
    got = torch_outputs(model, inputs)
    return float(np.abs(got - _decode(parity['output']['data'], parity['output']['shape'])).max())


def reexport_matches(model: torch.nn.Module, card: dict, model_dir: Path) -> bool:
    """True when emitting `model` at the card's size and batch gives the original Consts, byte for byte."""
    g = GraphBuilder()
    model.emit(g, card['batchSize'], card['inputs'][0]['size'])
    _, arrays = read_weights(model_dir, card['format']['modelFile'])
    if [n for n, _ in g.consts] != list(arrays):
        return False
    return all(np.ascontiguousarray(v).astype(arrays[n].dtype).tobytes() == arrays[n].tobytes() for n, v in g.consts)


def check(model_dir: str | Path) -> dict:
    model_dir = Path(model_dir)
    model, card = import_model(model_dir)
    return {'id': card['id'], 'reexportIdentical': reexport_matches(model, card, model_dir),
            'parityMaxAbsError': parity_error(model, model_dir, card.get('parity', {}).get('file', 'parity.json'))}


def main(argv=None) -> int:
    torch.set_num_threads(1)
    ok = True
    for d in (argv if argv is not None else sys.argv[1:]):
        r = check(d)
        print(json.dumps(r))
        ok = ok and r['reexportIdentical'] and r['parityMaxAbsError'] < 1e-4
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main())
