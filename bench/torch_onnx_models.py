"""PyTorch half of `npm run bench -- convert`: each ONNX test network (training/make_onnx_tests.py)
rebuilt with the weights it was exported with (training.make_onnx_tests.seeded_model), checked
against onnxruntime's outputs of its exports (manifest.json: same weights, same inputs), then timed
at `batch` patches a call (the export's own when absent), with PyTorch's defaults (all threads,
oneDNN) and on one thread.

stdin: {"dir": ".cache/onnx-bench", "budgetMs": 2000, "batch": 8, "models": ["unet", ...]}
stdout: one JSON object: {"torch", "threads", "models": [{"model", "batch", "size", "parity":
        {"legacy": max|Δ|, "dynamo": max|Δ|}, "patchesPerSecond", "oneThreadPatchesPerSecond",
        "msPerBatch"}]}
"""

import json
import sys
import time
from pathlib import Path

import numpy as np
import torch

from training.make_onnx_tests import seeded_model


def timed(fn, budget_ms: float) -> tuple[float, int]:
    """(median seconds per call, calls) after one warm-up call, at least 3 calls, about budget_ms."""
    fn()
    runs = []
    start = time.perf_counter()
    while len(runs) < 3 or (time.perf_counter() - start) * 1000 < budget_ms:
        t0 = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - t0)
    return sorted(runs)[len(runs) // 2], len(runs)


def main() -> None:
    job = json.load(sys.stdin)
    out_dir = Path(job['dir'])
    manifest = json.loads((out_dir / 'manifest.json').read_text())
    default_threads = torch.get_num_threads()
    rows = []
    for name in job['models']:
        try:
            model, xs = seeded_model(name)
        except Exception as e:  # noqa: BLE001 (timm may be missing: reported, the others still run)
            rows.append({'model': name, 'error': f'{type(e).__name__}: {e}'[:300]})
            continue
        with torch.no_grad():
            y = model(*xs).numpy()
            parity = {}
            for exporter in ('legacy', 'dynamo'):
                e = manifest.get(f'{name}.{exporter}')
                if e and 'output' in e:
                    ref = np.fromfile(out_dir / e['output']['file'], dtype='<f4').reshape(e['output']['shape'])
                    parity[exporter] = float(np.abs(ref - y).max())
            b = job.get('batch') or xs[0].shape[0]
            g = torch.Generator().manual_seed(1)
            xb = [torch.randn(b, *x.shape[1:], generator=g) for x in xs]
            torch.set_num_threads(default_threads)
            sec, calls = timed(lambda: model(*xb), job['budgetMs'])  # noqa: B023
            torch.set_num_threads(1)
            sec1, _ = timed(lambda: model(*xb), job['budgetMs'])  # noqa: B023
            torch.set_num_threads(default_threads)
        rows.append({'model': name, 'batch': b, 'size': xs[0].shape[-1], 'parity': parity,
                     'msPerBatch': round(sec * 1000, 3), 'calls': calls,
                     'patchesPerSecond': round(b / sec, 1), 'oneThreadPatchesPerSecond': round(b / sec1, 1)})
        print(f'torch {name}: {rows[-1]["patchesPerSecond"]} patches/s ({rows[-1]["oneThreadPatchesPerSecond"]} on one thread), '
              f'parity {parity}', file=sys.stderr)
    print(json.dumps({'torch': torch.__version__, 'threads': default_threads,
                      'settings': 'defaults, and torch.set_num_threads(1)', 'models': rows}))


if __name__ == '__main__':
    main()
