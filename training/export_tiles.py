"""Exports a shipped model at larger inference tiles with the SAME weights, beside its 64 px graph.

A TF.js graph has static shapes (Slice begin/size, ResizeBilinear size, Conv2DBackpropInput
output_shape, the Placeholders), so every tile size needs its own topology. The weights stay in the
directory's one shard: `model-<S>.json` lists that shard's entries first, unchanged, then a tiny
second group `model-<S>.shapes.bin` with the shape constants whose values differ at S px. The 64 px
values of those constants keep their slot in the shard under the name `tile-unused/<name>` (a few
int32 [4] tensors that nothing reads). So `model.json` and the shard are untouched, byte for byte.

At S px the target tile is S px at the target mpp and the context tile S px at the context mpp
(same centre), so MRN's context crop stays the central 1/4 of each side at every level
(mrn.centre_crop_box; patch-geometry.ts mrnContextCrop computes the same boxes). The card gets a
`tiles` list; its `inputs`/`output`/`batchSize` keep describing the trained 64 px patch, whose
keep margin (keepMarginFor(64) = 8 px) the app uses at every tile size.

`parity-<S>.json` checks the new topology against PyTorch on the same tile: the input tile is a
mosaic ("mosaic-v1") of the stored 64 px parity patches: tile cell (r, c) of each input holds
stored patch (r + c) mod n, so the file stores only PyTorch's output.

CLI: python3 -m training.export_tiles models/mrn-bilinear --sizes 256:1 [--sizes 128:2 …]
"""

from __future__ import annotations

import argparse
import base64
import json
from pathlib import Path

import numpy as np
import torch

from .export_tfjs import parity_inputs, torch_outputs
from .graph_builder import GraphBuilder, dumps
from .import_tfjs import _decode, import_model, read_weights

UNUSED = 'tile-unused/'


def mosaic(patches: np.ndarray, size: int, batch: int) -> np.ndarray:
    """[batch, size, size, C] from n stored [n, p, p, C] patches: cell (r, c) = patch (r + c) mod n."""
    n, p = patches.shape[0], patches.shape[1]
    if size % p:
        raise ValueError(f'tile {size} is not a multiple of the stored patch {p}')
    k = size // p
    out = np.zeros((batch, size, size, patches.shape[3]), np.float32)
    for b in range(batch):
        for r in range(k):
            for c in range(k):
                out[b, r * p:(r + 1) * p, c * p:(c + 1) * p] = patches[(r + c + b) % n]
    return out


def base_inputs(parity: dict) -> dict[str, np.ndarray]:
    """The 64 px parity inputs of the trained graph: stored (stored-v1) or the closed form (sinusoid-v1)."""
    if parity['generator'] == 'stored-v1':
        return {i['name']: _decode(i['data'], i['shape']) for i in parity['inputs']}
    shape = parity['inputs'][0]['shape']
    return parity_inputs([i['name'] for i in parity['inputs']], n=shape[0], size=shape[1])


def tile_manifest(base_json: dict, base_arrays: dict[str, np.ndarray], g: GraphBuilder, size: int):
    """(weightsManifest for the S px topology, bytes of its shapes shard)."""
    new = dict(g.consts)
    shared, extra, blob = [], [], []
    for w in base_json['weightsManifest'][0]['weights']:
        name = w['name']
        if name in new and np.ascontiguousarray(new[name]).astype(base_arrays[name].dtype).tobytes() == base_arrays[name].tobytes():
            shared.append(w)
        else:
            if base_arrays[name].dtype == np.float32:
                raise ValueError(f'float weight {name} differs at {size} px: not the same weights')
            shared.append({**w, 'name': UNUSED + name})
    shared_names = {w['name'] for w in shared}
    for name, arr in g.consts:
        if name in shared_names:
            continue
        a = np.ascontiguousarray(arr)
        if a.dtype != np.int32:
            raise ValueError(f'{name}: only shape constants may differ between tile sizes')
        extra.append({'name': name, 'shape': list(a.shape), 'dtype': 'int32'})
        blob.append(a.astype('<i4').tobytes())
    paths = base_json['weightsManifest'][0]['paths']
    manifest = [{'paths': paths, 'weights': shared}]
    if extra:
        manifest.append({'paths': [f'model-{size}.shapes.bin'], 'weights': extra})
    return manifest, b''.join(blob)


def export_tile(model_dir: Path, size: int, batch: int) -> dict:
    model, card = import_model(model_dir)
    base_json, base_arrays = read_weights(model_dir, card['format']['modelFile'])
    if len(base_json['weightsManifest']) != 1:
        raise ValueError(f'{model_dir}: expected one weight group in {card["format"]["modelFile"]}')
    g = GraphBuilder()
    model.emit(g, batch, size)
    manifest, shapes = tile_manifest(base_json, base_arrays, g, size)
    mj = g.model_json([], 'unused', generated_by=base_json.get('generatedBy', 'PyTorch'))
    mj['weightsManifest'] = manifest
    mj['convertedBy'] = f'mrn-viewer training/export_tiles.py ({size} px tile, weights of {card["format"]["modelFile"]})'
    files = [*manifest[0]['paths']]
    (model_dir / f'model-{size}.json').write_text(dumps(mj))
    if len(manifest) > 1:
        (model_dir / manifest[1]['paths'][0]).write_bytes(shapes)
        files.append(manifest[1]['paths'][0])

    # parity on the same tile: mosaic of the stored 64 px parity inputs, PyTorch output stored
    base_parity = json.loads((model_dir / card['parity']['file']).read_text())
    n_par = 1
    inputs = {k: mosaic(v, size, n_par) for k, v in base_inputs(base_parity).items()}
    ref = torch_outputs(model, inputs)
    parity = {
        'note': 'mosaic-v1: input k is a mosaic of the 64 px inputs of `base` (stored or sinusoid-v1) (cell (r, c) of batch row b = '
                'stored patch (r + c + b) mod n); output: PyTorch probabilities, base64 little-endian float32',
        'generator': 'mosaic-v1',
        'base': card['parity']['file'],
        'batch': n_par,
        'inputs': [{'name': k, 'shape': list(v.shape)} for k, v in inputs.items()],
        'output': {'name': 'probability', 'shape': list(ref.shape),
                   'data': base64.b64encode(np.ascontiguousarray(ref, dtype='<f4').tobytes()).decode()},
        'quantization': 'none',
        'tolerance': 1e-4,
    }
    parity_file = f'parity-{size}.json'
    (model_dir / parity_file).write_text(dumps(parity))
    return {'size': size, 'batchSize': batch, 'modelFile': f'model-{size}.json', 'weightFiles': files,
            'parityFile': parity_file}


def update_card(model_dir: Path, tiles: list[dict]) -> None:
    """Adds (or replaces) the card's `tiles` list; the trained 64 px entry comes first."""
    path = model_dir / 'card.json'
    card = json.loads(path.read_text())
    base = {'size': card['inputs'][0]['size'], 'batchSize': card['batchSize'], 'modelFile': card['format']['modelFile'],
            'weightFiles': card['format']['weightFiles'], 'parityFile': card['parity']['file']}
    others = [t for t in card.get('tiles', []) if t['size'] not in {base['size'], *(t2['size'] for t2 in tiles)}]
    card['tiles'] = sorted([base, *others, *tiles], key=lambda t: t['size'])
    path.write_text(json.dumps(card, indent=2) + '\n')


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('dirs', nargs='+')
    ap.add_argument('--sizes', action='append', required=True, help='SIZE:BATCH, e.g. 256:1 (repeatable)')
    args = ap.parse_args(argv)
    torch.set_num_threads(1)
    sizes = [tuple(int(v) for v in s.split(':')) for s in args.sizes]
    for d in args.dirs:
        d = Path(d)
        tiles = [export_tile(d, s, b) for s, b in sizes]
        update_card(d, tiles)
        print(json.dumps({'dir': str(d), 'tiles': tiles}))


if __name__ == '__main__':
    main()
